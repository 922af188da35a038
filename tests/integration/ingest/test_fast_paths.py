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
import unicodedata

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from orchestration.ingest import workbook
from orchestration.ingest.cells import (
    Rejection,
    _cell_text,
    _text_quantity,
    cell_key,
    cell_text,
    is_blank,
    is_excel_error,
    parse_quantity,
    parse_school_id,
)
from orchestration.ingest.headers import _read_header, read_header
from orchestration.ingest.records import RowReader, SheetContext
from orchestration.ingest.regions import region_registry
from orchestration.ingest.rows import (
    RowKind,
    _joined,
    _label_kind,
    _matches,
    _mostly_keys,
    _screen,
    classify_row,
)
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
    assert TABLE is not None and not TABLE.has_ascii_header_key
    assert classify_row(row, TABLE, WORDS) == _reference_kind(row, TABLE, WORDS)


# A header with texts a number cell can have (`1`, `2023`, `True`): number cells are read.
ASCII_HEADER = ["序号", "学校名称", "1", "2", "2023", "在校生数", "True", "ID"]
ASCII_TABLE = locate_table(SheetGrid("学校", True, [["统计表"], ASCII_HEADER]), WORDS)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(CELLS, st.sampled_from([1, 2, 2023, 1.0, 2023.0, "ID", True])),
                max_size=len(ASCII_HEADER) + 2))  # fmt: skip
def test_a_row_under_a_header_of_ascii_texts_is_classified_as_by_the_plain_rule(row):
    assert ASCII_TABLE is not None and ASCII_TABLE.has_ascii_header_key
    assert classify_row(row, ASCII_TABLE, WORDS) == _reference_kind(row, ASCII_TABLE, WORDS)


def test_a_row_repeating_a_header_of_numbers_is_the_header_again():
    row = ["序号", "学校名称", 1, 2.0, 2023, "在校生数", True, "ID"]
    assert classify_row(row, ASCII_TABLE, WORDS) == RowKind("header")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["a", "b", "c", "d"]), min_size=1, max_size=9))
def test_mostly_keys_is_more_than_half(texts):
    keys = frozenset({"a", "b"})
    assert _mostly_keys(iter(texts), keys, len(texts)) == (
        sum(t in keys for t in texts) * 2 > len(texts)
    )


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.sampled_from(TEXTS), st.text(max_size=8)))
def test_joined_patterns_match_where_one_of_them_does(text):
    for patterns in (WORDS.total_rows, WORDS.subtotal_rows, WORDS.footer_rows, WORDS.section_rows):
        assert len(_joined(patterns)) == 1  # the contracts' patterns can be joined
        assert _matches(patterns, text) == any(p.search(text) for p in patterns)


# Patterns of other shapes than the contracts' (classes, optional parts, alternations, flags,
# repeats): the screen of literals they require never turns away a text one of them matches.
PATTERN_PARTS = ["合计", "小计", "(合计|总计)", "(合计)?", "[县区]", ".+", ".*", "^", "$", "(?!全)",
                 "(?<!县)", "其中[:：]?", "(?:总|累)计", "计{1,2}", "a|b", "(?i:ab)", "x*", "(计)\\1",
                 "[^计]", "\\d", "(|计)"]  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.lists(st.lists(st.sampled_from(PATTERN_PARTS), min_size=1, max_size=4), min_size=1,
                max_size=3),
       st.lists(st.sampled_from(["合", "计", "小", "总", "累", "其", "中", "县", "全", "a", "B", "1",
                                 ":", "："]), max_size=8))  # fmt: skip
def test_the_screen_never_turns_away_a_text_a_pattern_matches(parts, characters):
    patterns = []
    for sequence in parts:
        try:
            patterns.append(re.compile("".join(sequence)))
        except re.error:
            continue
    patterns = tuple(patterns)
    text = "".join(characters)
    assert _matches(patterns, text) == any(p.search(text) for p in patterns)


def test_the_contracts_row_patterns_are_screened_by_the_texts_they_require():
    for patterns in (WORDS.total_rows, WORDS.subtotal_rows, WORDS.footer_rows):
        screen = _screen(patterns)
        assert screen is not None
        assert not screen.search("正定县城关镇第一小学")  # a school's name: turned away
    assert _screen(WORDS.subtotal_rows).search("城关镇小计")
    assert _screen((re.compile("[合总]计"),)).pattern == "计"  # what the class stands beside
    assert _screen((re.compile("[合总]"), re.compile("小计"))) is None  # a class alone: searched


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.sampled_from(TEXTS), st.text(max_size=8)))
def test_a_label_is_a_total_or_subtotal_as_by_the_patterns(label):
    subtotal = any(p.search(label) for p in WORDS.subtotal_rows)
    total = any(p.search(label) for p in WORDS.total_rows)
    for _ in range(2):  # the second time from the memo
        assert _label_kind(label, WORDS) == subtotal | total << 1


