"""Ingesting one survey year: every file of raw/ of that year, read, deduplicated, receipted."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from contracts.staging_schema import INGEST_FILES, QUARANTINE, SCHOOL_SURVEY
from orchestration.ingest.dedupe import split_duplicates
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
    return IngestResult(
        school_rows=link_parent_keys(school_rows[SCHOOL_SURVEY.names]),
        quarantine=quarantine,
        ingest_files=receipts,
    )


def undated_file_receipts(files: Iterable[RawFile]) -> pd.DataFrame:
    """ingest_files rows (survey_year null) for files whose year is unknown or conflicting."""
    return _frame(
        [_file_receipt(raw) for raw in files if raw.survey_year is None], INGEST_FILES.names
    )
