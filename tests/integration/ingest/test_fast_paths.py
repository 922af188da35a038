"""The reader's fast paths agree with the plain rules they replace (issue 13).

Each fast path (memoised, joined, stopped early, worked out lazily) is checked against the
rule as it was first written, kept here as the reference, on generated input: what a row
is, whether a text matches one of a row kind's patterns, a cell's text, where an XML cell
stands, and what a header reads as.
"""

from __future__ import annotations

import datetime as dt
import io
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from orchestration.ingest import workbook
from orchestration.ingest.cells import (
    Rejection,
    _cell_text,
    _text_quantity,
    cell_text,
    is_blank,
    parse_quantity,
)
from orchestration.ingest.headers import _read_header, read_header
from orchestration.ingest.rows import RowKind, _joined, _matches, _mostly_in, classify_row
from orchestration.ingest.table import is_column_numbering, locate_table
from orchestration.ingest.text import compact
from orchestration.ingest.vocabulary import vocabulary
from orchestration.ingest.workbook import SheetGrid

WORDS = vocabulary()


# ---- the reference: classify_row as first written, every cell read in every step ----------
def _reference_kind(row: list, table, words) -> RowKind:
    def matches(patterns, text):
        return any(pattern.search(text) for pattern in patterns)

    filled = [(index, cell) for index, cell in enumerate(row) if not is_blank(cell)]
    if not filled:
        return RowKind("blank")
    texts = [cell_text(cell) for _, cell in filled]
    first = compact(texts[0])
    if all(compact(text) in table.title_keys for text in texts):
        return RowKind("title")
    if matches(words.footer_rows, texts[0].replace(" ", "")):
        return RowKind("footer")
    label_columns = {
        column.index
        for column in table.columns
        if column.meaning and column.meaning.kind in ("identity", "ignored")
    }
    labels = [compact(cell_text(row[index])) for index in sorted(label_columns) if index < len(row)]
    labels = [label for label in labels if label]
    if any(matches(words.subtotal_rows, label) for label in labels):
        return RowKind("subtotal")
    if any(matches(words.total_rows, label) for label in labels):
        return RowKind("total")
    if len(filled) == 1 and isinstance(filled[0][1], str):
        if matches(words.section_rows, texts[0]) or first in words.school_types:
            return RowKind("section", words.school_type_in(texts[0]))
    names = table.used("identity", "school_name")
    if is_column_numbering(row, names[0].index if names else None, words):
        return RowKind("column_index")
    if sum(compact(text) in table.header_keys for text in texts) * 2 > len(texts):
        return RowKind("header")
    used = {
        column.index
        for column in table.columns
        if column.meaning and column.meaning.kind in ("identity", "quantity")
    }
    if not any(index in used for index, _ in filled):
        return RowKind("blank")
    return RowKind("data")


HEADER = ["序号", "学校名称", "办学类型", "在校生数", "专任教师数", "校舍面积(㎡)", "备注"]
GRID = SheetGrid("学校", True, [["正定县2023年义务教育学校统计表"], HEADER])
TABLE = locate_table(GRID, WORDS)

TEXTS = [
    *HEADER, "正定县2023年义务教育学校统计表", "合计", "全县合计", "城关镇小计", "其中:公办",
    "注:本表", "填表人:张三", "一、小学", "城关镇", "小学", "初中", "九年一贯制学校", "甲", "乙",
    "栏次", "(1)", "1", "2", "3", "正定县第一小学", "  ", "", "-", "无", "#DIV/0!", "１２", "學校",
]  # fmt: skip
CELLS = st.one_of(
    st.none(),
    st.sampled_from(TEXTS),
    st.text(max_size=6),
    st.integers(-3, 12),
    st.floats(allow_nan=True, allow_infinity=False, width=32),
    st.booleans(),
    st.just(dt.date(2023, 9, 1)),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(CELLS, max_size=len(HEADER) + 2))
def test_a_row_is_classified_as_by_the_plain_rule(row):
    assert TABLE is not None
    assert classify_row(row, TABLE, WORDS) == _reference_kind(row, TABLE, WORDS)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["a", "b", "c", "d"]), min_size=1, max_size=9))
