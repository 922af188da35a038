"""Issue 8's headers, in a sheet as a county writes them: every base quantity is read, the
columns set aside are not reported, and only real breakdowns stay unmatched."""

from __future__ import annotations

import json

from tests.workbooks import Sheet, ingest_book, receipt, school


def test_headers_in_other_words_than_the_forms_are_all_read(tmp_path):
    rows = [
        ["学校名称", "举办者性质", "城乡分类", "办学类型", "挂靠学校", "在校学生总数", "在校学生总数",
         "专任教师", "专任教师", "专任教师", "骨干教师人数(县级以上)",
         "具有中级以上专业技术职称的专任教师", "体音美专任教师", "教学及教辅用房面积(㎡)",
         "体育运动场(馆)面积(㎡)", "教学仪器设备总值(万元)", "教学用电脑(台)", "藏书册数",
         "网络多媒体教室数", "教职工数", "班级数", "平均班额", "校长", "办公电话"],
        ["", "", "", "", "", "计", "其中:寄宿生", "计", "其中:县骨干", "其中:女",
         "", "", "", "", "", "", "", "", "", "", "", "", "", ""],
        ["城关小学", "教育部门", "城区", "小学", "", 600, 40, 30, 3, 20, 3, 12, 4, 2400, 6000,
         80, 60, 15000, 14, 34, 12, 50, "张三", "0311-1234567"],
        ["东村教学点", "教育部门", "乡村", "小学教学点", "城关小学", 30, 0, 2, 0, 2, 0, 1, 0, 120,
         300, 2, 3, 800, 1, 2, 2, 15, "", ""],
    ]  # fmt: skip
    result = ingest_book(tmp_path, [Sheet("学校", rows)])
    row = school(result, "城关小学")
    assert (row["students_primary"], row["teachers_primary"]) == (600, 30)
    assert (row["teachers_backbone_primary"], row["teachers_senior_title_primary"]) == (3, 12)
    assert row["teachers_pe_arts_primary"] == 4
    assert (row["teaching_area_m2"], row["sports_area_m2"]) == (2400, 6000)
    assert (row["equipment_value_yuan"], row["computers"]) == (800_000, 60)
    assert (row["books"], row["multimedia_rooms"]) == (15000, 14)
    assert (row["ownership"], row["urban_rural"]) == ("public", "urban")
    point = school(result, "东村教学点")
    assert point["parent_school_name_key"] == row["school_name_key"]  # 挂靠学校: the parent
    unmatched = json.loads(receipt(result, "学校")["unmatched_headers"])
    # two columns of backbone teachers (骨干 twice): the second is reported as such
    assert [(u["column"], u.get("note") or u["reason"]) for u in unmatched] == [
        ("G", "'其中:寄宿生' under '在校学生总数' is a breakdown of students"),
        ("J", "'其中:女' under '专任教师' is a breakdown of teachers"),
        ("K", "a second column of the same field"),
    ]
    assert json.loads(receipt(result, "学校")["missing_fields"]) == [
        {"field": "teachers_above_degree", "indicators": ["B7", "Q1"]}
    ]
