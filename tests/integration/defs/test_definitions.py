"""The code location loads and holds the graph, checks, schedule and sensor it promises."""

import json
import subprocess
import sys

from dagster import AssetKey
from dagster._core.definitions.backfill_policy import BackfillPolicyType

from orchestration.definitions import build_definitions
from orchestration.defs.dbt import dbt_build_args, public_models
from orchestration.defs.partitions import survey_year_partitions
from orchestration.defs.resources import dbt_project

PYTHON_ASSETS = [
    "raw_survey_files",
    "parsed_school_rows",
    "validated_school_rows",
    "warehouse_tables",
    "validation_report",
    "bureau_reports",
]
defs = build_definitions()
STAGED = [AssetKey(["staging", name]) for name in ("school_survey", "quarantine", "ingest_files")]


IMPORT_ONLY = """
import sys
opened = []
sys.addaudithook(lambda event, args: event == "open" and opened.append(str(args[0])))
import orchestration.definitions as location
print(type(location.defs).__name__)
print([path for path in opened if path.endswith("manifest.json")])
print(sorted(name for name in sys.modules if name.startswith(("orchestration.defs", "dagster_dbt"))))
"""


def test_importing_the_code_location_reads_no_manifest_and_builds_nothing():
    completed = subprocess.run(
        [sys.executable, "-c", IMPORT_ONLY], capture_output=True, text=True, check=True
    )
    kind, manifests, modules = completed.stdout.splitlines()
    assert kind == "LazyDefinitions"  # Dagster calls it when it loads the location
    assert manifests == "[]"
    assert modules == "[]"


def test_dagster_validates_the_code_location():
    dagster = [sys.executable, "-m", "dagster", "definitions", "validate"]
    completed = subprocess.run(
        [*dagster, "-m", "orchestration.definitions"], capture_output=True, text=True
    )
    assert completed.returncode == 0, completed.stderr[-2000:]


def test_every_asset_is_a_survey_year_partition_built_in_one_run_per_range():
    graph = defs.resolve_asset_graph()
    keys = [AssetKey(name) for name in PYTHON_ASSETS] + STAGED
    assert set(keys) <= graph.get_all_asset_keys()
    for key in graph.materializable_asset_keys:
        node = graph.get(key)
        assert node.partitions_def == survey_year_partitions, key
        assert node.backfill_policy.policy_type == BackfillPolicyType.SINGLE_RUN, key


def test_staged_tables_are_the_dbt_sources_and_the_publish_reads_every_public_model():
    graph = defs.resolve_asset_graph()
    manifest = json.loads(dbt_project.manifest_path.read_text())
    public = {AssetKey(node["name"]) for node in public_models(manifest)}
    assert public, "the dbt project has public models"
    assert graph.get(AssetKey("warehouse_tables")).parent_keys == public
    for staged in STAGED:
        children = graph.get(staged).child_keys
        assert any(graph.get(child).group_name == "staging" for child in children), staged


def test_a_year_is_marked_built_only_after_its_publish_and_its_validation_report():
    """bureau_reports marks the run's years built (freshness.mark_built): it must come after
    the validation report, which runs after the publish, so that a report that failed is
    written again by the next run instead of being skipped as done (tester finding K2)."""
    graph = defs.resolve_asset_graph()
    parents = graph.get(AssetKey("bureau_reports")).parent_keys
    assert parents == {AssetKey("warehouse_tables"), AssetKey("validation_report")}


def test_validation_checks_guard_their_assets_and_dbt_tests_become_checks():
    graph = defs.resolve_asset_graph()
    checks = {
        (key.asset_key.to_user_string(), key.name): graph.get(key) for key in graph.asset_check_keys
    }
    assert checks[("validated_school_rows", "row_accounting")].blocking
    assert checks[("validated_school_rows", "unique_schools")].blocking
    assert ("validated_school_rows", "row_schema") in checks
    assert ("staging/school_survey", "dataset_expectations") in checks
    # Runs after publishing; never blocking, so the reports of the counties read are built
    # (a strict run's exit status is the CLI's).
    assert not checks[("warehouse_tables", "county_years_complete")].blocking
    assert any(asset.startswith(("dim_", "fct_")) for asset, _ in checks)
    # Every dbt data test is a check on a model, singular tests with several inputs included.
    manifest = json.loads(dbt_project.manifest_path.read_text())
    tests = {node["name"] for node in manifest["nodes"].values() if node["resource_type"] == "test"}
    assert tests <= {name for _, name in checks}


