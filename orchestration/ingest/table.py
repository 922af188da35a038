"""Finding the school table in a sheet grid: its header rows and what each column holds.

The header is the first row (within the top `HEADER_SEARCH_ROWS`) where a school-name
column and at least one other dictionary column stand, with any group row naming a field
just above it (`在校生数` over `小学 | 初中`, the name sitting lower); it continues over the
rows of text under it (stage labels, a `其中:` row, a row of units), four rows at most.
Merged cells are filled from their top-left cell; without merges (CSV, careless
templates) a group label is carried right over the columns its sub-labels stand under.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from orchestration.ingest.cells import cell_key, cell_text, is_blank, is_number_text
from orchestration.ingest.headers import ColumnMeaning, match_header, read_header
from orchestration.ingest.text import compact
from orchestration.ingest.vocabulary import Vocabulary
from orchestration.ingest.workbook import SheetGrid

HEADER_SEARCH_ROWS = 40
MAX_HEADER_ROWS = 4


@dataclass(frozen=True)
class Column:
    """One column of a located table: 0-based `index`, its header cells top first, the field
    it was matched to (None: unmatched) and why. `letter` is its spreadsheet letter (A, B,
    ...), `header_text` its header cells joined by ` > `.
    """

    index: int  # 0-based
    path: tuple[str, ...]  # header cell texts, top first
    meaning: ColumnMeaning | None
    reason: str = ""  # why the meaning, or why the column is left unmatched

    @property
    def letter(self) -> str:
        """The column's spreadsheet letters (A, B, ..., AA)."""
        return column_letter(self.index)

    @property
    def header_text(self) -> str:
        """The column's header cells, top first, joined by ` > `."""
        return " > ".join(self.path)


@dataclass(frozen=True)
class Table:
    """A table located on a sheet: its header rows (0-based, end exclusive), every column that
    has a header text, and the cells above the header. `used(kind, field)` lists the columns
    matched to a kind of field (identity, quantity, ...), optionally to one field.
    """

    header_start: int  # 0-based row of the first header row
    header_end: int  # 0-based row after the last header row
    columns: tuple[Column, ...]  # every column with a header text
    title_keys: frozenset[str] = frozenset()  # the cells above the header, compacted

    @cached_property
    def header_keys(self) -> frozenset[str]:
        """Every header cell text, compacted: a row repeating them is the header again."""
        return frozenset(compact(part) for column in self.columns for part in column.path)

    @cached_property
    def has_ascii_header_key(self) -> bool:
        """Whether a header text is ASCII, as a number cell's text is (`rows.classify_row`)."""
        return any(key.isascii() for key in self.header_keys)

    @cached_property
    def header_paths(self) -> dict[int, frozenset[str]]:
        """Column index -> its header cell texts, compacted (the header again, column by
        column)."""
        return {column.index: frozenset(compact(part) for part in column.path)
                for column in self.columns}  # fmt: skip

    @cached_property
    def label_columns(self) -> tuple[int, ...]:
        """Where a county writes 合计: the name, serial, type or county column (identity and
        set-aside columns), left to right."""
        return tuple(
            sorted(
                column.index
                for column in self.columns
                if column.meaning and column.meaning.kind in ("identity", "ignored")
            )
        )

    @cached_property
    def used_columns(self) -> frozenset[int]:
        """The columns read into a record: identity and quantity columns."""
        return frozenset(
            column.index
            for column in self.columns
            if column.meaning and column.meaning.kind in ("identity", "quantity")
        )

    @cached_property
    def name_column(self) -> int | None:
        """The first school-name column, None without one (asked of every row)."""
        names = self.used("identity", "school_name")
        return names[0].index if names else None

    @cached_property
    def header_texts(self) -> dict[int, str]:
        """Column -> its header text (`header_text`), for the raw values of a row."""
        return {column.index: column.header_text for column in self.columns}

    def used(self, kind: str, field: str | None = None) -> list[Column]:
        """The columns matched to `kind` (identity, quantity, ...), of `field` only when given."""
        return [
            column
            for column in self.columns
            if column.meaning
            and column.meaning.kind == kind
            and (field is None or column.meaning.field == field)
        ]


