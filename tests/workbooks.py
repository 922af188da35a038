"""Small county workbooks for the ingest tests, written by the one writer library the demo
uses (orchestration/demo/writers.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

from orchestration.demo import writers
from orchestration.demo.writers import Formula

Merge = tuple[tuple[int, int], tuple[int, int]]  # 0-based (row, col) corners, inclusive


@dataclass
class Sheet:
    name: str
    rows: list[list]
    merges: list[Merge] = field(default_factory=list)
    hidden: bool = False


def write_book(path: Path, sheets: list[Sheet], encoding: str = "utf-8") -> Path:
    """Write `sheets` in the format the suffix of `path` says (a .csv takes the first).

    In an .xlsx a text starting with "=" is a formula saved without its value, as openpyxl
    writes it; give a `Formula` its cached value to have Excel's saved result.
    """
    xlsx = Path(path).suffix.lower() in (".xlsx", ".xlsm")
    return writers.write_sheets(
        path,
        [
            writers.Sheet(
                sheet.name,
                [[_formula(value) if xlsx else value for value in row] for row in sheet.rows],
                [(top, left, bottom, right) for (top, left), (bottom, right) in sheet.merges],
                sheet.hidden,
            )
            for sheet in sheets
        ],
        encoding,
    )


def _formula(value: object) -> object:
    return Formula(value, None) if isinstance(value, str) and value.startswith("=") else value


def read_grid(rows: list[list], merges: list[Merge] = (), sheet: str = "学校",
              source_file: str = "2019/石家庄市/正定县均衡数据.xlsx", year: int = 2019):  # fmt: skip
    """Read one sheet held in memory (the reader's seam, orchestration/ingest/sheets.py):
    the school rows, quarantine and receipts as frames, before the year's dedupe."""
    import pandas as pd

    from orchestration.ingest.sheets import grid, read_sheets

    reading = read_sheets([grid(rows, sheet, merges)], source_file, year)
    result = SimpleNamespace(
        school_rows=pd.DataFrame(reading.school_rows),
        quarantine=pd.DataFrame(reading.quarantine),
        ingest_files=pd.DataFrame(reading.receipts),
    )
    loaded = result.ingest_files[result.ingest_files["status"] == "loaded"]
    total = loaded["rows_staged"] + loaded["rows_quarantined"] + loaded["rows_not_data"]
    assert (loaded["rows_read"] == total).all(), loaded
    return result


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
