"""Opening a raw file as a list of sheet grids, whatever it is inside.

The container is told from the bytes (`sniff.py`), never from the extension: a `.xls`
may be an HTML table, SpreadsheetML 2003 XML, tab-separated text or a renamed `.xlsx`;
a `.csv` or `.txt` may be Excel's "Unicode text" (UTF-16, tabs). Each is read with a
maintained reader: python-calamine for zip (OOXML, ODS) and OLE2 (BIFF `.xls`, WPS
`.et`) workbooks, lxml for HTML, the standard library's XML parser for SpreadsheetML
and its `csv` module for delimited text. Rows start at the spreadsheet's row 1, so
`index + 1` is the row number a user sees in Excel.

What calamine does not say is read from the file itself: error cells (calamine 0.9
returns them as empty strings, python-calamine issue 105), formulas saved without a
cached value, hidden rows and hidden columns; streamed from the sheet XML of a zip
workbook (whatever its path separators) and read with xlrd from a BIFF one.
"""

from __future__ import annotations

import csv
import io
import re
import struct
import tempfile
import zipfile
from pathlib import Path, PurePosixPath
from xml.etree import ElementTree

import olefile
import python_calamine
import xlrd

from orchestration.ingest import sniff
from orchestration.ingest.grid import Cell, MergedRange, SheetGrid, UnreadableFile
from orchestration.ingest.markup import read_html, read_spreadsheetml

__all__ = ["Cell", "MergedRange", "SheetGrid", "UnreadableFile", "read_workbook"]

# Extensions discovery opens; what each holds is told from the bytes.
SPREADSHEET_SUFFIXES = frozenset({".xlsx", ".xlsm", ".xls", ".et", ".csv", ".txt"})
CSV_DELIMITERS = (",", "\t", ";")  # first wins a tie
_ENCRYPTED_OOXML_STREAM = "EncryptionInfo"
_MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"


class _SheetFacts:
    """What the sheet XML or BIFF records say beyond the values calamine returns."""

    def __init__(self) -> None:
        self.errors: set[tuple[int, int]] = set()
        self.uncached: set[tuple[int, int]] = set()
        self.hidden_rows: set[int] = set()
        self.hidden_columns: set[int] = set()


def read_workbook(path: Path) -> list[SheetGrid]:
    """Every sheet of `path`; raises UnreadableFile with a reason code and a reason in
    words when it can not be read."""
    data = path.read_bytes()
    kind = sniff.sniff(data)
    if kind == sniff.EMPTY:
        raise UnreadableFile("unreadable", "an empty file")
    if kind == sniff.ZIP:
        return _read_zip(path, data)
    if kind == sniff.OLE2:
        return _read_ole2(path, data)
    if kind == sniff.BINARY:
        raise UnreadableFile(
            "unreadable", "neither a workbook (.xlsx, .xls, .et) nor text: a binary file"
        )
    try:
        encoding = sniff.text_encoding(data) or "utf-8"
        if kind == sniff.HTML:
            return read_html(data, encoding, path.stem)
        if kind == sniff.SPREADSHEETML:
            return read_spreadsheetml(data, path.stem)
        if kind == sniff.OTHER_XML:
            raise UnreadableFile("unreadable", "an XML file that is not an Excel workbook")
        rows = _delimited_rows(sniff.decode_text(data))
        return [SheetGrid(path.stem, True, rows, container="text")]
    except sniff.NotText as error:
        raise UnreadableFile("unreadable", str(error)) from error


def _calamine(
    path: Path, data: bytes, suffix: str, what: str, rewritten: bool = False
) -> list[SheetGrid]:
    """The sheets of a workbook, read by calamine as a `suffix` file whatever `path` is
    named (calamine picks its reader by the extension; its content sniffing does not tell
    an encrypted .xls from a damaged one)."""
    if path.suffix.lower() == suffix and not rewritten:
        return _calamine_sheets(path, what)
    with tempfile.TemporaryDirectory(prefix="junheng-") as folder:
        copy = Path(folder) / f"workbook{suffix}"
        copy.write_bytes(data)
        return _calamine_sheets(copy, what)


