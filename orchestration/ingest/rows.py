"""What a row below the header is: a school, or one of the kinds of not-data rows."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

try:  # the parser of `re` (3.11+), read to find the texts a pattern requires
    from re import _constants as _sre
    from re import _parser
except ImportError:  # pragma: no cover - older layouts
    import sre_constants as _sre  # type: ignore[no-redef]
    import sre_parse as _parser  # type: ignore[no-redef]

from orchestration.ingest.cells import cell_key, cell_text, text_keys
from orchestration.ingest.table import Table, is_column_numbering
from orchestration.ingest.vocabulary import Vocabulary

DATA = "data"
NOT_DATA_KINDS = (
    "blank", "title", "header", "section", "total", "subtotal", "footer", "column_index",
)  # fmt: skip


@dataclass(frozen=True)
class RowKind:
    """What a sheet row is: DATA, or one of NOT_DATA_KINDS (blank, title, header, section,
    total, subtotal, footer, column_index), with the school type a section row names (it
    applies to the rows below it).
    """

    kind: str  # DATA or one of NOT_DATA_KINDS
    section_type: str | None = None  # the school type a section row names


# The kinds without a section type, made once: a RowKind is frozen, so one object serves
# every row of its kind (a dataclass's init is a cost on every row).
_KINDS = {kind: RowKind(kind) for kind in (DATA, *NOT_DATA_KINDS)}

# A pattern referring to its own groups can not be joined with others into one.
_GROUP_REFERENCE = re.compile(r"\\[1-9]|\(\?P=")


@lru_cache(maxsize=64)
def _joined(patterns: tuple[re.Pattern[str], ...]) -> tuple[re.Pattern[str], ...]:
    """`patterns` as one alternation, searched once per text instead of once per pattern
    (a text matches it exactly when it matches one of them); as they are when a pattern
    has flags of its own or refers to its groups."""
    if not patterns or any(
        p.flags != re.UNICODE or _GROUP_REFERENCE.search(p.pattern) for p in patterns
    ):
        return patterns
    try:
        return (re.compile("|".join(f"(?:{p.pattern})" for p in patterns)),)
    except re.error:
        return patterns


def _literal_runs(items) -> frozenset[str] | None:
    """Texts one of which every match of the parsed pattern `items` (a sequence of
    `re._parser` opcodes) contains; None when nothing can be said (a class, a wildcard,
    an optional part). Of the sequence's candidates, the one whose shortest text is longest.
    """
    candidates: list[frozenset[str]] = []
    run: list[str] = []
    for op, value in items:
        if op is _sre.LITERAL:
            run.append(chr(value))
            continue
        if run:  # consecutive literals stand together in every match
            candidates.append(frozenset({"".join(run)}))
            run = []
        found = None
        if op is _sre.SUBPATTERN:
            _group, add_flags, del_flags, inner = value
            found = None if add_flags or del_flags else _literal_runs(inner)
        elif op is _sre.BRANCH:
            branches = [_literal_runs(branch) for branch in value[1]]
            if all(branches):
                found = frozenset().union(*branches)
        elif op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT) and value[0] >= 1:
            found = _literal_runs(value[2])
        if found:
            candidates.append(found)
    if run:
        candidates.append(frozenset({"".join(run)}))
    return max(candidates, key=lambda texts: min(map(len, texts)), default=None)


@lru_cache(maxsize=64)
def _screen(patterns: tuple[re.Pattern[str], ...]) -> re.Pattern[str] | None:
    """A search for texts one of which every text matching one of `patterns` contains
    (`合计`, `小计`, `其中`, ...): a text without any can match none of them, and the screen, a
    plain alternation of literals, is read several times faster than the patterns (a name
    of a school tried against `.*小计$`). None when a pattern has flags of its own or one
    text it requires can not be told."""
    required: set[str] = set()
    for pattern in patterns:
        if pattern.flags != re.UNICODE:
            return None
        try:
            texts = _literal_runs(_parser.parse(pattern.pattern, pattern.flags))
        except (re.error, TypeError, ValueError, AttributeError):  # a parser of another shape
            return None
        if not texts:
            return None
        required |= texts
    if not required:
        return None
    return re.compile("|".join(re.escape(text) for text in sorted(required, key=len, reverse=True)))


def _matches(patterns: tuple[re.Pattern[str], ...], text: str) -> bool:
    screen = _screen(patterns)
    if screen is not None and not screen.search(text):
        return False
    return any(pattern.search(text) for pattern in _joined(patterns))


_SUBTOTAL, _TOTAL = 1, 2
_NUMBER_CLASSES = (float, int)  # cells whose text (`cell_key`) is ASCII


# id(vocabulary) -> (the vocabulary, label memo, footer memo): each distinct label text is
# tried against the total and subtotal patterns once, each first text against the footer
# patterns once (serials, types and counties repeat down a table, and across files).
_MEMOS: dict[int, tuple[Vocabulary, dict[str, int], dict[str, bool]]] = {}


def _memos(vocabulary: Vocabulary) -> tuple[Vocabulary, dict[str, int], dict[str, bool]]:
    held = _MEMOS.get(id(vocabulary))
    if held is None or held[0] is not vocabulary:
        if len(_MEMOS) >= 8:
            _MEMOS.clear()
        held = _MEMOS[id(vocabulary)] = (vocabulary, {}, {})
    return held


def _label_kind(label: str, vocabulary: Vocabulary) -> int:
    """_SUBTOTAL if the compacted label text `label` matches a subtotal pattern, | _TOTAL
    if a total one; once per distinct text."""
    memo = _memos(vocabulary)[1]
    found = memo.get(label)
    if found is None:
        if len(memo) >= 100_000:
            memo.clear()
        found = memo[label] = (_SUBTOTAL if _matches(vocabulary.subtotal_rows, label) else 0) | (
            _TOTAL if _matches(vocabulary.total_rows, label) else 0
        )
    return found


def _is_footer(text: str, vocabulary: Vocabulary) -> bool:
    """Whether a row's first filled text opens a footer; once per distinct text."""
    memo = _memos(vocabulary)[2]
    found = memo.get(text)
    if found is None:
        if len(memo) >= 100_000:
            memo.clear()
        found = memo[text] = _matches(vocabulary.footer_rows, text.replace(" ", ""))
    return found


