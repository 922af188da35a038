"""A dead run's processes (its dbt, its pools) are stopped when the next run starts."""

import os
import signal
import subprocess
import sys
import time

import pytest

from orchestration import cli, leftovers
from orchestration.runlock import writer_lock

pytestmark = pytest.mark.skipif(not leftovers.PROC.is_dir(), reason="needs Linux's /proc")

SLEEPER = "import signal, sys, time\nif sys.argv[2:] == ['stubborn']: signal.signal(signal.SIGTERM, signal.SIG_IGN)\ntime.sleep(float(sys.argv[1]))"  # noqa: E501


def orphan(
    environment: dict[str, str], cwd=None, stubborn: bool = False, seconds: float = 300
) -> int:
    """The pid of a Python sleeping `seconds` whose parent has already ended (as a dead
    run's child is), started with `environment` on top of this process's."""
    started = subprocess.run(
        [
            "sh",
            "-c",
            '"$0" -c "$1" $2 $3 >/dev/null 2>&1 & echo $!',
            sys.executable,
            SLEEPER,
            str(seconds),
        ]
        + (["stubborn"] if stubborn else []),  # fmt: skip
        env={**os.environ, **environment},
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    )
    pid = int(started.stdout)
    for _ in range(250):  # until the interpreter runs
        if leftovers._command(pid).startswith("python"):
            break
        time.sleep(0.02)
    return pid


@pytest.fixture
def orphans():
    """Start orphans; whatever is still alive at the end is killed."""
    pids = []

    def start(*args, **options) -> int:
        pids.append(orphan(*args, **options))
        return pids[-1]

    yield start
    leftovers.stop(pids, grace=0.5)


def alive(pid: int) -> bool:
    return leftovers._alive(pid)


def test_the_next_junheng_run_stops_a_dead_runs_processes_and_says_so(
    tmp_path, monkeypatch, orphans, capsys
):
    state = tmp_path / "state"
    (tmp_path / "raw" / "2019").mkdir(parents=True)
    (tmp_path / "raw" / "2019" / "正定县.xlsx").write_bytes(b"PK")
    for name, folder in [("RAW", "raw"), ("WAREHOUSE", "warehouse"), ("STATE", "state")]:
        monkeypatch.setenv(f"JUNHENG_{name}_DIR", str(tmp_path / folder))
    monkeypatch.setattr(cli, "run_command", lambda paths, years, **options: 0)
    (state / "dbt" / "target").mkdir(parents=True)
    # A pool worker of the dead run, and its dbt build (DBT_TARGET_PATH relative to its
    # working folder, as a path may be given).
    worker = orphans({leftovers.RUN_MARKER: str(state)})
    dbt = orphans({"DBT_TARGET_PATH": "dbt/target"}, cwd=state)
    # Left alone: another state folder's run, a dbt of another target folder (as
    # `junheng dbt-docs`), and a process that merely names the state folder (a shell, the
    # Dagster UI).
    other_run = orphans({leftovers.RUN_MARKER: str(tmp_path / "other state")})
    docs = orphans({"DBT_TARGET_PATH": str(state / "dbt" / "docs")})
    shell = orphans({"JUNHENG_STATE_DIR": str(state)})

    assert cli.main(["run"]) == 0

    printed = capsys.readouterr().out
    assert f"an earlier run of {state} had left processes running" in printed
    assert f"{worker} (python" in printed and f"{dbt} (python" in printed
    assert not alive(worker) and not alive(dbt)
    assert all(alive(pid) for pid in (other_run, docs, shell))
    for pid in (other_run, docs, shell):
        assert str(pid) not in printed


def test_a_process_of_a_finished_run_that_ends_by_itself_is_no_leftover(tmp_path, orphans):
    # as a finished run's forkserver and resource tracker, ending just after it let go of
    # the lock: the next run must not report (or stop) them
    state = tmp_path / "state"
    ending = orphans({leftovers.RUN_MARKER: str(state)}, seconds=0.5)
    assert leftovers.stop_leftovers(state) is None
    assert not alive(ending)
    stuck = orphans({leftovers.RUN_MARKER: str(state)})
    assert f"{stuck} (python" in leftovers.stop_leftovers(state, ending_grace=0.2)
    assert not alive(stuck)