def _calamine_sheets(path: Path, what: str) -> list[SheetGrid]:
    try:
        workbook = python_calamine.CalamineWorkbook.from_path(str(path))
    except python_calamine.PasswordError as error:
        raise UnreadableFile("password_protected", "the workbook is encrypted") from error
    except Exception as error:  # calamine raises several error types for a damaged file
        raise UnreadableFile("unreadable", f"{what} that can not be opened ({error})") from error
    sheets = []
    with workbook:
        for meta in workbook.sheets_metadata:
            visible = meta.visible == python_calamine.SheetVisibleEnum.Visible
            try:
                sheet = workbook.get_sheet_by_name(meta.name)
                rows = sheet.to_python(skip_empty_area=False) if sheet.start else []
                merged = sheet.merged_cell_ranges or []
            except Exception as error:
                raise UnreadableFile(
                    "unreadable", f"sheet {meta.name!r} can not be read ({error})"
                ) from error
            sheets.append(SheetGrid(meta.name, visible, rows, merged))
    return sheets


def _with_facts(sheets: list[SheetGrid], facts: dict[str, _SheetFacts]) -> list[SheetGrid]:
    for sheet in sheets:
        if found := facts.get(sheet.name):
            sheet.error_cells = frozenset(found.errors)
            sheet.uncached_cells = frozenset(found.uncached)
            sheet.hidden_rows = frozenset(found.hidden_rows)
            sheet.hidden_columns = frozenset(found.hidden_columns)
    return sheets


def _read_zip(path: Path, data: bytes) -> list[SheetGrid]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = _members(archive)
            if "xl/workbook.xml" in members:
                facts, suffix = _ooxml_facts(archive, members), ".xlsx"
            elif "mimetype" in members:  # OpenDocument: calamine reads .ods
                facts, suffix = {}, ".ods"
            else:
                raise UnreadableFile("unreadable", "a zip archive that is not an Excel workbook")
            rewritten = any("\\" in name for name in archive.namelist())
            if rewritten:
                data = _with_forward_slashes(archive)  # calamine looks for `xl/...` only
    except zipfile.BadZipFile as error:
        raise UnreadableFile(
            "unreadable", "a damaged Excel file (its zip archive is broken)"
        ) from error
    if path.suffix.lower() == ".xlsm":
        suffix = ".xlsm"
    return _with_facts(_calamine(path, data, suffix, "an Excel workbook", rewritten), facts)


