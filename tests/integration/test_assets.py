"""The Python assets and their checks on one demo year, without dbt."""

import pandas as pd
import pytest
from dagster import AssetKey, instance_for_test, materialize

from orchestration.defs.ingest import ingest_assets
from orchestration.defs.partitions import sync_year_partitions
from orchestration.defs.resources import JunhengPaths
from orchestration.defs.staging import staging_assets
from orchestration.defs.validation import validation_assets, validation_checks
from orchestration.demo import generate_demo_province
from orchestration.ingest.discover import discover_raw_files, survey_years
from orchestration.staging.tables import read_staged_year
from orchestration.validation.coverage import row_warnings
from orchestration.validation.outcome import CheckOutcome, load_outcomes

YEAR = 2019


@pytest.fixture(scope="module")
def raw_dir(tmp_path_factory):
    raw = tmp_path_factory.mktemp("raw")
    generate_demo_province(raw)
    return raw


def run_python_layers(raw_dir, tmp_path):
    paths = JunhengPaths(
        raw_dir=str(raw_dir),
        warehouse_dir=str(tmp_path / "warehouse"),
        state_dir=str(tmp_path / "state"),
    )
    with instance_for_test() as instance:
        sync_year_partitions(instance, survey_years(discover_raw_files(raw_dir)))
        result = materialize(
            [*ingest_assets, *validation_assets, *staging_assets, *validation_checks],
            partition_key=str(YEAR),
            instance=instance,
            resources={"paths": paths},
            raise_on_error=False,
        )
    return paths.paths, result


def test_the_python_layers_stage_every_parsed_row_with_its_receipt(raw_dir, tmp_path):
    paths, result = run_python_layers(raw_dir, tmp_path)
    assert result.success

    staged = read_staged_year(paths.staging_dir, YEAR)
    parsed = read_staged_year(paths.state_dir / "assets" / "parsed_school_rows", YEAR)
    # Validation only moves rows: every parsed row is staged or quarantined.
    assert len(staged.school_rows) + len(staged.quarantine) == len(parsed.school_rows) + len(
        parsed.quarantine
    )
    loaded = staged.ingest_files[staged.ingest_files["status"] == "loaded"]
    assert loaded["rows_staged"].sum() == len(staged.school_rows)
    undated_dir = paths.staging_dir / "ingest_files" / "survey_year=__HIVE_DEFAULT_PARTITION__"
    undated = pd.read_parquet(undated_dir)
    assert (undated["status"] != "loaded").all()

    checks = {e.asset_check_key.name: e.passed for e in result.get_asset_check_evaluations()}
    assert {"row_schema", "row_accounting", "unique_schools", "dataset_expectations"} <= set(checks)
    assert checks["row_accounting"] and checks["unique_schools"]
    # the demo's sheets give every base quantity, and no total differs from its grades; the
    # only row warnings are its statistics exports' complete middle and twelve-year rows,
    # whose resources may hold the senior part (docs/ingest.md, includes_senior_part)
    assert checks["missing_base_quantities"]
    warnings = [w["warning"] for w in row_warnings(staged.ingest_files)]
    assert not checks["row_figures_agree"] and warnings
    assert all("no senior enrollment" in warning for warning in warnings), warnings
    recorded = {outcome.name for outcome in load_outcomes(paths.state_dir, YEAR)}
    assert {"row_accounting", "unique_schools"} <= recorded

    metadata = result.asset_materializations_for_node("staged_tables")
    rows = {m.asset_key: m.metadata["rows_by_year"].value for m in metadata}
    assert rows[AssetKey(["staging", "school_survey"])][str(YEAR)] == len(staged.school_rows)


def test_a_failing_blocking_check_stops_staging(raw_dir, tmp_path, monkeypatch):
    def duplicated(school_rows):
        return CheckOutcome(
            "school_ids_unique", False, "ERROR", "two rows for one school", {"duplicates": 2}
        )

    monkeypatch.setattr("orchestration.validation.rows.check_unique_schools", duplicated)
    paths, result = run_python_layers(raw_dir, tmp_path)

    assert not result.success
    evaluations = {e.asset_check_key.name: e for e in result.get_asset_check_evaluations()}
    failed = evaluations["unique_schools"]
    assert not failed.passed
    assert failed.metadata[f"{YEAR} school_ids_unique: duplicates"].value == 2
    assert not (paths.staging_dir / "school_survey").exists()
    report = (paths.reports_dir / str(YEAR) / "index.html").read_text(encoding="utf-8")
    assert "school_ids_unique" in report and "two rows for one school" in report


def test_each_year_is_read_in_a_process_of_its_own(raw_dir, tmp_path, monkeypatch):
    # The run's process must not hold a year's rows (docs/performance.md, "Memory"): the
    # reading of each year goes through isolation.in_own_process.
    from orchestration.ingest import isolation
    from orchestration.ingest.pipeline import ingest_year_to

    calls = []
    own_process = isolation.in_own_process

    def recorded(function, *args, **options):
        calls.append((function, args[2]))
        return own_process(function, *args, **options)

    monkeypatch.setattr(isolation, "in_own_process", recorded)
    paths, result = run_python_layers(raw_dir, tmp_path)
    assert result.success
    assert calls == [(ingest_year_to, YEAR)]
    parsed = read_staged_year(paths.state_dir / "assets" / "parsed_school_rows", YEAR)
    assert len(parsed.school_rows) > 0
