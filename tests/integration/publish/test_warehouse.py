"""Publishing: one snapshot per run switched in whole, re-runs without duplicates, the catalog."""

import os
import subprocess
import sys
import textwrap
import time

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from orchestration.publish.warehouse import (
    CATALOG_FILE,
    FAULT_VARIABLE,
    POINTER,
    SNAPSHOTS,
    clean_leftovers,
    current_snapshot,
    publish_tables,
    snapshots,
)
from orchestration.staging.tables import drop_vanished_years

YEARS = [2019, 2020]


def write_mart(marts_dir, name, table):
    marts_dir.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, marts_dir / f"{name}.parquet")


def facts(years_and_values):
    years, values = zip(*years_and_values)
    return pa.table({"survey_year": pa.array(years, pa.int32()), "value": list(values)})


def read_back(warehouse_dir, table):
    files = f"{warehouse_dir}/{table}/**/*.parquet"
    query = f"select survey_year, value from read_parquet('{files}', hive_partitioning = true)"
    return duckdb.sql(query + " order by all").fetchall()


@pytest.fixture
def dirs(tmp_path):
    return tmp_path / "marts", tmp_path / "warehouse"


def test_publish_splits_by_year_and_rerun_replaces_without_duplicates(dirs):
    marts, warehouse = dirs
    write_mart(marts, "fct_demo", facts([(2019, 1.0), (2019, 2.0), (2020, 3.0)]))
    publish_tables(marts, warehouse, YEARS)
    publish_tables(marts, warehouse, YEARS)

    assert (warehouse / "fct_demo" / "survey_year=2019").is_dir()
    assert read_back(warehouse, "fct_demo") == [(2019, 1.0), (2019, 2.0), (2020, 3.0)]
    # Only the data files show through the table's path: no temporary or parked folders.
    assert sorted(p.name for p in (warehouse / "fct_demo").iterdir()) == [
        "survey_year=2019",
        "survey_year=2020",
    ]


def test_a_mart_of_many_row_groups_is_split_a_row_group_at_a_time(dirs, monkeypatch):
    # Years interleaved over row groups of 7 rows, flushed every 10 rows of a year: each
    # year's file holds its rows in their order, in several row groups, and nothing else.
    from orchestration.publish import warehouse as publishing

    monkeypatch.setattr(publishing, "FLUSH_ROWS", 10)
    marts, warehouse = dirs
    rows = [(2019 + i % 3, float(i)) for i in range(100)] + [(None, -1.0)]
    marts.mkdir(parents=True)
    pq.write_table(facts(rows), marts / "fct_big.parquet", row_group_size=7)

    publish_tables(marts, warehouse, [2019, 2021])

    for year in (2019, 2021):
        part = pq.ParquetFile(warehouse / "fct_big" / f"survey_year={year}" / "part.parquet")
        assert part.read().column("value").to_pylist() == [v for y, v in rows if y == year]
        assert part.metadata.num_row_groups > 1
    assert not (warehouse / "fct_big" / "survey_year=2020").exists()  # not built, not carried
    assert read_back(warehouse, "fct_big")[-1] == (None, -1.0)


def test_publishing_one_year_carries_the_other_years_over(dirs):
    marts, warehouse = dirs
    write_mart(marts, "fct_demo", facts([(2019, 1.0), (2020, 3.0)]))
    publish_tables(marts, warehouse, YEARS)

    # dbt rebuilt 2020 only; its mart no longer holds 2019.
    write_mart(marts, "fct_demo", facts([(2020, 30.0), (2020, 31.0)]))
    publication = publish_tables(marts, warehouse, [2020])

    assert read_back(warehouse, "fct_demo") == [(2019, 1.0), (2020, 30.0), (2020, 31.0)]
    assert publication.tables[0].rows_by_partition["2020"] == 2
    # The carried year is a hard link to the previous snapshot's file, not a copy.
    first, second = snapshots(warehouse)
    carried = "fct_demo/survey_year=2019/part.parquet"
    assert os.path.samefile(first / carried, second / carried)


def test_a_year_whose_raw_folder_is_gone_is_dropped_and_reported(dirs):
    marts, warehouse = dirs
    write_mart(marts, "fct_demo", facts([(2019, 1.0), (2020, 3.0)]))
    publish_tables(marts, warehouse, YEARS)
    write_mart(marts, "fct_demo", facts([(2020, 3.0)]))

    publication = publish_tables(marts, warehouse, [2020], raw_years=[2020])

    assert publication.dropped_years == [2019]
    assert read_back(warehouse, "fct_demo") == [(2020, 3.0)]


