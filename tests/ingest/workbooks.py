"""Writers of small county workbooks for the ingest tests (openpyxl, xlwt, csv)."""

from __future__ import annotations

import csv
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
import xlwt

Merge = tuple[tuple[int, int], tuple[int, int]]  # 0-based (row, col) corners, inclusive


@dataclass
class Sheet:
    name: str
    rows: list[list]
    merges: list[Merge] = field(default_factory=list)
    hidden: bool = False


def write_book(path: Path, sheets: list[Sheet], encoding: str = "utf-8") -> Path:
    """Write `sheets` in the format the suffix of `path` says (a .csv takes the first)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        with path.open("w", encoding=encoding, newline="") as handle:
            csv.writer(handle).writerows(
                [["" if c is None else c for c in row] for row in sheets[0].rows]
            )
    elif suffix == ".xls":
        book = xlwt.Workbook(encoding="utf-8")
        for sheet in sheets:
            ws = book.add_sheet(sheet.name)
            merged_cells = set()
            for (top, left), (bottom, right) in sheet.merges:
                value = sheet.rows[top][left] if left < len(sheet.rows[top]) else ""
                ws.write_merge(top, bottom, left, right, value)
                merged_cells |= {
                    (r, c) for r in range(top, bottom + 1) for c in range(left, right + 1)
                }
            for r, row in enumerate(sheet.rows):
                for c, value in enumerate(row):
                    if value not in (None, "") and (r, c) not in merged_cells:
                        ws.write(r, c, value)
            if sheet.hidden:
                ws.visibility = 1
        book.save(str(path))
    else:
        book = openpyxl.Workbook()
        book.remove(book.active)
        for sheet in sheets:
            ws = book.create_sheet(sheet.name)
            for r, row in enumerate(sheet.rows):
                for c, value in enumerate(row):
                    if value not in (None, ""):
                        ws.cell(row=r + 1, column=c + 1, value=value)
            for (top, left), (bottom, right) in sheet.merges:
                ws.merge_cells(
                    start_row=top + 1,
                    start_column=left + 1,
                    end_row=bottom + 1,
                    end_column=right + 1,
                )
            if sheet.hidden:
                ws.sheet_state = "hidden"
        book.save(path)
    return path


def set_cached_values(path: Path, sheet_index: int, values: dict[str, object]) -> None:
    """Give formula cells of an openpyxl-written .xlsx a cached value (Excel's saved result).

    openpyxl writes formulas without one; a value starting with '#' is cached as an error.
    """
    member = f"xl/worksheets/sheet{sheet_index + 1}.xml"
    with zipfile.ZipFile(path) as archive:
        contents = {name: archive.read(name) for name in archive.namelist()}
    xml = contents[member].decode()
    for ref, value in values.items():
        kind = ' t="e"' if str(value).startswith("#") else ""
        xml = re.sub(rf'<c r="{ref}"([^>]*)><f>(.*?)</f><v(?:\s*/>|></v>)</c>',
                     rf'<c r="{ref}"{kind}><f>\2</f><v>{value}</v></c>', xml)  # fmt: skip
    contents[member] = xml.encode()
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in contents.items():
            archive.writestr(name, data)


def ingest_book(tmp_path: Path, sheets: list[Sheet], name: str = "2019/石家庄市/正定县均衡数据.xlsx",
                year: int = 2019, encoding: str = "utf-8"):  # fmt: skip
    """Write one workbook under tmp_path/raw and ingest its year."""
    from orchestration.ingest.pipeline import ingest_year

    raw = tmp_path / "raw"
    write_book(raw / name, sheets, encoding)
    result = ingest_year(raw, year)
    assert_accounting(result)
    return result


def assert_accounting(result) -> None:
    """Every loaded sheet: rows_read = staged + quarantined + not data; tables conform."""
    result.tables()
    loaded = result.ingest_files[result.ingest_files["status"] == "loaded"]
    total = loaded["rows_staged"] + loaded["rows_quarantined"] + loaded["rows_not_data"]
    assert (loaded["rows_read"] == total).all(), loaded
    staged = result.school_rows.groupby(["source_file", "sheet"]).size()
    quarantined = result.quarantine.groupby(["source_file", "sheet"]).size()
    for _, receipt in loaded.iterrows():
        key = (receipt["source_file"], receipt["sheet"])
        assert staged.get(key, 0) == receipt["rows_staged"]
        assert quarantined.get(key, 0) == receipt["rows_quarantined"]


HEADER = ["学校名称", "办学类型", "在校生数", "专任教师数", "图书册数"]


def school(result, name: str, scope: str | None = None):
    """The one staged row of the school `name` (and `scope`, when given)."""
    rows = result.school_rows
    rows = rows[rows["school_name"] == name]
    if scope is not None:
        rows = rows[rows["reported_scope"] == scope]
    assert len(rows) == 1, result.school_rows
    return rows.iloc[0]


def receipt(result, sheet: str):
    """The one ingest_files row of `sheet`."""
    rows = result.ingest_files[result.ingest_files["sheet"] == sheet]
    assert len(rows) == 1, result.ingest_files
    return rows.iloc[0]