@settings(max_examples=400, deadline=None)
@given(CELLS)
def test_a_cells_key_is_its_compacted_text(cell):
    assert cell_key(cell) == compact(cell_text(cell))


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


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.floats(allow_nan=True), st.sampled_from([0.0, -0.0, 2.13018e9])),
                max_size=6))  # fmt: skip
def test_float_cells_text_and_key_from_their_memo_are_the_plain_rule(cells):
    # floats equal in value (0.0, -0.0) share a memo entry: their text must be the same
    for cell in [*cells, *cells]:  # the second time from the float memo
        assert cell_text(cell) == _cell_text.__wrapped__(cell)
        assert cell_key(cell) == compact(_cell_text.__wrapped__(cell))


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


# ---- a sheet XML's facts located from their markers --------------------------------------
_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_CELL_BODIES = ["<v>1</v>", "", "<f>A1+1</f><v>2</v>", "<f>A1+1</f>", "<f>A1</f><v/>",
                "<f>A1</f><v></v>", '<f t="shared" si="0"/><v>3</v>', '<f t="shared" si="0"/>',
                "<v>#DIV/0!</v>", "<is><t>hidden=\"1\" x:f </t></is>", "<f>B2 = 1</f><v> </v>"]  # fmt: skip
_CELL_TYPES = ["", ' t="e"', ' t="str"', ' t="n"', " t='e'", ' t = "e"', ' ut="e"']
MOSTLY = st.sampled_from([True, True, True, True, False])  # a ref, as writers give them
CELL = st.tuples(MOSTLY, st.sampled_from(["", ' t="e"', ' t="str"', "", ' t="e"', *_CELL_TYPES]),
                 st.sampled_from(_CELL_BODIES), st.booleans())  # fmt: skip
ROW = st.tuples(st.sampled_from(["", "", ' hidden="1"', " hidden='true'", ' hidden="0"',
                                 ' hidden = "1"']),
                MOSTLY, st.lists(CELL, max_size=4))  # fmt: skip
SHEET = st.tuples(
    st.sampled_from([f'xmlns="{_NS}"', f'xmlns="{_NS}"', f'xmlns="{_NS}"', f'xmlns:x="{_NS}"',
                     'xmlns="urn:other"',
                     f'xmlns="{_NS}" xmlns:xm="urn:xm"']),
    st.lists(st.sampled_from(['<col min="2" max="3" hidden="1"/>', '<col min="1" max="1"/>',
                              '<col max="4" hidden="true"/>']), max_size=2),
    st.lists(ROW, max_size=4),
    st.sampled_from(["", "", "<!-- a note -->", "<extLst><xm:f>Sheet2!A1</xm:f></extLst>"]),
)  # fmt: skip


def _sheet_xml(sheet) -> bytes:
    namespaces, columns, rows, tail = sheet
    prefix = "x:" if namespaces.startswith("xmlns:x=") else ""
    body = []
    for number, (hidden, numbered, cells) in enumerate(rows, start=1):
        row_ref = f' r="{number}"' if numbered else ""
        tags = []
        for column, (with_ref, kind, inner, closed) in enumerate(cells):
            ref = f' r="{"ABCD"[column]}{number}"' if with_ref else ""
            tags.append(f"<{prefix}c{ref}{kind}/>" if closed and not inner
                        else f"<{prefix}c{ref}{kind}>{inner}</{prefix}c>")  # fmt: skip
        body.append(f"<{prefix}row{row_ref}{hidden}>{''.join(tags)}</{prefix}row>")
    cols = f"<{prefix}cols>{''.join(columns)}</{prefix}cols>" if columns else ""
    return (
        f"<{prefix}worksheet {namespaces}>{cols}<{prefix}sheetData>{''.join(body)}"
        f"</{prefix}sheetData>{tail}</{prefix}worksheet>"
    ).encode()


@settings(max_examples=500, deadline=None)
@given(SHEET)
def test_a_sheets_facts_located_from_markers_are_the_parsers(sheet):
    data = _sheet_xml(sheet)
    located = workbook._located_facts(data)
    if located is None:  # a shape it leaves to the parser
        return
    assert vars(located) == vars(workbook._scan_sheet_xml(io.BytesIO(data)))


