"""Layouts county bureaus send that the demo generator does not write.

Each test is one sheet as a county writes it (statistics-form headers, printed exports,
WPS and tab-separated files, township sheets, teaching-point sheets) and checks the
staged values in base units, the row accounting and the headers reported unmatched.
"""

from __future__ import annotations

import csv
import json

import pytest

from orchestration.ingest.pipeline import ingest_year
from tests.workbooks import (
    Sheet,
    assert_accounting,
    ingest_book,
    receipt,
    school,
    write_book,
)


def counts(result, sheet):
    row = receipt(result, sheet)
    kinds = json.loads(row["not_data_kinds"])
    return (row["rows_read"], row["rows_staged"], row["rows_quarantined"], kinds)


def unmatched(result, sheet):
    return [
        (u["column"], u["text"]) for u in json.loads(receipt(result, sheet)["unmatched_headers"])
    ]


@pytest.mark.parametrize("suffix", ["xlsx", "xls"])
def test_stage_row_then_a_row_of_bare_units_under_the_header(tmp_path, suffix):
    rows = [
        ["2019年正定县义务教育学校办学条件统计表"],
        ["学校名称", "办学类型", "在校生数", None, None, "专任教师", None, None,
         "图书", "教学仪器设备值", "多媒体教室", "计算机"],
        [None, None, "小学", "初中", "合计", "合计", "其中:小学", "其中:初中", None, None, None, None],
        [None, None, "人", "人", "人", "人", "人", "人", "万册", "万元", "间", "台"],
        ["正定县实验学校", "九年一贯制学校", 300, 200, 500, 40, 22, 18, 1.2, 35.5, 12, 80],
        ["正定县城关小学", "小学", 400, None, 400, 25, 25, None, 0.8, 20, 8, 40],
    ]  # fmt: skip
    merges = [((1, 0), (3, 0)), ((1, 1), (3, 1)), ((1, 2), (1, 4)), ((1, 5), (1, 7))]
    result = ingest_book(tmp_path, [Sheet("学校", rows, merges)], f"2019/正定县.{suffix}")
    nine = school(result, "正定县实验学校")
    assert (nine["students_primary"], nine["students_junior"]) == (300, 200)
    assert (nine["teachers_primary"], nine["teachers_junior"], nine["teachers_whole"]) == (
        22,
        18,
        40,
    )
    assert (nine["books"], nine["equipment_value_yuan"]) == (12_000, 355_000)
    assert (nine["multimedia_rooms"], nine["computers"]) == (12, 80)
    primary = school(result, "正定县城关小学")
    assert (primary["students_primary"], primary["books"]) == (400, 8_000)
    assert counts(result, "学校") == (6, 2, 0, {"title": 1, "header": 3})
    assert unmatched(result, "学校") == []


def test_four_header_rows_with_bracketed_units_and_a_column_number_row(tmp_path):
    rows = [
        ["序号", "学校名称", "办学类型", "在校生数", None, "专任教师", None, None, None,
         "运动场(馆)面积", "仪器设备值"],
        [None, None, None, "小学", "初中", "小学", None, "初中", None, None, None],
        [None, None, None, None, None, "合计", "其中:专科及以上", "合计", "其中:本科及以上",
         None, None],
        [None, None, None, "(人)", "(人)", "(人)", "(人)", "(人)", "(人)", "(平方米)", "(万元)"],
        ["甲", "乙", "丙", 1, 2, 3, 4, 5, 6, 7, 8],
        [1, "正定县实验学校", "九年一贯制", 300, 200, 22, 20, 18, 15, 8000, 60],
    ]  # fmt: skip
    merges = [((0, 0), (3, 0)), ((0, 1), (3, 1)), ((0, 2), (3, 2)), ((0, 3), (0, 4)),
              ((1, 3), (2, 3)), ((1, 4), (2, 4)), ((0, 5), (0, 8)), ((1, 5), (1, 6)),
              ((1, 7), (1, 8)), ((0, 9), (2, 9)), ((0, 10), (2, 10))]  # fmt: skip
    result = ingest_book(tmp_path, [Sheet("学校", rows, merges)])
    row = school(result, "正定县实验学校")
    assert (row["students_primary"], row["students_junior"]) == (300, 200)
    assert (row["teachers_primary"], row["teachers_above_degree_primary"]) == (22, 20)
    assert (row["teachers_junior"], row["teachers_above_degree_junior"]) == (18, 15)
    assert (row["sports_area_m2"], row["equipment_value_yuan"]) == (8000, 600_000)
    assert counts(result, "学校") == (6, 1, 0, {"header": 4, "column_index": 1})
    assert unmatched(result, "学校") == []


