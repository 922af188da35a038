"""The run queue of Junheng's dagster.yaml starts one run at a time.

Two runs are queued in an instance configured by `junheng` (as `make dev` configures
it), the Dagster daemon dequeues them, and the test reads when each one ran: the second
starts only after the first ended.
"""

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from dagster import DagsterInstance, DagsterRunStatus

from orchestration import cli
from orchestration.settings import Paths

pytestmark = pytest.mark.pipeline

JOBS = textwrap.dedent(
    """
    import os, time
    from dagster import Definitions, job, op

    @op
    def record(context):
        started = time.time()
        time.sleep(6)  # long beside a run's start-up, so unlimited runs would overlap
        with open(os.environ["RUN_TIMES"], "a") as times:
            times.write(f"{context.run_id} {started} {time.time()}\\n")

    @job
    def slow():
        record()

    defs = Definitions(jobs=[slow])
    """
)


def test_two_queued_runs_run_one_after_the_other(tmp_path, monkeypatch):
    monkeypatch.setenv("DAGSTER_HOME", "")
    home = cli.ensure_dagster_home(Paths(tmp_path, tmp_path, tmp_path / "state"))
    code = tmp_path / "jobs.py"
    code.write_text(JOBS)
    times = tmp_path / "times.txt"
    environment = {**os.environ, "DAGSTER_HOME": str(home), "RUN_TIMES": str(times)}
    dagster = Path(sys.executable).with_name("dagster")
    for _ in range(2):
        launch = [str(dagster), "job", "launch", "-f", str(code), "-j", "slow"]
        queued = subprocess.run(launch, env=environment, capture_output=True, text=True)
        assert queued.returncode == 0, queued.stderr

    with DagsterInstance.from_config(str(home)) as instance:
        # Submitted to the queue, not started: the daemon decides when each one runs.
        assert [run.status for run in instance.get_runs()] == [DagsterRunStatus.QUEUED] * 2

    daemon = subprocess.Popen(
        [str(dagster) + "-daemon", "run", "-f", str(code)],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 240
        with DagsterInstance.from_config(str(home)) as instance:
            while time.monotonic() < deadline:
                statuses = [run.status for run in instance.get_runs()]
                if len(statuses) == 2 and all(s == DagsterRunStatus.SUCCESS for s in statuses):
                    break
                assert DagsterRunStatus.FAILURE not in statuses
                time.sleep(1)
            else:
                pytest.fail(f"the queued runs did not both finish: {statuses}")
    finally:
        os.killpg(daemon.pid, signal.SIGTERM)
        daemon.wait(timeout=30)

    (start_a, end_a), (start_b, end_b) = sorted(
        (float(started), float(ended))
        for _, started, ended in (line.split() for line in times.read_text().splitlines())
    )
    assert start_b >= end_a, "the second run started while the first was running"
