"""Two files of a county-year disagreeing about a school: the stated precedence decides."""

from __future__ import annotations

from orchestration.ingest.dedupe import SUPERSEDED
from orchestration.ingest.pipeline import ingest_year
from tests.workbooks import HEADER, Sheet, assert_accounting, write_book


def _ingest(tmp_path, books: dict[str, list[list]]):
    raw = tmp_path / "raw"
    for name, rows in books.items():
        write_book(raw / name, [Sheet("学校", rows)])
    result = ingest_year(raw, 2023)
    assert_accounting(result)
    return result


def test_the_file_in_the_year_folder_beats_a_loose_file(tmp_path):
    result = _ingest(tmp_path, {
        "2023/石家庄市/正定县.xlsx": [HEADER, ["正定县第一小学", "小学", 400, 8, 2000]],
        "石家庄市/正定县2023年(旧).xlsx": [HEADER, ["正定县第一小学", "小学", 390, 8, 2000]],
    })  # fmt: skip
    assert list(result.school_rows["students_primary"]) == [400]
    (lost,) = result.quarantine.itertuples()
    assert (lost.source_file, lost.reason_code) == (
        "石家庄市/正定县2023年(旧).xlsx",
        "duplicate_conflict",
    )
    assert "2023/石家庄市/正定县.xlsx" in lost.reason and "year folder" in lost.reason


def test_the_copy_that_carries_the_field_beats_the_one_lacking_it(tmp_path):
    result = _ingest(tmp_path, {
        "2023/正定县/汇总.xlsx": [HEADER, ["正定县第一小学", "小学", 400, 8, 2000]],
        "2023/正定县/学生.xlsx": [HEADER[:3], ["正定县第一小学", "小学", 400]],
    })  # fmt: skip
    (staged,) = result.school_rows.itertuples()
    assert (staged.source_file, staged.books) == ("2023/正定县/汇总.xlsx", 2000)
    (lost,) = result.quarantine.itertuples()
    assert lost.source_file == "2023/正定县/学生.xlsx" and "carries the field" in lost.reason
    assert lost.reason_code == "duplicate_conflict" and lost.reason.startswith(SUPERSEDED)


def test_both_copies_are_quarantined_when_nothing_decides(tmp_path):
    result = _ingest(tmp_path, {
        "2023/正定县/一.xlsx": [HEADER, ["正定县第一小学", "小学", 400, 8, 2000]],
        "2023/正定县/二.xlsx": [HEADER, ["正定县第一小学", "小学", 390, 8, 2000]],
    })  # fmt: skip
    assert result.school_rows.empty
    assert list(result.quarantine["reason_code"]) == ["duplicate_conflict"] * 2


_EXPORT = [
    "学校标识码",
    "学校名称",
    "办学类型代码",
    "是否计校数",
    "在校生数",
    "专任教师数",
    "图书册数",
]


def test_an_attached_class_under_its_hosts_id_is_the_hosts_part_not_a_conflict(tmp_path):
    """Issue 10: the statistics system files a 附设普通初中班 (319) under its host's id. The
    host 小学 (211, scoped 'school') teaches no junior stage, so nothing counts twice: both
    rows are staged, the class as the host's junior part."""
    result = _ingest(tmp_path, {
        "2023/邢台市/内丘县2023年基层表_小学.xlsx": [
            _EXPORT, ["2130523004", "内丘县实验小学", 211, 1, 700, 38, 30000]],
        "2023/邢台市/内丘县2023年基层表_初中.xlsx": [
            _EXPORT, ["2130523004", "内丘县实验小学", 319, 0, 80, 6, 0]],
    })  # fmt: skip
    assert result.quarantine.empty
    staged = result.school_rows.set_index("reported_scope")
    assert staged.loc["school", "students_primary"] == 700
    assert staged.loc["junior", "students_junior"] == 80
    assert set(staged["school_id"]) == {"2130523004"}


def test_a_nine_year_school_whole_and_by_stage_still_conflicts_and_says_where(tmp_path):
    """The overlap rule still holds where the whole row's type teaches the scoped stage:
    both rows are quarantined, and each reason names the other row and the stage."""
    result = _ingest(tmp_path, {
        "2023/邢台市/内丘县2023年基层表_小学.xlsx": [
            _EXPORT, ["2130523004", "内丘县实验小学", 211, 1, 700, 38, 30000],
            ["2130523005", "内丘县育才学校", 312, 1, 600, 40, 45000]],
        "2023/邢台市/内丘县汇总.xlsx": [
            ["学校标识码", "学校名称", "办学类型", "小学在校生数", "初中在校生数", "图书册数"],
            ["2130523005", "内丘县育才学校", "九年一贯制学校", 600, 300, 45000]],
    })  # fmt: skip
    assert list(result.school_rows["school_name"]) == ["内丘县实验小学"]
    reasons = result.quarantine.set_index("source_file")["reason"]
    assert set(result.quarantine["reason_code"]) == {"duplicate_conflict"}
    whole, part = (
        reasons["2023/邢台市/内丘县汇总.xlsx"],
        reasons["2023/邢台市/内丘县2023年基层表_小学.xlsx"],
    )
    assert "primary part" in whole and "基层表_小学.xlsx" in whole
    assert "primary part" in part and "内丘县汇总.xlsx" in part
