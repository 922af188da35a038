"""Publish dbt's public marts into the warehouse folder as one atomic switch.

Layout of the warehouse folder (see the README, "Connecting a BI tool"):

    snapshots/<id>/<table>/survey_year=<Y>/part.parquet   one complete warehouse per run
    snapshots/<id>/junheng.duckdb                         its BI catalog (views over that snapshot)
    snapshots/<id>/manifest.json                          run id, years built and dropped, rows
    current -> snapshots/<id>                             THE pointer: switched by one rename
    junheng.duckdb -> current/junheng.duckdb              what BI tools open
    <table> -> current/<table>                            the contract's `warehouse/<table>/` paths
    reports/, exports/, docs/                             written beside the snapshots, not in them

A run builds its snapshot under `snapshots/.<id>.building/` (no reader's path leads there):
the years it built come from dbt's marts, every other year is hard-linked from the current
snapshot (no copy, no extra disk). The finished folder is renamed to `snapshots/<id>`, its
catalog written, and then one `rename` of a new symlink over `current` publishes every table
and the catalog at once. A reader follows `current` (or opens the catalog) and sees the old
run or the new one, for every table together. Old snapshots are kept for `keep` runs (BI
sessions opened on them keep working), then removed. A crashed run leaves only a hidden
building folder, a stray symlink or an unpublished snapshot, which the next publish removes.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from orchestration.staging.tables import NULL_PARTITION, PART_FILE, partition_dir

CATALOG_FILE = "junheng.duckdb"
MANIFEST_FILE = "manifest.json"
POINTER = "current"
SNAPSHOTS = "snapshots"
PARTITION_COLUMN = "survey_year"
# Folders of the warehouse that are not tables: never replaced by a table's link.
NOT_TABLES = {"reports", "exports", "docs", SNAPSHOTS, POINTER}
# Snapshots kept after a publish (the current one included); JUNHENG_KEEP_SNAPSHOTS overrides.
DEFAULT_KEEP = 3
# The oldest DuckDB storage format the catalog is written in: DuckDB 1.4, 1.5 and 2.x read it.
CATALOG_STORAGE_VERSION = "v1.4.0"
# Test hook: the name of a publishing step at which the process kills itself (kill -9).
FAULT_VARIABLE = "JUNHENG_FAULT_AT"
_BUILDING = ".building"


@dataclass(frozen=True)
class PublishedTable:
    """One public table as published: its name, its folder in the snapshot, and its rows per
    partition (`survey_year=<Y>` -> rows); `rows` is their sum.
    """

    name: str
    path: Path
    rows_by_partition: dict[str, int] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        """The table's rows over every partition."""
        return sum(self.rows_by_partition.values())


@dataclass(frozen=True)
class Publication:
    """What one publish switched to: the snapshot, its tables and the years it dropped."""

    snapshot: Path
    tables: list[PublishedTable]
    dropped_years: list[int]
    catalog: Path


def keep_from_env() -> int:
    """How many snapshots a publish keeps (the current one included): JUNHENG_KEEP_SNAPSHOTS
    (settings.keep_snapshots: a whole number >= 1, else SettingError), else DEFAULT_KEEP (3).
    """
    from orchestration.settings import keep_snapshots

    value = keep_snapshots()
    return DEFAULT_KEEP if value is None else value


def _fault(point: str) -> None:
    """Kill this process at `point` when the test hook names it (as a power cut would)."""
    if os.environ.get(FAULT_VARIABLE) == point:
        os.kill(os.getpid(), signal.SIGKILL)


def new_snapshot_id() -> str:
    """Sortable by time of creation: `20261130T051300123456Z-1a2b3c`."""
    return f"{datetime.now(UTC):%Y%m%dT%H%M%S%fZ}-{uuid.uuid4().hex[:6]}"


def current_snapshot(warehouse_dir: Path) -> Path | None:
    """The snapshot `current` points at, or None before the first publish."""
    pointer = Path(warehouse_dir) / POINTER
    if not pointer.is_symlink():
        return None
    target = (Path(warehouse_dir) / os.readlink(pointer)).resolve()
    return target if target.is_dir() else None