def test_a_year_that_lost_all_its_rows_keeps_no_row(dirs):
    marts, warehouse = dirs
    write_mart(marts, "quarantine", facts([(2019, 1.0), (2020, 2.0)]))
    publish_tables(marts, warehouse, YEARS)
    write_mart(marts, "quarantine", facts([(2020, 2.0)]))
    publish_tables(marts, warehouse, YEARS)

    assert pq.read_table(warehouse / "quarantine" / "survey_year=2019").num_rows == 0
    assert read_back(warehouse, "quarantine") == [(2020, 2.0)]


def test_rows_without_a_year_form_the_null_partition(dirs):
    marts, warehouse = dirs
    table = pa.table({"survey_year": pa.array([2019, None], pa.int32()), "value": [1.0, 2.0]})
    write_mart(marts, "ingest_files", table)
    publish_tables(marts, warehouse, [2019])

    assert read_back(warehouse, "ingest_files") == [(2019, 1.0), (None, 2.0)]


def test_a_table_without_survey_year_is_one_file_replaced_whole(dirs):
    marts, warehouse = dirs
    write_mart(marts, "dim_region", pa.table({"county_code": ["130123"]}))
    publish_tables(marts, warehouse, [2019])
    write_mart(marts, "dim_region", pa.table({"county_code": ["130123", "130124"]}))
    publish_tables(marts, warehouse, [2019])

    files = list((warehouse / "dim_region").rglob("*.parquet"))
    assert len(files) == 1
    assert pq.read_table(files[0]).column("county_code").to_pylist() == ["130123", "130124"]


def test_old_snapshots_are_kept_for_the_configured_number_of_runs(dirs):
    marts, warehouse = dirs
    write_mart(marts, "fct_demo", facts([(2019, 1.0)]))
    for _ in range(4):
        publish_tables(marts, warehouse, [2019], keep=2)

    kept = snapshots(warehouse)
    assert len(kept) == 2
    assert current_snapshot(warehouse) == kept[-1].resolve()


def test_a_warehouse_of_the_old_layout_is_taken_over(dirs):
    marts, warehouse = dirs
    # Tables written straight into the folder, before snapshots.
    old = warehouse / "fct_demo" / "survey_year=2018"
    old.mkdir(parents=True)
    pq.write_table(pa.table({"value": [8.0]}), old / "part.parquet")
    write_mart(marts, "fct_demo", facts([(2019, 1.0)]))

    publish_tables(marts, warehouse, [2019])

    assert (warehouse / "fct_demo").is_symlink()
    assert read_back(warehouse, "fct_demo") == [(2018, 8.0), (2019, 1.0)]


def test_catalog_has_one_view_per_table(dirs):
    marts, warehouse = dirs
    write_mart(marts, "fct_demo", facts([(2019, 1.0), (2020, 3.0)]))
    write_mart(marts, "dim_region", pa.table({"county_code": ["130123"]}))
    (warehouse / "reports" / "2019").mkdir(parents=True)
    publish_tables(marts, warehouse, YEARS)

    with duckdb.connect(str(warehouse / CATALOG_FILE), read_only=True) as connection:
        views = connection.execute("select view_name from duckdb_views() where not internal")
        assert {row[0] for row in views.fetchall()} == {"fct_demo", "dim_region"}
        total = connection.execute("select sum(value) from fct_demo where survey_year = 2020")
        assert total.fetchone() == (3.0,)


def test_the_catalog_works_from_another_working_directory_and_after_a_move(dirs, tmp_path):
    marts, warehouse = dirs
    write_mart(marts, "fct_demo", facts([(2019, 1.0)]))
    publish_tables(marts, warehouse, [2019])
    moved = tmp_path / "elsewhere" / "wh"
    moved.parent.mkdir()
    warehouse.rename(moved)

    query = "select count(*) from fct_demo"
    for opened in (moved / CATALOG_FILE, moved / POINTER / CATALOG_FILE):
        with duckdb.connect(str(opened), read_only=True) as connection:
            assert connection.execute(query).fetchone() == (1,), opened
    # Attached to another database, the catalog reads its paths from file_search_path.
    with duckdb.connect() as connection:
        connection.execute("set file_search_path = ?", [str(moved)])
        connection.execute(f"attach '{moved / CATALOG_FILE}' as wh (read_only)")
        assert connection.execute("select count(*) from wh.fct_demo").fetchone() == (1,)


