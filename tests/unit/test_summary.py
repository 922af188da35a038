"""The summary of a run: this run's figures only, failing checks with year and county, --lang."""

from types import SimpleNamespace

import pandas as pd
from dagster import AssetKey, MetadataValue

from orchestration.summary import collect, failing_places, render


def materialization(asset, **metadata):
    values = {key: MetadataValue.json(value) for key, value in metadata.items()}
    return SimpleNamespace(
        asset_key=AssetKey(asset), materialization=SimpleNamespace(metadata=values)
    )


def run_result(materializations, evaluations=(), success=True, failed_steps=()):
    failures = [SimpleNamespace(is_step_failure=True, step_key=key) for key in failed_steps]
    return SimpleNamespace(
        get_asset_materialization_events=lambda: materializations,
        get_asset_check_evaluations=lambda: list(evaluations),
        success=success,
        all_events=failures,
        run_id="run-1",
    )


FILES = [SimpleNamespace(survey_year=2019), SimpleNamespace(survey_year=2020)]


def lines(result, lang="en"):
    return render(collect(result, [2019, 2020], FILES), "/w", "/w/junheng.duckdb", [], lang)


def test_a_failed_run_shows_no_figures_it_did_not_produce():
    # Validation ran for 2019 only, then the run failed before publishing.
    validated = materialization(
        "validated_school_rows", rows_by_year={"2019": {"school_rows": 5, "quarantined": 1}}
    )
    printed = lines(run_result([validated], success=False, failed_steps=["staged_tables"]))

    assert "  2019: 1 files, 5 rows staged, 1 quarantined" in printed
    assert "  2020: 1 files, not read in this run" in printed
    assert any("was not published in this run" in line for line in printed)
    assert not any("tables written" in line for line in printed)
    assert any("failed steps: staged_tables" in line for line in printed)


def test_a_failing_check_names_its_years_and_counties():
    metadata = {
        "failed": MetadataValue.text("2020 row_schema"),
        "2019 row_schema: examples": MetadataValue.json([{"county_code": "130121"}]),
        "2020 row_schema: examples": MetadataValue.json(
            [{"county_code": "130123"}, {"county_code": "130124"}, {"county_code": "130123"}]
        ),
        "2020 row_schema: rows_checked": MetadataValue.int(40),
    }
    assert failing_places(metadata, [2019, 2020]) == {"2020": ["130123", "130124"]}
    by_file = {"failed": "2019 row_schema", "2019 row_schema: examples": [
        {"file": "2019/石家庄市/正定县均衡数据.csv", "row": 7}]}  # fmt: skip
    assert failing_places(by_file, [2019]) == {"2019": ["正定县均衡数据.csv"]}

    evaluation = SimpleNamespace(
        asset_check_key=SimpleNamespace(name="row_schema"),
        severity=SimpleNamespace(value="WARN"),
        passed=False,
        metadata=metadata,
        description="2020: 3 rows fail",
    )
    printed = lines(run_result([], evaluations=[evaluation]))
    assert "  failed: row_schema (WARN): 2020 (counties or files 130123, 130124)" in printed


def test_the_summary_speaks_chinese_with_english_beside_it():
    published = materialization(
        "warehouse_tables", rows_by_table={"dim_region": {"all": 3}}, dropped_years=[2018]
    )
    both = lines(run_result([published]), lang="both")
    chinese = lines(run_result([published]), lang="zh")

    assert "调查年度 survey years: 2019, 2020" in both
    assert "  dim_region: 3 行 rows" in both
    assert any(line.startswith("原始文件夹已删除") and "2018" in line for line in chinese)
    assert not any("survey years" in line for line in chinese)


def test_demo_and_lost_files_come_first_and_the_bureau_files_last():
    receipts = pd.DataFrame(
        {
            "survey_year": [2019, 2019, 2020],
            "source_file": ["2019/a.xlsx", "2019/b.xlsx", "2020/正定县.xlsx"],
            "county_code": ["130121", "130123", "130123"],
            "county_incomplete": [False, False, True],
            "is_demo": [True, True, False],
            "reason_code": [None, None, "unreadable"],
            "reason": [None, None, "a truncated zip"],
        }
    )
    summary = collect(run_result([]), [2019, 2020], FILES, receipts)
    indexes = ["/w/reports/2019/province/130000.html"]
    chinese = render(summary, "/w", "/w/junheng.duckdb", [], "zh", indexes, "/w/exports")
    english = render(summary, "/w", "/w/junheng.duckdb", [], "en", indexes, "/w/exports")

    assert english[0].startswith("DEMO: 2 files are the synthetic demo province's")
    assert english[1].startswith("INCOMPLETE: 1 county-years lost a file")
    assert english[2] == "  2020 正定县 (130123): 2020/正定县.xlsx: unreadable (a truncated zip)"
    assert english[3] == "survey years: 2019, 2020"
    assert english[-2] == "county reports (province indexes): " + indexes[0]
    assert english[-1].startswith("gap-list workbooks (一校一册): /w/exports/<year>/")
    assert chinese[0].startswith("DEMO: 2 个文件属于虚构的演示省份")
    assert "county-years" not in chinese[1] and "缺了文件" in chinese[1]
    assert chinese[-2].startswith("县级报告(省级索引): ")
    # Nothing to say: no DEMO or INCOMPLETE line, no bureau files.
    plain = lines(run_result([]))
    assert plain[0].startswith("survey years") and not any("一校一册" in line for line in plain)
