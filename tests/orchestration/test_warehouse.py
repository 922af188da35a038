"""The publish step: atomic per-year replace, no duplicates on re-run, the catalog swap."""

import subprocess
import sys
import textwrap

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from orchestration.warehouse import CATALOG_FILE, publish_tables, write_catalog


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
    publish_tables(marts, warehouse, [2019, 2020])
    publish_tables(marts, warehouse, [2019, 2020])

    assert (warehouse / "fct_demo" / "survey_year=2019").is_dir()
    assert read_back(warehouse, "fct_demo") == [(2019, 1.0), (2019, 2.0), (2020, 3.0)]
    # Only the data files remain: no temporary or parked folders beside the years.
    assert sorted(p.name for p in (warehouse / "fct_demo").iterdir()) == [
        "survey_year=2019",
        "survey_year=2020",
    ]


def test_publishing_one_year_leaves_the_other_years_alone(dirs):
    marts, warehouse = dirs
    write_mart(marts, "fct_demo", facts([(2019, 1.0), (2020, 3.0)]))
    publish_tables(marts, warehouse, [2019, 2020])

    # dbt rebuilt 2020 only; its mart no longer holds 2019.
    write_mart(marts, "fct_demo", facts([(2020, 30.0), (2020, 31.0)]))
    published = publish_tables(marts, warehouse, [2020])

    assert read_back(warehouse, "fct_demo") == [(2019, 1.0), (2020, 30.0), (2020, 31.0)]
    assert published[0].rows_by_partition["2020"] == 2


def test_a_year_that_lost_all_its_rows_keeps_no_row(dirs):
    marts, warehouse = dirs
    write_mart(marts, "quarantine", facts([(2019, 1.0), (2020, 2.0)]))
    publish_tables(marts, warehouse, [2019, 2020])
    write_mart(marts, "quarantine", facts([(2020, 2.0)]))
    publish_tables(marts, warehouse, [2019, 2020])

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


def test_catalog_has_one_view_per_table(dirs):
    marts, warehouse = dirs
    write_mart(marts, "fct_demo", facts([(2019, 1.0), (2020, 3.0)]))
    write_mart(marts, "dim_region", pa.table({"county_code": ["130123"]}))
    publish_tables(marts, warehouse, [2019, 2020])
    (warehouse / "reports" / "2019").mkdir(parents=True)

    catalog = write_catalog(warehouse)

    with duckdb.connect(str(catalog), read_only=True) as connection:
        views = connection.execute("select view_name from duckdb_views() where not internal")
        assert {row[0] for row in views.fetchall()} == {"fct_demo", "dim_region"}
        total = connection.execute("select sum(value) from fct_demo where survey_year = 2020")
        assert total.fetchone() == (3.0,)


READER = textwrap.dedent(
    """
    import sys, duckdb
    connection = duckdb.connect(sys.argv[1], read_only=True)
    print(connection.execute("select count(*) from fct_demo").fetchone()[0], flush=True)
    sys.stdin.readline()  # hold the catalog open until the test has swapped it
    print(connection.execute("select count(*) from fct_demo").fetchone()[0], flush=True)
    """
)


def test_catalog_swap_is_not_blocked_by_a_reader_holding_the_old_file(dirs):
    marts, warehouse = dirs
    write_mart(marts, "fct_demo", facts([(2019, 1.0)]))
    publish_tables(marts, warehouse, [2019])
    catalog = write_catalog(warehouse)

    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(catalog)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert reader.stdout.readline().strip() == "1"
        # A DuckDB writer can not open a file another process holds; the swap never tries.
        write_mart(marts, "fct_demo", facts([(2019, 1.0), (2019, 2.0)]))
        publish_tables(marts, warehouse, [2019])
        write_catalog(warehouse)
        with duckdb.connect(str(warehouse / CATALOG_FILE), read_only=True) as fresh:
            assert fresh.execute("select count(*) from fct_demo").fetchone() == (2,)
        reader.stdin.write("\n")
        reader.stdin.flush()
        # The old session keeps working: its views read the current Parquet files.
        assert reader.stdout.readline().strip() == "2"
    finally:
        reader.kill()
        reader.wait()


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
    assert published[0].rows == 0