def _with_forward_slashes(archive: zipfile.ZipFile) -> bytes:
    """The archive again with its member names written `xl/worksheets/sheet1.xml`: some
    writers store `xl\\worksheets\\sheet1.xml`, which the zip format does not allow."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as copy:
        for info in archive.infolist():
            copy.writestr(info.filename.replace("\\", "/"), archive.read(info))
    return out.getvalue()


def _read_ole2(path: Path, data: bytes) -> list[SheetGrid]:
    # Excel saves an encrypted workbook (.xlsx, .xlsm, or one renamed .xls) as an OLE
    # compound file holding an EncryptionInfo stream; an encrypted BIFF .xls instead
    # carries a FILEPASS record, which calamine reports as a PasswordError.
    if _is_encrypted_ooxml(data):
        raise UnreadableFile("password_protected", "encrypted: an EncryptionInfo stream")
    sheets = _calamine(path, data, ".xls", "an Office file (old Excel, WPS or Word)")
    return _with_facts(sheets, _biff_facts(data) if _may_hold_biff_facts(data) else {})


def _is_encrypted_ooxml(data: bytes) -> bool:
    """Whether `data` is an OLE compound file holding an EncryptionInfo stream."""
    try:
        with olefile.OleFileIO(data) as container:
            return container.exists(_ENCRYPTED_OOXML_STREAM)
    except OSError:  # a damaged container: calamine reports it as unreadable
        return False


def _delimited_rows(text: str) -> list[list[Cell]]:
    return [list(row) for row in csv.reader(io.StringIO(text), delimiter=_delimiter(text))]


def _delimiter(text: str) -> str:
    """The separator found on the most lines of the file's start (a comma on a tie).

    csv.Sniffer gives up on a table under one-cell title lines; counting lines does not.
    """
    lines = text[:8192].splitlines()
    return max(CSV_DELIMITERS, key=lambda candidate: sum(candidate in line for line in lines))


def _column_index(letters: str) -> int:
    index = 0
    for letter in letters.upper():
        index = index * 26 + ord(letter) - ord("A") + 1
    return index - 1


def _split_ref(ref: str) -> tuple[int, int] | None:
    letters = ref.rstrip("0123456789").lstrip("$")
    digits = ref[len(ref.rstrip("0123456789")) :]
    if not letters.isalpha() or not digits:
        return None
    return int(digits) - 1, _column_index(letters)


# BIFF8 records that carry what `_biff_facts` reads: an error cell (BOOLERR with its error
# flag), a formula whose cached result is an error, a hidden row (ROW), hidden columns
# (COLINFO).
_BOOLERR, _FORMULA, _ROW, _COLINFO, _BOF = 0x0205, 0x0006, 0x0208, 0x007D, 0x0809


def _may_hold_biff_facts(data: bytes) -> bool:
    """Whether a BIFF workbook holds an error cell, a hidden row or a hidden column, told
    by walking its record headers (about ten times faster than xlrd reading every cell
    with its formatting); True when it can not tell (not BIFF8, records that do not add
    up), so that xlrd reads it."""
    try:
        with olefile.OleFileIO(data) as container:
            if not container.exists("Workbook"):
                return True  # BIFF5 and older ("Book"): left to xlrd
            stream = container.openstream("Workbook").read()
    except OSError:
        return True
    unpack = struct.unpack_from
    if len(stream) < 8 or unpack("<HHH", stream, 0) != (_BOF, unpack("<H", stream, 2)[0], 0x0600):
        return True
    position, end = 0, len(stream)
    while position + 4 <= end:
        kind, size = unpack("<HH", stream, position)
        body = position + 4
        if body + size > end:
            return True
        if kind == _BOOLERR:
            if size < 8 or stream[body + 7]:
                return True
        elif kind == _FORMULA:
            if size < 14 or (
                stream[body + 6] == 2 and stream[body + 12 : body + 14] == b"\xff\xff"
            ):
                return True
        elif kind == _ROW:
            if size < 16 or unpack("<H", stream, body + 12)[0] & 0x20:
                return True
        elif kind == _COLINFO:
            if size < 10 or unpack("<H", stream, body + 8)[0] & 1:
                return True
        position = body + size
    return position != end and any(stream[position:])


def _biff_facts(data: bytes) -> dict[str, _SheetFacts]:
    """Error cells (BOOLERR records, formulas whose result is an error) and hidden rows
    and columns per sheet name, read with xlrd: calamine reads errors as empty strings."""
    try:
        book = xlrd.open_workbook(file_contents=data, on_demand=True, formatting_info=True)
    except Exception:  # xlrd raises several error types; calamine has read the file already
        return {}
    with book:
        found = {}
        for index, name in enumerate(book.sheet_names()):
            sheet = book.sheet_by_index(index)
            facts = found[name] = _SheetFacts()
            facts.errors = {
                (row, column)
                for row in range(sheet.nrows)
                for column, kind in enumerate(sheet.row_types(row))
                if kind == xlrd.XL_CELL_ERROR
            }
            facts.hidden_rows = {r for r, info in sheet.rowinfo_map.items() if info.hidden}
            facts.hidden_columns = {c for c, info in sheet.colinfo_map.items() if info.hidden}
            book.unload_sheet(index)
        return found


def _members(archive: zipfile.ZipFile) -> dict[str, str]:
    """Normalised member name -> name in the archive: some writers use `xl\\worksheets`."""
    return {name.replace("\\", "/").lstrip("/").lower(): name for name in archive.namelist()}


def _ooxml_facts(archive: zipfile.ZipFile, members: dict[str, str]) -> dict[str, _SheetFacts]:
    """Per sheet name: cells typed as errors (`t="e"`), formulas without a cached value
    (`<f>` and no `<v>`), hidden rows and hidden columns; each sheet's XML streamed."""
    try:
        book = ElementTree.fromstring(archive.read(members["xl/workbook.xml"]))
        rels = ElementTree.fromstring(archive.read(members["xl/_rels/workbook.xml.rels"]))
    except (KeyError, ElementTree.ParseError):
        return {}
    targets = {rel.get("Id"): (rel.get("Target") or "").replace("\\", "/") for rel in rels}
    found = {}
    for sheet in book.iter(f"{_MAIN_NS}sheet"):
        target = targets.get(sheet.get(f"{_REL_NS}id"), "")
        member = target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)
        name = members.get(member.lower())
        if name is None:
            continue
        try:
            if (facts := _sheet_facts(archive, name)) is not None:
                found[sheet.get("name")] = facts
        except (ElementTree.ParseError, zipfile.BadZipFile, OSError):
            continue  # calamine reports a damaged sheet
    return found