READER = textwrap.dedent(
    """
    import sys, duckdb
    connection = duckdb.connect(sys.argv[1], read_only=True)
    print(connection.execute("select count(*) from fct_demo").fetchone()[0], flush=True)
    sys.stdin.readline()  # hold the catalog open until the test has published again
    print(connection.execute("select count(*) from fct_demo").fetchone()[0], flush=True)
    """
)


def test_a_reader_holding_the_catalog_keeps_its_run_and_never_blocks_a_publish(dirs):
    marts, warehouse = dirs
    write_mart(marts, "fct_demo", facts([(2019, 1.0)]))
    publish_tables(marts, warehouse, [2019])

    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(warehouse / CATALOG_FILE)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert reader.stdout.readline().strip() == "1"
        # A DuckDB writer can not open a file another process holds; publishing never tries.
        write_mart(marts, "fct_demo", facts([(2019, 1.0), (2019, 2.0)]))
        publish_tables(marts, warehouse, [2019])
        with duckdb.connect(str(warehouse / CATALOG_FILE), read_only=True) as fresh:
            assert fresh.execute("select count(*) from fct_demo").fetchone() == (2,)
        reader.stdin.write("\n")
        reader.stdin.flush()
        # The open session still sees the run it opened, whole, until it reconnects.
        assert reader.stdout.readline().strip() == "1"
    finally:
        reader.kill()
        reader.wait()


# --- crash safety and concurrent readers -------------------------------------------------

