"""Hidden columns and error cells as real workbooks hold them."""

from __future__ import annotations

import zipfile

import openpyxl

from orchestration.ingest.pipeline import ingest_year
from orchestration.ingest.workbook import read_workbook
from tests.workbooks import assert_accounting

ROWS = [
    ["学校名称", "办学类型", "在校生数", "专任教师数", "专任教师数", "图书册数"],
    ["正定县第一小学", "小学", 400, 7, 8, 2000],
    ["正定县第二小学", "小学", 300, 5, 6, 1500],
]


def _book(path, hide: str):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "学校"
    for row in ROWS:
        sheet.append(row)
    sheet.column_dimensions[hide].hidden = True
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


def test_the_visible_one_of_two_columns_of_a_field_wins_and_is_reported(tmp_path):
    _book(tmp_path / "raw/2019/正定县.xlsx", "D")  # last year's teachers, hidden
    result = ingest_year(tmp_path / "raw", 2019)
    assert_accounting(result)
    assert list(result.school_rows["teachers_primary"]) == [8, 6]
    (hidden,) = result.ingest_files.query("reason_code == 'hidden_column'").itertuples()
    assert "column D (专任教师数)" in hidden.reason and "visible column E" in hidden.reason


def test_a_hidden_column_is_never_a_value(tmp_path):
    _book(tmp_path / "raw/2019/正定县.xlsx", "F")
    result = ingest_year(tmp_path / "raw", 2019)
    assert result.school_rows["books"].isna().all()  # not 0: the sheet shows no books column
    assert len(result.ingest_files.query("reason_code == 'hidden_column'")) == 1


def test_error_cells_are_found_whatever_the_zips_path_separators(tmp_path):
    path = _book(tmp_path / "raw/2019/正定县.xlsx", "A")
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    sheet = members["xl/worksheets/sheet1.xml"].decode()
    members["xl/worksheets/sheet1.xml"] = sheet.replace(
        '<c r="F2" t="n"><v>2000</v></c>', '<c r="F2" t="e"><f>1/0</f><v>#DIV/0!</v></c>'
    ).encode()
    assert members["xl/worksheets/sheet1.xml"] != sheet.encode()
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name.replace("/", "\\") if "worksheets" in name else name, data)
    (grid,) = read_workbook(path)
    assert (1, 5) in grid.error_cells and grid.hidden_columns == {0}


def test_the_marker_scan_finds_what_the_parse_would_across_chunks_and_prefixes():
    import io

    from orchestration.ingest.workbook import _may_hold_facts

    plain = b'<row r="1"><c r="A1"><v>1</v></c></row>' * 100
    assert not _may_hold_facts(io.BytesIO(plain), chunk=64)
    for marker in (b"<x:f>A1+1</x:f>", b'<c r="B2" t="e">', b'<row r="9" hidden="1">'):
        data = plain[:1000] + marker + plain[1000:]
        assert _may_hold_facts(io.BytesIO(data), chunk=64), marker
