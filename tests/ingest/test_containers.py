"""The same sheet saved through every container the reader accepts stages the same values."""

from __future__ import annotations

import csv
import html
import io
from pathlib import Path

import pandas as pd
import pytest

from orchestration.ingest.pipeline import ingest_year
from orchestration.ingest.workbook import read_workbook
from tests.ingest.workbooks import Sheet, assert_accounting, write_book

CASES = Path(__file__).parent / "cases"
SOURCES = {
    "高邑县": CASES / "04-xlsx-renamed-xls/高邑县2023年均衡数据.xls",
    "晋州市": CASES / "11-hidden-row-closed-school/晋州市2023年均衡数据.xlsx",
}


def _text_rows(rows: list[list]) -> list[list[str]]:
    def text(cell):
        if cell is None or cell == "":
            return ""
        if isinstance(cell, float) and cell.is_integer():
            return str(int(cell))
        return str(cell)

    return [[text(cell) for cell in row] for row in rows]


def _delimited(rows, delimiter: str) -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(_text_rows(rows))
    return out.getvalue()


def _html(rows) -> bytes:
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in row) + "</tr>\n"
        for row in _text_rows(rows)
    )
    page = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">'
        f"</head><body><table border=1>\n{body}</table></body></html>"
    )
    return page.encode("gb18030")


def _spreadsheetml(rows) -> bytes:
    def cell(value):
        if value is None or value == "":
            return "<Cell/>"
        kind = "Number" if isinstance(value, (int, float)) else "String"
        text = str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
        return f'<Cell><Data ss:Type="{kind}">{html.escape(text)}</Data></Cell>'

    body = "".join("<Row>" + "".join(cell(v) for v in row) + "</Row>" for row in rows)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<?mso-application progid="Excel.Sheet"?>\n'
        '<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" '
        'xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet">'
        f'<Worksheet ss:Name="Sheet1"><Table>{body}</Table></Worksheet></Workbook>'
    ).encode()


def _save(rows, container: str, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if container in ("xlsx", "xls"):
        write_book(path.with_suffix(f".{container}"), [Sheet("Sheet1", rows)])
        path.with_suffix(f".{container}").rename(path)
    elif container == "csv-utf8":
        path.write_bytes(_delimited(rows, ",").encode("utf-8-sig"))
    elif container == "csv-gbk":
        path.write_bytes(_delimited(rows, ",").encode("gbk"))
    elif container == "unicode-text":  # Excel's "Unicode text": UTF-16 with a BOM, tabs
        path.write_bytes(_delimited(rows, "\t").encode("utf-16"))
    elif container == "html":
        path.write_bytes(_html(rows))
    elif container == "spreadsheetml":
        path.write_bytes(_spreadsheetml(rows))


CONTAINERS = ["xlsx", "xls", "csv-utf8", "csv-gbk", "unicode-text", "html", "spreadsheetml"]
# Every container under every name it arrives with: the bytes decide, not the extension.
NAMES = {"xlsx": ".xls", "xls": ".et", "csv-utf8": ".csv", "csv-gbk": ".xls",
         "unicode-text": ".txt", "html": ".xls", "spreadsheetml": ".xls"}  # fmt: skip
VALUES = ["county_code", "school_id", "school_name", "school_type", "reported_scope",
          "students_primary", "students_junior", "teachers_primary", "teachers_junior",
          "teaching_area_m2", "equipment_value_yuan", "books", "multimedia_rooms"]  # fmt: skip


def _staged(tmp_path: Path, county: str, container: str) -> pd.DataFrame:
    (grid,) = read_workbook(SOURCES[county])
    rows = [row for index, row in enumerate(grid.rows) if index not in grid.hidden_rows]
    raw = tmp_path / container / "raw"
    _save(rows, container, raw / "2023" / f"{county}2023年均衡数据{NAMES[container]}")
    result = ingest_year(raw, 2023)
    assert_accounting(result)
    assert result.quarantine.empty
    return result.school_rows[VALUES].sort_values("school_name").reset_index(drop=True)


@pytest.mark.parametrize("county", sorted(SOURCES))
def test_every_container_stages_the_same_values(tmp_path, county):
    staged = {container: _staged(tmp_path, county, container) for container in CONTAINERS}
    reference = staged["xlsx"]
    assert len(reference) == 3
    for container, frame in staged.items():
        pd.testing.assert_frame_equal(frame, reference, obj=container)
