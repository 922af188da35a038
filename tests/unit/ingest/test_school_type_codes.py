"""The statistics system's 办学类型 codes (contracts/school_types.csv) in a type column."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from orchestration.ingest.vocabulary import vocabulary
from tests.workbooks import Sheet, ingest_book, school

COLUMNS = ["学校名称", "办学类型", "是否计校数", "在校生数", "专任教师数", "图书册数"]


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        (211, "primary"),
        (211.0, "primary"),
        ("211.0", "primary"),
        ("211 小学", "primary"),
        ("211-小学", "primary"),
        ("211小学", "primary"),
        ("311", "junior"),
        ("341 完全中学", "complete_middle"),
        ("345", "twelve_year"),
        ("342 高级中学", "senior_high"),
        ("349 附设普通高中班", "senior_high"),
        ("365 职业高中学校", "vocational"),
        (513, "special_education"),
        ("519 附设特教班", "special_education"),
    ],
)
def test_a_type_code_as_a_number_or_beside_its_label(tmp_path, written, expected):
    columns = ["学校名称", "办学类型", "是否计校数", "小学在校生数", "初中在校生数", "图书册数"]
    rows = [columns, ["正定县城关学校", written, 1, 300, 200, 5000]]
    row = school(ingest_book(tmp_path, [Sheet("学校", rows)]), "正定县城关学校")
    assert row["school_type"] == expected
    assert row["reported_scope"] == "school"


def test_a_nine_year_code_on_a_stage_file_reports_that_part(tmp_path):
    rows = [COLUMNS, ["正定县育英学校", "312 九年一贯制学校", 1, 652, 46, 51367]]
    result = ingest_book(tmp_path, [Sheet("Sheet1", rows)], "2019/正定县2019年基层表_小学.xlsx")
    row = school(result, "正定县育英学校")
    assert (row["school_type"], row["reported_scope"], row["students_primary"]) == (
        "nine_year", "primary", 652,
    )  # fmt: skip


def test_a_teaching_point_code_and_the_count_as_school_flag(tmp_path):
    rows = [COLUMNS, ["东辛庄教学点", 218, 0, 38, 4, 900], ["西庄小学", 211, 0, 45, 4, 900]]
    result = ingest_book(tmp_path, [Sheet("学校", rows)])
    assert school(result, "东辛庄教学点")["school_type"] == "teaching_point"
    assert school(result, "西庄小学")["school_type"] == "teaching_point"  # 是否计校数 0


@pytest.mark.parametrize(
    ("written", "school_type", "part", "students"),
    [
        ("219 附设小学班", "primary", "primary", "students_primary"),
        ("附设小学班", "primary", "primary", "students_primary"),
        (319, "junior", "junior", "students_junior"),
        ("321 职业初中", "vocational", "junior", "students_junior"),
        (329, "vocational", "junior", "students_junior"),
    ],
)
def test_attached_classes_and_vocational_junior_schools_report_one_part(
    tmp_path, written, school_type, part, students
):
    # 是否计校数 0 marks an attached class as no school of its own; it is not a teaching point.
    rows = [COLUMNS, ["正定县第五中学", written, 0, 80, 6, 1200]]
    row = school(ingest_book(tmp_path, [Sheet("学校", rows)]), "正定县第五中学")
    assert (row["school_type"], row["reported_scope"], row[students]) == (
        school_type,
        part,
        80,
    )
    assert not row["counts_as_school"]


def test_unknown_codes_are_quarantined(tmp_path):
    rows = [
        COLUMNS,
        ["城关幼儿园", "111 幼儿园", 1, 100, 5, 100],
        ["城关小学", 999, 1, 100, 5, 100],
    ]
    result = ingest_book(tmp_path, [Sheet("学校", rows)])
    assert result.quarantine["reason_code"].tolist() == ["unknown_school_type"] * 2
    assert "999" in result.quarantine["reason"].iloc[1]


def test_codes_are_never_read_inside_titles_file_names_or_school_names():
    words = vocabulary()
    # 2023年12月 holds 312 (nine-year school), 130219 holds 219, an id holds 211.
    assert words.school_type_in("正定县2023年12月统计") is None
    assert words.school_type_in("130219 2113012300") is None
    assert "211" not in words.school_types


def test_an_attached_class_label_inside_a_longer_cell_keeps_the_rows_stages(tmp_path):
    columns = ["学校名称", "办学类型", "小学在校生数", "初中在校生数"]
    rows = [columns, ["正定县南关学校", "小学(附设初中班)", 300, 45]]
    row = school(ingest_book(tmp_path, [Sheet("学校", rows)]), "正定县南关学校")
    assert (row["school_type"], row["reported_scope"]) == ("primary", "school")
    assert (row["students_primary"], row["students_junior"]) == (300, 45)


def test_an_attached_class_names_its_host_by_its_parent_column_else_its_name(tmp_path):
    """Issue 10: an attached class with an identity of its own is linked to its host (dbt
    folds it into the host's part) by 所属学校, else by the name before its 附设…班 label;
    a row of another type never gets a host from its name."""
    columns = ["学校名称", "办学类型", "是否计校数", "所属学校", "在校生数", "图书册数"]
    rows = [
        columns,
        ["正定县第二中学", 311, 1, None, 900, 50000],
        ["正定县第二中学附设小学班", 219, 0, None, 60, 0],
        ["南关小学班", "附设小学班", 0, "正定县城关小学", 30, 0],
        ["正定县第五中学附设初中班", "小学", 1, None, 300, 900],
    ]
    result = ingest_book(tmp_path, [Sheet("学校", rows)])
    assert (
        school(result, "正定县第二中学附设小学班")["parent_school_name_key"]
        == (school(result, "正定县第二中学")["school_name_key"])
    )
    assert school(result, "南关小学班")["parent_school_name_key"] == "城关小"
    assert pd.isna(school(result, "正定县第五中学附设初中班")["parent_school_name_key"])


@pytest.mark.parametrize(("code", "warned"), [(341, True), (345, True), (311, False), (312, False)])
def test_one_part_of_a_school_with_a_senior_part_is_warned_of(tmp_path, code, warned):
    """Issue 10: a complete middle (341) or twelve-year school (345) in the junior export
    reports resources without the senior enrollment to split them by: the receipt's
    row_warnings name the row (the row_figures_agree WARN); other types are not warned of."""
    rows = [COLUMNS, ["正定县实验中学", code, 1, 500, 40, 60000]]
    result = ingest_book(tmp_path, [Sheet("Sheet1", rows)], "2019/正定县2019年基层表_初中.xlsx")
    warnings = json.loads(result.ingest_files["row_warnings"].dropna().iloc[0] or "[]")
    senior = [w for w in warnings if "senior part" in w]
    assert bool(senior) == warned
    if warned:
        assert "row 2 (正定县实验中学)" in senior[0] and "junior part" in senior[0]
