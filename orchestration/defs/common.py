"""What every Junheng asset shares: its partitioning, its years and where it keeps output."""

from __future__ import annotations

from pathlib import Path

from dagster import AssetExecutionContext, BackfillPolicy, MetadataValue

from orchestration.defs.partitions import survey_year_partitions

# Every asset is partitioned by survey year, and a range of years runs as one step (so
# `--partition-range 2019...2021` is one dbt invocation).
YEARLY = {
    "partitions_def": survey_year_partitions,
    "backfill_policy": BackfillPolicy.single_run(),
}


def partition_years(context: AssetExecutionContext) -> list[int]:
    return sorted(int(key) for key in context.partition_keys)


def asset_dir(state_dir: Path, asset_name: str) -> Path:
    """The state folder holding an intermediate asset's per-year Parquet."""
    return state_dir / "assets" / asset_name


def path_metadata(path: Path) -> MetadataValue:
    return MetadataValue.path(str(path))