# A sheet XML up to this size is read whole and its facts located by their markers; a
# larger one is streamed through the parser (memory stays flat).
_LOCATED_XML_BYTES = 64 << 20


def _sheet_facts(archive: zipfile.ZipFile, name: str) -> _SheetFacts | None:
    """The facts of one sheet's XML, None when it holds none of their markers."""
    if archive.getinfo(name).file_size > _LOCATED_XML_BYTES:
        with archive.open(name) as stream:
            if not _may_hold_facts(stream):
                return None  # the usual sheet: nothing to parse for
        with archive.open(name) as stream:
            return _scan_sheet_xml(stream)
    data = archive.read(name)
    if not any(marker.search(data) for marker in _MARKERS):
        return None
    located = _located_facts(data)
    return located if located is not None else _scan_sheet_xml(io.BytesIO(data))


# A formula (`<f>`, any namespace prefix), an error cell, a hidden row or column.
_FACT_MARKER = re.compile(rb"<(?:\w+:)?f[\s>/]|\st=[\"']e[\"']|\shidden=[\"'](?:1|true)[\"']")


def _may_hold_facts(stream, chunk: int = 1 << 20) -> bool:
    """Whether a sheet's XML holds anything `_scan_sheet_xml` looks for, read in chunks:
    a regex over bytes is about ten times faster than parsing every cell."""
    tail = b""
    while block := stream.read(chunk):
        if _FACT_MARKER.search(tail + block):
            return True
        tail = block[-32:]
    return False