def test_column_numbers_running_across_the_name_column(tmp_path):
    rows = [
        ["序号", "学校名称", "办学类型", "在校生数", "专任教师数"],
        [1, 2, 3, 4, 5],
        [1, "城关小学", "小学", 300, 20],
    ]
    result = ingest_book(tmp_path, [Sheet("学校", rows)])
    assert school(result, "城关小学")["students_primary"] == 300
    assert counts(result, "学校") == (3, 1, 0, {"header": 1, "column_index": 1})


def test_title_and_header_repeated_on_every_printed_page(tmp_path):
    title = "2019年正定县小学基本情况统计表"
    header = ["学校名称", "办学类型", "在校生数", "专任教师数"]
    rows = [
        [title], ["填报单位:正定县教育局"], header,
        ["城关小学", "小学", 300, 20],
        [title], ["填报单位:正定县教育局"], header,
        ["北关小学", "小学", 100, 8],
        ["合 计", None, 400, 28],
    ]  # fmt: skip
    merges = [((0, 0), (0, 3)), ((4, 0), (4, 3))]
    result = ingest_book(tmp_path, [Sheet("学校", rows, merges)])
    assert sorted(result.school_rows["school_name"]) == ["北关小学", "城关小学"]
    assert counts(result, "学校") == (9, 2, 0, {"title": 4, "header": 2, "total": 1})
    assert receipt(result, "学校")["declared_total_students"] == 400


def test_type_labels_of_county_sheets(tmp_path):
    rows = [
        ["学校名称", "办学类型", "在校生数", "专任教师数"],
        ["正定县实验学校", "九年一贯制学校(小学部)", 300, 20],
        ["正定县实验学校", "九年一贯制学校(初中部)", 200, 18],
        ["城关镇中心校", "中心校", 400, 30],
        ["北早现乡完全小学", "完全小学", 100, 9],
    ]
    result = ingest_book(tmp_path, [Sheet("学校", rows)])
    primary_part = school(result, "正定县实验学校", "primary")
    junior_part = school(result, "正定县实验学校", "junior")
    assert primary_part["school_type"] == junior_part["school_type"] == "nine_year"
    assert (primary_part["students_primary"], primary_part["teachers_primary"]) == (300, 20)
    assert (junior_part["students_junior"], junior_part["teachers_junior"]) == (200, 18)
    assert school(result, "城关镇中心校")["school_type"] == "primary"
    assert school(result, "北早现乡完全小学")["school_type"] == "primary"


def test_yiguanzhi_alone_is_a_nine_year_school(tmp_path):
    rows = [
        ["学校名称", "办学类型", "在校生数", None],
        [None, None, "小学", "初中"],
        ["南牛乡学校", "一贯制", 150, 90],
    ]
    result = ingest_book(tmp_path, [Sheet("学校", rows, [((0, 2), (0, 3))])])
    row = school(result, "南牛乡学校")
    assert (row["school_type"], row["students_primary"], row["students_junior"]) == (
        "nine_year", 150, 90,
    )  # fmt: skip


def test_teaching_points_on_a_sheet_of_their_own_with_their_centre_school(tmp_path):
    sheets = [
        Sheet("小学", [["学校名称", "在校生数"], ["南牛乡中心小学", 300]]),
        Sheet(
            "教学点",
            [
                ["教学点名称", "所属中心校", "在校生数", "专任教师数"],
                ["南牛乡东村教学点", "南牛乡中心小学", 30, 2],
            ],
        ),  # fmt: skip
    ]
    result = ingest_book(tmp_path, sheets)
    point = school(result, "南牛乡东村教学点")
    assert (point["school_type"], point["students_primary"], point["teachers_primary"]) == (
        "teaching_point", 30, 2,
    )  # fmt: skip
    assert point["parent_school_name_key"] == school(result, "南牛乡中心小学")["school_name_key"]


