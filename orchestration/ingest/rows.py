"""What a row below the header is: a school, or one of the kinds of not-data rows."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from orchestration.ingest.cells import cell_text
from orchestration.ingest.table import Table, is_column_numbering
from orchestration.ingest.text import compact
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


def _matches(patterns: tuple[re.Pattern[str], ...], text: str) -> bool:
    return any(pattern.search(text) for pattern in _joined(patterns))


def _mostly_in(texts: Iterable[str], keys: frozenset[str], count: int | None = None) -> bool:
    """Whether more than half of `texts` (`count` of them, if an iterator), compacted, are
    among `keys`; stops as soon as half are not (a data row: its first few cells)."""
    total = len(texts) if count is None else count
    misses = 0
    for text in texts:
        if compact(text) not in keys:
            misses += 1
            if misses * 2 >= total:
                return False
    return True


def classify_row(row: list, table: Table, vocabulary: Vocabulary) -> RowKind:
    """The kind of one row under the header of `table`."""
    # `is_blank` inline: it is asked of every cell of every row
    filled = [(index, cell) for index, cell in enumerate(row)
              if cell is not None and not (isinstance(cell, str) and not cell.strip())]  # fmt: skip
    if not filled:
        return RowKind("blank")
    # A cell's text is worked out only when a rule reaches it: most rules read the first.
    text = cell_text(filled[0][1])
    first = compact(text)
    title_keys = table.title_keys
    if first in title_keys and all(
        compact(cell_text(cell)) in title_keys for _, cell in filled[1:]
    ):
        return RowKind("title")  # the title lines repeated (a printed page break)
    if _matches(vocabulary.footer_rows, text.replace(" ", "")):
        return RowKind("footer")

    # where a county writes 合计: the name, serial, type or county column
    labels = [compact(cell_text(row[index])) for index in table.label_columns if index < len(row)]
    labels = [label for label in labels if label]
    if any(_matches(vocabulary.subtotal_rows, label) for label in labels):
        return RowKind("subtotal")
    if any(_matches(vocabulary.total_rows, label) for label in labels):
        return RowKind("total")

    if len(filled) == 1 and isinstance(filled[0][1], str):
        if _matches(vocabulary.section_rows, text) or first in vocabulary.school_types:
            return RowKind("section", vocabulary.school_type_in(text))
    if is_column_numbering(row, table.name_column, vocabulary):
        return RowKind("column_index")
    if _mostly_in((cell_text(cell) for _, cell in filled), table.header_keys, len(filled)):
        return RowKind("header")  # the header repeated (a printed page break)
    used = table.used_columns
    if not any(index in used for index, _ in filled):
        return RowKind("blank")  # only a serial number or notes in unused columns
    return RowKind(DATA)
