"""Layer ingest as assets: the files of raw/ (group raw) and the rows read from them (group
ingest). Logic: orchestration/ingest/. The layer's modules load when an asset runs, not
when the code location loads (docs/performance.md#startup)."""

from pathlib import Path
from typing import TYPE_CHECKING

from dagster import AssetExecutionContext, MaterializeResult, MetadataValue, asset

from orchestration import progress
from orchestration.defs.common import (
    PUBLISH_PATH,
    YEARLY,
    asset_dir,
    partition_years,
    path_metadata,
)
from orchestration.defs.resources import JunhengPaths

if TYPE_CHECKING:
    import pandas as pd


def listing_path(state_dir: Path, year: int | None) -> Path:
    """Where raw_survey_files keeps the listing of a survey year (None: files without a year):
    <state>/assets/raw_survey_files/survey_year=<year>/ as Parquet.
    """
    from orchestration.staging.tables import PART_FILE, partition_dir

    return partition_dir(asset_dir(state_dir, "raw_survey_files"), year) / PART_FILE


def read_listing(state_dir: Path, year: int | None) -> "pd.DataFrame":
    """The listing raw_survey_files wrote for a year: one row per raw file (RawFile's fields).

    Raises FileNotFoundError when that year's listing was not materialized.
    """
    import pyarrow.parquet as pq

    return pq.read_table(listing_path(state_dir, year)).to_pandas()


@asset(group_name="raw", **YEARLY, **PUBLISH_PATH)
def raw_survey_files(context: AssetExecutionContext, paths: JunhengPaths) -> MaterializeResult:
    """The spreadsheets of raw/ for each survey year, with their sizes and modification times.

    Files whose year can not be told are listed apart (the null partition) so that their
    receipts still reach the warehouse.
    """
    import pyarrow as pa

    from orchestration.freshness import mark_pending
    from orchestration.ingest.discover import discover_raw_files, survey_years
    from orchestration.ingest.raw_listing import FINGERPRINTS, file_listing, fingerprint
    from orchestration.staging.tables import drop_vanished_years, write_parquet_atomically

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


@asset(group_name="ingest", deps=[raw_survey_files], **YEARLY, **PUBLISH_PATH)
def parsed_school_rows(context: AssetExecutionContext, paths: JunhengPaths) -> MaterializeResult:
    """Every school row read from the year's sheets, with the receipt of every row and sheet."""
    from orchestration.ingest.isolation import in_own_process
    from orchestration.ingest.pipeline import ingest_year_to
    from orchestration.ingest.raw_listing import files_from_listing

    state_dir = paths.paths.state_dir
    output = asset_dir(state_dir, "parsed_school_rows")
    summary = {}
    for year in partition_years(context):
        with progress.step("read", year) as step:
            files = files_from_listing(read_listing(state_dir, year))
            # A process of the year's own, ended with it: the run's process never holds a
            # year's rows, so its memory does not grow with the years of a backfill.
            counts = in_own_process(
                ingest_year_to, output, paths.paths.raw_dir, year, files,
                what=f"reading survey year {year} (its files are read again by the next run)",
            )  # fmt: skip
            summary[str(year)] = counts
            step.add(files_read=len(files), rows=counts["school_rows"],
                     quarantined=counts["quarantined"])  # fmt: skip
    return MaterializeResult(
        metadata={"rows_by_year": MetadataValue.json(summary), "path": path_metadata(output)}
    )


ingest_assets = [raw_survey_files, parsed_school_rows]