def snapshots(warehouse_dir: Path) -> list[Path]:
    """The complete snapshots, oldest first."""
    root = Path(warehouse_dir) / SNAPSHOTS
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))


def clean_leftovers(warehouse_dir: Path) -> list[Path]:
    """Remove what a crashed publish left: building folders, stray pointer links, and
    snapshots newer than `current` that were never switched to. Returns what it removed."""
    warehouse_dir = Path(warehouse_dir)
    removed = []
    current = current_snapshot(warehouse_dir)
    root = warehouse_dir / SNAPSHOTS
    if root.is_dir():
        for entry in root.iterdir():
            unpublished = (
                not entry.name.startswith(".")
                and entry.resolve() != current
                and (current is None or entry.name > current.name)
            )
            if entry.name.startswith(".") or unpublished:
                _remove(entry)
                removed.append(entry)
    for entry in warehouse_dir.glob(f".{POINTER}.*.tmp"):
        _remove(entry)
        removed.append(entry)
    return removed


def _remove(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink(missing_ok=True)
    else:
        shutil.rmtree(path, ignore_errors=True)


def publish_tables(
    marts_dir: Path,
    warehouse_dir: Path,
    years: list[int],
    raw_years: list[int] | None = None,
    keep: int | None = None,
) -> Publication:
    """Publish a new snapshot: `years` of every public table from dbt's marts, every other
    year of `raw_years` (all years when None or empty) carried over from the current snapshot.

    Rows without a survey year (receipts of undated files) form the null partition, which
    every publish replaces. A table without a survey_year column is one file, replaced whole.
    A year of the current snapshot that is neither built now nor in `raw_years` (its raw
    folder is gone) is dropped and listed in `dropped_years`.

    Raises OSError when the warehouse folder can not be written (no space, no permission) and
    pyarrow's ArrowInvalid when a mart Parquet file is unreadable; either way nothing is
    switched: `current` still points at the previous snapshot, and the half-built snapshot
    folder is removed by the next publish (clean_leftovers). duckdb.Error from write_catalog
    likewise leaves the previous snapshot current.
    """
    warehouse_dir = Path(warehouse_dir).resolve()
    (warehouse_dir / SNAPSHOTS).mkdir(parents=True, exist_ok=True)
    clean_leftovers(warehouse_dir)
    _fault("start")
    previous = current_snapshot(warehouse_dir) or _legacy_root(warehouse_dir)
    snapshot_id = new_snapshot_id()
    building = warehouse_dir / SNAPSHOTS / f".{snapshot_id}{_BUILDING}"
    building.mkdir()
    built = sorted(set(years))
    carried_years = _years_in(previous) - set(built)
    # An empty or unmounted raw folder is no reason to drop every year.
    kept_years = carried_years & set(raw_years) if raw_years else carried_years
    published = []
    for index, mart in enumerate(sorted(Path(marts_dir).glob("*.parquet"))):
        target = building / mart.stem
        if PARTITION_COLUMN in pq.read_schema(mart).names:
            rows = _stream_partitions(mart, target, built)
            rows |= _carry_partitions(
                previous / mart.stem if previous else None, target, kept_years
            )
        else:
            table = without_empty_marker(pq.read_table(mart))
            target.mkdir()
            pq.write_table(table, target / f"{mart.stem}.parquet")
            rows = {"all": table.num_rows}
        published.append(PublishedTable(mart.stem, warehouse_dir / mart.stem, rows))
        if index == 0:
            _fault("writing")
    manifest = {
        "snapshot": snapshot_id,
        "created_at": datetime.now(UTC).isoformat(),
        "years_built": built,
        "years_carried": sorted(kept_years),
        "years_dropped": sorted(carried_years - kept_years),
        "rows_by_table": {table.name: table.rows_by_partition for table in published},
    }
    (building / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    _sync_tree(building)
    snapshot = warehouse_dir / SNAPSHOTS / snapshot_id
    os.rename(building, snapshot)
    write_catalog(warehouse_dir, snapshot)
    _fault("before_switch")
    _switch(warehouse_dir, snapshot)
    _fault("after_switch")
    _link_tables(warehouse_dir, [table.name for table in published])
    prune_snapshots(warehouse_dir, keep_from_env() if keep is None else keep)
    return Publication(
        snapshot,
        published,
        manifest["years_dropped"],
        warehouse_dir / CATALOG_FILE,
    )


def remove_dropped_years(folders: list[Path], years: list[int]) -> list[Path]:
    """Delete `<folder>/<year>/` of each dropped year from the per-year output folders that
    live beside the snapshots (validation and county reports, gap-list workbooks), so a
    year whose raw folder is gone is not left behind, silently current. Returns what was
    removed."""
    removed = []
    for folder in folders:
        for year in years:
            target = Path(folder) / str(year)
            if target.is_dir() and not target.is_symlink():
                shutil.rmtree(target)
                removed.append(target)
    return removed


def _legacy_root(warehouse_dir: Path) -> Path | None:
    """A warehouse written before snapshots held its tables directly in the folder."""
    legacy = [
        entry
        for entry in warehouse_dir.iterdir()
        if entry.is_dir() and not entry.is_symlink() and entry.name not in NOT_TABLES
    ]
    return warehouse_dir if legacy else None


def published_years(warehouse_dir: Path) -> set[int]:
    """The survey years of the published warehouse (its current snapshot); none before the
    first publish."""
    warehouse_dir = Path(warehouse_dir)
    if not warehouse_dir.is_dir():
        return set()
    return _years_in(current_snapshot(warehouse_dir) or _legacy_root(warehouse_dir))


def _years_in(root: Path | None) -> set[int]:
    """The survey years of any partitioned table of a snapshot."""
    if root is None:
        return set()
    years = set()
    for folder in root.glob(f"*/{PARTITION_COLUMN}=*"):
        value = folder.name.split("=", 1)[1]
        if value.isdigit():
            years.add(int(value))
    return years


def without_empty_marker(table: pa.Table) -> pa.Table:
    """`table` less the one all-null row dbt-duckdb writes for an empty external model.

    dbt-duckdb keeps the columns of a model with no row by writing a single row of nulls
    (and hides it in its own view); published as is, it would be a row nobody sent, in the
    null partition. No real row of a public table is null in every column.
    """
    if table.num_rows == 1 and all(column.null_count == 1 for column in table.columns):
        return table.slice(0, 0)
    return table


# Rows of one year gathered before they are written as a row group of its file (pyarrow's
# default row-group length); at most twice this is held at once, whatever the years built.
FLUSH_ROWS = 1024 * 1024


def _stream_partitions(mart: Path, table_dir: Path, years: list[int]) -> dict[str, int]:
    """Split a mart into `table_dir/survey_year=Y/part.parquet` for `years` (and the null
    partition), reading it a row group at a time: a backfill of ten years holds about one
    row group per year in memory, not the mart (which holds every year built)."""
    source = pq.ParquetFile(mart)
    if source.metadata.num_rows <= 1:  # perhaps dbt-duckdb's empty-model marker
        return _write_partitions(without_empty_marker(source.read()), table_dir, years)
    schema = source.schema_arrow.remove(source.schema_arrow.get_field_index(PARTITION_COLUMN))
    wanted = set(years)
    writers: dict[int | None, pq.ParquetWriter] = {}
    buffers: dict[int | None, list[pa.Table]] = {year: [] for year in [*years, None]}
    rows = {year: 0 for year in [*years, None]}

    def flush(year: int | None) -> None:
        if not buffers[year]:
            return
        if year not in writers:
            folder = partition_dir(table_dir, year)
            folder.mkdir(parents=True)
            writers[year] = pq.ParquetWriter(folder / PART_FILE, schema)
        writers[year].write_table(pa.concat_tables(buffers[year]), row_group_size=FLUSH_ROWS)
        buffers[year] = []

    try:
        for batch in source.iter_batches():
            table = pa.Table.from_batches([batch])
            values = table.column(PARTITION_COLUMN)
            data = table.drop([PARTITION_COLUMN])
            present = [value.as_py() for value in pc.unique(values)]
            for year in [value for value in present if value is None or value in wanted]:
                mask = pc.is_null(values) if year is None else pc.equal(values, year)
                part = data.filter(mask)
                buffers[year].append(part)
                rows[year] += part.num_rows
            pending = {year: sum(t.num_rows for t in parts) for year, parts in buffers.items()}
            for year, count in pending.items():
                if count >= FLUSH_ROWS or sum(pending.values()) >= 2 * FLUSH_ROWS:
                    flush(year)
        for year in buffers:
            flush(year)
    finally:
        for writer in writers.values():
            writer.close()
    for year in years:  # a built year with no row keeps an empty file (see _write_partitions)
        if year not in writers:
            folder = partition_dir(table_dir, year)
            folder.mkdir(parents=True)
            pq.write_table(schema.empty_table(), folder / PART_FILE)
    return {NULL_PARTITION if year is None else str(year): count for year, count in rows.items()}


def _write_partitions(table: pa.Table, table_dir: Path, years: list[int]) -> dict[str, int]:
    partition_values = table.column(PARTITION_COLUMN)
    data = table.drop([PARTITION_COLUMN])
    rows = {}
    for year in [*years, None]:
        mask = pc.is_null(partition_values) if year is None else pc.equal(partition_values, year)
        part = data.filter(mask)
        # A built year with no row keeps an empty file: the table keeps its columns for
        # readers (the catalog's view) even when no year has a row. The null partition
        # (receipts of undated files) has a folder only when it has rows.
        if part.num_rows or year is not None:
            folder = partition_dir(table_dir, year)
            folder.mkdir(parents=True)
            pq.write_table(part, folder / PART_FILE)
        rows[NULL_PARTITION if year is None else str(year)] = part.num_rows
    return rows


def _carry_partitions(source: Path | None, table_dir: Path, years: set[int]) -> dict[str, int]:
    """Hard-link the files of `years` from the previous snapshot's table (copy where the
    filesystem has no hard links): a snapshot costs the disk of the years it rebuilt."""
    rows = {}
    for year in sorted(years):
        folder = partition_dir(source, year) if source else None
        if folder is None or not folder.is_dir():
            continue
        target = partition_dir(table_dir, year)
        target.mkdir(parents=True)
        count = 0
        for file in sorted(folder.glob("*.parquet")):
            try:
                os.link(file, target / file.name)
            except OSError:
                shutil.copy2(file, target / file.name)
            count += pq.ParquetFile(target / file.name).metadata.num_rows
        rows[str(year)] = count
    return rows


def _sync_tree(root: Path) -> None:
    """Flush every file and folder of `root` to disk, so a power cut after the switch can not
    leave `current` pointing at files the disk never received."""
    if os.name != "posix":
        return
    for folder, _, files in os.walk(root):
        for name in [*files, "."]:
            descriptor = os.open(os.path.join(folder, name), os.O_RDONLY)
            try:
                os.fsync(descriptor)
            finally:
                os.close(descriptor)


def _switch(warehouse_dir: Path, snapshot: Path) -> None:
    """Point `current` at `snapshot` with one rename of a fresh symlink over it."""
    staged = warehouse_dir / f".{POINTER}.{uuid.uuid4().hex}.tmp"
    os.symlink(Path(SNAPSHOTS) / snapshot.name, staged, target_is_directory=True)
    os.replace(staged, warehouse_dir / POINTER)
    if os.name == "posix":
        descriptor = os.open(warehouse_dir, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def _link_tables(warehouse_dir: Path, tables: list[str]) -> None:
    """`warehouse/<table>` and `warehouse/junheng.duckdb` as links through `current`.

    They never change once made (only `current` moves). A table folder of a warehouse
    written before snapshots is replaced by its link (its files live on in the snapshot).
    """
    for name in [*tables, CATALOG_FILE]:
        link = warehouse_dir / name
        target = Path(POINTER) / name
        if link.is_symlink() and Path(os.readlink(link)) == target:
            continue
        if link.exists() or link.is_symlink():
            parked = warehouse_dir / SNAPSHOTS / f".{name}.{uuid.uuid4().hex}.old"
            os.rename(link, parked)
            _remove(parked)
        os.symlink(target, link, target_is_directory=name != CATALOG_FILE)
    for entry in warehouse_dir.iterdir():  # links of tables dbt no longer builds
        if entry.is_symlink() and entry.name not in {*tables, CATALOG_FILE, POINTER}:
            if Path(os.readlink(entry)).parts[:1] == (POINTER,) and not entry.exists():
                entry.unlink()


def prune_snapshots(warehouse_dir: Path, keep: int) -> list[Path]:
    """Remove all but the newest `keep` snapshots; never the current one."""
    current = current_snapshot(warehouse_dir)
    complete = snapshots(warehouse_dir)
    removed = []
    for snapshot in complete[: max(0, len(complete) - keep)]:
        if snapshot.resolve() == current:
            continue
        # Renamed hidden first, so that a kill mid-delete leaves a leftover, not half a snapshot.
        hidden = snapshot.with_name(f".{snapshot.name}.removing")
        os.rename(snapshot, hidden)
        _fault("pruning")
        shutil.rmtree(hidden, ignore_errors=True)
        removed.append(snapshot)
    return removed


def public_tables(snapshot: Path) -> list[str]:
    """The table folders of a snapshot (those holding Parquet)."""
    return sorted(
        folder.name
        for folder in Path(snapshot).iterdir()
        if folder.is_dir() and not folder.name.startswith(".") and any(folder.rglob("*.parquet"))
    )


def warehouse_root_sql() -> str:
    """A DuckDB expression: the warehouse folder, from the path the catalog was opened by.

    DuckDB resolves relative paths against the working directory, not the database file,
    and a view can not read a setting through a subquery. The temporary directory defaults to
    `<database file>.tmp`, beside the catalog: under `snapshots/<id>/` when DuckDB resolved
    the `junheng.duckdb` link (1.5, 2.x), in the warehouse folder when it did not (1.4).
    Either way the expression strips back to the warehouse folder, so a copied or moved
    warehouse still works. With `SET file_search_path` the paths stay relative and DuckDB
    looks them up there (the way to open the catalog ATTACHed to another database).
    """
    temporary = "current_setting('temp_directory')"
    folder = (
        f"regexp_replace({temporary}, "
        r"'([/\\]snapshots[/\\][^/\\]+|[/\\]current)?[/\\][^/\\]*$', '') || '/'"
    )
    return (
        f"(case when current_setting('file_search_path') <> '' "
        rf"or not regexp_matches({temporary}, '[/\\]') then '' else {folder} end)"
    )


def write_catalog(warehouse_dir: Path, snapshot: Path) -> Path:
    """Write `<snapshot>/junheng.duckdb`: one view per table over that snapshot's files.

    The views name paths relative to the warehouse folder (see warehouse_root_sql), pinned to
    this snapshot: a BI session sees one run for every table until it reconnects. The file
    is in DuckDB 1.4's storage format, which DuckDB 1.4, 1.5 and 2.x open.

    Returns the catalog's path. Raises duckdb.Error when a view can not be made (a table
    folder without Parquet files) and OSError when the snapshot folder can not be written;
    the catalog is written to a temporary file and renamed, so no half catalog is ever at
    its name.
    """
    warehouse_dir = Path(warehouse_dir).resolve()
    target = snapshot / CATALOG_FILE
    temporary = snapshot / f".{CATALOG_FILE}.tmp"
    root = warehouse_root_sql()
    with duckdb.connect() as connection:
        # The views are bound as they are made: let the relative paths resolve here.
        connection.execute("set file_search_path = ?", [str(warehouse_dir)])
        connection.execute(
            f"attach '{_quoted(temporary)}' as junheng_catalog "
            f"(storage_version '{CATALOG_STORAGE_VERSION}')"
        )
        for name in public_tables(snapshot):
            files = f"{SNAPSHOTS}/{snapshot.name}/{name}/**/*.parquet"
            connection.execute(
                f'create view junheng_catalog.main."{name}" as select * from '
                f"read_parquet({root} || '{_quoted(files)}', hive_partitioning = true)"
            )
        connection.execute("detach junheng_catalog")
    os.replace(temporary, target)
    Path(f"{temporary}.wal").unlink(missing_ok=True)
    return target


def _quoted(text: object) -> str:
    return str(text).replace("'", "''")