def test_county_synonyms_and_units_in_brackets(tmp_path):
    rows = [
        ["学校名称", "办学类型", "在籍学生", "校舍面积", "运动场(馆)面积", "仪器设备值(万元)",
         "图书(万册)", "计算机(台)", "其中:学生用", "多媒体教室(间)", "县级骨干教师",
         "音体美教师", "高级职称", "中级及以上"],
        ["城关小学", "小学", 300, 2000, 5000, 12.5, 1.5, 60, 50, 10, 5, 6, 3, 15],
    ]  # fmt: skip
    result = ingest_book(tmp_path, [Sheet("学校", rows)])
    row = school(result, "城关小学")
    assert (row["students_primary"], row["sports_area_m2"]) == (300, 5000)
    assert (row["equipment_value_yuan"], row["books"]) == (125_000, 15_000)
    assert (row["computers"], row["multimedia_rooms"]) == (60, 10)
    assert (row["teachers_backbone_primary"], row["teachers_pe_arts_primary"]) == (5, 6)
    assert row["teachers_senior_title_primary"] == 15
    # 学生用 computers and 高级 titles are parts of a field, not the field: reported
    assert unmatched(result, "学校") == [("I", "其中:学生用"), ("M", "高级职称")]


def test_cells_typed_the_ways_counties_type_them(tmp_path):
    rows = [
        ["学校名称", "办学类型", "在校生数", "专任教师数", "图书册数", "教学仪器设备值(元)",
         "生均图书(册)"],
        ["城关小学", "小学", "1,234", " 12 ", "12,345.5", "３４５", "10.5%"],
        ["南关小学", "小学", "300", "12人", "—", 0, "—"],
    ]  # fmt: skip
    result = ingest_book(tmp_path, [Sheet("学校", rows)])
    first, second = school(result, "城关小学"), school(result, "南关小学")
    assert (first["students_primary"], first["teachers_primary"]) == (1234, 12)
    assert (first["books"], first["equipment_value_yuan"]) == (12_345.5, 345)
    assert (second["teachers_primary"], second["books"], second["equipment_value_yuan"]) == (
        12, 0, 0,
    )  # fmt: skip


@pytest.mark.parametrize("encoding, delimiter", [("gb18030", ","), ("utf-8", "\t"),
                                                 ("gb18030", "\t")])  # fmt: skip
def test_csv_in_gb18030_or_separated_by_tabs(tmp_path, encoding, delimiter):
    rows = [
        ["2019年正定县小学基本情况表"],
        ["学校名称", "办学类型", "在校生数", "专任教师数"],
        ["正定县㘵村小学", "小学", 120, 9],  # 㘵 is in GB18030, not in GBK
        ["合计", "", 120, 9],
        ["填表人:王五", "", "审核人:赵六", ""],
    ]
    path = tmp_path / "raw" / "2019" / "正定县.csv"
    path.parent.mkdir(parents=True)
    with path.open("w", encoding=encoding, newline="") as handle:
        csv.writer(handle, delimiter=delimiter).writerows(rows)
    result = ingest_year(tmp_path / "raw", 2019)
    assert_accounting(result)
    assert school(result, "正定县㘵村小学")["students_primary"] == 120
    assert counts(result, "正定县") == (5, 1, 0, {"title": 1, "header": 1, "total": 1, "footer": 1})


def test_table_from_column_c_with_township_sections_subtotals_and_signatures(tmp_path):
    rows = [
        [None, None, "2019年正定县小学基本情况"],
        [None, None, "金额单位:万元  面积单位:平方米"],
        [None, None, "学校名称", "办学类型", "在校生数", "教学仪器设备值", "教学及辅助用房面积"],
        [None, None, "城关镇"],
        [None, None, "城关小学", "小学", 300, 12, 2000],
        [None, None, "城关镇合计", None, 300, 12, 2000],
        [None, None, "南牛乡"],
        [None, None, "南牛小学", "小学", 100, 3, 900],
        [None, None, "小 计", None, 100, 3, 900],
        [None, None, "正定县合计", None, 400, 15, 2900],
        [None, None, "填报单位(盖章):正定县教育局"],
        [None, None, "填表人:", None, "审核人:", "单位负责人:"],
        [None, None, "填报日期:2019年10月8日"],
    ]
    result = ingest_book(tmp_path, [Sheet("Sheet1", rows)], "2019/正定县.xls")
    row = school(result, "城关小学")
    assert (row["equipment_value_yuan"], row["teaching_area_m2"]) == (120_000, 2000)
    assert school(result, "南牛小学")["students_primary"] == 100
    assert counts(result, "Sheet1") == (
        13, 2, 0, {"title": 2, "header": 1, "section": 2, "subtotal": 2, "total": 1, "footer": 3},
    )  # fmt: skip
    assert receipt(result, "Sheet1")["declared_total_students"] == 400


