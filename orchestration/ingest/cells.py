"""Reading one cell: numbers typed every way a county types them, none-markers, errors, ids."""

from __future__ import annotations

import datetime as dt
import math
import re
from functools import lru_cache

from orchestration.ingest.text import compact, normalise_text
from orchestration.ingest.vocabulary import Vocabulary

EXCEL_ERRORS = frozenset(
    {"#DIV/0!", "#REF!", "#VALUE!", "#N/A", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#CALC!"}
)
_NUMBER = re.compile(r"^([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)(.*)$")
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?:\D|$))")


class Rejection(ValueError):
    """A row (or one of its cells) that can not be staged; `reason_code` from reason_codes.csv."""

    def __init__(self, reason_code: str, reason: str) -> None:
        super().__init__(reason)
        self.reason_code = reason_code


def is_blank(value: object) -> bool:
    """Whether a cell is empty: None, or text of whitespace only (0 and `-` are not blank)."""
    return value is None or (isinstance(value, str) and not value.strip())


def is_excel_error(value: object) -> bool:
    """Whether a cell holds an Excel error value as text (EXCEL_ERRORS: #DIV/0!, #N/A, ...)."""
    return isinstance(value, str) and value.strip().upper() in EXCEL_ERRORS


# A character `float` never reads: not ASCII, not a decimal digit of any script, not a space
# (Python turns only those to ASCII before parsing).
_NEVER_IN_FLOAT = re.compile(r"[^\x00-\x7f\d\s]")


def is_number_text(text: str) -> bool:
    """Whether `text` parses as a float (Python's syntax: `1e3`, `-2.5`, ` 7 `, `nan`)."""
    if not text.isascii() and _NEVER_IN_FLOAT.search(text):
        return False  # a school's name: told without the exception `float` raises
    try:
        float(text)
    except ValueError:
        return False
    return True


# Text and float cells -> `cell_text` / `cell_key`, looked up in a plain dict per class
# before the memo by value and type: a text equals no number, and floats equal in value
# (0.0 and -0.0) have the same text, so neither needs its type in the key; a dict lookup
# is several times cheaper than the typed cache's call (every label cell of every row).
_TEXTS: dict[type, dict] = {str: {}, float: {}}
_KEYS: dict[type, dict] = {str: {}, float: {}}
_TEXTS_KEPT = 1 << 17


def text_keys() -> dict[str, str]:
    """The memo of `cell_key` for cells that are exactly `str`: text -> its key, for a
    reader to look a cell up inline (`keys.get(cell)` or `cell_key(cell)`); read only."""
    return _KEYS[str]


def _memoised(memos: dict[type, dict], value: object, work, unhashable) -> str:
    """`work(value)` (a typed memo) for `cell_text` and `cell_key`: "" for None, a text or
    float from its class's dict in `memos` (emptied when full), `unhashable(value)` for a
    cell no memo can hold."""
    if value is None:
        return ""  # an empty cell (`is_blank`)
    memo = memos.get(value.__class__)
    if memo is None:
        try:
            return work(value)
        except TypeError:  # an unhashable cell: never from the readers, but not refused
            return unhashable(value)
    found = memo.get(value)
    if found is None:
        if len(memo) >= _TEXTS_KEPT:
            memo.clear()
        found = memo[value] = work(value)
    return found


def cell_text(value: object) -> str:
    """A cell as normalised text; whole floats lose their `.0` (ids and codes typed as numbers).

    Memoised by value and type (`1`, `1.0` and `True` apart): the reader asks for the same
    cell's text several times (blank? title? total? header again?), and cells repeat.
    """
    return _memoised(_TEXTS, value, _cell_text, _cell_text.__wrapped__)