def test_schedule_sensor_and_job_are_registered():
    assert defs.resolve_schedule_def("nightly_refresh").job_name == "refresh_warehouse"
    assert defs.resolve_sensor_def("raw_files_sensor").job_name == "refresh_warehouse"


def test_dbt_build_gets_the_years_as_a_var():
    args = dbt_build_args([2021, 2019])
    assert args[:3] == ["build", "--vars", '{"survey_years": [2019, 2021]}']


def test_every_asset_sits_in_a_named_layer_group():
    graph = defs.resolve_asset_graph()
    groups = {graph.get(key).group_name for key in graph.get_all_asset_keys()}
    assert groups == {
        "contracts",
        "raw",
        "ingest",
        "validation",
        "staging",
        "intermediate",
        "marts",
        "warehouse",
    }


def test_dbt_models_sit_in_the_group_of_their_folder():
    graph = defs.resolve_asset_graph()
    manifest = json.loads(dbt_project.manifest_path.read_text())
    models = [node for node in manifest["nodes"].values() if node["resource_type"] == "model"]
    assert {node["original_file_path"].split("/")[1] for node in models} == {
        "staging",
        "intermediate",
        "marts",
    }
    for node in models:
        folder = node["original_file_path"].split("/")[1]
        assert graph.get(AssetKey(node["name"])).group_name == folder, node["name"]


def test_the_build_finds_the_parse_started_ahead_for_its_years(tmp_path):
    """`junheng run` parses the project for its years ahead (orchestration/dbt_ahead.py):
    dbt, invoked with the build's vars on the same state folder, reuses that parse."""
    import os

    from orchestration.dbt_ahead import (
        DBT_EXECUTABLE,
        dbt_environment,
        parse_ahead,
        target_dir,
        wait_for_parse,
    )
    from orchestration.settings import DBT_PROJECT_DIR, Paths

    paths = Paths(tmp_path / "raw", tmp_path / "warehouse", tmp_path / "state")
    with parse_ahead(paths, [2023, 2021]):
        assert wait_for_parse(paths.dbt_dir / "target") == 0
    assert wait_for_parse(paths.dbt_dir / "target") is None  # forgotten after the block
    target = target_dir(paths)
    assert (target / "partial_parse.msgpack").exists()
    variables = {**dbt_environment(paths), "DBT_TARGET_PATH": str(target)}
    done = subprocess.run(
        [DBT_EXECUTABLE, "--log-level", "debug", "parse", *dbt_build_args([2021, 2023])[1:3]],
        cwd=DBT_PROJECT_DIR,
        env={**os.environ, **variables, "DBT_LOG_PATH": str(tmp_path)},
        capture_output=True,
        text=True,
        check=True,
    )
    assert "Unable to do partial parsing" not in done.stdout
    assert "Partial parsing enabled" in done.stdout


def test_the_dbt_resource_knows_the_version_of_this_pythons_dbt_without_starting_it(
    monkeypatch,
):
    """dagster-dbt ran `dbt --version` (a whole start-up of dbt) before each dbt command."""
    from importlib import metadata

    import dagster_dbt.core.resource as dagster_dbt_resource

    from orchestration.defs.resources import dbt_cli

    def no_process(*args, **kwargs):
        raise AssertionError(f"started {args}")

    monkeypatch.setattr(dagster_dbt_resource, "check_output", no_process)
    assert str(dbt_cli()._cli_version) == metadata.version("dbt-core")


def test_the_dbt_resource_builds_no_dbt_adapter_in_the_runs_process(monkeypatch, tmp_path):
    """dagster-dbt loaded dbt's profile, project and DuckDB adapter in the run's process
    before each dbt command (about 1.8 CPU-s), only for metadata Junheng never fetches."""
    import dagster_dbt.core.resource as dagster_dbt_resource

    from orchestration.defs.resources import dbt_cli

    loaded = []
    # dagster-dbt would catch an exception raised here, so the call is recorded instead
    monkeypatch.setattr("dbt.config.runtime.load_profile", lambda *args: loaded.append(args))
    started = {}

    def run(**kwargs):
        started.update(kwargs)
        return "invocation"

    monkeypatch.setattr(dagster_dbt_resource.DbtCliInvocation, "run", run)
    assert dbt_cli().cli(["ls"], target_path=tmp_path) == "invocation"
    assert started["adapter"] is None
    assert started["args"][1:] == ["ls"]
    assert loaded == []
