"""Every kind of mess of docs/spec/raw-sheets.md is in the written files, read back as a
reader would."""

from __future__ import annotations

import re
import struct
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook, PasswordError, SheetVisibleEnum

from tests.integration.demo.readback import read_csv_rows, read_sheet_rows


@dataclass
class Corpus:
    cells: Counter = field(default_factory=Counter)  # every non-empty cell, as text
    sheet_names: Counter = field(default_factory=Counter)
    hidden_sheets: int = 0
    empty_sheets: int = 0
    merge_heights: Counter = field(default_factory=Counter)
    numeric_ids: int = 0
    max_data_sheets: int = 0
    csv_encodings: Counter = field(default_factory=Counter)
    suffixes: Counter = field(default_factory=Counter)
    unreadable: list[str] = field(default_factory=list)
    blank_columns: int = 0

    def add_rows(self, rows: list[list[object]]) -> None:
        for row in rows:
            for cell in row:
                if isinstance(cell, float) and 2.1e9 <= cell < 2.2e9:
                    self.numeric_ids += 1
                if cell not in ("", None):
                    self.cells[str(cell)] += 1
        widths = [
            i
            for i in range(max((len(r) for r in rows), default=0))
            if all(i >= len(r) or r[i] in ("", None) for r in rows)
        ]
        self.blank_columns += sum(1 for i in widths if i < max(len(r) for r in rows) - 1)

    def has(self, pattern: str) -> int:
        regex = re.compile(pattern)
        return sum(n for text, n in self.cells.items() if regex.search(text))


@pytest.fixture(scope="module")
def corpus(demo) -> Corpus:
    out_dir, _ = demo
    corpus = Corpus()
    for path in sorted(p for p in out_dir.rglob("*") if p.is_file()):
        corpus.suffixes[path.suffix] += 1
        if path.suffix == ".csv":
            rows, encoding = read_csv_rows(path)
            bom = path.read_bytes().startswith(b"\xef\xbb\xbf")
            corpus.csv_encodings[
                "utf-8-sig" if bom else "utf-8" if encoding == "utf-8-sig" else encoding
            ] += 1
            corpus.add_rows(rows)
            continue
        if path.suffix not in (".xlsx", ".xlsm", ".xls") or path.name.startswith("~$"):
            continue
        try:
            workbook = CalamineWorkbook.from_path(str(path))
        except Exception:
            corpus.unreadable.append(path.name)
            continue
        data_sheets = 0
        for meta in workbook.sheets_metadata:
            sheet = workbook.get_sheet_by_name(meta.name)
            rows = sheet.to_python(skip_empty_area=False)
            corpus.sheet_names[meta.name] += 1
            corpus.hidden_sheets += meta.visible != SheetVisibleEnum.Visible
            corpus.empty_sheets += not rows
            data_sheets += len(rows) > 5 and meta.visible == SheetVisibleEnum.Visible
            for (r1, _), (r2, _) in sheet.merged_cell_ranges or []:
                corpus.merge_heights[r2 - r1 + 1] += 1
            corpus.add_rows(rows)
        corpus.max_data_sheets = max(corpus.max_data_sheets, data_sheets)
    return corpus


def test_all_four_formats_and_three_csv_encodings(corpus: Corpus) -> None:
    for suffix in (".xlsx", ".xlsm", ".xls", ".csv"):
        assert corpus.suffixes[suffix] >= 3, suffix
    for encoding in ("utf-8", "utf-8-sig", "gb18030"):
        assert corpus.csv_encodings[encoding] >= 2, encoding


def test_where_the_table_is(corpus: Corpus) -> None:
    assert corpus.has(r"^\S*\d{4}年义务教育学校基本情况统计表$") >= 10  # title lines
    assert corpus.has(r"^填报单位:") >= 10 and corpus.has(r"^单位:平方米、万元$") >= 3
    assert corpus.merge_heights[2] >= 10 and corpus.merge_heights[3] >= 10  # 2- and 3-row headers
    assert corpus.merge_heights[1] >= 10  # labels merged across their stage columns
    assert corpus.max_data_sheets >= 5  # a sheet per school type or per township
    assert (
        corpus.sheet_names["九年一贯制学校"]
        and corpus.sheet_names["初中"]
        and corpus.sheet_names["小学"]
    )
    assert any(name.endswith(("乡", "镇")) for name in corpus.sheet_names)
    assert (
        corpus.sheet_names["填表说明"] >= 3
        and corpus.hidden_sheets >= 3
        and corpus.empty_sheets >= 3
    )
    for label in ("一、小学", "二、初级中学", "三、九年一贯制学校"):
        assert corpus.cells[label] >= 3, label
    for label in ("合计", "小计", "全县合计", "总计"):
        assert corpus.cells[label] >= 2, label
    for footer in (r"^注:", r"^填表人:", r"^审核人:", r"^填报日期:"):
        assert corpus.has(footer) >= 5, footer
    assert corpus.cells["序号"] + corpus.cells["编号"] >= 5
    assert corpus.blank_columns >= 3


