"""The same sheet saved through every container the reader accepts stages the same values.

Each sheet of a source workbook is saved on its own as `.xlsx`, `.xls`, CSV in UTF-8 and
GBK, Excel's "Unicode text" (UTF-16, tabs), an HTML table and SpreadsheetML, under the
names such files arrive with (an HTML table named `.xls`, ...), and the school rows they
stage are compared with those of the source itself. Sources: case files and a sample of
the demo province. A sheet with merged cells is compared only through the containers
that keep merges (a CSV saved by Excel keeps a merged value in its first cell only).
"""

from __future__ import annotations

import csv
import html
import io
from pathlib import Path

import pandas as pd
import pytest

from orchestration.demo import generate_demo_province
from orchestration.ingest.discover import discover_raw_files, survey_years
from orchestration.ingest.pipeline import ingest_year
from orchestration.ingest.workbook import SheetGrid, read_workbook
from tests.workbooks import Sheet, assert_accounting, write_book

CASES = Path(__file__).parents[2] / "fixtures" / "cases"
CONTAINERS = ["xlsx", "xls", "csv-utf8", "csv-gbk", "unicode-text", "html", "spreadsheetml"]
KEEP_MERGES = {"xlsx", "xls", "html", "spreadsheetml"}
# Every container under a name it arrives with: the bytes decide, not the extension.
NAMES = {"xlsx": ".xls", "xls": ".et", "csv-utf8": ".csv", "csv-gbk": ".xls",
         "unicode-text": ".txt", "html": ".xls", "spreadsheetml": ".xls"}  # fmt: skip
VALUES = ["county_code", "school_id", "school_name", "school_type", "reported_scope",
          "ownership", "urban_rural", "counts_as_school", "parent_school_name",
          "students_primary", "students_junior", "teachers_primary", "teachers_junior",
          "teachers_above_degree_primary", "teachers_pe_arts_junior", "teaching_area_m2",
          "sports_area_m2", "equipment_value_yuan", "computers", "books",
          "multimedia_rooms"]  # fmt: skip
DEMO_SAMPLE = 8


def _text(cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell)


def _delimited(rows, delimiter: str) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerows([[_text(cell) for cell in row] for row in rows])
    return out.getvalue()


def _spanned_cells(sheet: Sheet):
    """Per row, the (column, cell, rows down, columns across) of each cell a markup
    format writes: the top-left cell of a merge with its span, covered cells left out."""
    covered = {}
    for (top, left), (bottom, right) in sheet.merges:
        for r in range(top, bottom + 1):
            for c in range(left, right + 1):
                covered[(r, c)] = (0, 0)
        covered[(top, left)] = (bottom - top + 1, right - left + 1)
    for r, row in enumerate(sheet.rows):
        yield [
            (c, cell, *covered.get((r, c), (1, 1)))
            for c, cell in enumerate(row)
            if covered.get((r, c)) != (0, 0)
        ]


def _html(sheet: Sheet) -> bytes:
    lines = []
    for cells in _spanned_cells(sheet):
        tds = []
        for _, cell, down, across in cells:
            span = (f' rowspan="{down}"' if down > 1 else "") + (
                f' colspan="{across}"' if across > 1 else ""
            )
            tds.append(f"<td{span}>{html.escape(_text(cell))}</td>")
        lines.append("<tr>" + "".join(tds) + "</tr>")
    page = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">'
        '</head><body><table border="1">\n' + "\n".join(lines) + "\n</table></body></html>"
    )
    return page.encode("gb18030")


def _spreadsheetml(sheet: Sheet) -> bytes:
    rows = []
    for r, cells in enumerate(_spanned_cells(sheet)):
        written = []
        for c, cell, down, across in cells:
            merge = (f' ss:MergeDown="{down - 1}"' if down > 1 else "") + (
                f' ss:MergeAcross="{across - 1}"' if across > 1 else ""
            )
            number = isinstance(cell, (int, float)) and not isinstance(cell, bool)
            data = (
                f'<Data ss:Type="{"Number" if number else "String"}">'
                f"{html.escape(_text(cell))}</Data>"
                if _text(cell)
                else ""
            )
            written.append(f'<Cell ss:Index="{c + 1}"{merge}>{data}</Cell>')
        rows.append(f'<Row ss:Index="{r + 1}">' + "".join(written) + "</Row>")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<?mso-application progid="Excel.Sheet"?>\n'
        '<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" '
        'xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet">'
        f'<Worksheet ss:Name="{html.escape(sheet.name)}"><Table>{"".join(rows)}</Table>'
        "</Worksheet></Workbook>"
    ).encode()


