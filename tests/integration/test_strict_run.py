"""`junheng run --strict` where one county's only file is corrupt (issue 9's acceptance)."""

import pytest

from orchestration import cli
from tests.integration.deployment import query, run_junheng
from tests.workbooks import Sheet, write_book

YEAR = 2023
pytestmark = pytest.mark.pipeline
HEADER = ["学校名称", "办学类型", "在校生数", "专任教师数", "图书册数", "教学仪器设备资产值(元)"]
CORRUPT = f"{YEAR}/石家庄市/正定县{YEAR}年均衡数据.xlsx"
# Read, but no row of it has a county the registry knows: 无极县 (its folder) is lost.
NO_COUNTY = f"{YEAR}/石家庄市/无极县/汇总表{YEAR}.xlsx"
# A comparison of two years beside 高邑县's real file: rejected whole, 高邑县 intact.
COMPARISON = f"{YEAR}/石家庄市/高邑县/{YEAR - 1}-{YEAR}年数据对比.xlsx"


def county_sheet(county: str) -> Sheet:
    return Sheet(
        "小学",
        [
            HEADER,
            [f"{county}第一小学", "小学", 812, 45, 25580, 1386000],
            [f"{county}南关小学", "小学", 436, 26, 13200, 642000],
            [f"{county}第二中学", "初中", 1210, 98, 42300, 2650000],
        ],
    )


@pytest.fixture(scope="module")
def strict_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("strict")
    raw = root / "raw"
    for county in ("灵寿县", "高邑县"):
        write_book(
            raw / str(YEAR) / "石家庄市" / f"{county}{YEAR}年均衡数据.xlsx", [county_sheet(county)]
        )
    (raw / CORRUPT).write_bytes(b"PK\x03\x04" + bytes(range(256)) * 4)  # a truncated zip
    unknown = [
        ["统计用区划代码", *HEADER],
        ["990000100000", "无极县第一小学", "小学", 300, 20, 9000, 1],
    ]
    write_book(raw / NO_COUNTY, [Sheet("全县", unknown)])
    other = [HEADER, ["高邑县第一小学", "小学", 999, 45, 25580, 1386000]]
    write_book(raw / COMPARISON, [Sheet(f"{YEAR - 1}年", other), Sheet(f"{YEAR}年", other)])
    status, out = run_junheng(root, "run", "--strict")
    return root, status, out


def test_strict_exits_non_zero_naming_the_county_and_the_file(strict_run):
    _, status, out = strict_run
    assert status == cli.EXIT_INCOMPLETE, out
    first_lines = out[: out.index("survey years:")]  # named before anything else
    assert f"{YEAR} 正定县 (130123): {CORRUPT}: unreadable" in first_lines, out
    assert f"{YEAR} 无极县 (130130): {NO_COUNTY}: no row of the county staged" in first_lines
    last = out.splitlines()[-1]
    assert last.startswith(
        "--strict: 仓库已发布 published; 2 个县·年度不完整 county-years incomplete: "
    )
    assert "正定县" in last and "无极县" in last and "高邑县" not in last
    # published, not failed: no failed run, no Dagster error line
    assert "the run failed" not in out and "dagster" not in out.lower(), out


def test_the_reports_and_workbooks_of_the_counties_read_are_published(strict_run):
    root, *_ = strict_run
    reports = root / "warehouse" / "reports" / str(YEAR)
    assert list(reports.glob("province/*.html")), sorted(reports.rglob("*"))
    workbooks = sorted(p.name for p in (root / "warehouse" / "exports").rglob("*.xlsx"))
    assert any(name.startswith("130126") for name in workbooks), workbooks
    assert any(name.startswith("130127") for name in workbooks), workbooks
    # a county of which nothing was read has its page, not assessable, saying which file
    page = (reports / "county" / "130130.html").read_text(encoding="utf-8")
    assert "数据不完整 incomplete" in page and NO_COUNTY in page


def test_the_other_counties_are_published(strict_run):
    root, *_ = strict_run
    counties = query(root, "select distinct county_code from fct_school_stage order by 1")
    assert counties == [("130126",), ("130127",)]
    # 高邑县's figures are its real file's, never the comparison file's (999 pupils)
    students = query(
        root, "select sum(students) from fct_school_stage where county_code = '130127'"
    )
    assert students == [(812 + 436 + 1210,)]
    receipt = query(
        root,
        "select status, reason_code, county_incomplete from ingest_files "
        f"where source_file = '{COMPARISON}'",
    )
    assert receipt == [("rejected", "year_conflict", False)]


def test_the_county_of_the_corrupt_file_is_published_as_incomplete(strict_run):
    root, *_ = strict_run
    rows = query(
        root,
        "select county_code, stage, is_complete, assessable, incomplete_files, incomplete_reason "
        "from fct_county_assessment order by county_code, stage",
    )
    lost = [row for row in rows if row[0] == "130123"]
    assert [row[1] for row in lost] == ["junior", "primary"]
    assert all(row[2] is False and row[3] is False and row[4] == CORRUPT for row in lost)
    assert all(row[5].startswith(f"{CORRUPT}: unreadable") for row in lost)
    no_county = [row for row in rows if row[0] == "130130"]
    assert [row[1] for row in no_county] == ["junior", "primary"]
    assert all(row[2] is False and row[3] is False and row[4] == NO_COUNTY for row in no_county)
    assert all("county_unknown 1" in row[5] for row in no_county)
    assert all(row[2] is True for row in rows if row[0] not in ("130123", "130130"))
    receipt = query(
        root,
        f"select status, county_code, county_incomplete from ingest_files where source_file = '{CORRUPT}'",
    )
    assert receipt == [("rejected", "130123", True)]


def test_no_table_publishes_a_row_nobody_sent(strict_run):
    root, *_ = strict_run
    # One row was quarantined (无极县's): the quarantine holds it, and no row of nulls.
    assert query(root, "select reason_code, source_file from quarantine") == [
        ("county_unknown", NO_COUNTY)
    ]
    assert not list((root / "warehouse").rglob("*HIVE_DEFAULT_PARTITION*/*.parquet"))


def test_the_report_lists_the_incomplete_county_year_first(strict_run):
    root, *_ = strict_run
    page = (root / "warehouse" / "reports" / str(YEAR) / "index.html").read_text(encoding="utf-8")
    assert page.index("Incomplete county-years (2)") < page.index("<h2>Checks</h2>")
    assert CORRUPT in page


def test_a_strict_run_with_nothing_changed_still_names_the_incomplete_county_years(strict_run):
    root, *_ = strict_run
    status, out = run_junheng(root, "run", "--strict", "--lang", "en")
    assert status == cli.EXIT_INCOMPLETE, out
    assert "nothing changed since the last build" in out  # nothing rebuilt
    assert "正定县" in out.splitlines()[-1] and "无极县" in out.splitlines()[-1]