def normalised_headers(corpus: Corpus) -> set[str]:
    return {re.sub(r"\s+", "", text) for text in corpus.cells}


@pytest.mark.parametrize(
    "synonyms",
    [
        ("学校名称", "校名", "单位名称"),
        ("在校生数", "学生数", "在校学生数"),
        ("教学及辅助用房面积(㎡)", "教辅用房面积(平方米)", "教学辅助用房(m2)"),
        ("体育运动场馆面积", "运动场面积", "体育场地面积"),
        ("教学仪器设备值(万元)", "仪器设备总值(元)", "教学仪器设备资产值"),
        ("图书册数", "图书", "藏书量"),
        ("教学用计算机", "计算机台数", "学生用计算机台数"),
        ("网络多媒体教室数", "多媒体教室数"),
        ("运动场地面积", "室内体育用房"),  # the statistics-form floor layout
    ],
)
def test_header_synonyms_and_units(corpus: Corpus, synonyms: tuple[str, ...]) -> None:
    headers = normalised_headers(corpus)
    for synonym in synonyms:
        assert any(synonym in header for header in headers), synonym


def test_header_cells_hold_line_breaks_spaces_and_traditional_characters(corpus: Corpus) -> None:
    assert corpus.has("\n") >= 10
    assert corpus.cells["学 生 数"] >= 3
    assert corpus.has("學校名稱|專任教師|在校學生數") >= 3


def test_what_the_cells_hold(corpus: Corpus) -> None:
    assert corpus.has(r"^\d{1,3}(,\d{3})+(\.\d+)?$") >= 20  # thousands separators
    assert corpus.has(r"^[０-９]+([．][０-９]+)?$") >= 20  # full-width digits
    assert corpus.has(r"^ \d+(\.\d+)? $") >= 20  # surrounding spaces
    assert corpus.has(r"^\d+(\.\d+)?㎡$") >= 20  # a trailing unit
    for marker in ("-", "—", "/", "无"):
        assert corpus.cells[marker] >= 20, marker
    assert corpus.cells["#DIV/0!"] >= 10
    assert corpus.numeric_ids >= 50  # school ids typed as numbers
    assert corpus.has(r"^21\d{2} \d{6} $") >= 20  # school ids with spaces


def test_error_cells_formulas_and_scientific_ids_in_the_xlsx_xml(demo) -> None:
    out_dir, _ = demo
    errors = formulas = scientific = 0
    for path in list(out_dir.rglob("*.xlsx")) + list(out_dir.rglob("*.xlsm")):
        if not zipfile.is_zipfile(path):
            continue
        with zipfile.ZipFile(path) as archive:
            xml = "".join(
                archive.read(n).decode()
                for n in archive.namelist()
                if n.startswith("xl/worksheets/")
            )
            styles = archive.read("xl/styles.xml").decode()
        errors += xml.count('t="e"')
        scientific += 'numFmtId="11"' in styles  # the built-in 0.00E+00 format
        cached = re.findall(r'<c r="([A-Z]+)(\d+)"><f>[^<]+</f><v>([\d.]+)</v></c>', xml)
        formulas += len(cached)
        if cached:
            assert_calamine_reads_cached_value(path, cached[0])
    assert errors >= 5 and formulas >= 50 and scientific >= 2


def assert_calamine_reads_cached_value(path: Path, cell: tuple[str, str, str]) -> None:
    letters, row, value = cell
    column = 0
    for letter in letters:
        column = column * 26 + ord(letter) - 64
    with CalamineWorkbook.from_path(str(path)) as workbook:
        for name in workbook.sheet_names:
            rows = workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)
            if len(rows) >= int(row) and len(rows[int(row) - 1]) >= column:
                if rows[int(row) - 1][column - 1] == pytest.approx(float(value)):
                    return
    raise AssertionError(f"no sheet of {path.name} reads {value} at {letters}{row}")


