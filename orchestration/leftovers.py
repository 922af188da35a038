"""The processes a dead run left behind in its state folder, found and stopped.

`kill -9` of `junheng run` (or of a Dagster step) frees the run lock at once, but not the
processes the run had started: its `dbt build` (which holds DuckDB's write lock on
`<state>/dbt/build.duckdb`), the `dbt parse` started ahead (orchestration/dbt_ahead.py),
the reader and report pools. Reparented to init, they would go on writing the dead run's
results into the state folder, and the next run would fail on DuckDB's lock.

How they are known (Linux: `/proc/<pid>/environ`, the environment a process was started
with; its children inherit it):
- `RUN_MARKER`: while a process holds a state folder's run lock, `JUNHENG_RUN_STATE_DIR`
  names that state folder in its environment (runlock.writer_lock), so every process it
  starts carries it: dbt, the pools' forkserver and its workers.
- `DBT_TARGET_PATH` naming `<state>/dbt/target`: a `dbt build` or `dbt parse` of the state
  folder, whoever started it (dagster-dbt sets it for every invocation).
A process holding the run lock calls `stop_leftovers`: no live run of the state folder
exists then, so whatever still carries its marks (and is not this process or one of its
own children) belongs to a dead run.

When does it happen: at once, by the run's guard (`guarded`): a small process the lock's
holder starts, in a session of its own, that waits for the holder to end; if it ended
without saying so (killed), the guard takes the lock and stops what the run left. And at
the start of every run, for a guard that was itself killed. Elsewhere than Linux (no
/proc) nothing is found and no guard is started.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

RUN_MARKER = "JUNHENG_RUN_STATE_DIR"
PROC = Path("/proc")
# Seconds a left-over process has to end after SIGTERM before it gets SIGKILL.
TERM_GRACE = 3.0
# What the lock's holder tells its guard when it ends as it should.
_DONE = b"done"
# In the state folder: what a guard stopped, said by the next run that takes the lock.
STOPPED_FILE = "leftovers_stopped.txt"


def _environment(pid: int) -> dict[str, str] | None:
    """The environment process `pid` was started with; None when it can not be read
    (gone, or another user's)."""
    try:
        raw = (PROC / str(pid) / "environ").read_bytes()
    except OSError:
        return None
    found = {}
    for entry in raw.split(b"\0"):
        name, sep, value = entry.partition(b"=")
        if sep:
            found[name.decode("utf-8", "surrogateescape")] = value.decode(
                "utf-8", "surrogateescape"
            )
    return found


def _status(pid: int) -> tuple[str, int] | None:
    """(state letter, parent pid) of process `pid` from /proc/<pid>/stat; None when gone."""
    try:
        stat = (PROC / str(pid) / "stat").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    # The command name (2nd field) is in parentheses and may hold spaces and ')'.
    fields = stat[stat.rfind(")") + 2 :].split()
    return fields[0], int(fields[1])


def _command(pid: int) -> str:
    """Process `pid`'s command line, shortened, for the message."""
    try:
        raw = (PROC / str(pid) / "cmdline").read_bytes()
    except OSError:
        return "?"
    words = [word for word in raw.decode("utf-8", "replace").split("\0")[:4] if word]
    # the interpreter and the script by name: `python dbt build`
    text = " ".join(Path(w).name if i < 2 and "/" in w else w for i, w in enumerate(words))
    return (text[:57] + "...") if len(text) > 60 else text or "?"


def _resolved(value: str, pid: int) -> Path:
    """A path from process `pid`'s environment, resolved against its working folder."""
    path = Path(value)
    if not path.is_absolute():
        try:
            path = Path(os.readlink(PROC / str(pid) / "cwd")) / path
        except OSError:
            pass
    return path.resolve()


def belongs_to(environment: dict[str, str], pid: int, state_dir: Path) -> bool:
    """Whether a process with `environment` was started for the state folder `state_dir`
    (resolved): by a holder of its run lock, or as a dbt writing into its target folder."""
    marker = environment.get(RUN_MARKER)
    if marker and _resolved(marker, pid) == state_dir:
        return True
    target = environment.get("DBT_TARGET_PATH")
    return bool(target) and _resolved(target, pid) == state_dir / "dbt" / "target"


def _own_family() -> set[int]:
    """This process and its descendants (they belong to the live run)."""
    parents: dict[int, int] = {}
    for entry in PROC.iterdir() if PROC.is_dir() else ():
        if entry.name.isdigit() and (status := _status(int(entry.name))) is not None:
            parents[int(entry.name)] = status[1]
    family = {os.getpid()}
    for pid in parents:
        chain, current = [], pid
        while current in parents and current not in family and current > 1:
            chain.append(current)
            current = parents[current]
        if current in family:
            family.update(chain)
    return family


def leftover_processes(state_dir: Path) -> list[int]:
    """The live processes started for `state_dir` that are not this process or its
    descendants, in pid order. Empty where there is no /proc."""
    state_dir = Path(state_dir).resolve()
    if not PROC.is_dir():
        return []
    own = _own_family()
    found = []
    for entry in PROC.iterdir():
        if not entry.name.isdigit() or int(entry.name) in own:
            continue
        pid = int(entry.name)
        environment = _environment(pid)
        status = _status(pid)
        if environment is None or status is None or status[0] == "Z":
            continue
        if belongs_to(environment, pid, state_dir):
            found.append(pid)
    return sorted(found)


def _alive(pid: int) -> bool:
    status = _status(pid)
    return status is not None and status[0] != "Z"  # a zombie has ended: it only waits


def stop(pids: list[int], grace: float | None = None) -> None:
    """SIGTERM each process, then SIGKILL those still alive after `grace` seconds
    (default TERM_GRACE); returns when all have ended (or `grace` more seconds passed)."""
    grace = TERM_GRACE if grace is None else grace
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in pids:
            try:
                os.kill(pid, sig)
            except OSError:  # ended already, or not ours to stop
                pass
        deadline = time.monotonic() + grace
        while (pids := [pid for pid in pids if _alive(pid)]) and time.monotonic() < deadline:
            time.sleep(0.05)
        if not pids:
            return


# A run that ended as it should lets go of the lock a moment before its forkservers and
# resource tracker have ended (they end when their parent's pipe closes): no leftovers of
# a dead run. What is still alive after this many seconds is.
ENDING_GRACE = 2.0


def stop_leftovers(state_dir: Path, ending_grace: float = ENDING_GRACE) -> str | None:
    """Stop the processes a dead run of `state_dir` left (call it holding the run lock);
    a sentence naming them, or None when there were none. Processes that end by
    themselves within `ending_grace` seconds are left to end."""
    pids = leftover_processes(state_dir)
    deadline = time.monotonic() + ending_grace
    while pids and time.monotonic() < deadline:
        time.sleep(0.05)
        pids = [pid for pid in pids if _alive(pid)]
    if not pids:
        return None
    named = ", ".join(f"{pid} ({_command(pid)})" for pid in pids)
    stop(pids)
    still = [pid for pid in pids if _alive(pid)]
    return f"an earlier run of {state_dir} had left processes running: {named}: stopped" + (
        f" (still alive: {', '.join(map(str, still))})" if still else ""
    )


def end_of_run(state_dir: Path) -> None:
    """Before the run lock is let go: end what this run started that would outlive it.

    This process's multiprocessing forkserver and resource tracker end only when it exits,
    seconds after the lock on a busy machine: the next taker would find them and stop them
    as a dead run's (tester 13e). And the readers of a year process that was killed (the
    out-of-memory killer) are orphans that would run until the next run. Under the lock
    every marked process outside this process's family is such an orphan.
    """
    from multiprocessing import forkserver, resource_tracker

    for helper in (forkserver._forkserver, resource_tracker._resource_tracker):
        try:
            helper._stop()  # closes its "alive" pipe and waits for it: how it ends at exit
        except Exception:  # noqa: BLE001 - only a message at the next run is at stake
            pass
    stop(leftover_processes(state_dir))


@contextmanager
def guarded(state_dir: Path) -> Iterator[None]:
    """Run a block (the holding of `state_dir`'s run lock) with a guard process that stops
    what the block's process leaves running if that process dies inside it (`kill -9`):
    the guard then takes the run lock and calls `stop_leftovers` under it, so the next run
    waits for it for at most the grace of a SIGTERM. Nothing is guarded where there is no
    /proc or the guard can not be started.
    """
    if not PROC.is_dir():
        yield
        return
    read, write = os.pipe()  # not inherited by what the run starts (PEP 446)
    try:
        guard = subprocess.Popen(
            [sys.executable, "-m", "orchestration.leftovers", str(Path(state_dir)), str(read)],
            pass_fds=(read,),
            # neither marked as the run's (it would stop itself) nor in its process group
            env={name: value for name, value in os.environ.items() if name != RUN_MARKER},
            start_new_session=True,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    except OSError:
        os.close(read)
        os.close(write)
        yield
        return
    os.close(read)
    try:
        yield
    finally:
        os.write(write, _DONE)
        os.close(write)
        try:
            guard.wait(timeout=10)
        except subprocess.TimeoutExpired:  # a machine too busy to start it: it ends later
            pass


def _guard(state_dir: Path, fd: int) -> None:
    """The guard's life: wait until the lock's holder ends; if it did not say it was done,
    stop what it left, under the run lock."""
    told = b""
    while chunk := os.read(fd, 64):
        told += chunk
    if told == _DONE:
        return
    from orchestration.runlock import writer_lock

    def keep(line: str) -> None:  # under the lock, so the next run finds it
        with (state_dir / STOPPED_FILE).open("a", encoding="utf-8") as record:
            record.write(f"{line}\n")

    with writer_lock(state_dir, "stopping what a killed run left", notice=keep, guard=False):
        pass  # taking the lock stops them


def stopped_by_guards(state_dir: Path) -> list[str]:
    """The sentences the guards of killed runs left (`_guard`), removed once read; call it
    holding the run lock."""
    record = Path(state_dir) / STOPPED_FILE
    try:
        lines = record.read_text(encoding="utf-8").splitlines()
        record.unlink()
    except OSError:
        return []
    return [line for line in lines if line]


if __name__ == "__main__":
    _guard(Path(sys.argv[1]), int(sys.argv[2]))