def test_degree_columns_of_both_stages_side_by_side(tmp_path):
    rows = [
        ["学校名称", "办学类型", "在校生数", "专任教师数", "专科及以上学历", "本科及以上学历"],
        ["城关小学", "小学", 300, 20, 18, 10],
        ["城关中学", "初中", 600, 50, 50, 45],
    ]
    result = ingest_book(tmp_path, [Sheet("学校", rows)])
    assert school(result, "城关小学")["teachers_above_degree_primary"] == 18  # 专科 for primary
    assert school(result, "城关中学")["teachers_above_degree_junior"] == 45  # 本科 for junior
    assert unmatched(result, "学校") == []


def test_statistics_form_floor_areas_under_a_units_row(tmp_path):
    rows = [
        ["学校名称", "办学类型", "在校生数", "教学及辅助用房", None, "运动场地面积"],
        [None, None, None, "合计", "其中:室内体育用房", None],
        [None, None, None, "㎡", "㎡", "㎡"],
        ["城关小学", "小学", 300, 2000, 300, 5000],
    ]
    merges = [((0, 0), (2, 0)), ((0, 1), (2, 1)), ((0, 2), (2, 2)), ((0, 3), (0, 4)),
              ((0, 5), (1, 5))]  # fmt: skip
    result = ingest_book(tmp_path, [Sheet("学校", rows, merges)])
    row = school(result, "城关小学")
    assert (row["teaching_area_m2"], row["indoor_sports_m2"], row["sports_ground_m2"]) == (
        2000, 300, 5000,
    )  # fmt: skip
    assert unmatched(result, "学校") == []


@pytest.mark.parametrize("folder", ["2021年", "2021学年", "2021-2022学年", "2021年度"])
def test_year_folders_named_with_a_year_word(tmp_path, folder):
    rows = [["学校名称", "办学类型", "在校生数"], ["城关小学", "小学", 300]]
    write_book(tmp_path / "raw" / folder / "正定县小学基本情况.xlsx", [Sheet("学校", rows)])
    result = ingest_year(tmp_path / "raw", 2021)
    assert school(result, "城关小学")["students_primary"] == 300


def test_a_file_outside_a_year_folder_takes_the_year_of_its_title(tmp_path):
    rows = [["2020年正定县小学基本情况"], ["学校名称", "办学类型", "在校生数"],
            ["城关小学", "小学", 300]]  # fmt: skip
    write_book(tmp_path / "raw" / "正定县" / "小学基本情况.xlsx", [Sheet("Sheet1", rows)])
    result = ingest_year(tmp_path / "raw", 2020)
    assert_accounting(result)
    assert school(result, "城关小学")["students_primary"] == 300


@pytest.mark.parametrize("merged", [False, True])
def test_group_row_above_a_name_row_that_sits_lower(tmp_path, merged):
    rows = [
        ["2019年正定县基本情况"],
        [None, None, "在校生数", None, "专任教师数", None],
        ["学校名称", "办学类型", "小学", "初中", "小学", "初中"],
        ["实验学校", "九年一贯制", 300, 200, 22, 18],
    ]
    merges = [((1, 2), (1, 3)), ((1, 4), (1, 5))] if merged else []
    result = ingest_book(tmp_path, [Sheet("学校", rows, merges)])
    row = school(result, "实验学校")
    assert (row["students_primary"], row["students_junior"]) == (300, 200)
    assert (row["teachers_primary"], row["teachers_junior"]) == (22, 18)
    assert counts(result, "学校") == (4, 1, 0, {"title": 1, "header": 2})


