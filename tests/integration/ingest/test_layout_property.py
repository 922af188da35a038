"""The same schools written under random layouts read to the same values.

Header depth, title lines, column order, blank rows and columns, synonyms, units,
number formatting, traditional characters and the file format all vary; what is staged
must not.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import opencc
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.workbooks import Sheet, ingest_book

SCHOOLS = [  # name, type, primary students, junior students, teachers, area m², equipment 元, books
    ("城关小学", "小学", 1234, None, 60, 5200.5, 1_250_000, 30000),
    ("南关初级中学", "初中", None, 987, 80, 8800, 2_400_000, 45000),
    ("实验学校", "九年一贯制学校", 650, 420, 90, 9100, 3_000_000, 52000),
]
SYNONYMS = {
    "name": ["学校名称", "校名", "单位名称"],
    "type": ["办学类型", "学校类型"],
    "students": ["在校生数", "学生数", "在校学生数"],
    "teachers": ["专任教师数", "专任教师"],
    "area": ["教学及辅助用房面积", "教辅用房面积", "教学辅助用房"],
    "equipment": ["教学仪器设备值", "仪器设备总值", "教学仪器设备资产值"],
    "books": ["图书册数", "藏书量", "图书"],
}
_TO_TRADITIONAL = opencc.OpenCC("s2t")


@st.composite
def layouts(draw):
    return {
        "depth": draw(st.integers(1, 3)),
        "titles": draw(st.lists(st.sampled_from(
            ["正定县2019年义务教育学校基本情况统计表", "填报单位:正定县教育局", "单位:平方米", ""]), max_size=3)),
        "order": draw(st.permutations(["name", "type", "students", "teachers", "area", "equipment", "books"])),
        "synonyms": {key: draw(st.sampled_from(values)) for key, values in SYNONYMS.items()},
        "area_unit": draw(st.sampled_from(["", "(㎡)", "(平方米)", "(m2)"])),
        "equipment_in_wan": draw(st.booleans()),
        "number_style": draw(st.sampled_from(["number", "text", "thousands", "fullwidth", "spaced"])),
        "blank_columns": draw(st.sets(st.integers(0, 9), max_size=2)),
        "blank_rows_after": draw(st.sets(st.integers(0, 2), max_size=2)),
        "traditional": draw(st.booleans()),
        "merges": draw(st.booleans()),
        "suffix": draw(st.sampled_from(["xlsx", "xls", "csv"])),
    }  # fmt: skip


def _number(value, style):
    if value is None:
        return None
    if style == "number":
        return value
    text = f"{value:,}" if style == "thousands" else str(value)
    if style == "fullwidth":
        return text.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789."})
    return f" {text} " if style == "spaced" else text


def build_sheet(layout) -> Sheet:
    depth, names = layout["depth"], layout["synonyms"]
    equipment_header = names["equipment"] + ("(万元)" if layout["equipment_in_wan"] else "(元)")
    columns: list[tuple[list[str], object]] = []  # (header path, value getter)
    for key in layout["order"]:
        if key == "students":
            for stage, position in (("小学", 2), ("初中", 3)):
                path = [stage + names["students"]] if depth == 1 else [names["students"], stage]
                columns.append((path + ["合计"] * (depth - 2), lambda s, p=position: s[p]))
        else:
            header = {"name": names["name"], "type": names["type"], "teachers": names["teachers"],
                      "area": names["area"] + layout["area_unit"], "equipment": equipment_header,
                      "books": names["books"]}[key]  # fmt: skip
            position = {"name": 0, "type": 1, "teachers": 4, "area": 5, "equipment": 6, "books": 7}[
                key
            ]
            scale = 10_000 if key == "equipment" and layout["equipment_in_wan"] else 1
            columns.append(([header], lambda s, p=position, k=scale: s[p] if p < 2 else s[p] / k))
    for position in sorted(layout["blank_columns"], reverse=True):
        columns.insert(min(position, len(columns)), ([], lambda s: None))

    text = _TO_TRADITIONAL.convert if layout["traditional"] else str
    top = len(layout["titles"])
    rows = [[title] for title in layout["titles"]]
    header_rows = [[None] * len(columns) for _ in range(depth)]
    merges = []
    for index, (path, _) in enumerate(columns):
        for level, part in enumerate(path):
            header_rows[level][index] = text(part)
        if path and len(path) < depth and layout["merges"]:
            merges.append(((top + len(path) - 1, index), (top + depth - 1, index)))
    for index in range(1, len(columns)):  # the group label written once over its stages
        if depth > 1 and columns[index][0][:1] == columns[index - 1][0][:1] == [names["students"]]:
            header_rows[0][index] = None
            if layout["merges"]:
                merges.append(((top, index - 1), (top, index)))
    rows += header_rows
    for number, school in enumerate(SCHOOLS):
        cells = [getter(school) for _, getter in columns]
        rows.append(
            [text(c) if isinstance(c, str) else _number(c, layout["number_style"]) for c in cells]
        )
        if number in layout["blank_rows_after"]:
            rows.append([])
    if layout["suffix"] == "csv":
        merges = []
    return Sheet("学校", rows, merges)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(layouts())
def test_parsed_values_do_not_depend_on_the_layout(layout):
    with tempfile.TemporaryDirectory() as folder:
        result = ingest_book(
            Path(folder), [build_sheet(layout)], f"2019/石家庄市/正定县.{layout['suffix']}"
        )
    staged = result.school_rows.set_index("school_name").sort_index()
    assert result.quarantine.empty, result.quarantine[["reason_code", "reason"]]
    # names are published as written (traditional stays traditional)
    written = _TO_TRADITIONAL.convert if layout["traditional"] else str
    assert list(staged.index) == sorted(written(school[0]) for school in SCHOOLS)
    for name, kind, primary, junior, teachers, area, equipment, books in SCHOOLS:
        row = staged.loc[written(name)]
        assert (
            row["school_type"]
            == {"小学": "primary", "初中": "junior", "九年一贯制学校": "nine_year"}[kind]
        )
        # an empty cell of a column the sheet has is none: 0
        assert (row["students_primary"], row["students_junior"]) == (primary or 0, junior or 0)
        teacher_column = {"小学": "teachers_primary", "初中": "teachers_junior"}.get(
            kind, "teachers_whole"
        )
        assert row[teacher_column] == teachers
        assert row["teaching_area_m2"] == area
        assert abs(row["equipment_value_yuan"] - equipment) < 1e-6
        assert row["books"] == books