def test_the_usual_sheets_facts_are_located_without_the_parser():
    data = _sheet_xml((f'xmlns="{_NS}"', ['<col min="2" max="3" hidden="1"/>'],
                       [(' hidden="1"', True, [(True, ' t="e"', "<v>#N/A</v>", False),
                                               (True, "", "<f>A1</f>", False)])], ""))  # fmt: skip
    located = workbook._located_facts(data)
    assert located is not None
    assert (located.errors, located.uncached) == ({(0, 0)}, {(0, 1)})
    assert (located.hidden_rows, located.hidden_columns) == ({0}, {1, 2})


# ---- ASCII text is normalised without NFKC and t2s -----------------------------------------
@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=12))
def test_ascii_text_normalises_as_through_nfkc_and_t2s(text):
    from orchestration.ingest.text import _to_simplified, normalise_text

    plain = _to_simplified().convert(unicodedata.normalize("NFKC", text)).strip()
    assert normalise_text(text) == plain


# ---- a row's quantities: number cells taken with their column's factor worked out once ------
def _reference_quantities(reader, row: list, row_index: int) -> list:
    """quantities_of as first written: every cell through parse_quantity and `_factor`."""
    errors = reader.context.error_cells
    for column in reader._error_checked:
        cell = row[column.index] if column.index < len(row) else None
        if (errors and (row_index, column.index) in errors) or is_excel_error(cell):
            raise Rejection("formula_error", f"Excel error in {column.letter}")
    values = []
    for column in reader._valued:
        cell = row[column.index] if column.index < len(row) else None
        if (row_index, column.index) in reader.context.uncached_cells and is_blank(cell):
            values.append((column, None))
            continue
        number, unit = parse_quantity(cell, WORDS)
        values.append((column, None if number is None else number * reader._factor(column, unit)))
    return values


QUANTITY_CELLS = st.one_of(
    st.none(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(
        [
            "",
            "400",
            "1,234",
            "12.5万元",
            "3平方米",
            "-",
            "无",
            "#N/A",
            "四百",
            "7 ",
            " #div/0! ",
            "第#1",
            "＃N/A",
        ]
    ),  # fmt: skip
    st.integers(-3, 9),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(QUANTITY_CELLS, max_size=7),
       st.sampled_from([{}, {"area": 10000.0, "money": 10000.0}]),
       st.sampled_from([(), ((0, 3),)]), st.sampled_from([(), ((0, 2),)]),
       st.sampled_from(["正定县第一小学", "#REF!", " #ref! ", "学校#1", 3.0, None]))  # fmt: skip
def test_a_rows_quantities_are_the_plain_parse(cells, unit_factors, errors, uncached, name):
    # units in the header (平方米, 万元), none (运动场地面积: the sheet's unit line), counts
    header = ["学校名称", "办学类型", "在校生数", "专任教师数", "教学及辅助用房面积(平方米)",
              "教学仪器设备资产值(万元)", "图书(册)", "运动场地面积"]  # fmt: skip
    table = locate_table(SheetGrid("学校", True, [header]), WORDS)
    context = SheetContext(None, "", None, unit_factors, frozenset(errors), frozenset(uncached))
    reader = RowReader(table, context, WORDS, region_registry())
    assert len(reader._valued) == 6
    row = [name, "小学", *cells]  # the name cell is checked for an Excel error too

    def outcome(read):
        try:
            return [(column.index, value) for column, value in read(row, 0)]
        except Rejection as rejection:
            return rejection.reason_code

    plain = outcome(lambda r, i: _reference_quantities(reader, r, i))
    assert outcome(reader.quantities_of) == plain


# ---- a BIFF workbook's facts looked for by its record headers first -------------------------
@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 5), st.integers(0, 4),
                          st.sampled_from(["", 1.5, "x", "#DIV/0!", "#REF!", "hidden row",
                                           "hidden column"])), max_size=6))  # fmt: skip
