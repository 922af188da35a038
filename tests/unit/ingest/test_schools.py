"""Schools: types, parts, where counts go, teaching points, identity and duplicates."""

from __future__ import annotations

from orchestration.ingest.text import school_name_key
from tests.workbooks import HEADER, Sheet, ingest_book, write_book


def test_school_name_key_unifies_spellings():
    assert school_name_key("正定县第一中学", "正定县") == school_name_key("正定一中", "正定县")
    assert school_name_key("正定县第1初级中学", "正定县") == school_name_key("正定一中", "正定县")
    assert school_name_key("城關小學") == school_name_key("城关小学")
    assert school_name_key("正定县第一中学", "正定县") != school_name_key(
        "正定县第一小学", "正定县"
    )


def test_a_nine_year_school_on_a_primary_and_a_junior_sheet_gives_two_parts(tmp_path):
    columns = ["学校标识码", "学校名称", "办学类型", "在校生数", "专任教师数", "图书册数"]
    primary = [columns, ["2113000123", "正定县实验学校", "九年一贯制学校", 166, 10, 9000]]
    junior = [columns, ["2113000123", "正定县实验学校", "九年一贯制学校", 210, 20, 14000]]
    result = ingest_book(tmp_path, [Sheet("小学", primary), Sheet("初中", junior)])
    rows = result.school_rows.set_index("reported_scope")
    assert sorted(rows.index) == ["junior", "primary"]
    assert (rows.loc["primary", "students_primary"], rows.loc["primary", "teachers_primary"]) == (
        166,
        10,
    )
    assert (rows.loc["junior", "students_junior"], rows.loc["junior", "teachers_junior"]) == (
        210,
        20,
    )
    assert rows.loc["junior", "books"] == 14000 and rows.loc["junior", "school_type"] == "nine_year"


def test_a_multi_stage_school_with_only_a_total_enrollment_is_quarantined(tmp_path):
    rows = [
        ["学校名称", "办学类型", "在校生数", "专任教师数"],
        ["正定县实验学校", "九年一贯制", 376, 30],
    ]
    result = ingest_book(tmp_path, [Sheet("学校", rows)])
    assert result.quarantine["reason_code"].tolist() == ["stage_enrollment_missing"]


def test_generic_teacher_counts_of_a_multi_stage_school_go_to_whole(tmp_path):
    rows = [["学校名称", "办学类型", "小学在校生数", "初中在校生数", "专任教师数", "骨干教师数"],
            ["正定县实验学校", "九年一贯制", 166, 210, 30, 4]]  # fmt: skip
    (row,) = ingest_book(tmp_path, [Sheet("学校", rows)]).school_rows.itertuples()
    assert (row.students_primary, row.students_junior) == (166, 210)
    assert (row.teachers_whole, row.teachers_backbone_whole) == (30, 4)
    assert row.reported_scope == "school"


def test_sports_ground_and_indoor_sports_stay_apart_from_the_sports_area(tmp_path):
    rows = [["学校名称", "办学类型", "在校生数", "运动场地面积", "室内体育用房", "教学及辅助用房"],
            ["城关小学", "小学", 100, 3000, 200, 900]]  # fmt: skip
    (row,) = ingest_book(tmp_path, [Sheet("学校", rows)]).school_rows.itertuples()
    assert (row.sports_ground_m2, row.indoor_sports_m2, row.teaching_area_m2) == (3000, 200, 900)
    assert row.sports_area_m2 != row.sports_area_m2  # NaN: dbt applies the floor-area rule


def test_teaching_points_parents_ownership_and_urban_rural(tmp_path):
    rows = [
        ["学校名称", "办学类型", "是否计校数", "所属学校", "办学性质", "城乡类型", "在校生数"],
        ["西街教学点", "小学", "否", "正定县第一小学", "公办", "乡村", 30],
        ["育才学校", "小学", "是", None, "民办", "镇区", 300],
        ["东庄教学点", "教学点", None, None, "公办", "220", 60],
    ]
    rows_by_name = ingest_book(tmp_path, [Sheet("学校", rows)]).school_rows.set_index("school_name")
    point = rows_by_name.loc["西街教学点"]
    assert (point["school_type"], point["counts_as_school"], point["parent_school_name_key"]) == (
        "teaching_point", False, "一小",
    )  # fmt: skip
    assert (
        rows_by_name.loc["育才学校", "ownership"],
        rows_by_name.loc["育才学校", "urban_rural"],
    ) == ("private", "town")
    assert rows_by_name.loc["东庄教学点", "school_type"] == "teaching_point"
    assert rows_by_name.loc["东庄教学点", "urban_rural"] == "rural"


def test_unknown_school_type_and_missing_name_or_students_are_quarantined(tmp_path):
    rows = [
        HEADER,
        ["城关小学", "幼儿园", 100, 5, 100],
        [None, "小学", 100, 5, 100],
        ["南关小学", "小学", None, 5, 100],
    ]
    result = ingest_book(tmp_path, [Sheet("学校", rows)])
    assert sorted(result.quarantine["reason_code"]) == [
        "missing_school_name", "missing_students", "unknown_school_type",
    ]  # fmt: skip