def test_school_ids_kept_as_text_by_export_tricks(tmp_path):
    rows = [
        ["学校标识码", "学校名称", "办学类型", "在校生数"],
        ['="2113000123"', "城关小学", "小学", 300],
        ["'2113000124", "南关小学", "小学", 200],
    ]
    result = ingest_book(tmp_path, [Sheet("学校", rows)], "2019/正定县.csv")
    assert school(result, "城关小学")["school_id"] == "2113000123"
    assert school(result, "南关小学")["school_id"] == "2113000124"


def test_the_senior_part_of_a_complete_middle_school_is_quarantined_with_its_reason(tmp_path):
    rows = [
        ["学校名称", "办学类型", "在校生数", "专任教师数"],
        ["正定中学", "完全中学(初中部)", 800, 60],
        ["正定中学", "完全中学(高中部)", 900, 70],
    ]
    result = ingest_book(tmp_path, [Sheet("学校", rows)])
    junior = school(result, "正定中学", "junior")
    assert (junior["students_junior"], junior["teachers_junior"]) == (800, 60)
    (quarantined,) = result.quarantine.itertuples()
    assert (quarantined.source_row, quarantined.reason_code) == (3, "stage_enrollment_missing")
    assert "senior part" in quarantined.reason


def test_teaching_points_in_a_second_table_under_the_schools(tmp_path):
    rows = [
        ["学校名称", "办学类型", "在校生数", "专任教师数"],
        ["南牛乡中心小学", "小学", 300, 20],
        [],
        ["教学点名称", "所属中心校", "在校生数", "专任教师数"],
        ["南牛乡东村教学点", "南牛乡中心小学", 30, 2],
    ]
    result = ingest_book(tmp_path, [Sheet("学校", rows)])
    point = school(result, "南牛乡东村教学点")
    assert (point["school_type"], point["parent_school_name"]) == (
        "teaching_point",
        "南牛乡中心小学",
    )
    assert point["students_primary"] == 30
    assert counts(result, "学校") == (5, 2, 0, {"header": 2, "blank": 1})


def test_a_school_name_ending_with_its_part(tmp_path):
    rows = [
        ["学校名称", "办学类型", "在校生数", "专任教师数"],
        ["正定县实验学校(小学部)", "九年一贯制学校", 300, 20],
        ["正定县实验学校初中部", "九年一贯制学校", 200, 18],
    ]
    result = ingest_book(tmp_path, [Sheet("学校", rows)])
    assert school(result, "正定县实验学校(小学部)", "primary")["students_primary"] == 300
    assert school(result, "正定县实验学校初中部", "junior")["teachers_junior"] == 18


def test_null_cells_of_a_database_export_are_none(tmp_path):
    rows = [["学校名称", "办学类型", "在校生数", "图书册数", "计算机台数"],
            ["城关小学", "小学", 300, "NULL", "null"]]  # fmt: skip
    result = ingest_book(tmp_path, [Sheet("学校", rows)], "2019/正定县.csv")
    row = school(result, "城关小学")
    assert (row["books"], row["computers"]) == (0, 0)


def test_identity_headers_with_asides_and_short_quantity_headers(tmp_path):
    rows = [
        ["学校名称(全称)", "学校标识码(10位)", "类别", "学生", "教师", "电脑", "多媒体",
         "专任教师(女)"],
        ["城关小学", "2113000123", "小学", 300, 20, 40, 8, 15],
    ]  # fmt: skip
    result = ingest_book(tmp_path, [Sheet("学校", rows)])
    row = school(result, "城关小学")
    assert (row["school_id"], row["school_type"]) == ("2113000123", "primary")
    assert (row["students_primary"], row["teachers_primary"]) == (300, 20)
    assert (row["computers"], row["multimedia_rooms"]) == (40, 8)
    # an aside on a quantity may be a breakdown: never read as the field
    assert unmatched(result, "学校") == [("H", "专任教师(女)")]


