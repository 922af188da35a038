"""Write the staged tables: the per-year Parquet that dbt reads as its sources.

Layout: `<staging>/<table>/survey_year=<Y>/part.parquet`, one file per table and year,
replaced atomically so that dbt never reads half a year.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from contracts.staging_schema import INGEST_FILES
from orchestration.ingest.result import IngestResult, conform

# DuckDB, pyarrow and Spark all read this hive folder name as a null partition value.
NULL_PARTITION = "__HIVE_DEFAULT_PARTITION__"
PART_FILE = "part.parquet"


def partition_dir(table_dir: Path, year: int | None) -> Path:
    """The hive partition folder of a table for a survey year: <table>/survey_year=<year>/, or
    the null partition (__HIVE_DEFAULT_PARTITION__) for files without a year.
    """
    return table_dir / f"survey_year={NULL_PARTITION if year is None else year}"


def write_parquet_atomically(table: pa.Table, target: Path) -> Path:
    """Write `table` to `target` through a temporary sibling file and a rename."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
    try:
        pq.write_table(table, temporary)
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)
    return target


def write_staged_year(staging_dir: Path, year: int, result: IngestResult) -> dict[str, Path]:
    """Stage one survey year; the partition column lives in the folder name only.

    Writes `result`'s three tables (IngestResult.tables: the schemas of
    contracts/staging_schema.py) to `<staging_dir>/<table>/survey_year=<year>/` as Parquet,
    each file replaced atomically. Returns table name -> the file written.
    """
    written = {}
    for name, table in result.tables().items():
        target = partition_dir(staging_dir / name, year) / PART_FILE
        written[name] = write_parquet_atomically(table.drop(["survey_year"]), target)
    return written


def write_undated_receipts(staging_dir: Path, receipts: pd.DataFrame) -> Path:
    """Stage the receipts of files whose survey year can not be told (a null partition)."""
    table = conform(receipts, INGEST_FILES).drop(["survey_year"])
    target = partition_dir(staging_dir / "ingest_files", None) / PART_FILE
    return write_parquet_atomically(table, target)


def read_staged_year(staging_dir: Path, year: int) -> IngestResult:
    """The staged tables of one year, as the frames of an IngestResult."""
    frames = {}
    for name in ("school_survey", "quarantine", "ingest_files"):
        path = partition_dir(staging_dir / name, year) / PART_FILE
        frames[name] = pq.read_table(path).to_pandas().assign(survey_year=year)
    return IngestResult(
        school_rows=frames["school_survey"],
        quarantine=frames["quarantine"],
        ingest_files=frames["ingest_files"],
    )


def drop_vanished_years(state_dir: Path, raw_years: list[int]) -> list[int]:
    """Remove every per-year folder of the state folder (staging, intermediate assets, check
    outcomes) whose survey year is no longer in raw/: dbt builds dimensions from every
    staged year, so a year whose folder was deleted would live on in them. Returns the
    years removed; nothing when raw/ holds no year at all. (Publishing then drops them from the warehouse: orchestration/publish/warehouse.py.)
    """
    if not raw_years:  # an empty or unmounted raw folder is no reason to forget every year
        return []
    keep = {str(year) for year in raw_years}
    removed = set()
    for folder in Path(state_dir).glob("**/survey_year=*"):
        year = folder.name.split("=", 1)[1]
        if year.isdigit() and year not in keep and folder.is_dir():
            shutil.rmtree(folder, ignore_errors=True)
            removed.add(int(year))
    return sorted(removed)
