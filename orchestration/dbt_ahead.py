"""dbt's parse of a build, started ahead of it: `junheng run` starts `dbt parse` for the
run's years in the background, on the core its own start-up leaves idle, so that the run's
`dbt build` finds its parse done (partial parsing) instead of parsing the project again.

dbt reuses a parse (`<target>/partial_parse.msgpack`) only when the command-line vars, the
rendered profile (its paths name the state folder) and the project's files are those of the
parse. A cold state folder has none, and the manifest `junheng dbt-parse` writes is for
another state folder and no years, so without this every new state folder and every new
set of years paid dbt's whole parse (3 CPU-s, docs/performance-run.md) inside the dbt step.

Framework-free and light: imported by `junheng run` before Dagster is.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from orchestration.settings import CONTRACTS_DIR, DBT_PROJECT_DIR, Paths

# The dbt installed beside this Python, whether or not its bin folder is on PATH.
_VENV_DBT = Path(sys.executable).with_name("dbt")
DBT_EXECUTABLE = str(_VENV_DBT) if _VENV_DBT.exists() else "dbt"

# The parse started for a target folder (absolute path -> process), awaited by the build.
_STARTED: dict[Path, subprocess.Popen] = {}


def dbt_environment(paths: Paths) -> dict[str, str]:
    """The variables dbt's profile and sources read (absolute paths)."""
    return {
        "JUNHENG_STATE_DIR": str(paths.state_dir.resolve()),
        "JUNHENG_CONTRACTS_DIR": str(CONTRACTS_DIR.resolve()),
    }


def build_vars(years: Sequence[int]) -> str:
    """dbt's `--vars` for a build of `years`: the same text for the parse and the build,
    since dbt reuses a parse only for the same vars."""
    return json.dumps({"survey_years": sorted(years)})


def target_dir(paths: Paths) -> Path:
    """The dbt target folder of a deployment's builds: <state>/dbt/target."""
    return (paths.dbt_dir / "target").resolve()


@contextmanager
def parse_ahead(paths: Paths, years: Sequence[int]) -> Iterator[None]:
    """Run a block while `dbt parse` for a build of `years` runs in the background, writing
    its parse into the deployment's target folder. The build waits for it
    (`wait_for_parse`); at the end of the block a parse still running is stopped.

    A parse that fails costs nothing: the build then parses as it would have anyway.
    """
    target = target_dir(paths)
    target.mkdir(parents=True, exist_ok=True)
    environment = {
        **os.environ,
        **dbt_environment(paths),
        # As dagster-dbt's invocation sets them: the parse's log and artifacts stay in the
        # target folder, never in dbt_project/.
        "DBT_TARGET_PATH": str(target),
        "DBT_LOG_PATH": str(target),
        "DBT_PROFILES_DIR": str(DBT_PROJECT_DIR),
        "DBT_PROJECT_DIR": str(DBT_PROJECT_DIR),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    command = [DBT_EXECUTABLE, "parse", "--quiet", "--vars", build_vars(years)]
    try:
        process = subprocess.Popen(
            command,
            cwd=DBT_PROJECT_DIR,
            env=environment,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    except OSError:  # no dbt to start: the build says so itself
        yield
        return
    _STARTED[target] = process
    try:
        yield
    finally:
        _STARTED.pop(target, None)
        if process.poll() is None:
            process.terminate()
        process.wait()


def wait_for_parse(target: Path) -> int | None:
    """Wait for the parse started ahead for the target folder `target`; its exit status, or
    None when none was started (a run launched from the UI, the schedule or a test)."""
    process = _STARTED.get(Path(target).resolve())
    return None if process is None else process.wait()
