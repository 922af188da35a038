"""Where the table is: titles, multi-row merged headers, sheets, sections, totals, blanks."""

from __future__ import annotations

import json

import pytest

from orchestration.ingest.text import school_name_key
from tests.workbooks import HEADER, Sheet, ingest_book, read_grid, receipt, school


@pytest.mark.parametrize("suffix", ["xlsx", "xls"])
def test_three_row_merged_header_is_flattened_into_paths(tmp_path, suffix):
    rows = [
        ["2019年正定县义务教育学校基本情况统计表"],
        ["填报单位:正定县教育局"],
        ["学校名称", "办学类型", "在校生数", None, "专任教师", None, None, None],
        [None, None, "小学", "初中", "小学", None, "初中", None],
        [None, None, None, None, "合计", "其中:专科及以上", "合计", "其中:本科及以上"],
        ["正定县实验学校", "九年一贯制学校", 300, 200, 20, 18, 15, 14],
    ]
    merges = [((2, 0), (4, 0)), ((2, 1), (4, 1)), ((2, 2), (2, 3)), ((3, 2), (4, 2)),
              ((3, 3), (4, 3)), ((2, 4), (2, 7)), ((3, 4), (3, 5)), ((3, 6), (3, 7))]  # fmt: skip
    result = ingest_book(tmp_path, [Sheet("学校", rows, merges)], f"2019/正定县.{suffix}")
    row = school(result, "正定县实验学校")
    assert row["school_type"] == "nine_year" and row["reported_scope"] == "school"
    assert (row["students_primary"], row["students_junior"]) == (300, 200)
    assert (row["teachers_primary"], row["teachers_above_degree_primary"]) == (20, 18)
    assert (row["teachers_junior"], row["teachers_above_degree_junior"]) == (15, 14)
    kinds = json.loads(receipt(result, "学校")["not_data_kinds"])
    assert kinds == {"title": 2, "header": 3}


def test_header_of_two_rows_without_merges_carries_the_group_label_right(tmp_path):
    rows = [
        ["学校名称", "办学类型", "在校生数", None],
        [None, None, "小学", "初中"],
        ["正定县实验学校", "九年一贯制", 300, 200],
    ]
    result = read_grid(rows)
    row = school(result, "正定县实验学校")
    assert (row["students_primary"], row["students_junior"]) == (300, 200)


def test_line_breaks_spaces_and_units_inside_header_cells(tmp_path):
    rows = [
        [
            "学校\n名称",
            "办学 类型",
            "在校生数(人)",
            "教学及辅助\n用房面积(㎡)",
            "教学仪器设备值（万元）",
        ],
        ["正定县第一小学", "小学", 100, 500, 2.5],
    ]
    result = read_grid(rows)
    row = school(result, "正定县第一小学")
    assert row["teaching_area_m2"] == 500
    assert row["equipment_value_yuan"] == 25_000


def test_file_level_unit_line_scales_columns_that_name_no_unit(tmp_path):
    rows = [
        ["单位:平方米、万元"],
        ["学校名称", "办学类型", "在校生数", "教学仪器设备值", "仪器设备总值(元)"],
        ["正定县第一小学", "小学", 100, 3, 7],
    ]
    result = ingest_book(tmp_path, [Sheet("学校", rows)])
    row = school(result, "正定县第一小学")
    assert row["equipment_value_yuan"] == 30_000
    unmatched = json.loads(receipt(result, "学校")["unmatched_headers"])
    assert unmatched[0]["column"] == "E"  # a second column of the same field is reported


def test_several_sheets_instructions_hidden_and_empty(tmp_path):
    primary = [HEADER, ["正定县第一小学", "小学", 100, 8, 2000]]
    junior = [HEADER, ["正定县第一中学", "初中", 300, 30, 9000]]
    sheets = [
        Sheet("填表说明", [["本表统计口径说明"]]),
        Sheet("小学", primary),
        Sheet("初中", junior),
        Sheet("旧表", [HEADER, ["正定县第二小学", "小学", 1, 1, 1]], hidden=True),
        Sheet("Sheet3", []),
    ]
    result = ingest_book(tmp_path, sheets)
    assert sorted(result.school_rows["school_name"]) == ["正定县第一中学", "正定县第一小学"]
    status = result.ingest_files.set_index("sheet")[["status", "reason_code"]]
    assert status.loc["填表说明"].tolist() == ["skipped", "instructions_sheet"]
    assert status.loc["旧表"].tolist() == ["skipped", "hidden_sheet"]
    assert status.loc["Sheet3"].tolist() == ["skipped", "empty_sheet"]
    assert status.loc["小学", "status"] == "loaded"


