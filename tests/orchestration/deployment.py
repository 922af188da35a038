"""A deployment under one temporary folder, for the end-to-end tests of `junheng`."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import pytest


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
