"""Publish dbt's public marts into the warehouse folder and write the BI catalog.

dbt writes each public model as one Parquet file. Publishing splits it by survey year into
`warehouse/<table>/survey_year=<Y>/part.parquet` and swaps each year's folder in whole, so
a re-run replaces a year (never duplicates it) and a reader never sees half of one.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from orchestration.staging import NULL_PARTITION, PART_FILE, partition_dir, write_parquet_atomically

CATALOG_FILE = "junheng.duckdb"
PARTITION_COLUMN = "survey_year"
# Folders of the warehouse that are not tables.
NOT_TABLES = {"reports"}


@dataclass(frozen=True)
class PublishedTable:
    name: str
    path: Path
    rows_by_partition: dict[str, int] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        return sum(self.rows_by_partition.values())


def publish_tables(marts_dir: Path, warehouse_dir: Path, years: list[int]) -> list[PublishedTable]:
    """Replace `years` of every public table with dbt's output.

    Rows without a survey year (receipts of undated files) form the null partition, which
    every publish replaces. A table without a survey_year column is one file, replaced whole.
    """
    published = []
    for mart in sorted(Path(marts_dir).glob("*.parquet")):
        table = without_empty_marker(pq.read_table(mart))
        table_dir = Path(warehouse_dir) / mart.stem
        if PARTITION_COLUMN in table.column_names:
            rows = _publish_partitioned(table, table_dir, years)
        else:
            write_parquet_atomically(table, table_dir / f"{mart.stem}.parquet")
            rows = {"all": table.num_rows}
        published.append(PublishedTable(mart.stem, table_dir, rows))
    return published


def without_empty_marker(table: pa.Table) -> pa.Table:
    """`table` less the one all-null row dbt-duckdb writes for an empty external model.

    dbt-duckdb keeps the columns of a model with no row by writing a single row of nulls
    (and hides it in its own view); published as is, it would be a row nobody sent, in the
    null partition. No real row of a public table is null in every column.
    """
    if table.num_rows == 1 and all(column.null_count == 1 for column in table.columns):
        return table.slice(0, 0)
    return table


def _publish_partitioned(table: pa.Table, table_dir: Path, years: list[int]) -> dict[str, int]:
    partition_values = table.column(PARTITION_COLUMN)
    data = table.drop([PARTITION_COLUMN])
    rows = {}
    for year in [*sorted(set(years)), None]:
        mask = pc.is_null(partition_values) if year is None else pc.equal(partition_values, year)
        part = data.filter(mask)
        # A built year with no row keeps an empty file: the table keeps its columns for
        # readers (the catalog's view) even when no year has a row.
        _replace_partition(partition_dir(table_dir, year), part, keep_empty=year is not None)
        rows[NULL_PARTITION if year is None else str(year)] = part.num_rows
    return rows


def _replace_partition(target: Path, part: pa.Table, keep_empty: bool = False) -> None:
    """Swap in a folder holding `part`, or remove the folder when `part` has no rows
    (unless `keep_empty`: then the folder holds a file of no row)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staged = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
    if part.num_rows or keep_empty:
        staged.mkdir()
        pq.write_table(part, staged / PART_FILE)
        if target.exists():
            _exchange(staged, target)
        else:
            os.rename(staged, target)
    elif target.exists():
        os.rename(target, staged)
    shutil.rmtree(staged, ignore_errors=True)


def _exchange(a: Path, b: Path) -> None:
    """Swap two paths in one step where the OS can (Linux renameat2), else in two renames."""
    if _renameat2 is not None:
        if _renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
            return
    parked = b.with_name(f"{b.name}.{uuid.uuid4().hex}.old")
    os.rename(b, parked)
    os.rename(a, b)
    os.rename(parked, a)


def _load_renameat2():
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    function = getattr(libc, "renameat2", None)
    if function is not None:
        function.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p]
        function.argtypes += [ctypes.c_uint]
    return function


_AT_FDCWD = -100
_RENAME_EXCHANGE = 2
_renameat2 = _load_renameat2() if os.name == "posix" else None


def public_tables(warehouse_dir: Path) -> list[str]:
    """The table folders of the warehouse (those holding Parquet)."""
    return sorted(
        folder.name
        for folder in Path(warehouse_dir).iterdir()
        if folder.is_dir()
        and not folder.name.startswith(".")
        and folder.name not in NOT_TABLES
        and any(folder.rglob("*.parquet"))
    )


def write_catalog(warehouse_dir: Path) -> Path:
    """Write `junheng.duckdb`, one view per public table, and swap it into place.

    The views name absolute paths, so the file can be copied to a BI server that mounts
    the warehouse at the same place. Writing to a temporary file and renaming means a BI
    session holding the old catalog open never blocks the publish.
    """
    warehouse_dir = Path(warehouse_dir).resolve()
    target = warehouse_dir / CATALOG_FILE
    temporary = warehouse_dir / f".{CATALOG_FILE}.{uuid.uuid4().hex}.tmp"
    try:
        with duckdb.connect(str(temporary)) as catalog:
            for name in public_tables(warehouse_dir):
                files = (warehouse_dir / name / "**" / "*.parquet").as_posix().replace("'", "''")
                catalog.execute(
                    f'create view "{name}" as select * from '
                    f"read_parquet('{files}', hive_partitioning = true)"
                )
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)
        Path(f"{temporary}.wal").unlink(missing_ok=True)
    return target
