"""Reading the published warehouse (docs/spec/warehouse-contract.md) for the reports and exports.

One place knows where a public table's Parquet lives, so a change of the warehouse's
layout is a change here only. Tables come back as pandas DataFrames; a table that is not
published (an older warehouse) comes back empty with no columns.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path

import duckdb
import pandas as pd

PARTITION_COLUMN = "survey_year"


def table_files(warehouse_dir: Path, table: str) -> list[Path]:
    """The Parquet files of public table `table` (hive-partitioned by survey_year or not).

    `warehouse/<table>` is a link through `current` to the published snapshot
    (orchestration/publish/warehouse.py); it is resolved once, so the files listed are those of one
    snapshot even if a publish switches `current` before they are read.
    """
    folder = (Path(warehouse_dir) / table).resolve()
    return sorted(folder.rglob("*.parquet")) if folder.is_dir() else []


def read_table(
    warehouse_dir: Path,
    table: str,
    where: str = "",
    ordered: bool = False,
    columns: Sequence[str] | None = None,
    distinct: bool = False,
    **parameters,
) -> pd.DataFrame:
    """Rows of a public table, optionally filtered by a SQL `where` with `$name` parameters;
    with `ordered`, sorted by every column from the first (the same rows give the same
    frame whatever order the Parquet files hold them in). `columns`: only these (names of
    the table, quoted here); `distinct`: each distinct row once.

    Example: `read_table(w, "fct_school_gap", "survey_year = $year", year=2021)`.
    """
    files = table_files(warehouse_dir, table)
    if not files:
        return pd.DataFrame()
    selected = ", ".join(f'"{name}"' for name in columns) if columns else "*"
    query = (
        f"select {'distinct ' if distinct else ''}{selected} from "
        "read_parquet($files, hive_partitioning = true, union_by_name = true)"
        + (f" where {where}" if where else "")
    )
    if ordered:
        query += " order by all"
    with duckdb.connect() as connection:
        return connection.execute(
            query, {"files": [str(path) for path in files], **parameters}
        ).df()


def partition_files(warehouse_dir: Path, table: str, survey_year: int) -> list[Path]:
    """The Parquet files of one survey year's partition of public table `table` (none for a
    table not partitioned by year, or a year it has no folder for)."""
    folder = (Path(warehouse_dir) / table).resolve() / f"{PARTITION_COLUMN}={survey_year}"
    return sorted(folder.glob("*.parquet")) if folder.is_dir() else []


def survey_years(warehouse_dir: Path) -> list[int]:
    """The survey years the warehouse holds county figures for."""
    frame = read_table(warehouse_dir, "fct_county_assessment")
    if frame.empty:
        return []
    return sorted(int(year) for year in frame[PARTITION_COLUMN].dropna().unique())


def write_atomically(path: Path, write: Callable[[Path], None]) -> Path:
    """Call `write(temporary)` beside `path`, then rename it into place: a reader (a bureau
    with yesterday's page open, a web server) never sees half a file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        write(temporary)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return path


def write_if_changed(path: Path, content: str | bytes) -> bool:
    """Write `content` (text is written as UTF-8) to `path` atomically (`write_atomically`)
    unless the file already holds exactly these bytes; returns whether it was written.

    A page whose bytes did not change keeps its file and time, so a consumer that copies the
    reports by modification time (rsync, a web server's cache) does not fetch it again. The
    file is read back only when its size is that of `content`. Raises OSError as
    `write_atomically` does (a folder where the file should be, a read-only folder)."""
    data = content.encode("utf-8") if isinstance(content, str) else content
    path = Path(path)
    try:
        if path.stat().st_size == len(data) and path.read_bytes() == data:
            return False
    except OSError:  # no file yet, or not a readable file: writing says what is wrong
        pass
    write_atomically(path, lambda temporary: temporary.write_bytes(data))
    return True