def test_exact_duplicates_stage_the_first_copy_and_conflicts_quarantine_all(tmp_path):
    sheet = [HEADER, ["正定县第一小学", "小学", 400, 8, 2000], ["正定县第二小学", "小学", 300, 9, 900],
             ["正定县第一小学", "小学", 400, 8, 2000]]  # fmt: skip
    other = [HEADER, ["正定二小", "小学", 301, 9, 900]]
    write_book(tmp_path / "raw/2019/正定县b.xlsx", [Sheet("学校", other)])
    result = ingest_book(tmp_path, [Sheet("学校", sheet)], "2019/正定县a.xlsx")
    staged = result.school_rows
    assert staged[["source_file", "source_row"]].values.tolist() == [["2019/正定县a.xlsx", 2]]
    reasons = result.quarantine.set_index(["source_file", "source_row"])["reason_code"].to_dict()
    assert reasons == {
        ("2019/正定县a.xlsx", 4): "duplicate_exact",
        ("2019/正定县a.xlsx", 3): "duplicate_conflict",
        ("2019/正定县b.xlsx", 2): "duplicate_conflict",
    }
    assert result.quarantine["raw_values"].str.contains("正定").all()


def test_a_school_listed_by_id_in_one_file_and_by_name_in_another_is_one_school(tmp_path):
    with_id = [["学校标识码", *HEADER], ["2101230001", "正定县第一小学", "小学", 400, 8, 2000]]
    by_name = [HEADER, ["正定一小", "小学", 400, 8, 2000], ["正定县第二小学", "小学", 300, 9, 900]]
    write_book(tmp_path / "raw/2019/正定县b.xlsx", [Sheet("学校", by_name)])
    result = ingest_book(tmp_path, [Sheet("学校", with_id)], "2019/正定县a.xlsx")
    assert sorted(result.school_rows["school_name"]) == ["正定县第一小学", "正定县第二小学"]
    (copy,) = result.quarantine.itertuples()
    assert (copy.source_file, copy.source_row, copy.reason_code) == (
        "2019/正定县b.xlsx",
        2,
        "duplicate_exact",
    )


def test_a_school_reported_whole_and_again_by_stage_is_a_conflict(tmp_path):
    whole = [
        ["学校名称", "办学类型", "小学在校生数", "初中在校生数", "图书册数"],
        ["正定县实验学校", "九年一贯制学校", 166, 210, 23226],
        ["正定县第二小学", "小学", 300, None, 9000],
    ]
    part = [
        ["学校名称", "办学类型", "在校生数", "图书册数"],
        ["正定县实验学校", "九年一贯制学校", 166, 9711],
    ]
    result = ingest_book(tmp_path, [Sheet("全校", whole), Sheet("小学", part)])
    assert list(result.school_rows["school_name"]) == ["正定县第二小学"]
    reasons = result.quarantine.set_index("sheet")["reason_code"].to_dict()
    assert reasons == {"全校": "duplicate_conflict", "小学": "duplicate_conflict"}


def test_a_teaching_points_parent_is_linked_to_the_school_it_nearly_names(tmp_path):
    rows = [
        ["学校名称", "办学类型", "所属学校", "在校生数"],
        ["正定县城关镇东街小学", "小学", None, 600],
        ["正定县城关第一小学", "小学", None, 500],
        ["西街教学点", "教学点", "城关东街小学", 30],  # 城关镇东街小 ~ 城关东街小
        ["北街教学点", "教学点", "城关第二小学", 20],  # 城关二小 is not 城关一小
    ]
    staged = ingest_book(tmp_path, [Sheet("学校", rows)]).school_rows.set_index("school_name")
    assert (
        staged.loc["西街教学点", "parent_school_name_key"]
        == staged.loc["正定县城关镇东街小学", "school_name_key"]
    )
    assert staged.loc["北街教学点", "parent_school_name_key"] == "城关二小"
    assert staged.loc["北街教学点", "parent_school_name"] == "城关第二小学"


def test_names_are_published_as_written_and_matched_simplified(tmp_path):
    """乾县's schools: t2s turns 乾 into 干, which belongs in matching keys only."""
    rows = [
        ["学校名称", "办学类型", "所属学校", "在校生数"],
        ["  乾县第1小学 ", "小学", None, 400],
        ["乾县城關教學點", "教学点", "乾县第1小学", 20],
        ["乾县第2中學", "初中", None, None],  # quarantined: no enrollment
    ]
    result = ingest_book(
        tmp_path, [Sheet("学校", rows)], "2023/陕西省/咸阳市/乾县2023年均衡数据.xlsx", 2023
    )
    staged = result.school_rows.set_index("school_name")
    assert sorted(staged.index) == ["乾县城關教學點", "乾县第1小学"]
    assert set(staged["county_code"]) == {"610424"}
    point = staged.loc["乾县城關教學點"]
    assert point["parent_school_name"] == "乾县第1小学"
    assert point["parent_school_name_key"] == staged.loc["乾县第1小学", "school_name_key"]
    assert point["school_name_key"] == school_name_key("城关教学点")
    assert result.quarantine["school_name"].tolist() == ["乾县第2中學"]
