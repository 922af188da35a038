"""Ingesting one survey year: every file of raw/ of that year, read, deduplicated, receipted."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path, PurePosixPath

import pandas as pd

from contracts.staging_schema import INGEST_FILES, QUARANTINE, SCHOOL_SURVEY
from orchestration.ingest.dedupe import split_duplicates
from orchestration.ingest.demo_files import demo_files, is_demo_file
from orchestration.ingest.discover import RawFile, discover_raw_files
from orchestration.ingest.isolation import read_files
from orchestration.ingest.parents import link_parent_keys
from orchestration.ingest.reader import FileReading, file_receipt, file_sha256
from orchestration.ingest.result import IngestResult


def _frame(rows: list[dict], columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(rows).reindex(columns=columns)


def _file_receipt(raw: RawFile) -> dict:
    # Never through a link (it may lead out of raw/), nor of a file that vanished.
    readable = raw.path.is_file() and not raw.path.is_symlink()
    return file_receipt(raw, file_sha256(raw) if readable else None)


def ingest_year(raw_dir: Path, year: int, files: list[RawFile] | None = None) -> IngestResult:
    """Read every file of `year`; ingest_files also lists that year's skipped/rejected files."""
    files = discover_raw_files(raw_dir) if files is None else files
    reading = FileReading()
    year_files = [raw for raw in files if raw.survey_year == year]
    # Each file is read in a worker process of its own, with limits (ingest/isolation.py):
    # a file that crashes the reader or raises is rejected with a receipt, the others load.
    to_read = [raw for raw in year_files if raw.status is None]
    readings = iter(read_files(to_read))
    for raw in year_files:
        if raw.status is not None:
            reading.receipts.append(_file_receipt(raw))
            continue
        file_reading = next(readings)
        reading.receipts += file_reading.receipts
        reading.school_rows += file_reading.school_rows
        reading.quarantine += file_reading.quarantine

    school_rows = _frame(reading.school_rows, [*SCHOOL_SURVEY.names, "raw_values"])
    school_rows, duplicates = split_duplicates(school_rows)
    receipts = _frame(reading.receipts, INGEST_FILES.names)
    if not duplicates.empty:
        moved = duplicates.groupby(["source_file", "sheet"]).size()
        index = pd.MultiIndex.from_frame(receipts[["source_file", "sheet"]])
        shift = moved.reindex(index).fillna(0).to_numpy()
        receipts["rows_staged"] = receipts["rows_staged"] - shift
        receipts["rows_quarantined"] = receipts["rows_quarantined"] + shift
    quarantine = pd.concat(
        [
            _frame(reading.quarantine, QUARANTINE.names),
            duplicates.reindex(columns=QUARANTINE.names),
        ],
        ignore_index=True,
    )
    counties_read = {*school_rows["county_code"], *quarantine["county_code"]}
    counties_read |= set(receipts.loc[receipts["status"] == "loaded", "county_code"])
    return IngestResult(
        school_rows=link_parent_keys(school_rows[SCHOOL_SURVEY.names]),
        quarantine=quarantine,
        ingest_files=mark_receipts(receipts, raw_dir, counties_read),
    )


def mark_receipts(receipts: pd.DataFrame, raw_dir: Path, counties_read: set) -> pd.DataFrame:
    """Set `county_incomplete` and `is_demo` on receipts (ingest_files rows).

    A file is lost to its county-year (`county_incomplete`) when it was rejected as a
    whole, or skipped (not a spreadsheet) in a county of which nothing was read that year:
    either way figures the county sent are missing. A file naming two years (a comparison
    file, `year_conflict`) is rejected on purpose and loses nothing; a lock file neither.
    `counties_read`: the county_codes of the year's loaded rows and sheets.
    """
    whole_file = receipts["sheet"].isna()
    rejected = receipts["status"].eq("rejected") & ~receipts["reason_code"].eq("year_conflict")
    unread_county = (
        receipts["status"].eq("skipped")
        & ~receipts["reason_code"].eq("lock_file")
        & receipts["county_code"].notna()
        & ~receipts["county_code"].isin(counties_read)
    )
    demo = demo_files(raw_dir)
    return receipts.assign(
        county_incomplete=(whole_file & (rejected | unread_county)).astype(bool),
        is_demo=[
            is_demo_file(demo, source_file, sha)
            for source_file, sha in zip(receipts["source_file"], receipts["file_sha256"])
        ],
    )


def undated_file_receipts(files: Iterable[RawFile]) -> pd.DataFrame:
    """ingest_files rows (survey_year null) for files whose year is unknown or conflicting."""
    undated = [raw for raw in files if raw.survey_year is None]
    receipts = _frame([_file_receipt(raw) for raw in undated], INGEST_FILES.names)
    if not undated:
        return receipts
    # The raw folder is the file's path less its source_file parts.
    raw_dir = undated[0].path.parents[len(PurePosixPath(undated[0].source_file).parts) - 1]
    return mark_receipts(receipts, raw_dir, counties_read=set())