def column_letter(index: int) -> str:
    """The spreadsheet letters of a 0-based column index (0 -> A, 25 -> Z, 26 -> AA)."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def _row_meanings(row: list, vocabulary: Vocabulary) -> list[ColumnMeaning | None]:
    return [match_header([cell], vocabulary) if isinstance(cell, str) else None for cell in row]


def is_header_row(row: list, vocabulary: Vocabulary) -> bool:
    """A school-name column and at least one other dictionary column stand in `row`."""
    meanings = [meaning for meaning in _row_meanings(row, vocabulary) if meaning]
    named = any(meaning.field == "school_name" for meaning in meanings)
    return named and sum(meaning.kind != "ignored" for meaning in meanings) >= 2


def _header_start(grid: SheetGrid, vocabulary: Vocabulary, first_row: int) -> int | None:
    for index in range(first_row, min(len(grid.rows), first_row + HEADER_SEARCH_ROWS)):
        if is_header_row(grid.rows[index], vocabulary):
            return index
    return None


def _merged_into(grid: SheetGrid, row: int, column: int) -> tuple[int, int] | None:
    """The top-left cell of the merged range holding (row, column), when it is merged."""
    for (top, left), (bottom, right) in grid.merged:
        if top <= row <= bottom and left <= column <= right and (row, column) != (top, left):
            return top, left
    return None


def _column_number(cell: object) -> str:
    return cell_text(cell).strip("()[]")


def is_column_numbering(row: list, name_column: int | None, vocabulary: Vocabulary) -> bool:
    """A row numbering the columns under the header: 甲 乙 1 2 3 ..., 栏次 (1) (2) ..., or
    1 2 3 ... across the name column too: index labels and numbers counting up by one."""
    name = (
        _column_number(row[name_column])
        if name_column is not None and name_column < len(row)
        else ""
    )
    if name and name not in vocabulary.column_index_labels and not is_number_text(name):
        return False  # the usual data row: a school's name; decided before every cell is read
    texts = [_column_number(cell) for cell in row if not is_blank(cell)]
    if len(texts) < 3 or not all(
        text in vocabulary.column_index_labels or is_number_text(text) for text in texts
    ):
        return False
    numbers = [float(text) for text in texts if is_number_text(text)]
    labelled = len(numbers) < len(texts)
    return (labelled or len(numbers) >= 3) and all(b - a == 1 for a, b in zip(numbers, numbers[1:]))


def _continues_header(
    grid: SheetGrid, index: int, start: int, name_column: int, vocabulary: Vocabulary
) -> bool:
    """Whether row `index` is one more header row under the header starting at `start`."""
    row = grid.rows[index]
    filled = [cell for cell in row if not is_blank(cell)]
    if not filled or any(not isinstance(cell, str) for cell in filled):
        return False
    if is_column_numbering(row, name_column, vocabulary):
        return False
    name_cell = row[name_column] if name_column < len(row) else None
    merged = _merged_into(grid, index, name_column)
    if not is_blank(name_cell) and not (merged and merged[0] >= start):
        return False
    known = sum(meaning is not None for meaning in _row_meanings(row, vocabulary))
    known += sum(cell_text(cell) in vocabulary.totals | vocabulary.stages.keys() for cell in filled)
    return len(filled) >= 2 or known >= 1


def _groups_fields(row: list, vocabulary: Vocabulary) -> bool:
    """Whether a row above the school-name row is a group row of the header: text only, one
    of its cells a quantity field (`在校生数` over `小学 | 初中`, the name sitting lower)."""
    filled = [cell for cell in row if not is_blank(cell)]
    if not filled or any(not isinstance(cell, str) for cell in filled):
        return False
    return any(meaning and meaning.kind == "quantity" for meaning in _row_meanings(row, vocabulary))


def _header_grid(grid: SheetGrid, start: int, end: int, width: int) -> list[list[str]]:
    header = [
        [cell_text(cell) for cell in grid.rows[index]] + [""] * (width - len(grid.rows[index]))
        for index in range(start, end)
    ]
    for (top, left), (bottom, right) in grid.merged:
        if bottom < start or top >= end:
            continue
        value = cell_text(grid.rows[top][left]) if top < len(grid.rows) else ""
        for row in range(max(top, start), min(bottom + 1, end)):
            for column in range(left, min(right + 1, width)):
                header[row - start][column] = value
    merged_levels = {top - start for (top, _), _ in grid.merged if start <= top < end}
    for level in range(len(header) - 1):
        if level in merged_levels:
            continue  # a template with merges says where its groups end
        for column in range(1, width):
            below = [header[deeper][column] for deeper in range(level + 1, len(header))]
            left_below = [header[deeper][column - 1] for deeper in range(level + 1, len(header))]
            same_group = all(header[upper][column] == header[upper][column - 1]
                             for upper in range(level))  # fmt: skip
            if not header[level][column] and any(below) and any(left_below) and same_group:
                header[level][column] = header[level][column - 1]
    return header


def locate_table(grid: SheetGrid, vocabulary: Vocabulary, first_row: int = 0) -> Table | None:
    """The table of `grid` from `first_row` on, or None when no row near there reads as a
    school-table header."""
    named = _header_start(grid, vocabulary, first_row)
    if named is None:
        return None
    name_column = next(
        index
        for index, meaning in enumerate(_row_meanings(grid.rows[named], vocabulary))
        if meaning and meaning.field == "school_name"
    )
    start = named
    while (
        start > first_row
        and named - start < MAX_HEADER_ROWS - 1
        and _groups_fields(grid.rows[start - 1], vocabulary)
    ):
        start -= 1
    end = named + 1
    while (
        end < len(grid.rows)
        and end - start < MAX_HEADER_ROWS
        and _continues_header(grid, end, start, name_column, vocabulary)
    ):
        end += 1
    width = max(len(row) for row in grid.rows[start:end])
    header = _header_grid(grid, start, end, width)
    columns = []
    for index in range(width):
        path: list[str] = []
        for level in header:
            if level[index] and (not path or path[-1] != level[index]):
                path.append(level[index])
        if path:
            reading = read_header(path, vocabulary)
            columns.append(Column(index, tuple(path), reading.meaning, reading.reason))
    titles = frozenset(
        compact(cell_text(cell))
        for row in grid.rows[first_row:start]
        for cell in row
        if not is_blank(cell)
    )
    return Table(start, end, tuple(columns), titles)


def title_lines(grid: SheetGrid, table: Table | None) -> list[str]:
    """The filled lines above the header (the top rows when no header is found), as text."""
    end = table.header_start if table else min(len(grid.rows), 10)
    lines = []
    for row in grid.rows[:end]:
        text = " ".join(cell_text(cell) for cell in row if not is_blank(cell))
        if text:
            lines.append(text)
    return lines


def starts_another_table(row: list, table: Table, vocabulary: Vocabulary) -> bool:
    """Whether a row under `table` is the header of a second table of another shape (the
    teaching points under the schools, `教学点名称 | 所属中心校 | ...`, or the same labels in
    another order), not this header again."""
    filled = []
    for index, cell in enumerate(row):
        if is_blank(cell):
            continue
        if not isinstance(cell, str) or is_number_text(cell):
            return False  # a header is text only; checking it first keeps data rows cheap
        filled.append((index, cell))
    if not filled:
        return False
    paths = table.header_paths
    if all(cell_key(cell) in paths.get(index, ()) for index, cell in filled):
        return False  # this header again, column by column
    return is_header_row(row, vocabulary)


def merged_down(grid: SheetGrid, table: Table) -> dict[int, dict[int, object]]:
    """Row -> {column: value} for identity cells under a vertically merged cell (办学类型 or
    乡镇 merged over a group of schools): the merged value belongs to every row it covers.
    Quantity cells are never filled (a value merged over two rows is one value)."""
    identity = {column.index for column in table.used("identity")}
    filled: dict[int, dict[int, object]] = {}
    for (top, left), (bottom, right) in grid.merged:
        if bottom == top or top < table.header_end or top >= len(grid.rows):
            continue
        value = grid.rows[top][left] if left < len(grid.rows[top]) else None
        for row in range(top + 1, bottom + 1):
            for column in identity & set(range(left, right + 1)):
                filled.setdefault(row, {})[column] = value
    return filled