def test_a_biff_workbook_without_the_markers_holds_no_facts(cells):
    import xlwt

    book = xlwt.Workbook()
    sheet = book.add_sheet("学校", cell_overwrite_ok=True)
    for row, column, value in cells:
        if value == "hidden row":
            sheet.row(row).hidden = True
        elif value == "hidden column":
            sheet.col(column).hidden = True
        elif isinstance(value, str) and value.startswith("#"):
            sheet.row(row).set_cell_error(column, value)
        elif value != "":
            sheet.write(row, column, value)
    out = io.BytesIO()
    book.save(out)
    data = out.getvalue()
    facts = workbook._biff_facts(data)["学校"]
    if not workbook._may_hold_biff_facts(data):
        assert not (facts.errors or facts.hidden_rows or facts.hidden_columns)
    else:  # it may say yes when there is nothing, never no when there is something
        assert any(value != "" and value not in (1.5, "x") for _, _, value in cells)


# ---- the part a row's type and 学段 cells name, read once per pair of texts -------------------
def _reference_part_named(words, written: str, part: str, name: str) -> str | None:
    key = compact(written)
    labels = [label for label in words.school_types if label and label in key]
    if labels:
        key = key.replace(max(labels, key=len), "", 1)
    for text in (key, compact(part)):
        stages = {stage for label, stage in words.stages.items() if label in text}
        if len(stages) == 1:
            return stages.pop()
    name_key = compact(name)
    return next((s for label, s in words.part_names.items() if name_key.endswith(label)), None)


PART_TEXTS = st.sampled_from(["", "九年一贯制学校", "九年一贯制学校(小学部)", "初中部", "小学部",
                              "完全中学(初中)", "小学", "初中", "高中部", "教学点"])  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(PART_TEXTS, PART_TEXTS,
                          st.sampled_from(["实验学校初中部", "城关小学", "一中高中部", "东关学校"])),
                min_size=1, max_size=6))  # fmt: skip
def test_a_rows_part_is_named_as_by_the_plain_rule(rows):
    header = ["学校名称", "办学类型", "学段", "在校生数"]
    table = locate_table(SheetGrid("学校", True, [header]), WORDS)
    reader = RowReader(table, SheetContext(None, "", None), WORDS, region_registry())
    for written, part, name in rows:
        assert reader._part_named(written, part, name) == _reference_part_named(
            WORDS, written, part, name
        )


# ---- the counties a text names, looked for by the first character of each name ---------------
def _reference_named(registry, text: str, short: bool) -> list:
    """`_find_named` as first written: every name of the registry searched for in the text."""
    from orchestration.ingest.regions import _PLACE_SUFFIXES

    table = registry.by_short_name if short else registry.by_name
    spans = []
    for name in table:
        start = text.find(name)
        while start >= 0:
            end = start + len(name)
            if not (short and text[end : end + 1] in _PLACE_SUFFIXES):
                spans.append((start, end, name))
            start = text.find(name, start + 1)
    kept = [
        (start, end, name)
        for start, end, name in spans
        if not any(s <= start and end <= e and e - s > end - start for s, e, _ in spans)
    ]
    names = dict.fromkeys(name for _, _, name in kept)
    return [
        registry.by_name[name] if not short else [registry.by_short_name[name]] for name in names
    ]


REGISTRY = region_registry()
PLACE_WORDS = ["正定县", "正定", "桥西区", "西区", "北关", "乡", "长安区", "朝阳区", "石家庄市",
               "2023年", "义务教育", "统计表", "鼓楼区", "新华区", "城关镇", "海淀区", "市"]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(PLACE_WORDS), max_size=6), st.booleans())
def test_the_counties_a_text_names_are_found_as_name_by_name(words, short):
    text = compact("".join(words))
    assert REGISTRY._find_named(text, short) == _reference_named(REGISTRY, text, short)


def test_an_empty_name_in_a_registry_stands_everywhere_as_name_by_name():
    from orchestration.ingest.regions import County, RegionRegistry

    county = next(iter(REGISTRY.by_code.values()))
    registry = RegionRegistry([county, County(**{**vars(county), "county_name": ""})], {})
    for text in ("", "正定县", "正定县2023"):
        assert registry._find_named(text, False) == _reference_named(registry, text, False)


# ---- a school id typed as digits -------------------------------------------------------------
@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(alphabet="0123456789", max_size=12), st.text(max_size=6),
                 st.sampled_from(["２１３", "2113000123", "0123", "٣٤", "2.13018E+09"])))  # fmt: skip
def test_a_school_id_of_digits_is_read_as_by_the_plain_rule(text):
    from orchestration.ingest.cells import _SCIENTIFIC
    from orchestration.ingest.text import normalise_text

    def plain(value):  # parse_school_id of a text as first written
        if is_blank(value):
            return None
        text = "".join(normalise_text(value).split()).lstrip("'=").strip('"')
        if match := _SCIENTIFIC.fullmatch(text):
            whole, fraction, _ = match.groups()
            number = int(float(text))
            return (
                str(number)
                if len(str(number)) <= len(whole.lstrip("0")) + len(fraction or "")
                else None
            )
        if re.fullmatch(r"\d+\.0+", text):
            return text.split(".")[0]
        return text

    assert parse_school_id(text) == plain(text)


