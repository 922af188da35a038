"""The statistics system's 办学类型 codes (contracts/school_types.csv) in a type column."""

from __future__ import annotations

import pytest

from orchestration.ingest.vocabulary import vocabulary
from tests.ingest.workbooks import Sheet, ingest_book, school

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
