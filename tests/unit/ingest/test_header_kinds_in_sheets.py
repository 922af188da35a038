"""Whole kinds of header a county writes, read in a sheet (issue 8 trial findings).

Each test is one sheet as a county writes it; it checks the staged values in base units and
what the receipt says of the columns not used, so that a header rule that breaks shows up
as a wrong figure, not only as a wrong reading in the corpus.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from tests.workbooks import Sheet, ingest_book, receipt, school


def notes(result, sheet="学校"):
    """(column, note or reason) of every column the receipt reports."""
    return {
        u["column"]: u.get("note") or u.get("reason")
        for u in json.loads(receipt(result, sheet)["unmatched_headers"])
    }


def missing(result, sheet="学校"):
    return {entry["field"] for entry in json.loads(receipt(result, sheet)["missing_fields"])}


def test_a_qualified_teacher_header_is_never_the_headcount(tmp_path):
    rows = [
        ["学校名称", "办学类型", "在校生数", "艺体教师", "高级教师", "专任教师数(不含代课)",
         "计算机(台)", ""],
        ["", "", "", "", "", "", "合计", "其中:教师用"],
        ["城关小学", "小学", 800, 7, 3, 50, 100, 35],
    ]  # fmt: skip
    row = school(ingest_book(tmp_path, [Sheet("学校", rows)]), "城关小学")
    assert row["teachers_primary"] == 50
    assert row["teachers_pe_arts_primary"] == 7
    assert row["computers"] == 100


@pytest.mark.parametrize("other", [["计算机(台)", "其中:教师用"], ["教师数", ""]])
def test_a_count_without_a_stage_never_replaces_the_stage_column(tmp_path, other):
    rows = [
        ["学校名称", "办学类型", "在校生数", "专任教师", other[0]],
        ["", "", "", "小学", other[1]],
        ["唐县第一小学", "小学", 500, 30, 35],
    ]
    result = ingest_book(tmp_path, [Sheet("学校", rows)])
    assert school(result, "唐县第一小学")["teachers_primary"] == 30
    assert "E" in notes(result)  # reported, never silently used


def test_a_group_total_beside_its_stages_gives_way_to_the_stage(tmp_path):
    rows = [
        ["学校名称", "办学类型", "在校生数", "专任教师", ""],
        ["", "", "", "合计", "小学"],
        ["唐县第一小学", "小学", 500, 32, 30],
    ]
    result = ingest_book(tmp_path, [Sheet("学校", rows)])
    assert school(result, "唐县第一小学")["teachers_primary"] == 30


@pytest.mark.parametrize("header", ["所属中心小学", "所属完全小学", "依托学校", "学区(中心校)"])
def test_the_parent_school_written_with_a_school_word(tmp_path, header):
    rows = [
        ["学校名称", "办学类型", header, "在校生数", "专任教师数"],
        ["城关镇中心小学", "小学", "", 800, 50],
        ["北关教学点", "教学点", "城关镇中心小学", 60, 4],
    ]
    result = ingest_book(tmp_path, [Sheet("学校", rows)])
    assert school(result, "北关教学点")["parent_school_name"] == "城关镇中心小学"


@pytest.mark.parametrize("header", ["专任教师数(不含代课)", "专任教师(含代课教师)"])
def test_a_bracketed_scope_keeps_the_field(tmp_path, header):
    rows = [
        ["学校名称", "办学类型", "在校生数", header, "教学用房面积(不含危房)"],
        ["城关小学", "小学", 800, 50, 5000],
    ]
    row = school(ingest_book(tmp_path, [Sheet("学校", rows)]), "城关小学")
    assert (row["teachers_primary"], row["teaching_area_m2"]) == (50, 5000)


def test_library_books_are_the_books(tmp_path):
    rows = [["学校名称", "办学类型", "在校生数", "图书室藏书(万册)"], ["城关小学", "小学", 800, 2]]
    assert school(ingest_book(tmp_path, [Sheet("学校", rows)]), "城关小学")["books"] == 20_000


def test_titles_by_part_are_summed_high_and_middle(tmp_path):
    rows = [
        ["学校名称", "办学类型", "在校生数", "专任教师", "", "", ""],
        ["", "", "", "合计", "职称", "", ""],
        ["", "", "", "", "高级", "中级", "初级"],
        ["城关小学", "小学", 800, 50, 5, 20, 25],
    ]
    row = school(ingest_book(tmp_path, [Sheet("学校", rows)]), "城关小学")
    assert row["teachers_senior_title_primary"] == 25


def test_title_names_are_summed_and_a_high_title_alone_is_not_the_field(tmp_path):
    rows = [
        ["学校名称", "办学类型", "在校生数", "专任教师数", "高级教师", "一级教师", "二级教师"],
        ["城关小学", "小学", 800, 50, 3, 10, 30],
    ]
    row = school(ingest_book(tmp_path, [Sheet("学校", rows)]), "城关小学")
    assert (row["teachers_primary"], row["teachers_senior_title_primary"]) == (50, 13)

    alone = [["学校名称", "办学类型", "在校生数", "专任教师数", "高级职称"],
             ["城关小学", "小学", 800, 50, 3]]  # fmt: skip
    result = ingest_book(tmp_path / "alone", [Sheet("学校", alone)])
    assert pd.isna(school(result, "城关小学")["teachers_senior_title_primary"])
    assert "subset" in notes(result)["E"]
    assert "teachers_senior_title" in missing(result)


def test_teaching_computers_of_a_computer_group(tmp_path):
    rows = [
        ["学校名称", "办学类型", "在校生数", "计算机(台)", ""],
        ["", "", "", "教学用", "办公用"],
        ["城关小学", "小学", 800, 100, 20],
    ]
    result = ingest_book(tmp_path, [Sheet("学校", rows)])
    assert school(result, "城关小学")["computers"] == 100
    assert "computers" not in missing(result)


def test_banxue_cengci_is_the_type_where_it_holds_type_labels(tmp_path):
    rows = [
        ["学校名称", "办学层次", "在校生数"],
        ["唐县第二中学", "初中", 600],
        ["唐县城关小学", "义务教育", 400],  # no type label: the name says 小学
    ]
    result = ingest_book(tmp_path, [Sheet("学校", rows)])
    assert school(result, "唐县第二中学")["school_type"] == "junior"
    assert school(result, "唐县城关小学")["school_type"] == "primary"

    beside = [
        ["学校名称", "办学层次", "学校类型", "在校生数"],
        ["唐县第二中学", "义务教育", "初中", 600],
    ]
    result = ingest_book(tmp_path / "beside", [Sheet("学校", beside)])
    assert school(result, "唐县第二中学")["school_type"] == "junior"
    assert "学校类型" in notes(result)["B"]


def test_a_unit_of_area_in_mu_and_an_unknown_unit(tmp_path):
    rows = [["学校名称", "办学类型", "在校生数", "运动场面积(亩)", "教学用房面积(英亩)"],
            ["城关小学", "小学", 800, 6, 2]]  # fmt: skip
    result = ingest_book(tmp_path, [Sheet("学校", rows)])
    row = school(result, "城关小学")
    assert row["sports_area_m2"] == pytest.approx(6 * 666.67)
    assert "not in contracts/units.csv" in notes(result)["E"]
    assert "teaching_area_m2" in missing(result)


def test_county_name_and_code_synonyms(tmp_path):
    rows = [["学校名称", "办学类型", "所属区县", "区县编码", "在校生数"],
            ["城关小学", "小学", "正定县", "130123", 800]]  # fmt: skip
    result = ingest_book(tmp_path, [Sheet("学校", rows)])
    assert school(result, "城关小学")["county_code"] == "130123"
    assert notes(result) == {}
