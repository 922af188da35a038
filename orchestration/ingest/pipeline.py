"""Ingesting one survey year: every file of raw/ of that year, read, deduplicated, receipted."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path, PurePosixPath

import pandas as pd

from contracts.staging_schema import INGEST_FILES, QUARANTINE, SCHOOL_SURVEY
from orchestration.ingest.dedupe import split_duplicates
from orchestration.ingest.demo_files import demo_files, is_demo_file
from orchestration.ingest.discover import RawFile, discover_raw_files
from orchestration.ingest.isolation import fewer_collections, read_files
from orchestration.ingest.parents import link_parent_keys
from orchestration.ingest.reader import (
    SCHOOL_ROW_COLUMNS,
    FileReading,
    file_receipt,
    file_sha256,
)
from orchestration.ingest.records import written_raw_values
from orchestration.ingest.result import IngestResult


def _frame(rows: list[dict], columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(rows).reindex(columns=columns)


def _file_receipt(raw: RawFile) -> dict:
    # Never through a link (it may lead out of raw/), nor of a file that vanished.
    readable = raw.path.is_file() and not raw.path.is_symlink()
    return file_receipt(raw, file_sha256(raw) if readable else None)


def ingest_year(raw_dir: Path, year: int, files: list[RawFile] | None = None) -> IngestResult:
    """Read every file of `year`; ingest_files also lists that year's skipped/rejected files.

    `files`: the discovery of `raw_dir` (discover_raw_files), found again when None; only
    those whose survey_year is `year` are read, each in a worker process of its own
    (isolation.read_files). Returns an IngestResult whose three frames have exactly the
    columns of contracts/staging_schema.py (quantities in base units: m², 元, persons):
    staged school rows after dedupe (dedupe.split_duplicates) with parent keys linked,
    quarantined rows (ingest and dedupe, reason codes of contracts/reason_codes.csv) and
    one receipt per sheet or whole file. Bad input never raises: it becomes a receipt or
    a quarantine row naming the file, sheet and row.
    """
    with fewer_collections():
        return _ingest_year(raw_dir, year, files)


def ingest_year_to(
    output: Path, raw_dir: Path, year: int, files: list[RawFile] | None = None
) -> dict[str, int]:
    """`ingest_year`, written to the per-year Parquet of `output`
    (staging.tables.write_staged_year); returns the result's counts (IngestResult.counts).
    Meant to run in a process of its own (isolation.in_own_process): what it returns is
    small, and the year's rows stay in that process."""
    from orchestration.staging.tables import write_staged_year

    result = ingest_year(raw_dir, year, files)
    write_staged_year(output, year, result)
    return result.counts()


def _ingest_year(raw_dir: Path, year: int, files: list[RawFile] | None) -> IngestResult:
    files = discover_raw_files(raw_dir) if files is None else files
    reading = FileReading()
    year_files = [raw for raw in files if raw.survey_year == year]
    # Each file is read in a worker process of its own, with limits (ingest/isolation.py):
    # a file that crashes the reader or raises is rejected with a receipt, the others load.
    to_read = [raw for raw in year_files if raw.status is None]
    readings = iter(read_files(to_read))
    # The school rows come column by column (FileReading.by_columns) and stay so.
    columns: dict[str, list] = {name: [] for name in SCHOOL_ROW_COLUMNS}
    for raw in year_files:
        if raw.status is not None:
            reading.receipts.append(_file_receipt(raw))
            continue
        file_reading = next(readings).by_columns()
        reading.receipts += file_reading.receipts
        for name, values in file_reading.school_columns.items():
            columns[name] += values
        reading.quarantine += file_reading.quarantine

    if columns[SCHOOL_ROW_COLUMNS[0]]:
        # the frame pandas builds from the rows as dicts (NaN where a row has none)
        school_rows = pd.DataFrame(columns, columns=list(SCHOOL_ROW_COLUMNS))
    else:
        school_rows = _frame([], list(SCHOOL_ROW_COLUMNS))
    school_rows, duplicates = split_duplicates(school_rows)
    if not duplicates.empty:
        duplicates["raw_values"] = pd.Series(
            [written_raw_values(held) for held in duplicates["raw_values"]],
            index=duplicates.index,
        )
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
        ingest_files=mark_receipts(
            # `tolist`: iterating a pandas 3 string column yields its values one by one
            # through Arrow, about 40 times slower
            receipts,
            raw_dir,
            set(school_rows["county_code"].dropna().tolist()),
            quarantine,
        ),
    )


