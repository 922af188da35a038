"""One writer at a time: the lock in the state folder that every run takes.

`junheng run`/`backfill` hold it for the whole run; a run launched by Dagster (the UI, the
schedule, the sensor) takes it in every step through the `paths` resource, so a step never
writes while another run does. The lock is an OS file lock (the `filelock` library): it is
released when its process ends, however it ends, so a killed run never leaves it stuck.
Beside it, `run.lock.json` says who holds it, for the message a waiting run prints.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from datetime import UTC, datetime
from pathlib import Path

from filelock import FileLock, Timeout

from orchestration.leftovers import (
    RUN_MARKER,
    end_of_run,
    guarded,
    stop_leftovers,
    stopped_by_guards,
)

LOCK_FILE = "run.lock"
HOLDER_FILE = "run.lock.json"
# How often a waiting run says again that it is still waiting (seconds).
WAIT_NOTICE_EVERY = 60.0

# One FileLock per lock file in this process: taken again by the same process (the CLI,
# then the steps of its in-process run) it only counts, instead of waiting for itself.
_locks: dict[str, FileLock] = {}
_guard = threading.Lock()


class RunLocked(Exception):
    """Another run holds the lock and the caller chose not to wait (or waited long enough)."""


def _lock(state_dir: Path) -> FileLock:
    path = str(Path(state_dir).resolve() / LOCK_FILE)
    with _guard:
        if path not in _locks:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            _locks[path] = FileLock(path, thread_local=False)
        return _locks[path]


def holder(state_dir: Path) -> dict | None:
    """Who holds (or last held) the lock: pid, host, command and start time."""
    try:
        return json.loads((Path(state_dir) / HOLDER_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def describe_holder(state_dir: Path) -> str:
    """Who holds the state folder's run lock, in words, for the message of a refused run:
    `the run of process <pid> on <host> (<command>, started <time>)`, or `another run` when
    the holder file can not be read.
    """
    found = holder(state_dir)
    if not found:
        return "another run"
    return (
        f"the run of process {found.get('pid')} on {found.get('host')} "
        f"({found.get('command')}, started {found.get('started_at')})"
    )


@contextmanager
def writer_lock(
    state_dir: Path,
    command: str = "",
    wait: float | None = None,
    notice: Callable[[str], None] | None = None,
    guard: bool = True,
) -> Iterator[None]:
    """Hold the state folder's run lock for the block.

    Taken first in this process, it stops what a dead run of the state folder left
    running (leftovers.py; `notice` is told what), marks what the block starts as this
    run's, and (`guard`) starts a guard that stops it if this process dies in the block.

    wait: seconds to wait for another run (None: as long as it takes; 0: not at all).
    notice: called with a sentence when the lock is busy, and again every minute of waiting.
    Raises RunLocked when the wait runs out.
    """
    lock = _lock(state_dir)
    first = not lock.is_locked
    started = time.monotonic()
    told = None
    marked: list[str | None] = []  # the marker this process had, once it is set
    while True:
        try:
            lock.acquire(timeout=0 if wait == 0 else 1)
            break
        except Timeout:
            waited = time.monotonic() - started
            if wait is not None and waited >= wait:
                raise RunLocked(f"{describe_holder(state_dir)} is writing to {state_dir}") from None
            if notice and (told is None or time.monotonic() - told >= WAIT_NOTICE_EVERY):
                notice(f"waiting for {describe_holder(state_dir)} to finish")
                told = time.monotonic()
    try:
        if first:
            record = {
                "pid": os.getpid(),
                "host": socket.gethostname(),
                "command": command or " ".join(sys.argv[:2]),
                "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
            }
            (Path(state_dir) / HOLDER_FILE).write_text(json.dumps(record), encoding="utf-8")
            # No live run of the state folder exists now: what still runs for it is a
            # dead run's (leftovers.py). Every process started while the lock is held
            # carries the marker that makes it known if its run dies.
            stopped = stop_leftovers(state_dir)
            if notice:  # what the guard of a killed run stopped is said once, here
                for line in [*stopped_by_guards(state_dir), stopped]:
                    if line is not None:
                        notice(line)
            marked.append(os.environ.get(RUN_MARKER))
            os.environ[RUN_MARKER] = str(Path(state_dir).resolve())
            try:
                with guarded(state_dir) if guard else nullcontext():
                    yield
            finally:
                end_of_run(state_dir)
        else:
            yield
    finally:
        if marked and marked[0] is None:
            os.environ.pop(RUN_MARKER, None)
        elif marked:
            os.environ[RUN_MARKER] = marked[0]
        lock.release()


# --- the raw folder a state folder belongs to ----------------------------------------------

RAW_BINDING_FILE = "raw_folder.json"
# What --reset clears: everything built from the raw folder (Dagster's run history stays).
_BUILT_FROM_RAW = ("staging", "assets", "outcomes", "dbt")


class StateBelongsElsewhere(Exception):
    """The state folder was built from another raw folder."""


def bind_raw_folder(state_dir: Path, raw_dir: Path, reset: bool = False) -> bool:
    """Record that `state_dir` is built from `raw_dir`, or refuse another raw folder.

    Staged years of two raw folders would publish the schools of both. With `reset`, what
    was built from the other folder is removed first (the next publish then drops its
    years from the warehouse). Returns whether anything was reset.
    """
    state_dir, raw_dir = Path(state_dir), Path(raw_dir).resolve()
    record = state_dir / RAW_BINDING_FILE
    try:
        bound = json.loads(record.read_text(encoding="utf-8"))["raw_dir"]
    except (OSError, ValueError, KeyError):
        bound = None
    was_reset = False
    if bound is not None and bound != str(raw_dir):
        if not reset:
            raise StateBelongsElsewhere(
                f"the state folder {state_dir} holds what was built from the raw folder "
                f"{bound}, not {raw_dir}. Run again with --reset to clear it and build from "
                f"{raw_dir}, or point JUNHENG_STATE_DIR at a folder of its own."
            )
        for name in _BUILT_FROM_RAW:
            shutil.rmtree(state_dir / name, ignore_errors=True)
        was_reset = True
    state_dir.mkdir(parents=True, exist_ok=True)
    record.write_text(json.dumps({"raw_dir": str(raw_dir)}), encoding="utf-8")
    return was_reset