def test_bad_files_are_there(demo, corpus: Corpus) -> None:
    out_dir, truth = demo
    protected = truth.files.loc[truth.files["reason_code"] == "password_protected", "source_file"]
    truncated = next(p.name for p in out_dir.rglob("*(损坏).xlsx"))
    assert sorted(corpus.unreadable) == sorted([truncated, *(Path(f).name for f in protected)])
    assert list(out_dir.rglob("~$*.xlsx")) and list(out_dir.rglob("*.docx"))
    outside = [p for p in out_dir.iterdir() if p.is_file()]
    year_in_name = [p for p in outside if re.search(r"20\d\d年", p.name)]
    assert year_in_name and len(outside) > len(
        year_in_name
    )  # a year from the name, one from a title
    ambiguous = truth.files[truth.files["reason_code"] == "county_ambiguous"]["source_file"]
    assert all("新华区" in f and "石家庄市" not in f for f in ambiguous)
    legit = truth.files[
        truth.files["source_file"].str.contains("新华区") & (truth.files["status"] == "loaded")
    ]
    assert legit["source_file"].str.contains("石家庄市").all() and len(legit) >= 5


def compound_file_streams(data: bytes) -> dict[str, int]:
    """Stream name -> size, from the directory of an OLE compound file ([MS-CFB] 2.2, 2.6)."""
    assert data[:8] == bytes.fromhex("d0cf11e0a1b11ae1")
    sector_size = 1 << struct.unpack_from("<H", data, 30)[0]
    first_fat = struct.unpack_from("<I", data, 76)[0]
    fat_offset = (first_fat + 1) * sector_size
    fat = struct.unpack_from(f"<{sector_size // 4}I", data, fat_offset)
    sector, entries = struct.unpack_from("<I", data, 48)[0], b""
    while sector < 0xFFFFFFFA:
        entries += data[(sector + 1) * sector_size : (sector + 2) * sector_size]
        sector = fat[sector]
    streams = {}
    for offset in range(0, len(entries), 128):
        name_length, kind = struct.unpack_from("<HB", entries, offset + 64)
        if kind == 2:
            name = entries[offset : offset + name_length - 2].decode("utf-16-le")
            streams[name] = struct.unpack_from("<Q", entries, offset + 120)[0]
    return streams


def test_password_protected_workbooks_are_compound_files_as_excel_writes_them(demo) -> None:
    out_dir, truth = demo
    protected = truth.files.loc[truth.files["reason_code"] == "password_protected", "source_file"]
    assert {Path(f).suffix for f in protected} == {".xlsx", ".xlsm", ".xls"}
    for source_file in protected:
        path = out_dir / source_file
        streams = compound_file_streams(path.read_bytes())
        if path.suffix == ".xls":  # a BIFF8 Workbook stream with a FILEPASS record
            assert set(streams) == {"Workbook"}
            with pytest.raises(PasswordError):
                CalamineWorkbook.from_path(str(path))
        else:
            assert set(streams) == {"EncryptionInfo", "EncryptedPackage"}
            assert (
                streams["EncryptedPackage"] > 4096
            )  # in regular sectors; EncryptionInfo in the mini stream
            assert not zipfile.is_zipfile(path)


def test_a_merged_prefecture_file_holds_several_counties_with_a_code_column(demo) -> None:
    _, truth = demo
    loaded = truth.files[truth.files["status"] == "loaded"]
    merged = loaded.loc[loaded["county_code"].isna(), "source_file"]
    assert {Path(f).suffix for f in merged} >= {".csv", ".xlsx"}
    for source_file in merged:
        rows = truth.schools[truth.schools["source_file"] == source_file]
        assert rows["county_code"].nunique() >= 2
        elsewhere = truth.schools[
            (truth.schools["survey_year"] == rows["survey_year"].iloc[0])
            & truth.schools["county_code"].isin(rows["county_code"].unique())
        ]
        assert (elsewhere["source_file"] == source_file).all()  # those counties sent nothing else
        missing_stages = truth.quarantined[
            (truth.quarantined["source_file"] == source_file)
            & (truth.quarantined["reason_code"] == "stage_enrollment_missing")
        ]
        assert len(missing_stages) >= 1


def test_a_workbook_copied_from_last_year_still_holds_last_years_sheet(demo) -> None:
    out_dir, truth = demo
    files = truth.files
    stale = files[(files["reason_code"] == "year_conflict") & (files["status"] == "skipped")]
    assert len(stale) >= 2 and stale["source_file"].str.rsplit(".", n=1).str[-1].nunique() >= 2
    for row in stale.itertuples():
        assert row.sheet == f"{row.survey_year - 1}年"
        assert len(read_sheet_rows(out_dir / row.source_file, row.sheet)) > 20  # a whole table
        this_year = files[(files["source_file"] == row.source_file) & (files["status"] == "loaded")]
        assert len(this_year) >= 1
