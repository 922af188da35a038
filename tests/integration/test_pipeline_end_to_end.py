"""One `junheng run` of the whole graph for one demo year, read back and recomputed."""

import math
import os

import duckdb
import pandas as pd
import pytest

from orchestration import cli
from orchestration.demo import generate_demo_province
from tests.integration.deployment import deployment_environment
from tests.spec_reference import CONTRACT_COLUMNS, INDICATORS, weighted_cv

YEAR = 2019
pytestmark = pytest.mark.pipeline

# The national split formula (docs/spec/balance-indicators.md §1): the junior share of a school's
# whole-school resources, from its primary (A), junior (B) and senior (C) enrollment.
JUNIOR_SHARE = {
    "junior": lambda a, b, c: 1.0,
    "nine_year": lambda a, b, c: 1.1 * b / (a + 1.1 * b),
    "twelve_year": lambda a, b, c: 1.1 * b / (a + 1.1 * b + 1.32 * c),
    "complete_middle": lambda a, b, c: b / (b + 1.2 * c),
}


@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    root = tmp_path_factory.mktemp("deployment")
    generate_demo_province(root / "raw")
    with deployment_environment(root):
        first = cli.main(["run"])  # every demo year
        tables_after_first = warehouse_files(root / "warehouse")
        second = cli.main(["run", "--years", str(YEAR), "--force"])  # one year again
        published = os.readlink(root / "warehouse" / "current")
        third = cli.main(["run"])  # nothing changed: nothing rebuilt, nothing published
        assert (third, os.readlink(root / "warehouse" / "current")) == (0, published)
        documented = cli.main(["docs"])
    assert documented == 0
    return root, first, second, tables_after_first


def test_the_dbt_documentation_is_one_offline_page_in_the_warehouse(deployment):
    root, *_ = deployment
    page = (root / "warehouse" / "docs" / "index.html").read_text(encoding="utf-8")
    assert "model.junheng.fct_county_indicator" in page, page[:300]
    assert "\\u52a0\\u6743" in page  # 加权: the Chinese descriptions, JSON-escaped


def warehouse_files(warehouse):
    """The Parquet files of the current snapshot, by their path below it."""
    current = warehouse / "current"
    return sorted(p.relative_to(current).as_posix() for p in current.rglob("*.parquet"))


def catalog(root):
    return duckdb.connect(str(root / "warehouse" / "junheng.duckdb"), read_only=True)


def test_both_runs_succeed_and_the_second_changes_no_file(deployment):
    root, first, second, tables_after_first = deployment
    assert (first, second) == (0, 0)
    assert warehouse_files(root / "warehouse") == tables_after_first
    assert f"fct_county_indicator/survey_year={YEAR}/part.parquet" in tables_after_first
    assert (root / "warehouse" / "reports" / str(YEAR) / "index.html").exists()


@pytest.mark.parametrize("table", sorted(CONTRACT_COLUMNS))
def test_every_public_table_has_its_contract_columns_for_every_demo_year(deployment, table):
    root, *_ = deployment
    with catalog(root) as connection:
        columns = {row[0] for row in connection.execute(f"describe {table}").fetchall()}
        if "survey_year" in CONTRACT_COLUMNS[table]:
            years = connection.execute(f"select distinct survey_year from {table}").fetchall()
            assert {year for (year,) in years} >= set(range(2019, 2024)), table
    assert set(CONTRACT_COLUMNS[table]) <= columns


def test_rerun_duplicates_no_row(deployment):
    root, *_ = deployment
    with catalog(root) as connection:
        duplicates = connection.execute(
            """
            select count(*) from (
                select survey_year, county_code, stage, indicator_code, count(*) as n
                from fct_county_indicator group by all having n > 1
            )
            """
        ).fetchone()[0]
        staged = connection.execute(
            "select sum(rows_staged) from ingest_files where status = 'loaded'"
        ).fetchone()[0]
    school_survey = pd.read_parquet(root / "state" / "staging" / "school_survey")
    assert set(school_survey["survey_year"].astype(int)) == set(range(2019, 2024))
    assert duplicates == 0
    assert staged == len(school_survey)


def test_every_loaded_sheet_accounts_for_every_row(deployment):
    root, *_ = deployment
    with catalog(root) as connection:
        unbalanced = connection.execute(
            """
            select count(*) from ingest_files where status = 'loaded'
            and rows_read <> rows_staged + rows_quarantined + rows_not_data
            """
        ).fetchone()[0]
    assert unbalanced == 0


def junior_b5_cv(rows: pd.DataFrame) -> tuple[int, float]:
    """The enrollment-weighted CV of books per junior student, from staged rows."""
    weights, values = [], []
    for row in rows.itertuples(index=False):
        a, b, c = (
            row.students_primary or 0.0,
            row.students_junior or 0.0,
            row.students_senior or 0.0,
        )
        if b == 0:
            continue  # no junior part
        if row.reported_scope == "junior":
            share = 1.0
        elif row.reported_scope == "school" and row.school_type in JUNIOR_SHARE:
            share = JUNIOR_SHARE[row.school_type](a, b, c)
        else:
            continue
        weights.append(b)
        values.append(row.books * share / b)
    total = sum(weights)
    mean = sum(w * x for w, x in zip(weights, values)) / total
    spread = math.sqrt(sum(w * (x - mean) ** 2 for w, x in zip(weights, values)) / total)
    return len(values), spread / mean


