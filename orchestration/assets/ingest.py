"""Layers raw, ingest and validation: from the files of raw/ to validated school rows."""

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from dagster import AssetExecutionContext, MaterializeResult, MetadataValue, asset

from orchestration import progress
from orchestration.assets.common import YEARLY, asset_dir, partition_years, path_metadata
from orchestration.assets.raw_listing import (
    FINGERPRINTS,
    file_listing,
    files_from_listing,
    fingerprint,
)
from orchestration.checks import (
    ROW_SCHEMA_CHECK,
    outcome_check_result,
    reset_outcomes,
    save_outcome,
)
from orchestration.freshness import mark_pending
from orchestration.ingest.discover import discover_raw_files, survey_years
from orchestration.ingest.pipeline import ingest_year
from orchestration.resources import JunhengPaths
from orchestration.staging import (
    PART_FILE,
    drop_vanished_years,
    partition_dir,
    read_staged_year,
    write_parquet_atomically,
    write_staged_year,
)
from orchestration.validation.rows import validate_school_rows


def listing_path(state_dir: Path, year: int | None) -> Path:
    return partition_dir(asset_dir(state_dir, "raw_survey_files"), year) / PART_FILE


def read_listing(state_dir: Path, year: int | None) -> pd.DataFrame:
    return pq.read_table(listing_path(state_dir, year)).to_pandas()


@asset(group_name="raw", **YEARLY)
def raw_survey_files(context: AssetExecutionContext, paths: JunhengPaths) -> MaterializeResult:
    """The spreadsheets of raw/ for each survey year, with their sizes and modification times.

    Files whose year can not be told are listed apart (the null partition) so that their
    receipts still reach the warehouse.
    """
    state_dir = paths.paths.state_dir
    files = discover_raw_files(paths.paths.raw_dir)
    dropped = drop_vanished_years(state_dir, survey_years(files))
    counts, fingerprints = {}, {}
    for year in [*partition_years(context), None]:
        listing = file_listing([file for file in files if file.survey_year == year])
        write_parquet_atomically(pa.Table.from_pandas(listing), listing_path(state_dir, year))
        counts[str(year) if year else "undated"] = len(listing)
        if year is not None:
            fingerprints[str(year)] = fingerprint(listing)
    # The digests the run's years are built from: pending until they are published.
    mark_pending(state_dir, files, partition_years(context))
    return MaterializeResult(
        metadata={
            "files_by_year": MetadataValue.json(counts),
            FINGERPRINTS: MetadataValue.json(fingerprints),
            "raw_dir": path_metadata(paths.paths.raw_dir),
            "years_dropped": MetadataValue.json(dropped),
        }
    )


@asset(group_name="ingest", deps=[raw_survey_files], **YEARLY)
def parsed_school_rows(context: AssetExecutionContext, paths: JunhengPaths) -> MaterializeResult:
    """Every school row read from the year's sheets, with the receipt of every row and sheet."""
    state_dir = paths.paths.state_dir
    output = asset_dir(state_dir, "parsed_school_rows")
    summary = {}
    for year in partition_years(context):
        with progress.step("read", year) as step:
            files = files_from_listing(read_listing(state_dir, year))
            result = ingest_year(paths.paths.raw_dir, year, files)
            write_staged_year(output, year, result)
            summary[str(year)] = result_counts(result)
            step.add(files_read=len(files), rows=len(result.school_rows),
                     quarantined=len(result.quarantine))  # fmt: skip
    return MaterializeResult(
        metadata={"rows_by_year": MetadataValue.json(summary), "path": path_metadata(output)}
    )


@asset(
    group_name="validation",
    deps=[parsed_school_rows],
    check_specs=[ROW_SCHEMA_CHECK],
    **YEARLY,
)
def validated_school_rows(context: AssetExecutionContext, paths: JunhengPaths) -> MaterializeResult:
    """The parsed rows that pass the row schema; the others move to the quarantine."""
    state_dir = paths.paths.state_dir
    output = asset_dir(state_dir, "validated_school_rows")
    summary, outcomes = {}, []
    for year in partition_years(context):
        with progress.step("validate", year) as step:
            parsed = read_staged_year(asset_dir(state_dir, "parsed_school_rows"), year)
            result, outcome = validate_school_rows(parsed)
            step.add(rows=len(result.school_rows), quarantined=len(result.quarantine))
        write_staged_year(output, year, result)
        reset_outcomes(state_dir, year)
        save_outcome(state_dir, year, outcome)
        outcomes.append((year, outcome))
        summary[str(year)] = result_counts(result)
    return MaterializeResult(
        metadata={"rows_by_year": MetadataValue.json(summary), "path": path_metadata(output)},
        check_results=[
            outcome_check_result(
                outcomes, check_name=ROW_SCHEMA_CHECK.name, reports_dir=paths.paths.reports_dir
            )
        ],
    )


def result_counts(result) -> dict[str, int]:
    return {
        "school_rows": len(result.school_rows),
        "quarantined": len(result.quarantine),
        "sheets": len(result.ingest_files),
    }


ingest_assets = [raw_survey_files, parsed_school_rows, validated_school_rows]
