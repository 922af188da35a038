"""`junheng run --strict` where two counties report one 学校标识码 in a year (the national
benchmark's failure): every county is published, the conflict is reported, nothing lost."""

import pytest

from tests.integration.deployment import query, run_junheng
from tests.workbooks import Sheet, write_book

pytestmark = pytest.mark.pipeline
HEADER = ["学校标识码", "学校名称", "办学类型", "在校生数", "专任教师数", "图书册数"]
LINGSHOU, GAOYI = "130126", "130127"
SHARED = "1301260002"  # 灵寿县南关小学's id, given by 高邑县 to its own 南关小学 in 2022
MOVED = "1301260003"  # 灵寿县's junior school in 2022, 高邑县's in 2023 (a school that moved)


def path(year: int, county: str) -> str:
    return f"{year}/石家庄市/{county}{year}年均衡数据.xlsx"


def rows(year: int) -> dict[str, list[list]]:
    lingshou = [
        ["1301260001", "灵寿县第一小学", "小学", 812, 45, 25580],
        [SHARED, "灵寿县南关小学", "小学", 436, 26, 13200],
    ]
    gaoyi = [
        ["1301270001", "高邑县第一小学", "小学", 640, 38, 19800],
        [SHARED if year == 2022 else "1301270002", "高邑县南关小学", "小学", 390, 23, 11700],
        ["1301270003", "高邑县第一中学", "初中", 980, 80, 36100],
    ]
    moved = [MOVED, "城北中学", "初中", 1210, 98, 42300]
    (lingshou if year == 2022 else gaoyi).append(moved)
    return {"灵寿县": lingshou, "高邑县": gaoyi}


@pytest.fixture(scope="module")
def conflict_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("conflict")
    for year in (2022, 2023):
        for county, body in rows(year).items():
            write_book(root / "raw" / path(year, county), [Sheet("学校", [HEADER, *body])])
    status, out = run_junheng(root, "run", "--strict")
    return root, status, out


def test_the_run_succeeds_and_publishes_every_school_of_both_counties(conflict_run):
    root, status, out = conflict_run
    assert status == 0, out
    published = query(
        root,
        "select survey_year, county_code, count(distinct school_key) from fct_school_stage "
        "group by all order by all",
    )
    assert published == [
        (2022, LINGSHOU, 3),
        (2022, GAOYI, 3),
        (2023, LINGSHOU, 2),
        (2023, GAOYI, 4),
    ]
    assert query(root, "select count(*) from quarantine") == [(0,)]
    assessed = query(root, "select distinct county_code from fct_county_assessment order by 1")
    assert assessed == [(LINGSHOU,), (GAOYI,)]


def test_each_county_school_of_the_shared_id_is_told_apart_by_its_county(conflict_run):
    root, *_ = conflict_run
    schools = query(
        root,
        f"select school_uid, county_code, school_id_conflict from dim_school "
        f"where school_id = '{SHARED}' order by 1",
    )
    assert schools == [(f"{LINGSHOU}:{SHARED}", LINGSHOU, True), (f"{GAOYI}:{SHARED}", GAOYI, True)]
    # 灵寿县's school keeps one identity over both years although 2023 holds no conflict.
    years = query(
        root,
        f"select distinct survey_year from fct_school_stage where school_key like '{LINGSHOU}:{SHARED}@%'",
    )
    assert sorted(years) == [(2022,), (2023,)]


def test_an_id_in_two_counties_in_different_years_is_one_school_that_moved(conflict_run):
    root, *_ = conflict_run
    versions = query(
        root,
        f"select school_uid, county_code, valid_from_year, valid_to_year, is_current, "
        f"school_id_conflict from dim_school where school_id = '{MOVED}' order by valid_from_year",
    )
    assert versions == [
        (MOVED, LINGSHOU, 2022, 2022, False, False),
        (MOVED, GAOYI, 2023, None, True, False),
    ]


def test_the_conflict_is_reported_naming_both_rows(conflict_run):
    root, _, out = conflict_run
    page = (root / "warehouse" / "reports" / "2022" / "index.html").read_text(encoding="utf-8")
    assert "school_id_conflicts" in page and "school_id_conflict" in page
    assert path(2022, "灵寿县") in page and path(2022, "高邑县") in page
    assert "school_id_conflicts (WARN)" in out, out
    later = (root / "warehouse" / "reports" / "2023" / "index.html").read_text(encoding="utf-8")
    assert SHARED not in later