# Every table of run N holds only the value N: a reader that sees two values saw two runs.
PUBLISHER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    import pyarrow as pa, pyarrow.parquet as pq
    from orchestration.publish.warehouse import publish_tables

    marts, warehouse, first, last = Path(sys.argv[1]), Path(sys.argv[2]), *map(int, sys.argv[3:5])
    marts.mkdir(parents=True, exist_ok=True)
    for run in range(first, last + 1):
        years = pa.array([2019, 2019, 2020, None], pa.int32())
        for name in ("fct_a", "fct_b", "ingest_files"):
            pq.write_table(pa.table({"survey_year": years, "run": [run] * 4}), marts / f"{name}.parquet")
        pq.write_table(pa.table({"run": [run] * 3}), marts / "dim_c.parquet")
        publish_tables(marts, warehouse, [2019, 2020])
        print(run, flush=True)
    """
)
TABLES = ("fct_a", "fct_b", "ingest_files", "dim_c")
RUNS_SEEN = " union ".join(f"select distinct run from {table}" for table in TABLES)


def publish_runs(marts, warehouse, first, last, fault=None):
    environment = {**os.environ, "PYTHONPATH": os.getcwd()}
    environment.pop(FAULT_VARIABLE, None)
    if fault:
        environment[FAULT_VARIABLE] = fault
    return subprocess.run(
        [sys.executable, "-c", PUBLISHER, str(marts), str(warehouse), str(first), str(last)],
        env=environment,
        capture_output=True,
        text=True,
    )


def runs_seen(warehouse):
    """The runs every table shows, through the catalog and through the Parquet paths."""
    with duckdb.connect(str(warehouse / CATALOG_FILE), read_only=True) as connection:
        through_catalog = {row[0] for row in connection.execute(RUNS_SEEN).fetchall()}
    through_files = set()
    for table in TABLES:
        files = f"{warehouse}/{table}/**/*.parquet"
        query = f"select distinct run from read_parquet('{files}', hive_partitioning = true)"
        through_files |= {row[0] for row in duckdb.sql(query).fetchall()}
    return through_catalog, through_files


@pytest.mark.parametrize("point", ["start", "writing", "before_switch", "after_switch", "pruning"])
def test_a_publish_killed_at_any_point_leaves_one_consistent_run(dirs, point):
    marts, warehouse = dirs
    assert publish_runs(marts, warehouse, 1, 3).returncode == 0

    killed = publish_runs(marts, warehouse, 4, 4, fault=point)

    assert killed.returncode == -9, killed.stderr
    seen = runs_seen(warehouse)
    expected = {4} if point in {"after_switch", "pruning"} else {3}
    assert seen == (expected, expected), point
    # The next run succeeds, cleans the leftovers and publishes a consistent run.
    assert publish_runs(marts, warehouse, 5, 5).returncode == 0
    assert runs_seen(warehouse) == ({5}, {5})
    assert not [p for p in (warehouse / SNAPSHOTS).iterdir() if p.name.startswith(".")]
    assert not list(warehouse.glob(".*"))


def test_leftovers_of_a_crash_are_cleaned_at_the_next_start(dirs):
    marts, warehouse = dirs
    publish_runs(marts, warehouse, 1, 1)
    publish_runs(marts, warehouse, 2, 2, fault="before_switch")
    unpublished = snapshots(warehouse)[-1]
    assert unpublished.resolve() != current_snapshot(warehouse)

    assert unpublished in clean_leftovers(warehouse)
    assert len(snapshots(warehouse)) == 1


def test_a_reader_querying_in_a_loop_during_publishes_sees_no_error_and_no_mixed_run(dirs):
    marts, warehouse = dirs
    assert publish_runs(marts, warehouse, 1, 1).returncode == 0
    environment = {**os.environ, "PYTHONPATH": os.getcwd(), "JUNHENG_KEEP_SNAPSHOTS": "3"}
    publisher = subprocess.Popen(
        [sys.executable, "-c", PUBLISHER, str(marts), str(warehouse), "2", "15"],
        env=environment,
        stdout=subprocess.PIPE,
        text=True,
    )
    seen, queries = set(), 0
    try:
        while publisher.poll() is None or queries < 20:
            with duckdb.connect(str(warehouse / CATALOG_FILE), read_only=True) as connection:
                runs = [row[0] for row in connection.execute(RUNS_SEEN).fetchall()]
            assert len(runs) == 1, runs  # one run for every table of the catalog
            seen.add(runs[0])
            queries += 1
            if publisher.poll() is not None and queries >= 20:
                break
            time.sleep(0.001)
    finally:
        publisher.wait(timeout=120)
    assert publisher.returncode == 0
    assert len(seen) > 1, "the reader never saw a publish happen"


def test_an_empty_raw_folder_drops_nothing(dirs, tmp_path):
    marts, warehouse = dirs
    write_mart(marts, "fct_demo", facts([(2019, 1.0), (2020, 3.0)]))
    publish_tables(marts, warehouse, YEARS)
    staged = tmp_path / "state" / "staging" / "school_survey"
    for year in YEARS:
        (staged / f"survey_year={year}").mkdir(parents=True)

    assert drop_vanished_years(tmp_path / "state", []) == []
    assert publish_tables(marts, warehouse, [], raw_years=[]).dropped_years == []
    assert drop_vanished_years(tmp_path / "state", [2020]) == [2019]
    assert sorted(p.name for p in staged.iterdir()) == ["survey_year=2020"]


def test_the_all_null_row_dbt_writes_for_an_empty_model_is_not_published(dirs):
    marts, warehouse = dirs
    write_mart(marts, "fct_demo", facts([(2019, 1.0)]))
    publish_tables(marts, warehouse, [2019])
    # dbt-duckdb writes an empty external model as one row of nulls.
    empty = pa.table({"survey_year": pa.array([None], pa.int32()), "value": [None]})
    write_mart(marts, "fct_demo", pa.table(empty.columns, schema=facts([(1, 1.0)]).schema))

    published = publish_tables(marts, warehouse, [2019])

    # The year is built and has no row; the table keeps its columns for the catalog's view.
    assert read_back(warehouse, "fct_demo") == []
    assert not list((warehouse / "fct_demo").glob("*HIVE_DEFAULT_PARTITION*"))
    assert published.tables[0].rows == 0
    with duckdb.connect(str(warehouse / CATALOG_FILE), read_only=True) as catalog:
        assert catalog.execute("select count(*) from fct_demo").fetchone() == (0,)


def test_a_dropped_year_leaves_no_report_or_workbook_behind(tmp_path):
    from orchestration.publish.warehouse import remove_dropped_years

    reports, exports = tmp_path / "reports", tmp_path / "exports"
    for folder in (reports, exports):
        for year in (2021, 2022):
            (folder / str(year)).mkdir(parents=True)
            (folder / str(year) / "page.html").write_text("x", encoding="utf-8")
    removed = remove_dropped_years([reports, exports], [2021])
    assert sorted(removed) == [exports / "2021", reports / "2021"]
    assert not (reports / "2021").exists() and (reports / "2022" / "page.html").exists()
    assert not (exports / "2021").exists() and (exports / "2022").exists()
