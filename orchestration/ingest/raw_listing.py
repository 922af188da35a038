"""The listing of the raw files of a survey year: what the raw asset records.

Framework-free: the raw asset writes it and the parse step reads it back. Its stat
fingerprint is shown in the asset's metadata; which years are rebuilt is decided by the
files' content digests (orchestration/freshness.py).
"""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path

import pandas as pd

from orchestration.ingest.discover import RawFile

# The stat fields that tell a changed file from an unchanged one without reading it.
STAT_COLUMNS = ["size_bytes", "modified_ns"]
# The metadata entry of raw_survey_files holding each built year's fingerprint.
FINGERPRINTS = "fingerprints"


def file_listing(files: list) -> pd.DataFrame:
    """One row per RawFile, with its size and modification time."""
    rows = []
    for file in files:
        row = {field.name: getattr(file, field.name) for field in dataclasses.fields(file)}
        # lstat: a link under raw/ is described, never followed (ingest/discover.py).
        stat = Path(file.path).lstat()
        rows.append(
            {
                **row,
                "path": str(file.path),
                "size_bytes": stat.st_size,
                "modified_ns": stat.st_mtime_ns,
            }
        )
    return pd.DataFrame(rows, columns=_columns(files))


def _columns(files: list) -> list[str] | None:
    if not files:
        return None
    return [field.name for field in dataclasses.fields(files[0])] + STAT_COLUMNS


def files_from_listing(listing: pd.DataFrame) -> list:
    """The RawFiles of a listing, as discover_raw_files returned them."""
    names = [field.name for field in dataclasses.fields(RawFile)]
    records = listing.astype(object).where(listing.notna(), None).to_dict(orient="records")
    return [
        RawFile(**{name: record[name] for name in names} | {"path": Path(record["path"])})
        for record in records
    ]


def fingerprint(listing: pd.DataFrame) -> str:
    """A digest of the files' paths, sizes and modification times."""
    digest = hashlib.sha256()
    for row in listing.sort_values("source_file").itertuples(index=False):
        digest.update(f"{row.source_file}\0{row.size_bytes}\0{row.modified_ns}\n".encode())
    return digest.hexdigest()[:16]