# ---- dedupe: two copies agree where both hold a value, compared as plain values --------------
COPY_VALUES = st.sampled_from([None, float("nan"), 0.0, 1.0, 2.5, "小学", "初中", pd.NA])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(COPY_VALUES, COPY_VALUES), min_size=1, max_size=6))
def test_copies_agree_as_by_the_series_rule(pairs):
    from orchestration.ingest.dedupe import _agrees

    row = pd.Series([a for a, _ in pairs], dtype=object)
    other = pd.Series([b for _, b in pairs], dtype=object)
    both = row.notna() & other.notna()
    assert _agrees(row.tolist(), other.tolist()) == bool((row[both] == other[both]).all())


# ---- a year's school rows framed from columns, as from a dict per row ------------------------
ROW_VALUES = {
    "survey_year": st.just(2023),
    "source_file": st.sampled_from(["2023/a.xlsx", "2023/b.csv"]),
    "source_row": st.integers(1, 99),
    "school_id": st.one_of(st.none(), st.sampled_from(["2130123001", "2130123002"])),
    "school_name": st.sampled_from(["正定县第一小学", "南关小学"]),
    "counts_as_school": st.one_of(st.none(), st.booleans()),
    "students_primary": st.one_of(st.none(), st.floats(0, 2000, allow_nan=False)),
    "teachers_whole": st.one_of(st.none(), st.just(float("nan")), st.floats(0, 90)),
    "raw_values": st.tuples(st.lists(st.sampled_from(["a", 1.0, None]), max_size=3),
                            st.just({0: "学校名称"}), st.just(frozenset())),
}  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(st.lists(st.fixed_dictionaries({}, optional=ROW_VALUES), min_size=1, max_size=6))
def test_school_rows_by_columns_frame_as_the_rows_do(rows):
    from orchestration.ingest.reader import SCHOOL_ROW_COLUMNS, FileReading

    names = list(SCHOOL_ROW_COLUMNS)
    expected = pd.DataFrame(rows).reindex(columns=names)
    columns = FileReading(school_rows=rows).by_columns().school_columns
    pd.testing.assert_frame_equal(pd.DataFrame(columns, columns=names), expected, check_exact=True)


# ---- a text that is no number, told before `float` raises -----------------------------------
@settings(max_examples=500, deadline=None)
@given(st.one_of(st.text(max_size=8),
                 st.text(alphabet="0123456789.e+-_ \u3000\u00a0\u0663\u0664\uff11学校nafi", max_size=8),
                 st.sampled_from(["١٢٣", "\u3000 12 ", "1_000", "正定县第一小学", "nan", "-inf"])))  # fmt: skip
def test_a_number_text_is_what_float_reads(text):
    from orchestration.ingest.cells import is_number_text

    try:
        float(text)
        plain = True
    except ValueError:
        plain = False
    assert is_number_text(text) == plain


def test_collections_are_rarer_while_reading_and_as_before_after():
    import gc

    from orchestration.ingest.isolation import READ_GC_THRESHOLD, fewer_collections

    before = gc.get_threshold()
    with fewer_collections():
        assert gc.get_threshold() == READ_GC_THRESHOLD and gc.isenabled()
    assert gc.get_threshold() == before


# ---- a table's type cells read once per distinct text ---------------------------------------
@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["小学", "初中", "九年一贯制学校", "312", "312.0 九年一贯制学校",
                                 "211-小学", "附设小学班", "小学(附设初中班)", "职业初中", "幼儿园",
                                 "学校", "", "完全中学"]), min_size=1, max_size=6))  # fmt: skip
def test_a_type_cell_reads_the_same_memoised(texts):
    header = ["学校名称", "办学类型", "在校生数"]
    table = locate_table(SheetGrid("学校", True, [header]), WORDS)
    reader = RowReader(table, SheetContext(None, "", None), WORDS, region_registry())

    def outcome(read, text):
        try:
            return read(text)
        except Rejection as rejection:
            return rejection.reason_code, str(rejection)

    for text in [*texts, *texts]:  # the second time from the memo
        assert outcome(reader._written_type, text) == outcome(reader._type_of_cell, text)
