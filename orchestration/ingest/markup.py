"""Workbooks written as markup: an HTML table and Excel 2003 XML (SpreadsheetML).

Both become `SheetGrid`s like a binary workbook: a merged cell (`colspan`/`rowspan`,
`ss:MergeAcross`/`ss:MergeDown`) keeps its value in its top-left cell and is listed in
`merged`; hidden rows and columns (`display:none`, `ss:Hidden`) are listed, not dropped,
so the reader can report them. Cells stay the text the file holds (SpreadsheetML
`Number` cells become floats); nothing is type-guessed here.

HTML is parsed with lxml's HTML parser (tolerant of the unclosed tags web systems write).
`pandas.read_html` was not used: it turns a top row of `<th>` cells into column labels
(renaming repeats `学校.1`), fills every spanned cell with the span's text, and guesses
column types, while the reader needs the cells and merges as the sheet shows them.
"""

from __future__ import annotations

import re
from xml.etree import ElementTree

import lxml.etree
import lxml.html

from orchestration.ingest.grid import SheetGrid, UnreadableFile

_HIDDEN_STYLE = re.compile(r"display\s*:\s*none", re.I)
_SS = "{urn:schemas-microsoft-com:office:spreadsheet}"
_X = "{urn:schemas-microsoft-com:office:excel}"


def _span(element, attribute: str) -> int:
    try:
        return max(1, int(element.get(attribute, "1")))
    except ValueError:
        return 1


def _cell_text(element) -> str | None:
    for br in element.iter("br"):  # a line break inside a header cell
        br.tail = "\n" + (br.tail or "")
    text = element.text_content().replace("\xa0", " ").strip()
    return text or None


def _html_table(table, name: str) -> SheetGrid:
    rows: list[list] = []
    merged = []
    hidden_rows, hidden_columns = set(), set()
    taken: set[tuple[int, int]] = set()  # cells covered by a span from above
    row_elements = [tr for tr in table.iter("tr") if tr.getparent() is not None]
    # Rows of a nested table belong to that table.
    row_elements = [tr for tr in row_elements if _owner(tr) is table]
    for row_index, tr in enumerate(row_elements):
        row: list = []
        column = 0
        if _HIDDEN_STYLE.search(tr.get("style", "")):
            hidden_rows.add(row_index)
        for td in tr:
            if td.tag not in ("td", "th"):
                continue
            while (row_index, column) in taken:
                column += 1
            across, down = _span(td, "colspan"), _span(td, "rowspan")
            while len(row) < column:
                row.append(None)
            row.append(_cell_text(td))
            if _HIDDEN_STYLE.search(td.get("style", "")):
                hidden_columns.add(column)
            if across > 1 or down > 1:
                merged.append(((row_index, column), (row_index + down - 1, column + across - 1)))
                for r in range(row_index, row_index + down):
                    for c in range(column, column + across):
                        if (r, c) != (row_index, column):
                            taken.add((r, c))
            column += across
        rows.append(row)
    for r, c in taken:  # spanned cells are empty, as in a merged range of a workbook
        if r < len(rows):
            while len(rows[r]) <= c:
                rows[r].append(None)
    return SheetGrid(name, True, rows, merged, hidden_rows=frozenset(hidden_rows),
                     hidden_columns=frozenset(hidden_columns), container="html")  # fmt: skip


def _owner(tr):
    node = tr.getparent()
    while node is not None and node.tag != "table":
        node = node.getparent()
    return node


def read_html(data: bytes, encoding: str, name: str) -> list[SheetGrid]:
    """One sheet per `<table>` that holds rows of its own; raises UnreadableFile."""
    parser = lxml.html.HTMLParser(encoding=encoding)
    try:
        document = lxml.html.document_fromstring(data, parser=parser)
    except (lxml.etree.ParserError, ValueError) as error:
        raise UnreadableFile(
            "unreadable", f"an HTML page that can not be parsed: {error}"
        ) from error
    # Every table with rows of its own: a page may hold its data table inside a layout one.
    tables = [
        table
        for table in document.iter("table")
        if any(_owner(tr) is table for tr in table.iter("tr"))
    ]
    if not tables:
        raise UnreadableFile("unreadable", "an HTML page without a table")
    if len(tables) == 1:
        return [_html_table(tables[0], name)]
    return [_html_table(table, f"{name} ({index})") for index, table in enumerate(tables, 1)]


def _ss(element, attribute: str, default: str | None = None) -> str | None:
    return element.get(f"{_SS}{attribute}", default)


def _sheet_visible(worksheet) -> bool:
    visible = worksheet.find(f"{_X}WorksheetOptions/{_X}Visible")
    return visible is None or (visible.text or "").strip() not in ("SheetHidden", "SheetVeryHidden")


def _data_value(data) -> object:
    kind = _ss(data, "Type", "String")
    text = "".join(data.itertext())
    if kind == "Number":
        try:
            return float(text)
        except ValueError:
            return text
    if kind == "Boolean":
        return text.strip() in ("1", "true", "TRUE")
    return text if text.strip() else None


def read_spreadsheetml(data: bytes, name: str) -> list[SheetGrid]:
    """Every `<Worksheet>` of an Excel 2003 XML workbook; raises UnreadableFile.

    Error cells (`ss:Type="Error"`) and formulas without a `<Data>` value are listed in
    `error_cells` / `uncached_cells` (their grid cell stays empty).
    """
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError as error:
        raise UnreadableFile("unreadable", f"an XML workbook that is damaged: {error}") from error
    sheets = []
    for worksheet in root.iter(f"{_SS}Worksheet"):
        rows: list[list] = []
        merged, errors, uncached = [], set(), set()
        hidden_rows, hidden_columns = set(), set()
        table = worksheet.find(f"{_SS}Table")
        if table is not None:
            column = 0
            for spec in table.iter(f"{_SS}Column"):
                column = int(_ss(spec, "Index", str(column + 1))) - 1
                span = int(_ss(spec, "Span", "0"))
                if _ss(spec, "Hidden") == "1":
                    hidden_columns.update(range(column, column + span + 1))
                column += span + 1
            row_index = -1
            for row_element in table.iter(f"{_SS}Row"):
                row_index = int(_ss(row_element, "Index", str(row_index + 2))) - 1
                while len(rows) <= row_index:
                    rows.append([])
                if _ss(row_element, "Hidden") == "1":
                    hidden_rows.add(row_index)
                row = rows[row_index]
                column = -1
                for cell in row_element.iter(f"{_SS}Cell"):
                    column = int(_ss(cell, "Index", str(column + 2))) - 1
                    while len(row) <= column:
                        row.append(None)
                    data_element = cell.find(f"{_SS}Data")
                    if data_element is None:
                        if _ss(cell, "Formula"):
                            uncached.add((row_index, column))
                    elif _ss(data_element, "Type") == "Error":
                        errors.add((row_index, column))
                    else:
                        row[column] = _data_value(data_element)
                    across = int(_ss(cell, "MergeAcross", "0"))
                    down = int(_ss(cell, "MergeDown", "0"))
                    if across or down:
                        merged.append(((row_index, column), (row_index + down, column + across)))
                    column += across
        sheets.append(
            SheetGrid(
                _ss(worksheet, "Name") or name,
                _sheet_visible(worksheet),
                rows,
                merged,
                frozenset(errors),
                frozenset(uncached),
                frozenset(hidden_rows),
                frozenset(hidden_columns),
                "xml",
            )  # fmt: skip
        )
    if not sheets:
        raise UnreadableFile("unreadable", "an Excel 2003 XML file without a worksheet")
    return sheets
