"""Opening a raw file as a list of sheet grids, whatever its format.

`.xlsx`, `.xlsm` and `.xls` are read with python-calamine (cached values of formulas);
`.csv` is decoded with the encoding charset-normalizer detects among UTF-8 and GB18030
(a superset of GBK), and split on commas, tabs or semicolons. Rows start at the
spreadsheet's row 1, so `index + 1` is the row number a user sees in Excel.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from xml.etree import ElementTree

import charset_normalizer
import olefile
import python_calamine
import xlrd

SPREADSHEET_SUFFIXES = frozenset({".xlsx", ".xlsm", ".xls", ".csv"})
CSV_DELIMITERS = (",", "\t", ";")  # first wins a tie
_ENCRYPTED_OOXML_STREAM = "EncryptionInfo"
_MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_ERROR_CELL = re.compile(rb"<c\s[^>]*?\bt=[\"']e[\"'][^>]*>")
_CELL_REF = re.compile(rb"\br=[\"']([A-Z]+)(\d+)[\"']")

Cell = object
MergedRange = tuple[tuple[int, int], tuple[int, int]]


class UnreadableFile(Exception):
    """The file can not be read as a spreadsheet; `reason_code` from reason_codes.csv."""

    def __init__(self, reason_code: str, reason: str) -> None:
        super().__init__(reason)
        self.reason_code = reason_code


@dataclass
class SheetGrid:
    name: str
    visible: bool
    rows: list[list[Cell]]  # rows[0] is the spreadsheet's row 1, rows[r][0] its column A
    merged: list[MergedRange] = field(default_factory=list)  # 0-based, inclusive
    error_cells: frozenset[tuple[int, int]] = frozenset()  # cells holding an Excel error


def read_workbook(path: Path) -> list[SheetGrid]:
    """Every sheet of `path`; raises UnreadableFile with a reason code when it can not."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return [SheetGrid(path.stem, True, _read_csv_rows(path))]
    # Excel saves an encrypted workbook (.xlsx, .xlsm, or one renamed .xls) as an OLE
    # compound file holding an EncryptionInfo stream; an encrypted BIFF .xls instead
    # carries a FILEPASS record, which calamine reports as a PasswordError.
    if _is_encrypted_ooxml(path):
        raise UnreadableFile("password_protected", "encrypted: an EncryptionInfo stream")
    try:
        workbook = python_calamine.CalamineWorkbook.from_path(str(path))
    except python_calamine.PasswordError as error:
        raise UnreadableFile("password_protected", f"the workbook is encrypted: {error}") from error
    except Exception as error:  # calamine raises several error types for a damaged file
        raise UnreadableFile("unreadable", f"can not open as {suffix}: {error}") from error
    errors = _xls_error_cells(path) if suffix == ".xls" else _xlsx_error_cells(path)
    sheets = []
    with workbook:
        for meta in workbook.sheets_metadata:
            visible = meta.visible == python_calamine.SheetVisibleEnum.Visible
            try:
                sheet = workbook.get_sheet_by_name(meta.name)
                rows = sheet.to_python(skip_empty_area=False) if sheet.start else []
                merged = sheet.merged_cell_ranges or []
            except Exception as error:
                raise UnreadableFile("unreadable", f"sheet {meta.name!r}: {error}") from error
            sheets.append(
                SheetGrid(meta.name, visible, rows, merged, errors.get(meta.name, frozenset()))
            )
    return sheets


def _is_encrypted_ooxml(path: Path) -> bool:
    """Whether `path` is an OLE compound file holding an EncryptionInfo stream."""
    if not olefile.isOleFile(str(path)):
        return False
    try:
        with olefile.OleFileIO(str(path)) as container:
            return container.exists(_ENCRYPTED_OOXML_STREAM)
    except OSError:  # a damaged container: calamine reports it as unreadable
        return False


def _read_csv_rows(path: Path) -> list[list[Cell]]:
    data = path.read_bytes()
    if b"\x00" in data[:4096]:
        raise UnreadableFile("unreadable", "a binary file named .csv")
    if data.startswith(b"\xef\xbb\xbf"):
        text = data.decode("utf-8-sig")
    else:
        best = charset_normalizer.from_bytes(data, cp_isolation=["utf_8", "gb18030"]).best()
        if best is None:
            raise UnreadableFile("unreadable", "the text encoding is neither UTF-8 nor GBK/GB18030")
        text = str(best)
    return [list(row) for row in csv.reader(io.StringIO(text), delimiter=_delimiter(text))]


def _delimiter(text: str) -> str:
    """The separator found on the most lines of the file's start (a comma on a tie).

    csv.Sniffer gives up on a table under one-cell title lines; counting lines does not.
    """
    lines = text[:8192].splitlines()
    return max(CSV_DELIMITERS, key=lambda candidate: sum(candidate in line for line in lines))


def _column_index(letters: str) -> int:
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - ord("A") + 1
    return index - 1


def _xls_error_cells(path: Path) -> dict[str, frozenset[tuple[int, int]]]:
    """Cells holding an error value (BOOLERR records, formulas whose result is an error),
    per sheet name, read with xlrd: calamine gives them as empty strings, as for .xlsx."""
    try:
        book = xlrd.open_workbook(str(path), on_demand=True)
    except Exception:  # xlrd raises several error types; calamine has read the file already
        return {}
    with book:
        found = {}
        for index, name in enumerate(book.sheet_names()):
            sheet = book.sheet_by_index(index)
            found[name] = frozenset(
                (row, column)
                for row in range(sheet.nrows)
                for column, kind in enumerate(sheet.row_types(row))
                if kind == xlrd.XL_CELL_ERROR
            )
            book.unload_sheet(index)
        return found


def _xlsx_error_cells(path: Path) -> dict[str, frozenset[tuple[int, int]]]:
    """Cells typed as errors (`t="e"`), per sheet name.

    python-calamine 0.9 returns an error cell as an empty string (python-calamine
    issue 105), which would read a broken formula as "none"; the sheet XML says it.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            book = ElementTree.fromstring(archive.read("xl/workbook.xml"))
            rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
            targets = {rel.get("Id"): rel.get("Target") for rel in rels}
            found = {}
            for sheet in book.iter(f"{_MAIN_NS}sheet"):
                target = targets.get(sheet.get(f"{_REL_NS}id"), "")
                member = (
                    target.lstrip("/")
                    if target.startswith("/")
                    else str(PurePosixPath("xl") / target)
                )
                cells = set()
                for tag in _ERROR_CELL.findall(archive.read(member)):
                    letters, row = _CELL_REF.search(tag).groups()
                    cells.add((int(row) - 1, _column_index(letters.decode())))
                found[sheet.get("name")] = frozenset(cells)
            return found
    except (KeyError, zipfile.BadZipFile, ElementTree.ParseError, AttributeError):
        return {}