def mark_receipts(
    receipts: pd.DataFrame,
    raw_dir: Path,
    counties_staged: set,
    quarantine: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Set `county_incomplete` and `is_demo` on receipts (ingest_files rows).

    A file is lost to its county-year (`county_incomplete`) when
    - it was rejected as a whole (a comparison file naming two years aside: rejected on
      purpose, it loses nothing), or
    - it names a county-year of which no school-stage row was staged: the county sent
      something (a file its path names, a sheet read as its) and nothing of it is in the
      warehouse, whatever the cause (every row quarantined, both sides of a duplicate
      conflict, rows of no county, a file skipped or rejected). A county never vanishes.
    A lock file loses nothing. `counties_staged`: the county_codes of the year's staged
    rows (after duplicates are split off); `quarantine`: the year's quarantined rows, to
    say why a loaded sheet gave nothing.
    """
    whole_file = receipts["sheet"].isna()
    loaded = receipts["status"].eq("loaded")
    comparison = receipts["reason_code"].eq("year_conflict")
    rejected = whole_file & receipts["status"].eq("rejected") & ~comparison
    nothing_staged = (
        (whole_file | loaded)
        & ~receipts["reason_code"].eq("lock_file")
        & receipts["county_code"].notna()
        & ~receipts["county_code"].isin(counties_staged)
        # an undated comparison file belongs to no county-year
        & ~(comparison & receipts["survey_year"].isna())
    )
    lost = (rejected | nothing_staged).astype(bool)
    reason = receipts["reason"].astype(object)
    for index in receipts.index[lost & loaded]:
        reason[index] = _nothing_staged_reason(receipts.loc[index], quarantine)
    demo = demo_files(raw_dir)
    return receipts.assign(
        county_incomplete=lost,
        reason=reason,
        is_demo=[
            is_demo_file(demo, source_file, sha)
            for source_file, sha in zip(
                receipts["source_file"].tolist(), receipts["file_sha256"].tolist()
            )
        ],
    )


def _nothing_staged_reason(receipt: pd.Series, quarantine: pd.DataFrame | None) -> str:
    """Why a loaded sheet gave its county nothing: its quarantined rows by reason code."""
    codes = ""
    if quarantine is not None and not quarantine.empty:
        own = quarantine[
            quarantine["source_file"].eq(receipt["source_file"])
            & quarantine["sheet"].eq(receipt["sheet"])
        ]
        counts = own["reason_code"].value_counts()
        codes = ", ".join(f"{code} {count}" for code, count in counts.items())
    why = f"no row of the county staged ({codes or 'no data row'}; see quarantine)"
    notes = receipt["reason"]
    return why if notes is None or pd.isna(notes) else f"{why}; {notes}"


def undated_file_receipts(files: Iterable[RawFile]) -> pd.DataFrame:
    """ingest_files rows (survey_year null) for files whose year is unknown or conflicting."""
    undated = [raw for raw in files if raw.survey_year is None]
    receipts = _frame([_file_receipt(raw) for raw in undated], INGEST_FILES.names)
    if not undated:
        return receipts
    # The raw folder is the file's path less its source_file parts.
    raw_dir = undated[0].path.parents[len(PurePosixPath(undated[0].source_file).parts) - 1]
    return mark_receipts(receipts, raw_dir, counties_staged=set())