def test_section_rows_set_the_school_type_of_the_rows_below(tmp_path):
    rows = [
        ["序号", "学校名称", "在校生数", "专任教师数"],
        ["一、小学"],
        [1, "城关小学", 400, 20],
        ["二、初级中学"],
        [2, "城关中学", 600, 50],
    ]
    result = ingest_book(tmp_path, [Sheet("基本情况", rows)])
    assert school(result, "城关小学")["school_type"] == "primary"
    assert school(result, "城关小学")["students_primary"] == 400
    assert school(result, "城关中学")["school_type"] == "junior"
    assert school(result, "城关中学")["teachers_junior"] == 50
    assert json.loads(receipt(result, "基本情况")["not_data_kinds"])["section"] == 2


@pytest.mark.parametrize("sheet, school_type", [("小学", "primary"), ("小学(含教学点)", "primary"),
                                                ("初中部", "junior"), ("中小学", None)])  # fmt: skip
def test_sheet_name_gives_the_school_type(tmp_path, sheet, school_type):
    result = ingest_book(tmp_path, [Sheet(sheet, [["学校名称", "学生数"], ["城关一校", 400]])])
    if school_type is None:
        assert result.quarantine["reason_code"].tolist() == ["unknown_school_type"]
    else:
        assert school(result, "城关一校")["school_type"] == school_type


def test_totals_subtotals_and_footers_are_not_data(tmp_path):
    rows = [
        HEADER,
        ["全县合计", None, 700, 38, 11000],
        ["正定县第一小学", "小学", 400, 8, 2000],
        ["小计", None, 400, 8, 2000],
        ["正定县第一中学", "初中", 300, 30, 9000],
        ["总计", None, 700, 38, 11000],
        ["注:在校生数为9月数据"],
        ["填表人:张三", None, "审核人:李四"],
        ["2019年9月30日"],
    ]
    result = ingest_book(tmp_path, [Sheet("学校", rows)])
    assert len(result.school_rows) == 2 and result.quarantine.empty
    row = receipt(result, "学校")
    assert row["declared_total_students"] == 700
    kinds = json.loads(row["not_data_kinds"])
    assert kinds == {"header": 1, "total": 2, "subtotal": 1, "footer": 3}


def test_blank_rows_blank_columns_serial_and_column_index_rows(tmp_path):
    rows = [
        [],
        [None, None, "序号", "学校名称", None, "办学类型", "在校生数"],
        [None, None, "甲", "乙", None, "丙", 1],
        [],
        [None, None, 1, "正定县第一小学", None, "小学", 400],
        [None, None, 2, None, None, None, None],
        [None, None, 3, "正定县第二小学", None, "小学", 300],
    ]
    result = ingest_book(tmp_path, [Sheet("学校", rows)])
    assert sorted(result.school_rows["source_row"]) == [5, 7]  # the spreadsheet's own rows
    kinds = json.loads(receipt(result, "学校")["not_data_kinds"])
    assert kinds["blank"] == 3


def test_unmatched_headers_are_reported_with_their_column_letter(tmp_path):
    rows = [
        ["学校名称", "办学类型", "在校生数", "其中:女生", "食堂面积"],
        ["城关小学", "小学", 1, 1, 2],
    ]
    result = ingest_book(tmp_path, [Sheet("学校", rows)])
    unmatched = json.loads(receipt(result, "学校")["unmatched_headers"])
    assert [(u["column"], u["text"]) for u in unmatched] == [("D", "其中:女生"), ("E", "食堂面积")]


def test_traditional_characters_in_headers_and_cells(tmp_path):
    rows = [
        ["學校名稱", "辦學類型", "在校學生數", "專任教師", "圖書冊數"],
        ["城關小學", "小學", 120, 9, 3000],
    ]
    result = ingest_book(tmp_path, [Sheet("學校", rows)])
    # The name is published as written; only its matching key is simplified.
    row = school(result, "城關小學")
    assert (row["school_type"], row["students_primary"], row["teachers_primary"], row["books"]) == (
        "primary", 120, 9, 3000,
    )  # fmt: skip
    assert row["school_name_key"] == school_name_key("城关小学", "正定县")


def test_a_sheet_without_a_table_beside_one_with_a_table_is_skipped(tmp_path):
    sheets = [
        Sheet("学校", [HEADER, ["城关小学", "小学", 1, 1, 1]]),
        Sheet("图表", [["某某统计图"], [1, 2]]),
    ]
    result = ingest_book(tmp_path, sheets)
    assert receipt(result, "图表")["reason_code"] == "no_table"


def test_header_forms_of_statistics_forms(tmp_path):
    rows = [
        [
            "学校名称",
            "办学类型",
            "小学在校生数",
            "小学其中:高于规定学历",
            "体育艺术\n(音乐、美术)教师数",
            "生均教学用房(m2)",
        ],
        ["城关小学", "小学", 300, 20, 4, 3.5],
    ]
    result = ingest_book(tmp_path, [Sheet("学校", rows)])
    row = school(result, "城关小学")
    assert (row["teachers_above_degree_primary"], row["teachers_pe_arts_primary"]) == (20, 4)
    assert json.loads(receipt(result, "学校")["unmatched_headers"]) == []  # 生均: derived, ignored