def test_a_county_junior_b5_cv_matches_a_recomputation_from_staged_rows(deployment):
    root, *_ = deployment
    staged = pd.read_parquet(root / "state" / "staging" / "school_survey" / f"survey_year={YEAR}")
    staged = staged.astype(object).where(staged.notna(), None)
    junior_rows = staged[staged["students_junior"].fillna(0).astype(float) > 0]
    # A county whose junior rows all report their books, so no rule about gaps is involved.
    complete = junior_rows.groupby("county_code")["books"].apply(lambda s: s.notna().all())
    county = complete[complete].index[0]

    n_expected, cv_expected = junior_b5_cv(staged[staged["county_code"] == county])

    with catalog(root) as connection:
        n, cv = connection.execute(
            """
            select n_school_stages, cv from fct_county_indicator
            where survey_year = ? and county_code = ? and stage = 'junior' and indicator_code = 'B5'
            """,
            [YEAR, county],
        ).fetchone()
    assert n == n_expected
    assert cv == pytest.approx(cv_expected, rel=1e-9)


def test_every_county_cv_equals_a_plain_python_recomputation_from_school_stages(deployment):
    root, *_ = deployment
    with catalog(root) as connection:
        stages = connection.execute(
            "select * from fct_school_stage where survey_year = ? and in_scope", [YEAR]
        ).fetchdf()
        published = connection.execute(
            "select county_code, stage, indicator_code, cv from fct_county_indicator"
            " where survey_year = ?",
            [YEAR],
        ).fetchdf()
    assert len(published) == 15 * stages.groupby(["county_code", "stage"]).ngroups
    for row in published.itertuples(index=False):
        numerator, scale = INDICATORS[row.indicator_code]
        group = stages[(stages["county_code"] == row.county_code) & (stages["stage"] == row.stage)]
        pairs = [
            (students, scale * amount / students)
            for students, amount in zip(group["students"], group[numerator])
            if pd.notna(amount) and students > 0
        ]
        expected = weighted_cv(pairs)
        key = (row.county_code, row.stage, row.indicator_code)
        if expected is None:
            assert pd.isna(row.cv), key
        else:
            assert row.cv == pytest.approx(expected, rel=0, abs=1e-9), key


def test_every_school_stage_names_the_sheet_rows_it_comes_from(deployment):
    root, *_ = deployment
    staged = pd.read_parquet(root / "state" / "staging" / "school_survey" / f"survey_year={YEAR}")
    staged_refs = {
        f"{row.source_file} [{row.sheet}] row {row.source_row}"
        for row in staged.itertuples(index=False)
    }
    with catalog(root) as connection:
        source_rows = connection.execute(
            "select source_rows from fct_school_stage where survey_year = ?", [YEAR]
        ).fetchall()
    referenced = {ref for (rows,) in source_rows for ref in rows.split("; ")}
    assert referenced <= staged_refs
    assert len(referenced) == len(staged_refs)  # every staged row reaches a school-stage


def test_every_demo_county_has_its_report_and_gap_workbook_and_the_page_renders(deployment):
    from python_calamine import CalamineWorkbook

    from orchestration.publish.gap_workbook import GAP_SHEET
    from tests.browser import render

    root, *_ = deployment
    warehouse = root / "warehouse"
    with catalog(root) as connection:
        counties = {
            row[0]
            for row in connection.execute(
                "select distinct county_code from fct_county_assessment where survey_year = ?",
                [YEAR],
            ).fetchall()
        }
        gap_rows = dict(
            connection.execute(
                "select county_code, count(*) from fct_school_gap where survey_year = ? group by 1",
                [YEAR],
            ).fetchall()
        )
    assert counties
    for county in counties:
        assert (warehouse / "reports" / str(YEAR) / "county" / f"{county}.html").exists()
        workbook = warehouse / "exports" / str(YEAR) / f"{county}_一校一册.xlsx"
        sheet = CalamineWorkbook.from_path(str(workbook)).get_sheet_by_name(GAP_SHEET).to_python()
        assert len(sheet) - 1 == gap_rows.get(county, 0)
    assert list((warehouse / "reports" / str(YEAR) / "province").glob("*.html"))
    page = warehouse / "reports" / str(YEAR) / "county" / f"{sorted(counties)[0]}.html"
    rendered = render(page)
    assert rendered.charts and all(c.get("data-drawn") == "true" for c in rendered.charts)
    assert "data-script-errors" not in rendered.root and not rendered.console_errors


def test_the_warehouse_is_published_before_the_steps_publishing_does_not_wait_for(deployment):
    """The validation report and the checks that block nothing run after the publish
    (defs/common.PUBLISH_PATH): they used to run between dbt and the publish."""
    from dagster import DagsterInstance

    root = deployment[0]
    with deployment_environment(root), DagsterInstance.get() as instance:
        run = instance.get_runs(limit=1)[0]  # the --force run of one year
        steps = {stat.step_key: stat for stat in instance.get_run_step_stats(run.run_id)}
    published = steps["warehouse_tables"].end_time
    later = [
        "validation_report",
        "validated_school_rows_missing_base_quantities",
        "validated_school_rows_row_figures_agree",
        "validated_school_rows_school_id_conflicts",
    ]
    assert {key: steps[key].start_time >= published for key in later} == dict.fromkeys(later, True)
    # the blocking checks still come before staging, which they gate
    for check in ("row_accounting", "unique_schools"):
        assert steps[f"validated_school_rows_{check}"].end_time <= steps["staged_tables"].start_time
