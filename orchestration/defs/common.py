"""What every Junheng asset and check shares: its partitioning, its years, where it keeps
output, and how a layer's CheckOutcome becomes a Dagster AssetCheckResult."""

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetExecutionContext,
    AssetKey,
    BackfillPolicy,
    MetadataValue,
)

from orchestration.defs.partitions import survey_year_partitions

if TYPE_CHECKING:  # the layers import pandas and friends: they load when an asset runs
    from orchestration.validation.outcome import CheckOutcome

# Every asset is partitioned by survey year, and a range of years runs as one step (so
# `--partition-range 2019...2021` is one dbt invocation).
YEARLY = {
    "partitions_def": survey_year_partitions,
    "backfill_policy": BackfillPolicy.single_run(),
}
# The steps on the way to the published warehouse (reading, the blocking checks, staging,
# dbt, publishing) run before any other step that is ready at the same time: the validation
# report and the checks that block nothing come after the publish, not before it (Dagster
# runs the ready step of the highest `dagster/priority` first; the default is 0).
PUBLISH_PATH = {"op_tags": {"dagster/priority": "1"}}
# A run tagged so (`junheng run --strict`, the nightly schedule) fails when a county-year
# lost a file, after publishing what it could build (check county_years_complete).
STRICT_TAG = "junheng/strict"


def partition_years(context: AssetExecutionContext) -> list[int]:
    """The survey years of the run's partition keys (one year, or a range of a backfill), sorted."""
    return sorted(int(key) for key in context.partition_keys)


def asset_dir(state_dir: Path, asset_name: str) -> Path:
    """The state folder holding an intermediate asset's per-year Parquet."""
    return state_dir / "assets" / asset_name


def path_metadata(path: Path) -> MetadataValue:
    """A file or folder as Dagster metadata (shown as a path in the UI)."""
    return MetadataValue.path(str(path))


def outcome_check_result(
    outcomes: Sequence[tuple[int, "CheckOutcome"]],
    check_name: str | None = None,
    asset_key: AssetKey | None = None,
    reports_dir: Path | None = None,
) -> AssetCheckResult:
    """One result for the (year, outcome) pairs of a run: it fails when any outcome fails.

    With `reports_dir`, each year's metadata links the HTML report the run writes there,
    where the quarantined rows are listed in full.
    """
    from orchestration.validation.outcome import ERROR
    from orchestration.validation.report import report_page

    failed = [(year, outcome) for year, outcome in outcomes if not outcome.passed]
    severity = (
        AssetCheckSeverity.ERROR
        if any(outcome.severity == ERROR for _, outcome in failed)
        else AssetCheckSeverity.WARN
    )
    metadata = {
        "years": MetadataValue.text(", ".join(sorted({str(year) for year, _ in outcomes}))),
        "failed": MetadataValue.text(
            ", ".join(f"{year} {outcome.name}" for year, outcome in failed) or "none"
        ),
    }
    for year, outcome in outcomes:
        prefix = f"{year} {outcome.name}"
        metadata[prefix] = MetadataValue.text(outcome.description)
        if reports_dir is not None:
            metadata[f"{year} report"] = MetadataValue.path(str(report_page(reports_dir, year)))
        for key, value in outcome.metadata.items():
            metadata[f"{prefix}: {key}"] = _metadata_value(value)
    return AssetCheckResult(
        passed=not failed,
        severity=severity,
        check_name=check_name,
        asset_key=asset_key,
        description="; ".join(f"{year}: {outcome.description}" for year, outcome in failed) or None,
        metadata=metadata,
    )


def _metadata_value(value: object) -> MetadataValue:
    if isinstance(value, bool):
        return MetadataValue.bool(value)
    if isinstance(value, int):
        return MetadataValue.int(value)
    if isinstance(value, float):
        return MetadataValue.float(value)
    if isinstance(value, str):
        return MetadataValue.text(value)
    return MetadataValue.json(json.loads(json.dumps(value, default=str)))
