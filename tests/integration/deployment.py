"""A deployment under one temporary folder, for the end-to-end tests of `junheng`."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from orchestration import cli


@contextlib.contextmanager
def deployment_environment(root: Path) -> Iterator[None]:
    """JUNHENG_* folders and DAGSTER_HOME below `root` (raw/ is `root/raw`) while inside."""
    environment = {
        "JUNHENG_RAW_DIR": root / "raw",
        "JUNHENG_WAREHOUSE_DIR": root / "warehouse",
        "JUNHENG_STATE_DIR": root / "state",
        "DAGSTER_HOME": root / "state" / "dagster",
    }
    with pytest.MonkeyPatch.context() as monkeypatch:
        for name, value in environment.items():
            monkeypatch.setenv(name, str(value))
        yield


def run_junheng(root: Path, *args: str) -> tuple[int, str]:
    """(exit status, printed output) of `junheng <args>` in the deployment under `root`."""
    out = io.StringIO()
    with deployment_environment(root), contextlib.redirect_stdout(out):
        status = cli.main(list(args))
    return status, out.getvalue()


def query(root: Path, sql: str) -> list[tuple]:
    """The rows of `sql` over the published catalog of the deployment under `root`."""
    with duckdb.connect(str(root / "warehouse" / "junheng.duckdb"), read_only=True) as catalog:
        return catalog.execute(sql).fetchall()
