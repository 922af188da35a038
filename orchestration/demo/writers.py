"""Write workbooks as .xlsx, .xlsm, .xls or .csv, byte for byte reproducibly: the one
writer of the demo province, the national benchmark's corpus and the tests' workbooks.

openpyxl stamps the save time into docProps/core.xml and every zip entry, and writes
formulas without the value Excel would cache; both are fixed after saving, so that a
reader (python-calamine reads the cached value) sees what Excel would have shown.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
import xlwt

FIXED_TIME = dt.datetime(2024, 1, 1)
FIXED_ZIP_TIME = (2024, 1, 1, 0, 0, 0)
XLSM_CONTENT_TYPE = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
SCIENTIFIC = "0.00E+00"
FORMATS = {".xlsx": "xlsx", ".xlsm": "xlsm", ".xls": "xls", ".csv": "csv"}


@dataclass(frozen=True)
class Formula:
    """A formula cell and the value Excel cached for it, which is what a reader sees (None:
    saved without one, as openpyxl and many web exports do)."""

    expression: str
    cached: float | str | None


@dataclass(frozen=True)
class ExcelError:
    """A genuine error cell (t="e"), as a broken formula leaves it."""

    code: str


@dataclass(frozen=True)
class ScientificNumber:
    """A school id typed as a number and displayed as 2.10123E+09."""

    value: int


@dataclass
class Sheet:
    """A sheet to write: rows of cell values (str, int, float, None, or the markers above)."""

    name: str
    rows: list[list[object]] = field(default_factory=list)
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)  # 0-based, inclusive
    hidden: bool = False


@dataclass
class Workbook:
    """A file to write below an output folder (the demo's render.Workbook has this shape)."""

    path: str  # posix, relative to the output folder
    fmt: str  # xlsx | xlsm | xls | csv
    encoding: str  # of a csv
    sheets: list[Sheet]


def write_sheets(path: Path, sheets: list[Sheet], encoding: str = "utf-8") -> Path:
    """Write `sheets` to `path` in the format its suffix names (a .csv takes the first)."""
    path = Path(path)
    workbook = Workbook(path.name, FORMATS[path.suffix.lower()], encoding, sheets)
    return write_workbook(path.parent, workbook)


def write_workbook(out_dir: Path, workbook: Workbook) -> Path:
    """Write `workbook` below `out_dir` in its format (xlsx/xlsm by openpyxl, xls by xlwt, csv
    in its encoding); returns the file's path. Raises KeyError for another format.
    """
    path = out_dir / workbook.path
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = {"xlsx": write_xlsx, "xlsm": write_xlsx, "xls": write_xls, "csv": write_csv}[
        workbook.fmt
    ]
    writer(path, workbook)
    return path


def write_xlsx(path: Path, workbook: Workbook) -> None:
    """Write an .xlsx/.xlsm with openpyxl: hidden sheets, merged cells, text kept as text, error
    cells, formulas with their cached values, fixed document times (same bytes every run).
    """
    book = openpyxl.Workbook()
    book.remove(book.active)
    book.properties.creator = "junheng demo"
    book.properties.created = FIXED_TIME
    cached: dict[int, dict[str, object]] = {}
    for number, sheet in enumerate(workbook.sheets, start=1):
        ws = book.create_sheet(sheet.name)
        if sheet.hidden:
            ws.sheet_state = "hidden"
        merged_away = _merged_away(sheet)
        for r, cells in enumerate(sheet.rows):
            for c, value in enumerate(cells):
                if value == "" or value is None or (r, c) in merged_away:
                    continue
                cell = ws.cell(row=r + 1, column=c + 1)
                if isinstance(value, Formula):
                    cell.value = value.expression
                    cached.setdefault(number, {})[cell.coordinate] = value.cached
                elif isinstance(value, ExcelError):
                    cell.value = value.code  # openpyxl types a known error code as an error cell
                else:
                    cell.value = value.value if isinstance(value, ScientificNumber) else value
                    if isinstance(value, str):
                        cell.data_type = "s"  # "#DIV/0!" or "=..." typed as text stay text
                    elif isinstance(value, ScientificNumber):
                        cell.number_format = SCIENTIFIC
        for r1, c1, r2, c2 in sheet.merges:
            ws.merge_cells(start_row=r1 + 1, start_column=c1 + 1, end_row=r2 + 1, end_column=c2 + 1)
    buffer = io.BytesIO()
    book.save(buffer)
    path.write_bytes(
        normalised_zip(buffer.getvalue(), cached, macro_enabled=workbook.fmt == "xlsm")
    )


def normalised_zip(data: bytes, cached: dict[int, dict[str, object]], macro_enabled: bool) -> bytes:
    """Fixed timestamps, cached formula values, and the .xlsm content type."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            content = source.read(name)
            sheet = re.fullmatch(r"xl/worksheets/sheet(\d+)\.xml", name)
            if sheet and int(sheet.group(1)) in cached:
                content = with_cached_values(content.decode(), cached[int(sheet.group(1))]).encode()
            elif name == "docProps/core.xml":
                stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ")
                content = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + stamp.encode(), content
                )
            elif name == "[Content_Types].xml" and macro_enabled:
                content = content.replace(XLSX_CONTENT_TYPE.encode(), XLSM_CONTENT_TYPE.encode())
            info = zipfile.ZipInfo(name, date_time=FIXED_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(info, content)
    return out.getvalue()


def with_cached_values(xml: str, values: dict[str, object]) -> str:
    """A worksheet's XML with the cached value of each formula cell filled in (`values`: cell
    reference -> value; a text starting with # is an error), as Excel saves it; openpyxl
    writes formulas without their value.
    """

    def fill(match: re.Match) -> str:
        ref, formula = match.group(1), match.group(2)
        value = values.get(ref)
        if value is None:
            return match.group(0)
        if isinstance(value, str):
            kind = ' t="e"' if value.startswith("#") else ' t="str"'
            return f'<c r="{ref}"{kind}><f>{formula}</f><v>{value}</v></c>'
        return f'<c r="{ref}"><f>{formula}</f><v>{value!r}</v></c>'

    # openpyxl writes an empty value as `<v/>`, or as `<v></v>` when it serialises with lxml
    return re.sub(r'<c r="([A-Z]+\d+)"[^>]*><f>([^<]*)</f><v\s*(?:/>|></v>)</c>', fill, xml)


def write_xls(path: Path, workbook: Workbook) -> None:
    """Write an Excel 97-2003 .xls with xlwt."""
    xls_book(workbook).save(str(path))


def xls_book(workbook: Workbook) -> xlwt.Workbook:
    """The workbook as an xlwt book (its BIFF8 stream is `get_biff_data()`)."""
    book = xlwt.Workbook(encoding="utf-8")
    scientific = xlwt.easyxf(num_format_str=SCIENTIFIC)
    for sheet in workbook.sheets:
        ws = book.add_sheet(sheet.name)
        if sheet.hidden:
            ws.visibility = 1
        anchors = {(r1, c1): (r2, c2) for r1, c1, r2, c2 in sheet.merges}
        merged_away = _merged_away(sheet)
        for r, cells in enumerate(sheet.rows):
            for c, value in enumerate(cells):
                if (r, c) in merged_away:
                    continue
                if isinstance(value, Formula):
                    value = value.cached  # xlwt can not cache a formula's value
                if (r, c) in anchors:
                    r2, c2 = anchors[(r, c)]
                    ws.write_merge(r, r2, c, c2, value)
                elif isinstance(value, ExcelError):
                    ws.row(r).set_cell_error(c, value.code)
                elif value == "" or value is None:
                    continue
                elif isinstance(value, ScientificNumber):
                    ws.write(r, c, value.value, scientific)
                else:
                    ws.write(r, c, value)
    return book


def csv_text(value: object) -> str:
    """The text a cell is exported as to CSV: a formula's cached value, an error's code, a
    scientific-format number as Excel writes it, a whole float without `.0`, None as empty.
    """
    if isinstance(value, Formula):
        value = value.cached
    if isinstance(value, ExcelError):
        return value.code
    if isinstance(value, ScientificNumber):
        return f"{value.value:.5E}"  # what Excel exports for a number shown in scientific format
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)


def write_csv(path: Path, workbook: Workbook) -> None:
    """Write a one-sheet workbook as CSV (CRLF line ends) in the workbook's encoding (UTF-8,
    GBK, ...). Raises ValueError for a workbook of more than one sheet.
    """
    (sheet,) = workbook.sheets
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    for cells in sheet.rows:
        writer.writerow([csv_text(value) for value in cells])
    path.write_bytes(buffer.getvalue().encode(workbook.encoding))


def _merged_away(sheet) -> set[tuple[int, int]]:
    """The cells a merge covers, other than its top-left anchor (which holds the value)."""
    return {
        (r, c)
        for r1, c1, r2, c2 in sheet.merges
        for r in range(r1, r2 + 1)
        for c in range(c1, c2 + 1)
        if (r, c) != (r1, c1)
    }