def test_mostly_in_is_more_than_half(texts):
    keys = frozenset({"a", "b"})
    assert _mostly_in(texts, keys) == (sum(compact(t) in keys for t in texts) * 2 > len(texts))


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.sampled_from(TEXTS), st.text(max_size=8)))
def test_joined_patterns_match_where_one_of_them_does(text):
    for patterns in (WORDS.total_rows, WORDS.subtotal_rows, WORDS.footer_rows, WORDS.section_rows):
        assert len(_joined(patterns)) == 1  # the contracts' patterns can be joined
        assert _matches(patterns, text) == any(p.search(text) for p in patterns)


def test_patterns_that_refer_to_their_groups_are_searched_one_by_one():
    patterns = (re.compile(r"(合)\1"), re.compile("小计"))
    assert _joined(patterns) == patterns
    assert (
        _matches(patterns, "合合") and _matches(patterns, "小计") and not _matches(patterns, "合")
    )


@settings(max_examples=400, deadline=None)
@given(CELLS)
def test_a_cells_text_is_the_same_memoised(cell):
    assert cell_text(cell) == _cell_text.__wrapped__(cell)


def test_cells_equal_in_value_but_not_in_type_keep_their_own_text():
    assert [cell_text(v) for v in (1, 1.0, True)] == ["1", "1", "True"]


# ---- where a cell of the sheet XML stands ----------------------------------------------------
def _reference_positions(refs: list[list[str]]) -> list[tuple[int, int]]:
    """(row, column) of every cell, as the scan first worked them out: cell by cell."""
    found, row_index = [], -1
    for row in refs:
        row_index, column = row_index + 1, -1
        for r in row:
            ref = workbook._split_ref(r)
            column = ref[1] if ref else column + 1
            found.append((ref[0] if ref else row_index, column))
    return found


REFS = st.lists(st.lists(st.sampled_from(["", "B2", "C7", "AA10", "A", "7", "$D$4"]), max_size=5),
                max_size=4)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(REFS)
def test_a_cells_position_is_worked_out_as_cell_by_cell(refs):
    lazy = []
    for row_index, row in enumerate(refs):
        for end in range(1, len(row) + 1):
            lazy.append(workbook._cell_position(row[:end], row_index))
    assert lazy == _reference_positions(refs)


def test_formula_and_error_cells_without_refs_are_placed_after_their_neighbours():
    ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    xml = (
        f'<worksheet xmlns="{ns}"><sheetData>'
        '<row r="3"><c r="B3"><v>1</v></c><c><f>A1</f></c><c t="e"><v>#N/A</v></c></row>'
        '<row hidden="1"><c><f>A2</f><v>2</v></c><c r="E4"><f>A3</f></c></row>'
        "</sheetData></worksheet>"
    )
    facts = workbook._scan_sheet_xml(io.BytesIO(xml.encode()))
    assert facts.uncached == {(2, 2), (3, 4)}
    assert facts.errors == {(2, 3)}
    assert facts.hidden_rows == {3}


# ---- a header's reading, memoised ----------------------------------------------------------
@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from([*HEADER, "小学", "初中", "其中:女", "本科", "合计"]),
                min_size=1, max_size=3))  # fmt: skip
def test_a_header_reads_the_same_memoised(path):
    assert read_header(path, WORDS) == _read_header(tuple(path), WORDS)
    assert read_header(path, WORDS) is read_header(list(path), WORDS)


# ---- a quantity typed as text, memoised --------------------------------------------------
def _outcome(parse, cell):
    try:
        return parse(cell, WORDS)
    except Rejection as rejection:
        return rejection.reason_code, str(rejection)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.sampled_from(["400", "1,234", "12.5万元", "-", "无", "#N/A", "四百", " 7 "]),
                 st.text(max_size=6)))  # fmt: skip
def test_a_text_quantity_parses_the_same_memoised(cell):
    first = _outcome(parse_quantity, cell)
    assert _outcome(parse_quantity, cell) == first  # the second time, from the memo
    if not is_blank(cell):
        assert first == _outcome(_text_quantity, cell)
