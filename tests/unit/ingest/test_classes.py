"""Classes (班级数): staged per stage like teachers, absent where the sheet has no such column."""

from __future__ import annotations

import math

from tests.workbooks import Sheet, ingest_book


def test_classes_go_to_their_stage_or_to_whole_and_class_sizes_are_set_aside(tmp_path):
    rows = [["学校名称", "办学类型", "小学在校生数", "初中在校生数", "小学班级数", "初中教学班数", "平均班额"],
            ["正定县实验学校", "九年一贯制", 450, 510, 10, 10, 48]]  # fmt: skip
    (row,) = ingest_book(tmp_path, [Sheet("学校", rows)]).school_rows.itertuples()
    assert (row.classes_primary, row.classes_junior) == (10, 10)
    assert math.isnan(row.classes_whole)
    whole = [["学校名称", "办学类型", "小学在校生数", "初中在校生数", "班级数"],
             ["正定县实验学校", "九年一贯制", 450, 510, 20]]  # fmt: skip
    (row,) = ingest_book(tmp_path / "b", [Sheet("学校", whole)]).school_rows.itertuples()
    assert row.classes_whole == 20 and math.isnan(row.classes_primary)


def test_a_single_stage_school_takes_a_generic_class_count_and_a_sheet_without_one_gives_none(
    tmp_path,
):
    rows = [["学校名称", "办学类型", "在校生数", "班数"], ["城关小学", "小学", 460, 10]]
    (row,) = ingest_book(tmp_path, [Sheet("学校", rows)]).school_rows.itertuples()
    assert row.classes_primary == 10
    rows = [["学校名称", "办学类型", "在校生数"], ["城关小学", "小学", 460]]
    (row,) = ingest_book(tmp_path / "b", [Sheet("学校", rows)]).school_rows.itertuples()
    assert math.isnan(row.classes_primary) and math.isnan(row.classes_whole)
