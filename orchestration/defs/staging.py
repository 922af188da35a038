"""Layer staging as assets: the tables dbt reads as its sources, one Parquet file per table
and year, and the great-expectations check over them. Logic: orchestration/staging/ and
orchestration/validation/datasets.py."""

from pathlib import Path
from typing import TYPE_CHECKING

from dagster import (
    AssetCheckSpec,
    AssetExecutionContext,
    AssetKey,
    AssetSpec,
    MaterializeResult,
    MetadataValue,
    multi_asset,
)

from contracts.staging_schema import STAGED_TABLES
from orchestration import progress
from orchestration.defs.common import (
    PUBLISH_PATH,
    YEARLY,
    asset_dir,
    outcome_check_result,
    partition_years,
    path_metadata,
)
from orchestration.defs.ingest import read_listing
from orchestration.defs.resources import JunhengPaths
from orchestration.defs.validation import release_validated_year, validated_school_rows

if TYPE_CHECKING:
    import pandas as pd

# The keys dagster-dbt gives the dbt sources of `staging`, so the lineage joins up.
STAGED_KEYS = {name: AssetKey(["staging", name]) for name in STAGED_TABLES}

DATASET_EXPECTATIONS_CHECK = AssetCheckSpec(
    "dataset_expectations",
    asset=STAGED_KEYS["school_survey"],
    description="The great-expectations suites over a staged year (and its change from the last).",
)


def previous_school_rows(staging_dir: Path, year: int) -> "pd.DataFrame | None":
    """The staged school rows of the year before, when that year is staged."""
    from orchestration.staging.tables import partition_dir, read_staged_year

    if not partition_dir(staging_dir / "school_survey", year - 1).exists():
        return None
    return read_staged_year(staging_dir, year - 1).school_rows


@multi_asset(
    specs=[
        AssetSpec(key, group_name="staging", deps=[validated_school_rows])
        for key in STAGED_KEYS.values()
    ],
    check_specs=[DATASET_EXPECTATIONS_CHECK],
    **YEARLY,
    **PUBLISH_PATH,
)
def staged_tables(context: AssetExecutionContext, paths: JunhengPaths):
    """Publish the validated rows of each year to the staging folder dbt reads.

    The receipts of files whose year can not be told are re-staged on every run (the null
    partition of ingest_files), so that they reach the warehouse whichever year runs.
    """
    from orchestration.ingest.pipeline import undated_file_receipts
    from orchestration.ingest.raw_listing import files_from_listing
    from orchestration.staging.tables import (
        read_staged_year,
        write_staged_year,
        write_undated_receipts,
    )
    from orchestration.validation.datasets import run_dataset_suites
    from orchestration.validation.outcome import save_outcome

    release_validated_year()
    state_dir, staging_dir = paths.paths.state_dir, paths.paths.staging_dir
    rows: dict[str, dict[str, int]] = {name: {} for name in STAGED_KEYS}
    outcomes = []
    for year in partition_years(context):
        with progress.step("stage and check", year) as step:
            result = read_staged_year(asset_dir(state_dir, "validated_school_rows"), year)
            write_staged_year(staging_dir, year, result)
            for name, table in result.tables().items():
                rows[name][str(year)] = table.num_rows
            previous = previous_school_rows(staging_dir, year)
            for outcome in run_dataset_suites(
                result, previous, paths.paths.reports_dir / str(year) / "data_docs"
            ):
                save_outcome(state_dir, year, outcome)
                outcomes.append((year, outcome))
            step.add(rows=len(result.school_rows))

    undated = undated_file_receipts(files_from_listing(read_listing(state_dir, None)))
    write_undated_receipts(staging_dir, undated)
    rows["ingest_files"]["undated"] = len(undated)

    for name, key in STAGED_KEYS.items():
        yield MaterializeResult(
            asset_key=key,
            metadata={
                "rows_by_year": MetadataValue.json(rows[name]),
                "path": path_metadata(staging_dir / name),
            },
        )
    yield outcome_check_result(
        outcomes,
        check_name=DATASET_EXPECTATIONS_CHECK.name,
        asset_key=DATASET_EXPECTATIONS_CHECK.asset_key,
        reports_dir=paths.paths.reports_dir,
    )


staging_assets = [staged_tables]
