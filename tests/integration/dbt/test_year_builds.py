"""A build of the latest survey year alone (what a run does when only that year's files
changed) publishes, for that year, exactly the rows of a build of every year, while its
per-year intermediate models compute only that year and the one before."""

from __future__ import annotations

import json

import duckdb
import pytest

from tests.integration.dbt.conftest import DbtBuild, build_staged, invoke_dbt
from tests.integration.dbt.staged_fixture import YEARS

LAST = YEARS[-1]


@pytest.fixture(scope="module")
def last_year_build(tmp_path_factory: pytest.TempPathFactory) -> DbtBuild:
    years = json.dumps({"survey_years": [LAST]})
    return build_staged(
        tmp_path_factory, "last_year", "--vars", years, "--exclude-resource-type", "unit_test"
    )


def test_a_one_year_build_passes_its_tests(dbt_build: DbtBuild, last_year_build: DbtBuild) -> None:
    """No test fails; those that warn are those that warn in the full build."""

    def not_passed(build: DbtBuild) -> dict[str, str]:
        passed = ("pass", "success")
        return {r.node.name: r.status for r in build.result.result if r.status not in passed}

    unit_tests = {
        r.node.name for r in dbt_build.result.result if r.node.resource_type == "unit_test"
    }
    full = {
        name: status for name, status in not_passed(dbt_build).items() if name not in unit_tests
    }
    assert last_year_build.result.success
    assert not_passed(last_year_build) == full
    assert set(full.values()) <= {"warn"}


def model_years(build: DbtBuild, model: str) -> list[int]:
    """The survey years of a model in `build`'s database, asked through dbt (this process's
    dbt holds the database open)."""
    query = f"select distinct survey_year from {{{{ ref('{model}') }}}} order by 1"
    shown = invoke_dbt(
        "show",
        "--inline",
        query,
        "--limit",
        "100",
        state_dir=build.state_dir,
        work_dir=build.work_dir,
    )
    assert shown.success, model
    return [int(row[0]) for row in shown.result.results[0].agate_table.rows]


def test_a_one_year_build_computes_that_year_and_the_one_before(last_year_build: DbtBuild) -> None:
    for model in ("int_school_stages", "int_school_indicators", "int_county_assessments"):
        assert model_years(last_year_build, model) == [LAST - 1, LAST], model
    # School versions run over every staged year.
    assert model_years(last_year_build, "int_school_years") == list(YEARS)


def test_a_one_year_build_gives_the_full_builds_rows_of_that_year(
    dbt_build: DbtBuild, last_year_build: DbtBuild
) -> None:
    marts = sorted(path.name for path in dbt_build.marts_dir.glob("*.parquet"))
    assert "fct_region_rollup.parquet" in marts and "fct_school_indicator.parquet" in marts
    con = duckdb.connect()
    for mart in marts:
        full = f"read_parquet('{dbt_build.marts_dir / mart}')"
        one = f"read_parquet('{last_year_build.marts_dir / mart}')"
        columns = [row[0] for row in con.execute(f"describe select * from {full}").fetchall()]
        if "survey_year" in columns:  # facts: that year (and undated receipts)
            full = f"(select * from {full} where coalesce(survey_year, {LAST}) = {LAST})"
        expected = con.execute(f"select count(*) from {full}").fetchone()[0]
        assert expected > 0, mart
        for left, right in ((full, one), (one, full)):
            extra = con.execute(f"select count(*) from (from {left} except all from {right})")
            assert extra.fetchone()[0] == 0, mart
