"""`junheng run` after a correction to a later year's file: the earlier year's county page
of that county plots the corrected CVs (a cold drawing's page), and the earlier pages of the
other county are not written again (tester finding G4)."""

import pytest

from orchestration.publish.county_report import county_page_path, write_bureau_reports
from tests.integration.deployment import query, run_junheng
from tests.workbooks import Sheet, write_book

pytestmark = pytest.mark.pipeline
HEADER = ["学校标识码", "学校名称", "办学类型", "在校生数", "专任教师数", "图书册数"]
EARLIER, LATER = 2022, 2023
COUNTIES = {"灵寿县": "130126", "高邑县": "130127"}
CORRECTED = "灵寿县"


def book(root, year: int, county: str, teachers: int) -> None:
    """Three primary schools; the first one's teachers are `teachers`."""
    code = COUNTIES[county]
    body = [
        [f"{code}0001", f"{county}第一小学", "小学", 812, teachers, 25580],
        [f"{code}0002", f"{county}第二小学", "小学", 436, 26, 13200],
        [f"{code}0003", f"{county}第三小学", "小学", 390, 23, 11700],
    ]
    path = root / "raw" / f"{year}/石家庄市/{county}{year}年均衡数据.xlsx"
    write_book(path, [Sheet("学校", [HEADER, *body])])


def cvs(root, county: str, year: int) -> list[tuple]:
    """The county's CVs of the year (every stage and indicator), from the catalog."""
    return query(
        root,
        f"select stage, indicator_code, cv from fct_county_indicator where county_code ="
        f" '{COUNTIES[county]}' and survey_year = {year} order by all",
    )


def test_a_later_year_s_correction_redraws_the_earlier_page_of_its_county_only(tmp_path):
    root = tmp_path / "incremental"
    for year in (EARLIER, LATER):
        for county in COUNTIES:
            book(root, year, county, 45)
    assert run_junheng(root, "run")[0] == 0
    reports = root / "warehouse" / "reports"
    pages = {county: county_page_path(reports, EARLIER, code) for county, code in COUNTIES.items()}
    before = {
        county: (page.read_bytes(), page.stat().st_mtime_ns) for county, page in pages.items()
    }
    old_cvs = cvs(root, CORRECTED, LATER)

    book(root, LATER, CORRECTED, 60)  # the later year's file corrected
    status, out = run_junheng(root, "run")
    assert status == 0
    assert cvs(root, CORRECTED, LATER) != old_cvs

    # the page a cold build draws from the published warehouse as it is now
    cold = tmp_path / "cold"
    write_bureau_reports(root / "warehouse", cold / "reports", cold / "exports", EARLIER, 1)
    cold_page = county_page_path(cold / "reports", EARLIER, COUNTIES[CORRECTED])

    corrected = pages[CORRECTED].read_bytes()
    assert corrected != before[CORRECTED][0]  # the earlier page plots the corrected CVs
    assert corrected == cold_page.read_bytes()
    other = pages["高邑县"]
    assert other.stat().st_mtime_ns == before["高邑县"][1]  # not written again
    assert other.read_bytes() == before["高邑县"][0]
