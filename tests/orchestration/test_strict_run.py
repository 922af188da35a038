"""`junheng run --strict` where one county's only file is corrupt (issue 9's acceptance)."""

import contextlib
import io

import duckdb
import pytest

from orchestration import cli
from tests.ingest.workbooks import Sheet, write_book
from tests.orchestration.deployment import deployment_environment

YEAR = 2023
pytestmark = pytest.mark.pipeline
HEADER = ["学校名称", "办学类型", "在校生数", "专任教师数", "图书册数", "教学仪器设备资产值(元)"]
CORRUPT = f"{YEAR}/石家庄市/正定县{YEAR}年均衡数据.xlsx"


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
    out = io.StringIO()
    with deployment_environment(root), contextlib.redirect_stdout(out):
        status = cli.main(["run", "--strict"])
    return root, status, out.getvalue()


def query(root, sql):
    with duckdb.connect(str(root / "warehouse" / "junheng.duckdb"), read_only=True) as catalog:
        return catalog.execute(sql).fetchall()


def test_strict_exits_non_zero_naming_the_county_and_the_file(strict_run):
    _, status, out = strict_run
    assert status == cli.EXIT_INCOMPLETE, out
    first_lines = out[: out.index("survey years:")]  # named before anything else
    assert f"{YEAR} 正定县 (130123): {CORRUPT}: unreadable" in first_lines, out
    assert "--strict" in out and "正定县" in out.splitlines()[-1]


def test_the_other_counties_are_published(strict_run):
    root, *_ = strict_run
    counties = query(root, "select distinct county_code from fct_school_stage order by 1")
    assert counties == [("130126",), ("130127",)]


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
    assert all(row[2] is True for row in rows if row[0] != "130123")
    receipt = query(
        root,
        f"select status, county_code, county_incomplete from ingest_files where source_file = '{CORRUPT}'",
    )
    assert receipt == [("rejected", "130123", True)]


def test_no_table_publishes_a_row_nobody_sent(strict_run):
    root, *_ = strict_run
    # No row was quarantined: the quarantine holds no row, not one of nulls.
    assert query(root, "select count(*) from quarantine") == [(0,)]
    assert not list((root / "warehouse").rglob("*HIVE_DEFAULT_PARTITION*/*.parquet"))


def test_the_report_lists_the_incomplete_county_year_first(strict_run):
    root, *_ = strict_run
    page = (root / "warehouse" / "reports" / str(YEAR) / "index.html").read_text(encoding="utf-8")
    assert page.index("Incomplete county-years (1)") < page.index("<h2>Checks</h2>")
    assert CORRUPT in page