@lru_cache(maxsize=1 << 17, typed=True)
def _cell_text(value: object) -> str:
    if is_blank(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return normalise_text(str(value))


def cell_key(value: object) -> str:
    """`compact(cell_text(value))`: the form a cell is compared to labels in (title, header
    and total texts), memoised by value and type like `cell_text`."""
    return _memoised(_KEYS, value, _cell_key, lambda cell: compact(cell_text(cell)))


@lru_cache(maxsize=1 << 17, typed=True)
def _cell_key(value: object) -> str:
    return compact(cell_text(value))


def written_text(value: object) -> str:
    """A cell as the county wrote it, for publishing (a school's name): only the whitespace
    around it trimmed, never converted (乾县 stays 乾县; t2s is for comparing, `cell_text`)."""
    if is_blank(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def parse_quantity(value: object, vocabulary: Vocabulary) -> tuple[float | None, str | None]:
    """(number, unit written in the cell) for a quantity cell; (None, None) when blank.

    A none-marker (`-`, `—`, `/`, `无`) says there is none: 0. Raises Rejection for an
    Excel error value or text that is no number.
    """
    if value.__class__ is float:  # most cells: a number as the spreadsheet stores it
        return (None, None) if math.isnan(value) else (value, None)
    if is_blank(value):
        return None, None
    if isinstance(value, bool) or isinstance(value, (dt.date, dt.time, dt.timedelta)):
        raise Rejection("unparseable_number", f"not a number: {value!r}")
    if isinstance(value, (int, float)):
        if isinstance(value, float) and math.isnan(value):
            return None, None
        return float(value), None
    if value.__class__ is not str:
        return _text_quantity(value, vocabulary)
    # Text cells (every cell of a CSV) repeat: each text is parsed once per vocabulary.
    known = known_quantities(vocabulary)
    found = known.get(value)
    if found is None:
        if len(known) >= 100_000:
            known.clear()
        try:
            found = known[value] = _text_quantity(value, vocabulary)
        except Rejection as rejection:
            found = known[value] = rejection
    if isinstance(found, Rejection):
        raise Rejection(found.reason_code, str(found))
    return found


# vocabulary id -> (the vocabulary, text -> its quantity or its Rejection)
_QUANTITY_TEXTS: dict[int, tuple[Vocabulary, dict[str, tuple | Rejection]]] = {}


def known_quantities(vocabulary: Vocabulary) -> dict[str, tuple | Rejection]:
    """The filled texts `parse_quantity` has read with `vocabulary` so far: text -> (number,
    unit) or the Rejection it raised. A reader may look a text up here first (read only)."""
    held = _QUANTITY_TEXTS.get(id(vocabulary))
    if held is None or held[0] is not vocabulary:
        _QUANTITY_TEXTS.clear()
        held = _QUANTITY_TEXTS[id(vocabulary)] = (vocabulary, {})
    return held[1]


def _text_quantity(value: object, vocabulary: Vocabulary) -> tuple[float | None, str | None]:
    """`parse_quantity` of a filled cell that is text (or another type read as text)."""
    text = normalise_text(value)
    if text.upper() in EXCEL_ERRORS:
        raise Rejection("formula_error", f"Excel error {text}")
    if text in vocabulary.none_values:
        return 0.0, None
    match = _NUMBER.match(_THOUSANDS.sub("", text).replace(" ", ""))
    if match:
        number, rest = match.groups()
        unit = compact(rest)
        if not unit:
            return float(number), None
        if unit in vocabulary.units:
            return float(number), unit
    raise Rejection("unparseable_number", f"not a number: {text!r}")


_SCIENTIFIC = re.compile(r"(\d+)(?:\.(\d+))?[eE]\+?(\d+)")
_WHOLE_DECIMAL = re.compile(r"\d+\.0+")


def parse_school_id(value: object) -> str | None:
    """A school id as its digits: 2113000123.0, '2.113000123E+09', '21130 00123' and
    '="2113000123"' all read.

    None when the cell shows fewer digits than the id has: Excel displays a 10-digit
    number as `2.13018E+09`, and a CSV saved from that display keeps only those six
    digits. `2130180000` would be a wrong id shared by every school of the county.
    """
    if value.__class__ is str and value.isdigit() and value.isascii():
        return value  # the usual id typed as text: its digits as they are
    if is_blank(value):
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(int(value))
    # `'2113000123` and `="2113000123"`: the marks that keep a long number text in Excel
    text = "".join(normalise_text(value).split()).lstrip("'=").strip('"')
    if match := _SCIENTIFIC.fullmatch(text):
        whole, fraction, exponent = match.groups()
        shown = len(whole.lstrip("0")) + len(fraction or "")
        number = int(float(text))
        return str(number) if len(str(number)) <= shown else None
    if _WHOLE_DECIMAL.fullmatch(text):
        return text.split(".")[0]
    return text


def school_id_lost(value: object) -> bool:
    """Whether an id cell is filled but gives no id (digits lost to scientific display)."""
    return not is_blank(value) and parse_school_id(value) is None
