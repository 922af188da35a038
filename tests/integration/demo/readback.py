"""Reading the written files back, as the pipeline's reader would."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from python_calamine import CalamineWorkbook

CSV_ENCODINGS = ("utf-8-sig", "gb18030")


def read_csv_rows(path: Path) -> tuple[list[list[str]], str]:
    """The rows of a CSV and the encoding it decodes with (UTF-8 first, as a reader would)."""
    data = path.read_bytes()
    for encoding in CSV_ENCODINGS:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return list(csv.reader(io.StringIO(text, newline=""))), encoding
    raise AssertionError(f"{path} decodes with none of {CSV_ENCODINGS}")


def read_sheet_rows(path: Path, sheet: str) -> list[list[object]]:
    if path.suffix == ".csv":
        return read_csv_rows(path)[0]
    with CalamineWorkbook.from_path(str(path)) as workbook:
        return workbook.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