def test_a_process_started_under_the_lock_is_known_when_its_run_died(
    tmp_path, orphans, monkeypatch
):
    state = tmp_path / "state"
    monkeypatch.setattr(leftovers, "TERM_GRACE", 0.5)
    # the run dies in its block: what it would have done at its end is not done
    monkeypatch.setattr("orchestration.runlock.end_of_run", lambda state_dir: None)
    with writer_lock(state, wait=0):
        # what a run starts inherits the marker (a `dbt build` deaf to SIGTERM here)
        assert os.environ[leftovers.RUN_MARKER] == str(state.resolve())
        child = orphans({}, stubborn=True)
        # its own children belong to the live run: never stopped
        own = subprocess.Popen([sys.executable, "-c", SLEEPER])
        try:
            assert leftovers.leftover_processes(state) == [child]
        finally:
            own.send_signal(signal.SIGKILL)
            own.wait()
    assert leftovers.RUN_MARKER not in os.environ
    assert alive(child)
    monkeypatch.undo()
    monkeypatch.setattr(leftovers, "TERM_GRACE", 0.5)

    notices = []
    with writer_lock(state, wait=0, notice=notices.append):
        pass

    assert not alive(child)  # SIGKILL after the grace
    assert len(notices) == 1 and f"{child} (python" in notices[0]
    with writer_lock(state, wait=0, notice=notices.append):
        pass
    assert len(notices) == 1  # nothing left the second time


HOLDER = """
import subprocess, sys, time
from pathlib import Path
from orchestration.runlock import writer_lock
with writer_lock(Path(sys.argv[1]), "junheng run"):
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"])
    print(child.pid, flush=True)
    time.sleep(300)
"""


def test_when_a_run_is_killed_its_guard_stops_what_it_started(tmp_path):
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(tmp_path / "state")], stdout=subprocess.PIPE, text=True
    )
    child = int(holder.stdout.readline())
    try:
        holder.kill()
        holder.wait()
        deadline = time.monotonic() + 20
        while alive(child) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not alive(child)  # no next run was needed
    finally:
        leftovers.stop([child], grace=0.5)
    # the next run to take the lock says what the guard stopped, once
    notices = []
    for _ in range(2):
        with writer_lock(tmp_path / "state", wait=10, notice=notices.append):
            pass
    assert len(notices) == 1, notices
    assert notices[0].startswith(f"an earlier run of {tmp_path / 'state'} had left processes")
    assert f"{child} (python" in notices[0]


def test_a_run_that_ends_as_it_should_leaves_its_children_to_it(tmp_path):
    with writer_lock(tmp_path / "state", wait=0):
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        time.sleep(1)  # a guard that stopped it would have done so by now
        assert child.poll() is None
    finally:
        child.kill()
        child.wait()


def _nothing():
    return None


def test_a_run_ends_its_forkserver_and_orphans_before_it_lets_go_of_the_lock(tmp_path, orphans):
    # tester 13e: a finished run's forkserver outlived its lock on a busy machine (the next
    # taker reported it as a dead run's), and a killed year process's readers ran on
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import forkserver

    state = tmp_path / "state"
    state.mkdir()
    with writer_lock(state, "test", guard=False):
        context = multiprocessing.get_context("forkserver")
        with ProcessPoolExecutor(1, mp_context=context) as pool:
            pool.submit(_nothing).result()
        server = forkserver._forkserver._forkserver_pid
        orphaned_reader = orphans({leftovers.RUN_MARKER: str(state.resolve())})
        assert server is not None and alive(server) and alive(orphaned_reader)
    assert not alive(server) and not alive(orphaned_reader)
    assert leftovers.leftover_processes(state) == []
