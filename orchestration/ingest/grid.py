"""A sheet as the reader sees it, whatever file it came from, and the error of a file
that can not be read."""

from __future__ import annotations

from dataclasses import dataclass, field

Cell = object
MergedRange = tuple[tuple[int, int], tuple[int, int]]


class UnreadableFile(Exception):
    """The file can not be read as a spreadsheet; `reason_code` from reason_codes.csv,
    the message in words a bureau understands (`an HTML page without a table`)."""

    def __init__(self, reason_code: str, reason: str) -> None:
        super().__init__(reason)
        self.reason_code = reason_code


@dataclass
class SheetGrid:
    """One sheet: `rows[0]` is the spreadsheet's row 1, `rows[r][0]` its column A.

    Cells are Python values (str, float, int, bool, dates) or None. Positions are
    0-based (row, column). `error_cells` hold an Excel error (`#DIV/0!`),
    `uncached_cells` a formula saved without its value; both read as empty in `rows`.
    Hidden rows and columns are listed, their cells left in `rows`.
    """

    name: str
    visible: bool
    rows: list[list[Cell]]
    merged: list[MergedRange] = field(default_factory=list)  # 0-based, inclusive
    error_cells: frozenset[tuple[int, int]] = frozenset()
    uncached_cells: frozenset[tuple[int, int]] = frozenset()
    hidden_rows: frozenset[int] = frozenset()
    hidden_columns: frozenset[int] = frozenset()
    container: str = "workbook"  # 'workbook' | 'html' | 'xml' | 'text': what the bytes were
