"""The statistics system's per-stage exports (基层表), read and built as a county sends them.

The two files of `tests/fixtures/statistics-export/` are the case of
`cases/statistics-export` (藁城区 130109, 2023): 育英学校 (九年一贯制) in both files with its
whole-school resources repeated, 廉州第一小学, 东辛庄教学点 (是否计校数 0, 38 pupils, no
parent) and 第三中学. The reader stages them, dbt builds the school-stages, and the figures
are those the case states (docs/spec/balance-indicators.md §1-§2).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from orchestration.ingest.pipeline import ingest_year
from orchestration.staging.tables import write_staged_year
from tests.integration.dbt.conftest import invoke_dbt

FIXTURES = Path(__file__).parents[1] / "fixtures" / "statistics-export"
YEAR = 2023


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("statistics_export")
    raw = root / "raw" / str(YEAR) / "石家庄市"
    raw.mkdir(parents=True)
    for path in FIXTURES.glob("*.xlsx"):
        shutil.copy(path, raw / path.name)
    result = ingest_year(root / "raw", YEAR)
    state = root / "state"
    write_staged_year(state / "staging", YEAR, result)
    (state / "dbt" / "marts").mkdir(parents=True)
    # The models up to the school-stages only: the marts' data tests run in tests/integration/dbt.
    build = invoke_dbt(
        "build", "--select", "+fct_school_stage", "--exclude-resource-type", "test",
        "--exclude-resource-type", "unit_test", state_dir=state, work_dir=root / "dbt",
    )  # fmt: skip
    failed = [r.node.name for r in build.result if r.status not in ("pass", "success")]
    assert build.success, failed
    relation = duckdb.read_parquet(str(state / "dbt" / "marts" / "fct_school_stage.parquet"))
    stages = [dict(zip(relation.columns, row)) for row in relation.fetchall()]
    return result, {(row["school_id"], row["stage"]): row for row in stages}


YUYING, LIANZHOU, DONGXINZHUANG, SANZHONG = (f"2130109{n:03d}" for n in (2, 1, 3, 4))


def test_every_row_is_staged_and_the_nine_year_school_is_not_a_conflict(built):
    result, _ = built
    assert result.quarantine.empty, result.quarantine[["school_name", "reason"]]
    assert sorted(result.ingest_files["rows_staged"]) == [2, 3]
    yuying = result.school_rows[result.school_rows["school_id"] == YUYING]
    assert sorted(yuying["reported_scope"]) == ["junior", "primary"]


def test_the_nine_year_school_is_one_school_with_two_parts(built):
    _, stages = built
    primary, junior = stages[(YUYING, "primary")], stages[(YUYING, "junior")]
    assert primary["school_key"] == junior["school_key"]
    assert primary["is_joined_part"] and junior["is_joined_part"]
    assert primary["stage_share"] == pytest.approx(0.5977, abs=5e-5)
    assert junior["stage_share"] == pytest.approx(0.4023, abs=5e-5)
    expected = {  # whole school -> primary / junior, as the case states them
        "teaching_area_m2": (5247.6, 3532.4),  # 9 600 - 820 indoor sports = 8 780
        "sports_area_m2": (8857.5, 5962.5),  # 14 000 + 820 = 14 820
        "equipment_value_yuan": (1195343, 804657),  # 200 万元
        "books": (30700.6, 20666.4),  # 51 367
    }
    for field, (in_primary, in_junior) in expected.items():
        assert primary[field] == pytest.approx(in_primary, abs=0.5), field
        assert junior[field] == pytest.approx(in_junior, abs=0.5), field
        assert primary[field] + junior[field] == pytest.approx(sum(expected[field]), abs=1)
    # students and teachers stay as each file reports them
    assert (primary["students"], primary["teachers"]) == (652, 46)
    assert (junior["students"], junior["teachers"]) == (399, 36)
    assert not primary["is_estimated_split"]
    assert "基层表_小学.xlsx [Sheet1] row 5" in primary["source_rows"]
    assert "基层表_初中.xlsx [Sheet1] row 4" in primary["source_rows"]


def test_the_floor_area_rule_and_single_stage_schools(built):
    _, stages = built
    lianzhou = stages[(LIANZHOU, "primary")]
    assert (lianzhou["teaching_area_m2"], lianzhou["sports_area_m2"]) == (3920, 10580)
    assert lianzhou["equipment_value_yuan"] == pytest.approx(1512000)
    assert not lianzhou["is_joined_part"] and lianzhou["stage_share"] == 1
    sanzhong = stages[(SANZHONG, "junior")]
    assert (sanzhong["students"], sanzhong["books"], sanzhong["in_scope"]) == (1210, 42300, True)


def test_the_teaching_point_under_50_pupils_with_no_parent_is_excluded(built):
    _, stages = built
    point = stages[(DONGXINZHUANG, "primary")]
    assert point["is_teaching_point"] and point["students"] == 38
    assert (point["in_scope"], point["exclusion_reason"]) == (
        False,
        "teaching_point_under_50_students",
    )


def test_teachers_above_the_required_degree_sum_the_degree_breakdown(built):
    _, stages = built
    # primary: 研究生 + 本科 + 专科; junior: 研究生 + 本科
    assert stages[(LIANZHOU, "primary")]["teachers_above_degree"] == 51
    assert stages[(SANZHONG, "junior")]["teachers_above_degree"] == 86
    assert stages[(YUYING, "primary")]["teachers_above_degree"] == 45
    assert stages[(YUYING, "junior")]["teachers_above_degree"] == 32


def test_pe_and_arts_teachers_sum_the_subject_breakdown(built):
    _, stages = built
    # 体育与健康 + 音乐 + 美术
    assert stages[(LIANZHOU, "primary")]["teachers_pe_arts"] == 8
    assert stages[(SANZHONG, "junior")]["teachers_pe_arts"] == 12
