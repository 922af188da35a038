"""The BI catalog, copied to another folder, opens and answers under older DuckDB releases.

Each release line gets its own virtual environment, made with pip from PyPI and cached in
the temporary folder (one per line, shared by later test runs). Without PyPI the test skips
and says so.
"""

import shutil
import subprocess
import tempfile
import textwrap
import venv
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from filelock import FileLock

from orchestration.publish.warehouse import CATALOG_FILE, publish_tables

# The DuckDB lines BI tools ship today besides the pinned one (Evidence, DBeaver, Metabase).
OLDER_LINES = {"1.4": "duckdb>=1.4,<1.5", "1.5": "duckdb>=1.5,<1.6"}
CACHE = Path(tempfile.gettempdir()) / "junheng-test-duckdb"

QUERY = textwrap.dedent(
    """
    import sys, duckdb
    connection = duckdb.connect(sys.argv[1], read_only=True)
    print(duckdb.__version__)
    print(connection.execute(
        "select survey_year, sum(value) from fct_demo group by all order by all"
    ).fetchall())
    print(connection.execute("select count(*) from dim_region").fetchone()[0])
    """
)


def older_duckdb(line: str) -> Path:
    """The python of a cached venv holding the newest DuckDB of `line`."""
    home = CACHE / line
    python = home / "bin" / "python"
    CACHE.mkdir(parents=True, exist_ok=True)
    with FileLock(str(CACHE / f"{line}.lock")):
        if not (home / "ready").exists():
            shutil.rmtree(home, ignore_errors=True)
            venv.EnvBuilder(with_pip=True).create(home)
            install = subprocess.run(
                [str(python), "-m", "pip", "install", "--quiet", OLDER_LINES[line]],
                capture_output=True,
                text=True,
                timeout=600,
            )
            if install.returncode != 0:
                shutil.rmtree(home, ignore_errors=True)
                pytest.skip(f"could not install {OLDER_LINES[line]} from PyPI: {install.stderr}")
            (home / "ready").touch()
    return python


@pytest.mark.parametrize("line", sorted(OLDER_LINES))
def test_a_copied_catalog_opens_and_answers_under_an_older_duckdb(tmp_path, line):
    marts, warehouse = tmp_path / "marts", tmp_path / "warehouse"
    marts.mkdir()
    years = pa.array([2019, 2019, 2020], pa.int32())
    pq.write_table(
        pa.table({"survey_year": years, "value": [1.0, 2.0, 3.0]}), marts / "fct_demo.parquet"
    )
    pq.write_table(pa.table({"county_code": ["130123"]}), marts / "dim_region.parquet")
    publish_tables(marts, warehouse, [2019, 2020])
    publish_tables(marts, warehouse, [2020])  # a second snapshot, the first kept beside it
    copy = tmp_path / "copied" / "县教育局 warehouse"
    shutil.copytree(warehouse, copy, symlinks=True)
    shutil.rmtree(warehouse)  # nothing may still lead to the original folder

    python = older_duckdb(line)
    answer = subprocess.run(
        [str(python), "-c", QUERY, str(copy / CATALOG_FILE)],
        capture_output=True,
        text=True,
        cwd=tmp_path,  # neither the warehouse nor its copy
        timeout=120,
    )

    assert answer.returncode == 0, answer.stderr
    version, rows, regions = answer.stdout.split("\n")[:3]
    assert version.startswith(line + "."), version
    assert rows == "[(2019, 3.0), (2020, 3.0)]"
    assert regions == "1"
