"""What a raw file is, from its bytes: the extension is only what someone named it.

Web systems export "Excel" files that are an HTML table, SpreadsheetML 2003 XML or
tab-separated text named `.xls`; people rename an `.xlsx` to `.xls`; Excel's "Unicode
text" is UTF-16 with tabs named `.txt` or `.csv`; WPS saves `.et`, an OLE2 workbook.
`sniff` tells the container; `decode_text` turns a text file into `str` (BOM first, then
the charset a markup file declares, then charset-normalizer among UTF-8 and GB18030).
"""

from __future__ import annotations

import re

import charset_normalizer

ZIP = "zip"  # an Office Open XML workbook (.xlsx/.xlsm) or an OpenDocument one
OLE2 = "ole2"  # a compound file: BIFF .xls, WPS .et, or an encrypted .xlsx
HTML = "html"
SPREADSHEETML = "spreadsheetml"  # Excel 2003 XML
OTHER_XML = "xml"
TEXT = "text"  # delimited text: CSV, tab-separated, Excel's "Unicode text"
BINARY = "binary"
EMPTY = "empty"

_BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)
_DECLARED = re.compile(rb"""(?:charset|encoding)\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
# GB2312 and GBK are subsets of GB18030: a file declared as either decodes as GB18030.
_WIDER = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "cp936": "gb18030"}
_CANDIDATES = ["utf_8", "gb18030"]


class NotText(ValueError):
    """The bytes decode as no text encoding a county uses; the message says so in words."""


def _utf16_without_bom(head: bytes) -> str | None:
    """UTF-16 written without a BOM. Text in UTF-8 or GBK has no zero byte; UTF-16 has one
    in every ASCII character (tabs, line breaks, digits), always on the same side of its
    pair. The guess stands only when the bytes then decode to printable text."""
    sample = head[: len(head) - len(head) % 2]
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    if even + odd < 2:
        return None
    encoding = "utf-16-le" if odd >= 0.9 * (even + odd) else None
    encoding = "utf-16-be" if even >= 0.9 * (even + odd) else encoding
    if encoding is None:
        return None
    try:
        text = sample.decode(encoding)
    except UnicodeDecodeError:
        return None
    control = sum(1 for char in text if ord(char) < 32 and char not in "\t\r\n")
    return encoding if control <= len(text) * 0.01 else None


def text_encoding(data: bytes) -> str | None:
    """The encoding of a text file, or None when the bytes are no text."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return encoding
    if utf16 := _utf16_without_bom(data[:4096]):
        return utf16
    if b"\x00" in data[:4096]:
        return None
    if declared := _DECLARED.search(data[:4096]):
        name = declared.group(1).decode("ascii").lower()
        name = _WIDER.get(name, name)
        try:
            data.decode(name)
        except (LookupError, UnicodeDecodeError):
            pass
        else:
            return name
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        return "utf-8"
    best = charset_normalizer.from_bytes(data, cp_isolation=_CANDIDATES).best()
    return None if best is None else best.encoding


def decode_text(data: bytes) -> str:
    """`data` as text; raises NotText when no county encoding reads it."""
    encoding = text_encoding(data)
    if encoding is None:
        raise NotText("the text encoding is neither UTF-8, UTF-16 nor GBK/GB18030")
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as error:
        raise NotText(f"the text is not valid {encoding}") from error
    return text.lstrip("\ufeff")


def sniff(data: bytes) -> str:
    """The container of a file from its first bytes (at least 4 KiB of it).

    Returns one of ZIP, OLE2, HTML, SPREADSHEETML, OTHER_XML, TEXT, BINARY, EMPTY.
    """
    if not data.strip():
        return EMPTY
    if data.startswith(b"PK\x03\x04"):
        return ZIP
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return OLE2
    encoding = text_encoding(data)
    if encoding is None:
        return BINARY
    head = data[: len(data) - len(data) % 2] if encoding.startswith("utf-16") else data
    text = head.decode(encoding, errors="ignore").lstrip("\ufeff \t\r\n").lower()
    if text.startswith("<"):
        # SpreadsheetML first: its `<Table>` is no HTML table.
        if "urn:schemas-microsoft-com:office:spreadsheet" in text and "<workbook" in text:
            return SPREADSHEETML
        if "<html" in text or "<table" in text or "<!doctype html" in text:
            return HTML
        return OTHER_XML
    if "<table" in text and "<tr" in text:  # an HTML fragment after a text line
        return HTML
    return TEXT