def _mostly_keys(keys: Iterable[str], known: frozenset[str], count: int) -> bool:
    """Whether more than half of `keys` (`count` of them; compacted texts, `cell_key`) are
    among `known`; stops as soon as half are not (a data row: its first few cells)."""
    misses = 0
    for key in keys:
        if key not in known:
            misses += 1
            if misses * 2 >= count:
                return False
    return True


def classify_row(row: list, table: Table, vocabulary: Vocabulary) -> RowKind:
    """The kind of one row under the header of `table`."""
    # `is_blank` inline: it is asked of every cell of every row
    filled = [(index, cell) for index, cell in enumerate(row)
              if cell is not None and not (isinstance(cell, str) and not cell.strip())]  # fmt: skip
    if not filled:
        return _KINDS["blank"]
    # A cell's text is worked out only when a rule reaches it: most rules read the first.
    text = cell_text(filled[0][1])
    first = cell_key(filled[0][1])
    title_keys = table.title_keys
    if first in title_keys and all(cell_key(cell) in title_keys for _, cell in filled[1:]):
        return _KINDS["title"]  # the title lines repeated (a printed page break)
    _, label_memo, footer_memo = _memos(vocabulary)  # (the lookups inline: every row)
    footer = footer_memo.get(text)
    if footer is None:
        footer = _is_footer(text, vocabulary)
    if footer:
        return _KINDS["footer"]

    # where a county writes 合计: the name, serial, type or county column; each distinct
    # label text is tried against the patterns once
    width = len(row)
    kinds = 0
    keys = text_keys()  # `cell_key` of a text cell looked up inline (every row)
    for index in table.label_columns:
        if index < width:
            cell = row[index]
            label = keys.get(cell) if cell.__class__ is str else None
            if label is None:
                label = cell_key(cell)
            if label:
                found = label_memo.get(label)
                kinds |= _label_kind(label, vocabulary) if found is None else found
    if kinds & _SUBTOTAL:
        return _KINDS["subtotal"]
    if kinds & _TOTAL:
        return _KINDS["total"]

    if len(filled) == 1 and isinstance(filled[0][1], str):
        if _matches(vocabulary.section_rows, text) or first in vocabulary.school_types:
            return RowKind("section", vocabulary.school_type_in(text))
    if is_column_numbering(row, table.name_column, vocabulary):
        return _KINDS["column_index"]
    count = len(filled)
    # A number's text is ASCII: where no header text is, number cells are never header texts,
    # and a row of mostly numbers (a school's) is told without reading its cells' texts.
    if (
        table.has_ascii_header_key
        or sum(cell.__class__ in _NUMBER_CLASSES for _, cell in filled) * 2 < count
    ) and _mostly_keys((cell_key(cell) for _, cell in filled), table.header_keys, count):
        return _KINDS["header"]  # the header repeated (a printed page break)
    used = table.used_columns
    if not any(index in used for index, _ in filled):
        return _KINDS["blank"]  # only a serial number or notes in unused columns
    return _KINDS[DATA]
