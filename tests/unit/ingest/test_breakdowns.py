"""Breakdowns that add up to a base quantity, and the base quantities a sheet lacks.

The statistics system's exports (基层表) give the degree and subject breakdowns of the
teachers (`专任教师 > #按学历分 > 研究生 | 本科 | 专科`, `#按授课课程分 > 体育与健康 | 音乐 |
美术`) and some counties enrollment by grade instead of the figures the balance indicators
need (docs/spec/balance-indicators.md §2): the reader sums them per stage's rule.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from orchestration.ingest.pipeline import ingest_year
from orchestration.validation.coverage import (
    check_missing_base_quantities,
    check_row_warnings,
    missing_base_quantities,
)
from tests.workbooks import Sheet, assert_accounting, ingest_book, receipt, school

GRADES = "一年级 二年级 三年级 四年级 五年级 六年级 七年级 八年级 九年级".split()
CASE = Path(__file__).parents[3] / ".." / "shared" / "cases" / "statistics-export"


@pytest.fixture(scope="module")
def export(tmp_path_factory):
    if not CASE.is_dir():
        pytest.skip("the shared cases are not beside this worktree")
    raw = tmp_path_factory.mktemp("raw")
    (raw / "2023").mkdir()
    for path in CASE.glob("*.xlsx"):
        shutil.copy(path, raw / "2023" / path.name)
    result = ingest_year(raw, 2023)
    assert_accounting(result)
    return result


def test_the_statistics_export_sums_degrees_by_each_stages_rule(export):
    primary = school(export, "藁城区廉州第一小学")
    junior = school(export, "藁城区第三中学")
    assert primary["teachers_above_degree_primary"] == 51  # 研究生 + 本科 + 专科
    assert junior["teachers_above_degree_junior"] == 86  # 研究生 + 本科, 专科 not counted
    assert primary["teachers_pe_arts_primary"] == 8  # 体育与健康 + 音乐 + 美术
    assert junior["teachers_pe_arts_junior"] == 12


def test_the_statistics_export_reports_only_real_breakdowns_and_missing_fields(export):
    for sheet in json.loads(export.ingest_files["unmatched_headers"].iloc[0]):
        assert sheet["text"] == "在校生数 > #女" and "breakdown" in sheet["reason"]
    missing = {
        e["field"]: e["indicators"]
        for e in json.loads(export.ingest_files["missing_fields"].iloc[0])
    }
    assert missing == {"teachers_senior_title": ["B8"], "teachers_backbone": ["Q2"]}


def header(*groups: tuple[str, list[str]]) -> tuple[list, list, list]:
    """A two-row header without merges: each group label over its sub-labels."""
    top, below = ["学校名称", "办学类型"], ["", ""]
    for label, subs in groups:
        top += [label] + [""] * (len(subs) - 1)
        below += subs
    return top, below


@pytest.mark.parametrize("parent", ["#按学历分", "学历", "其中", "按学历分(人)"])
def test_degree_parts_under_any_parent_name(tmp_path, parent):
    rows = [
        ["学校名称", "办学类型", "在校生数", "专任教师", "专任教师", "专任教师", "专任教师", "专任教师"],
        ["", "", "", "合计", parent, parent, parent, parent],
        ["", "", "", "", "研究生", "本科", "专科", "高中阶段及以下"],
        ["城关小学", "小学", 300, 20, 1, 10, 6, 3],
        ["城关中学", "初级中学", 500, 40, 2, 30, 6, 2],
        ["空白小学", "小学", 100, 8, None, None, None, None],
    ]  # fmt: skip
    result = ingest_book(tmp_path, [Sheet("学校", rows)])
    assert school(result, "城关小学")["teachers_above_degree_primary"] == 17
    assert school(result, "城关中学")["teachers_above_degree_junior"] == 32
    assert school(result, "空白小学")["teachers_above_degree_primary"] == 0  # empty cells: none


def test_a_sheet_without_the_parts_leaves_the_field_null_and_says_so(tmp_path):
    rows = [["学校名称", "办学类型", "在校生数", "专任教师数"], ["城关小学", "小学", 300, 20]]
    result = ingest_book(tmp_path, [Sheet("学校", rows)])
    row = school(result, "城关小学")
    assert row.isna()["teachers_above_degree_primary"]  # no column: unknown, not 0
    missing = json.loads(receipt(result, "学校")["missing_fields"])
    assert {"field": "teachers_above_degree", "indicators": ["B7", "Q1"]} in missing
    assert "students" not in {entry["field"] for entry in missing}


def test_a_column_of_the_field_wins_over_its_parts(tmp_path):
    rows = [
        ["学校名称", "办学类型", "在校生数", "高于规定学历教师数", "专任教师", "专任教师"],
        ["", "", "", "", "本科", "专科"],
        ["城关小学", "小学", 300, 12, 10, 6],
    ]  # fmt: skip
    result = ingest_book(tmp_path, [Sheet("学校", rows)])
    assert school(result, "城关小学")["teachers_above_degree_primary"] == 12


def test_subject_parts_with_arts_and_other_subjects(tmp_path):
    rows = [
        ["学校名称", "办学类型", "在校生数", "专任教师", "专任教师", "专任教师", "专任教师", "专任教师",
         "专任教师"],
        ["", "", "", "按授课课程分", "按授课课程分", "按授课课程分", "按授课课程分", "按授课课程分",
         "按授课课程分"],
        ["", "", "", "语文", "数学", "体育", "音乐", "美术", "艺术"],
        ["城关小学", "小学", 300, 8, 7, 2, 1, 1, 1],
    ]  # fmt: skip
    result = ingest_book(tmp_path, [Sheet("学校", rows)])
    assert school(result, "城关小学")["teachers_pe_arts_primary"] == 5
    assert json.loads(receipt(result, "学校")["unmatched_headers"])[0]["text"].endswith("语文")


def test_grades_give_the_students_of_each_stage_of_a_nine_year_school(tmp_path):
    rows = [
        ["学校名称", "办学类型", *["分年级学生数"] * 9],
        ["", "", *GRADES],
        ["实验学校", "九年一贯制学校", 10, 10, 10, 10, 10, 10, 20, 20, 20],
    ]
    result = ingest_book(tmp_path, [Sheet("学校", rows)])
    row = school(result, "实验学校")
    assert (row["students_primary"], row["students_junior"]) == (60, 60)
    assert json.loads(receipt(result, "学校")["missing_fields"])[0]["field"] == "teachers"


def test_a_total_unlike_its_grades_is_a_warning_with_the_row(tmp_path):
    rows = [
        ["学校名称", "办学类型", "在校生数", "在校生数", "在校生数", "在校生数"],
        ["", "", "合计", "一年级", "二年级", "三年级"],
        ["城关小学", "小学", 30, 10, 10, 10],
        ["南关小学", "小学", 31, 10, 10, 10],
    ]  # fmt: skip
    result = ingest_book(tmp_path, [Sheet("学校", rows)])
    assert school(result, "南关小学")["students_primary"] == 31  # the total as reported
    warnings = json.loads(receipt(result, "学校")["row_warnings"])
    assert len(warnings) == 1 and "row 4 (南关小学)" in warnings[0]
    outcome = check_row_warnings(result.ingest_files)
    assert (outcome.passed, outcome.severity, outcome.metadata["rows_warned"]) == (False, "WARN", 1)


def test_the_missing_check_names_each_county_year_field_and_indicators(tmp_path):
    rows = [["学校名称", "办学类型", "在校生数", "专任教师数"], ["城关小学", "小学", 300, 20]]
    result = ingest_book(tmp_path, [Sheet("学校", rows)])
    missing = missing_base_quantities(result.ingest_files, result.school_rows)
    fields = {(entry["county_code"], entry["field"]) for entry in missing}
    assert ("130123", "teachers_backbone") in fields and ("130123", "teachers") not in fields
    outcome = check_missing_base_quantities(result.ingest_files, result.school_rows)
    assert (outcome.passed, outcome.severity) == (False, "WARN")
    assert (
        "2019 130123: " in outcome.description and "teachers_backbone (Q2)" in outcome.description
    )


def test_a_field_given_by_another_sheet_of_the_county_is_not_missing(tmp_path):
    sheets = [
        Sheet("小学", [["学校名称", "办学类型", "在校生数", "县级骨干教师"], ["城关小学", "小学", 300, 2]]),
        Sheet("初中", [["学校名称", "办学类型", "在校生数"], ["城关中学", "初级中学", 400]]),
    ]  # fmt: skip
    result = ingest_book(tmp_path, sheets)
    fields = {e["field"] for e in missing_base_quantities(result.ingest_files, result.school_rows)}
    assert "teachers_backbone" not in fields and "books" in fields


def test_a_nine_year_school_with_a_total_and_grades_takes_each_stage_from_its_grades(tmp_path):
    rows = [
        ["学校名称", "办学类型", "在校生数", *["在校生数"] * 9],
        ["", "", "合计", *GRADES],
        ["实验学校", "九年一贯制学校", 120, 10, 10, 10, 10, 10, 10, 20, 20, 20],
        ["育才学校", "九年一贯制学校", 125, 10, 10, 10, 10, 10, 10, 20, 20, 20],
    ]
    result = ingest_book(tmp_path, [Sheet("学校", rows)])
    for name in ("实验学校", "育才学校"):
        row = school(result, name)
        assert (row["students_primary"], row["students_junior"]) == (60, 60)
    warnings = json.loads(receipt(result, "学校")["row_warnings"])
    assert warnings == ["row 4 (育才学校): students 125 is not the sum of its grades, 120"]


def test_a_primary_total_given_with_grades_of_a_single_stage_school_is_kept(tmp_path):
    rows = [
        ["学校名称", "办学类型", "学生数", "分年级学生数", "分年级学生数"],
        ["", "", "", "一年级", "二年级"],
        ["城关小学", "小学", 25, 10, 10],
    ]  # fmt: skip
    result = ingest_book(tmp_path, [Sheet("学校", rows)])
    assert school(result, "城关小学")["students_primary"] == 25
    assert len(json.loads(receipt(result, "学校")["row_warnings"])) == 1


def test_the_validation_report_names_missing_fields_and_row_warnings(tmp_path):
    from orchestration.validation.report import write_validation_report

    rows = [
        ["学校名称", "办学类型", "在校生数", "在校生数", "在校生数", "专任教师数"],
        ["", "", "合计", "一年级", "二年级", ""],
        ["城关小学", "小学", 21, 10, 10, 3],
    ]  # fmt: skip
    result = ingest_book(tmp_path, [Sheet("学校", rows)])
    page = write_validation_report(tmp_path / "reports", 2019, [], result).read_text("utf-8")
    assert "<td>teachers_backbone</td><td>Q2</td>" in page
    assert "<td>teachers</td>" not in page  # given by the sheet
    assert "row 3 (城关小学): students_primary 21 is not the sum of its grades, 20" in page
