"""Layer dbt as assets: the dbt project, one `dbt build` per run for the run's survey years,
grouped by the folder of the project each model comes from (staging, intermediate, marts).

The manifest is read, and the assets are built from it, when the definitions are built
(`build_dbt_assets`), never when this module is imported: importing it costs no manifest.
"""

import functools
import json
from collections.abc import Mapping, Sequence
from pathlib import PurePosixPath
from typing import Any

from dagster import AssetExecutionContext, AssetKey, AssetsDefinition, AssetSpec
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets

from orchestration import progress
from orchestration.dbt_ahead import build_vars, wait_for_parse
from orchestration.defs.common import PUBLISH_PATH, YEARLY, partition_years
from orchestration.defs.resources import (
    JunhengPaths,
    dbt_environment,
    dbt_project,
    environment,
    prepare_dbt_manifest,
)
from orchestration.settings import Paths

# Only dbt opens its build database (DuckDB is single-writer): its runs share a pool of one.
DBT_POOL = "duckdb_build"
PUBLIC_TAG = "public"
CONTRACTS_SOURCE = "contracts"


class JunhengDbtTranslator(DagsterDbtTranslator):
    """How dbt nodes appear in Dagster: each model, source and test in the asset group of the
    dbt folder it comes from (staging, intermediate, marts)."""

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        """The folder below models/ a model comes from: staging, intermediate or marts."""
        folder = PurePosixPath(dbt_resource_props["original_file_path"]).parts
        return folder[1] if len(folder) > 2 and folder[0] == "models" else None


def dbt_build_args(years: Sequence[int]) -> list[str]:
    """`dbt build` restricted to `years`: facts keep those years, dimensions take all.

    Unit tests check the SQL against fixed inputs, not the data: as dbt advises, they run
    in CI (tests/integration/dbt), not in production builds. Data tests run and gate the publish.
    """
    return [
        "build",
        "--vars",
        build_vars(years),
        "--exclude-resource-type",
        "unit_test",
    ]


def public_models(manifest: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The models tagged `public`: the tables of the warehouse contract."""
    return [
        node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and PUBLIC_TAG in node.get("tags", [])
    ]


@functools.cache
def dbt_manifest() -> Mapping[str, Any]:
    """dbt's manifest, read once per process (`junheng dbt-parse` writes it).

    Under `dagster dev` the project is parsed again first, so that edits show up on reload.
    """
    prepare_dbt_manifest(Paths.from_env(), only_under_dagster_dev=True)
    return json.loads(dbt_project.manifest_path.read_text())


def build_dbt_assets() -> list[AssetsDefinition | AssetSpec]:
    """The dbt models as one multi-asset, and the contracts dbt reads as observed specs."""

    @dbt_assets(
        manifest=dbt_manifest(),
        project=dbt_project,
        dagster_dbt_translator=JunhengDbtTranslator(),
        pool=DBT_POOL,
        **YEARLY,
        **PUBLISH_PATH,
    )
    def junheng_dbt_models(
        context: AssetExecutionContext, dbt: DbtCliResource, paths: JunhengPaths
    ):
        target_path = paths.paths.dbt_dir / "target"
        # dbt-duckdb writes external models into this folder but does not create it.
        (paths.paths.dbt_dir / "marts").mkdir(parents=True, exist_ok=True)
        years = partition_years(context)
        span = f"{years[0]}" + (f"-{years[-1]}" if years[-1] != years[0] else "")
        with environment(dbt_environment(paths.paths)), progress.step(f"dbt build {span}"):
            # `junheng run` parsed the project for these years ahead (orchestration/dbt_ahead.py)
            wait_for_parse(target_path)
            invocation = dbt.cli(dbt_build_args(years), context=context, target_path=target_path)
            yield from invocation.stream()

    return [junheng_dbt_models, *contract_source_specs()]


def public_model_keys() -> list[AssetKey]:
    """The asset keys of the public models, which the publish step reads."""
    translator = JunhengDbtTranslator()
    return [translator.get_asset_key(node) for node in public_models(dbt_manifest())]


def contract_source_specs() -> list[AssetSpec]:
    """The reference data of contracts/ that dbt reads as sources, shown as their own group.

    They change by a commit, not by a run, so Dagster observes them but never materializes them.
    """
    translator = JunhengDbtTranslator()
    return [
        AssetSpec(
            translator.get_asset_key(source),
            group_name="contracts",
            description=source.get("description") or None,
        )
        for source in dbt_manifest()["sources"].values()
        if source["source_name"] == CONTRACTS_SOURCE
    ]