# `_FACT_MARKER` as four patterns that each start with a literal, which the regex engine
# finds about thirty times faster than the alternation, on whole sheets read into memory.
# They find a little more (`ut="e"`, text that reads `x:f `): the tag around each match
# is then read, so that only a cell, row or column is a fact.
_MARKERS = tuple(
    re.compile(pattern)
    for pattern in (rb"<f[\s>/]", rb":f[\s>/]", rb"t=[\"']e[\"']", rb"hidden=[\"'](?:1|true)[\"']")
)
# What `_located_facts` needs to be sure its reading is the parser's: one default
# namespace, the main one, no prefix bound to it; no comment, CDATA or DTD (`<!`); no
# space around the `=` of a `t="e"` or a `hidden` (the markers would miss them).
_XMLNS = re.compile(rb"xmlns(:[\w.-]+)?\s*=\s*[\"']([^\"']*)[\"']")
_SPACED_HIDDEN = re.compile(rb"hidden(?:\s+=|=\s)")
_QUOTED_E = (re.compile(rb'"e"'), re.compile(rb"'e'"))
_TAG = re.compile(rb"<([\w:.-]+)((?:\s+[\w:.-]+\s*=\s*(?:\"[^\"]*\"|'[^']*'))*)\s*(/?)>")
_ATTRIBUTE = re.compile(rb"([\w:.-]+)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
_CELL_END = re.compile(rb"</c\s*>")
_FORMULA = re.compile(rb"<f[\s>/]")
_VALUE = re.compile(rb"<v(?:\s[^>]*)?(?:/>|>(.*?)</v\s*>)", re.S)


def _tag_at(data: bytes, start: int) -> tuple[str, dict[str, str], bool, int] | None:
    """(name, attributes, self-closed, end) of the start tag at `start`, None if there is
    none there."""
    match = _TAG.match(data, start)
    if match is None:
        return None
    attributes = {
        found.group(1).decode(): (
            found.group(2) if found.group(2) is not None else found.group(3)
        ).decode()
        for found in _ATTRIBUTE.finditer(match.group(2))
    }
    return match.group(1).decode(), attributes, bool(match.group(3)), match.end()


def _located_facts(data: bytes) -> _SheetFacts | None:
    """The facts of a sheet XML found from their markers alone, without parsing every cell
    (most sheets hold a few formula or error cells among thousands): the same as
    `_scan_sheet_xml`, or None when the XML is of a shape this does not read (a cell or
    hidden row without its `r`, a prefixed main namespace, comments, ...) and must be parsed."""
    main = _MAIN_NS[1:-1].encode()
    namespaces = _XMLNS.findall(data)
    if (
        [uri for prefix, uri in namespaces if not prefix] != [main]
        or any(prefix and uri == main for prefix, uri in namespaces)
        or data.count(b"xmlns") != len(namespaces)
        or b"<!" in data
        or _SPACED_HIDDEN.search(data)
        or any(
            data[m.start() - 2 : m.start()] != b"t=" for e in _QUOTED_E for m in e.finditer(data)
        )
    ):
        return None
    facts = _SheetFacts()
    cells: set[int] = set()  # where each cell read so far starts
    found = sorted({match.start() for marker in _MARKERS for match in marker.finditer(data)})
    for at in found:
        start = data.rfind(b"<", 0, at + 1)
        tag = _tag_at(data, start)
        if tag is None:
            return None
        name, attributes, _, _ = tag
        if name == "f":
            start = data.rfind(b"<c", 0, start)
            if start < 0 or data[start + 2 : start + 3] not in (b" ", b"\t", b"\n", b"\r"):
                return None
            name = "c"
        if name == "c":
            if start in cells:
                continue
            cells.add(start)
            if not _read_cell(data, start, facts):
                return None
        elif name == "row" and attributes.get("hidden") in ("1", "true"):
            r = attributes.get("r")
            if not (r and r.isdigit()):
                return None
            facts.hidden_rows.add(int(r) - 1)
        elif name == "col" and attributes.get("hidden") in ("1", "true"):
            try:
                first, last = int(attributes.get("min", "1")), int(attributes.get("max", "1"))
            except ValueError:
                return None
            facts.hidden_columns.update(range(first - 1, min(last, 16384)))
        # else a prefixed element (`<xm:f>` of a data validation): not the main
        # namespace, which no prefix is bound to here, so not a fact the parser reads
    return facts


def _read_cell(data: bytes, start: int, facts: _SheetFacts) -> bool:
    """Add the cell starting at `start` to `facts` if it is an error or a formula without
    a cached value; False when it can not be read here (no `r`, no end)."""
    tag = _tag_at(data, start)
    if tag is None or tag[0] != "c":
        return False
    _, attributes, closed, end = tag
    position = _split_ref(attributes.get("r", ""))
    if position is None:
        return False
    if attributes.get("t") == "e":
        facts.errors.add(position)
        return True
    if closed:
        return True
    close = _CELL_END.search(data, end)
    if close is None:
        return False
    body = data[end : close.start()]
    if b"<" in body and _FORMULA.search(body):
        value = _VALUE.search(body)
        if value is None or (not value.group(1) and attributes.get("t") != "str"):
            facts.uncached.add(position)
    return True


def _scan_sheet_xml(stream) -> _SheetFacts:
    """The facts of one sheet's XML. A cell's position is its `r` (`C7`), else one right
    of the cell before it in its row; worked out only for the cells that are facts."""
    facts = _SheetFacts()
    row_index = -1
    refs: list[str] = []  # the `r` of each cell of the current row so far
    sheet_data = None
    for event, element in ElementTree.iterparse(stream, events=("start", "end")):
        tag = element.tag
        if event == "start":
            if tag == f"{_MAIN_NS}sheetData":
                sheet_data = element
            elif tag == f"{_MAIN_NS}row":
                r = element.get("r")
                row_index = int(r) - 1 if r and r.isdigit() else row_index + 1
                refs = []
                if element.get("hidden") in ("1", "true"):
                    facts.hidden_rows.add(row_index)
            continue
        if tag == f"{_MAIN_NS}c":
            refs.append(element.get("r") or "")
            fact = None
            if element.get("t") == "e":
                fact = facts.errors
            elif element.find(f"{_MAIN_NS}f") is not None:
                value = element.find(f"{_MAIN_NS}v")
                if value is None or (value.text is None and element.get("t") != "str"):
                    fact = facts.uncached
            if fact is not None:
                fact.add(_cell_position(refs, row_index))
            element.clear()
        elif tag == f"{_MAIN_NS}row" and sheet_data is not None:
            sheet_data.clear()  # keep memory flat: rows are done with
        elif tag == f"{_MAIN_NS}col" and element.get("hidden") in ("1", "true"):
            first, last = int(element.get("min", "1")), int(element.get("max", "1"))
            facts.hidden_columns.update(range(first - 1, min(last, 16384)))
    return facts


def _cell_position(refs: list[str], row_index: int) -> tuple[int, int]:
    """(row, column) of the last cell of a row whose cells so far have the `r` refs
    `refs`: its own ref, else the column after the nearest cell before it with one."""
    own = _split_ref(refs[-1])
    if own:
        return own
    for back, ref in enumerate(reversed(refs[:-1]), start=1):
        if found := _split_ref(ref):
            return row_index, found[1] + back
    return row_index, len(refs) - 1