def save(sheet: Sheet, container: str, path: Path) -> None:
    """`sheet` written as `container` at `path`, whatever `path`'s extension."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if container in ("xlsx", "xls"):
        written = write_book(path.with_name(f"written.{container}"), [sheet])
        written.rename(path)
    elif container == "csv-utf8":
        path.write_bytes(_delimited(sheet.rows, ",").encode("utf-8-sig"))
    elif container == "csv-gbk":
        path.write_bytes(_delimited(sheet.rows, ",").encode("gb18030"))
    elif container == "unicode-text":  # Excel's "Unicode text": UTF-16 with a BOM, tabs
        path.write_bytes(_delimited(sheet.rows, "\t").encode("utf-16"))
    elif container == "html":
        path.write_bytes(_html(sheet))
    elif container == "spreadsheetml":
        path.write_bytes(_spreadsheetml(sheet))


def shown(grid: SheetGrid) -> Sheet:
    """A sheet as Excel shows it (hidden rows out), error cells written as their text."""
    rows = []
    for r, row in enumerate(grid.rows):
        if r in grid.hidden_rows:
            rows.append([])
            continue
        rows.append(
            ["#DIV/0!" if (r, c) in grid.error_cells else cell for c, cell in enumerate(row)]
        )
    merges = [tuple(map(tuple, merge)) for merge in grid.merged]
    return Sheet(grid.name, rows, merges)


def staged_values(raw: Path, year: int) -> pd.DataFrame:
    result = ingest_year(raw, year)
    assert_accounting(result)
    rows = result.school_rows.reindex(columns=VALUES)
    return rows.sort_values(["school_name", "reported_scope"]).reset_index(drop=True)


def assert_same_through_every_container(tmp_path: Path, source: Path, relative: str, year: int):
    """Each visible sheet of `source`, alone in a raw folder at `relative`, through every
    container, stages what the source sheet stages. Returns the staged rows compared."""
    compared = 0
    for grid in read_workbook(source):
        if not grid.visible:
            continue
        sheet = shown(grid)
        stem = f"{Path(relative).stem} {grid.name}"  # a text file keeps the sheet name here
        reference_raw = tmp_path / "reference" / grid.name / "raw"
        save(sheet, "xlsx", reference_raw / Path(relative).parent / f"{stem}.xlsx")
        reference = staged_values(reference_raw, year)
        compared += len(reference)
        for container in CONTAINERS:
            if sheet.merges and container not in KEEP_MERGES:
                continue
            raw = tmp_path / container / grid.name / "raw"
            save(sheet, container, raw / Path(relative).parent / f"{stem}{NAMES[container]}")
            pd.testing.assert_frame_equal(
                staged_values(raw, year), reference, obj=f"{relative} / {grid.name} as {container}"
            )
    return compared


@pytest.mark.parametrize(
    "case", ["04-xlsx-renamed-xls", "11-hidden-row-closed-school", "01-html-table-as-xls"]
)
def test_a_case_file_through_every_container(tmp_path, case):
    (source,) = (CASES / case).iterdir()
    reference = ingest_year_of(tmp_path / "original", source)
    assert len(reference) == 3
    assert_same_through_every_container(tmp_path, source, f"2023/{source.name}", 2023)
    staged = staged_values(tmp_path / "xlsx" / next(iter(read_workbook(source))).name / "raw", 2023)
    pd.testing.assert_frame_equal(staged, reference, obj="the source itself")


def ingest_year_of(folder: Path, source: Path) -> pd.DataFrame:
    target = folder / "raw" / "2023" / source.name
    target.parent.mkdir(parents=True)
    target.write_bytes(source.read_bytes())
    return staged_values(folder / "raw", 2023)


@pytest.fixture(scope="module")
def demo_files(tmp_path_factory):
    raw = tmp_path_factory.mktemp("demo") / "raw"
    generate_demo_province(raw)
    files = discover_raw_files(raw)
    # The files that stage schools (not the notices, encrypted or damaged ones).
    staging = set()
    for year in survey_years(files):
        staging |= set(ingest_year(raw, year, files).school_rows["source_file"])
    return [file for file in files if file.source_file in staging]


@pytest.mark.parametrize("pick", range(DEMO_SAMPLE))
def test_a_demo_file_through_every_container(tmp_path, demo_files, pick):
    file = demo_files[pick * len(demo_files) // DEMO_SAMPLE]
    compared = assert_same_through_every_container(
        tmp_path, file.path, file.source_file, file.survey_year
    )
    assert compared, f"{file.source_file}: no sheet staged a school"