def test_title_names_the_school_type_of_a_sheet1(tmp_path):
    rows = [
        ["正定县2019年小学办学条件统计表"],
        ["填报单位:城关镇中心校", None, "单位:万元"],
        ["序号", "学校名称", "在校生数", "教学仪器设备值"],
        ["栏次", None, "(1)", "(2)"],
        [1, "城关小学", 300, 12],
        ["主要负责人:", None, "制表:"],
    ]
    result = ingest_book(tmp_path, [Sheet("Sheet1", rows)], "2019/正定县.xlsx")
    row = school(result, "城关小学")
    assert (row["school_type"], row["students_primary"]) == ("primary", 300)
    assert row["equipment_value_yuan"] == 120_000
    assert counts(result, "Sheet1") == (
        6, 1, 0, {"title": 2, "header": 1, "column_index": 1, "footer": 1},
    )  # fmt: skip


@pytest.mark.parametrize("suffix", ["xlsx", "xls"])
def test_a_type_cell_merged_down_over_its_group_of_schools(tmp_path, suffix):
    rows = [
        ["学校名称", "办学类型", "小学在校生数", "初中在校生数", "教学及辅助用房面积"],
        ["城关学校", "九年一贯制学校", 300, 100, 4000],
        ["南关学校", None, 200, 90, None],
        ["城关中学", "初中", None, 600, 5000],
    ]
    merges = [((1, 1), (2, 1)), ((1, 4), (2, 4))]  # a quantity merged over rows is one value
    result = ingest_book(tmp_path, [Sheet("学校", rows, merges)], f"2019/正定县.{suffix}")
    assert school(result, "南关学校")["school_type"] == "nine_year"
    assert school(result, "城关学校")["teaching_area_m2"] == 4000
    assert school(result, "南关学校")["teaching_area_m2"] == 0


def test_a_title_naming_two_school_types_names_none(tmp_path):
    rows = [["2019年正定县小学、初中基本情况"], ["学校名称", "在校生数"], ["城关学校", 300]]
    result = ingest_book(tmp_path, [Sheet("Sheet1", rows)])
    assert result.quarantine["reason_code"].tolist() == ["unknown_school_type"]


def test_a_school_name_merged_over_its_parts_listed_by_a_stage_column(tmp_path):
    rows = [
        ["学校名称", "办学类型", "学段", "在校生数", "专任教师数", "图书册数"],
        ["实验学校", "九年一贯制学校", "小学", 300, 20, 9000],
        [None, None, "初中", 200, 18, 8000],
        ["城关小学", "小学", "小学", 400, 25, 10000],
    ]
    merges = [((1, 0), (2, 0)), ((1, 1), (2, 1))]
    result = ingest_book(tmp_path, [Sheet("学校", rows, merges)])
    primary_part = school(result, "实验学校", "primary")
    junior_part = school(result, "实验学校", "junior")
    assert (primary_part["students_primary"], primary_part["books"]) == (300, 9000)
    assert (junior_part["teachers_junior"], junior_part["books"]) == (18, 8000)
    assert school(result, "城关小学")["students_primary"] == 400


def test_a_second_table_with_the_same_labels_in_another_order(tmp_path):
    rows = [
        ["学校名称", "办学类型", "在校生数", "专任教师数"],
        ["城关小学", "小学", 300, 20],
        ["学校名称", "在校生数", "专任教师数", "办学类型"],
        ["城关中学", 600, 50, "初中"],
    ]
    result = ingest_book(tmp_path, [Sheet("学校", rows)])
    row = school(result, "城关中学")
    assert (row["school_type"], row["students_junior"], row["teachers_junior"]) == (
        "junior", 600, 50,
    )  # fmt: skip


@pytest.mark.parametrize("suffix", [".xlsx", ".xls"])
def test_a_name_header_merged_over_township_and_school_columns(tmp_path, suffix):
    rows = [
        ["学校名称", None, "办学类型", "在校生数", "图书册数"],
        ["城关镇", "第一小学", "小学", 300, 9000],
        ["南关乡", "中心小学", "小学", 200, 5000],
    ]
    sheet = Sheet("学校", rows, merges=[((0, 0), (0, 1))])
    result = ingest_book(tmp_path, [sheet], f"2019/石家庄市/正定县均衡数据{suffix}")
    assert list(result.school_rows["school_name"]) == ["城关镇第一小学", "南关乡中心小学"]
    assert json.loads(receipt(result, "学校")["unmatched_headers"]) == []
    assert_accounting(result)
