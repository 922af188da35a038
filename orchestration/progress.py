"""Progress lines while a run works: one per step and year, with files, rows and elapsed time.

They go to standard error, so `junheng run` shows them on the terminal while Dagster's and
dbt's own log goes to the run log (and a run launched from the UI keeps them in its step's
captured output). JUNHENG_PROGRESS=0 silences them.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager


class Step:
    """Figures a step reports when it ends (`files read`, `rows`, ...), in order."""

    def __init__(self) -> None:
        self.figures: dict[str, object] = {}

    def add(self, **figures: object) -> None:
        """Record figures (name -> value) the step reports when it ends."""
        self.figures.update(figures)


def say(line: str) -> None:
    """Print one progress line on standard error, unless JUNHENG_PROGRESS=0."""
    if os.environ.get("JUNHENG_PROGRESS", "1") != "0":
        print(line, file=sys.stderr, flush=True)


def format_figures(figures: dict[str, object]) -> str:
    """A step's figures as text: {"files_read": 12, "rows": 700} -> `12 files read, 700 rows`."""
    return ", ".join(f"{value} {name.replace('_', ' ')}" for name, value in figures.items())


@contextmanager
def step(name: str, year: int | None = None) -> Iterator[Step]:
    """Print `name [year]: ...` when the block starts and again, with its figures and the
    time it took, when it ends (or says that it failed)."""
    label = f"{name} {year}" if year is not None else name
    say(f"  {label}: started")
    started = time.monotonic()
    current = Step()
    try:
        yield current
    except BaseException:
        say(f"  {label}: failed after {time.monotonic() - started:.1f} s")
        raise
    figures = format_figures(current.figures)
    say(f"  {label}: {figures + ', ' if figures else ''}{time.monotonic() - started:.1f} s")
