"""One writer at a time: the run lock, a second `junheng run`, a run that died."""

import os
import time

import pytest
from dagster import DagsterInstance, DagsterRunStatus
from dagster._core.storage.dagster_run import DagsterRun

from orchestration import cli
from orchestration.runlock import RunLocked, writer_lock
from orchestration.settings import Paths


def test_a_second_writer_is_refused_with_who_holds_the_lock(tmp_path, held):
    process = held(30)
    with pytest.raises(RunLocked, match=f"process {process.pid}.*junheng run"):
        with writer_lock(tmp_path / "state", wait=0):
            pass


def test_a_second_writer_waits_for_the_first_and_then_runs(tmp_path, held):
    held(2)
    notices = []
    started = time.monotonic()
    with writer_lock(tmp_path / "state", notice=notices.append):
        waited = time.monotonic() - started
    assert waited >= 1
    assert notices and "waiting for the run of process" in notices[0]


def test_the_lock_is_free_again_when_its_holder_is_killed(tmp_path, held):
    held(300).kill()
    time.sleep(0.2)
    with writer_lock(tmp_path / "state", wait=5):
        pass


def test_the_same_process_takes_the_lock_again_without_waiting_for_itself(tmp_path):
    with writer_lock(tmp_path / "state", wait=0):
        with writer_lock(tmp_path / "state", wait=0):
            pass


@pytest.fixture
def deployment(tmp_path, monkeypatch):
    for name, folder in [("RAW", "raw"), ("WAREHOUSE", "warehouse"), ("STATE", "state")]:
        monkeypatch.setenv(f"JUNHENG_{name}_DIR", str(tmp_path / folder))
    for raw in ("raw", "other raw"):  # a raw folder is bound only once it holds a file
        (tmp_path / raw / "2019").mkdir(parents=True)
        (tmp_path / raw / "2019" / "正定县.xlsx").write_bytes(b"PK")
    ran = []
    monkeypatch.setattr(cli, "run_command", lambda paths, years, **options: ran.append(years) or 0)
    return ran


def test_a_second_junheng_run_with_no_wait_exits_with_a_clear_message(deployment, held, capsys):
    process = held(30)
    assert cli.main(["run", "--no-wait"]) == cli.EXIT_BUSY
    printed = capsys.readouterr().out
    assert f"process {process.pid}" in printed and "not started" in printed
    assert deployment == []


def test_a_second_junheng_run_waits_and_is_not_lost(deployment, held, capsys):
    held(2)
    assert cli.main(["run", "--years", "2019"]) == 0
    assert deployment == [(2019, 2019)]
    assert "waiting for the run of process" in capsys.readouterr().out


def test_a_run_that_died_is_marked_failed_at_the_next_start(tmp_path):
    paths = Paths(tmp_path / "raw", tmp_path / "warehouse", tmp_path / "state")
    tags = {cli.LAUNCHED_BY_TAG: "cli", cli.STATE_DIR_TAG: str(paths.state_dir)}
    with DagsterInstance.ephemeral() as instance:
        dead = instance.add_run(
            DagsterRun(job_name="refresh_warehouse", status=DagsterRunStatus.STARTED, tags=tags)
        )
        other = instance.add_run(
            DagsterRun(job_name="refresh_warehouse", status=DagsterRunStatus.STARTED)
        )

        assert cli.fail_dead_runs(instance, paths) == [dead.run_id]

        assert instance.get_run_by_id(dead.run_id).status == DagsterRunStatus.FAILURE
        # A run the UI launched is the daemon's run monitoring's to judge.
        assert instance.get_run_by_id(other.run_id).status == DagsterRunStatus.STARTED


def test_a_state_folder_refuses_another_raw_folder_until_reset(deployment, tmp_path, capsys):
    assert cli.main(["run"]) == 0
    (tmp_path / "state" / "staging" / "school_survey").mkdir(parents=True)
    other = tmp_path / "other raw"
    os.environ["JUNHENG_RAW_DIR"] = str(other)  # restored by the fixture's monkeypatch

    assert cli.main(["run"]) == 2
    printed = capsys.readouterr().out
    assert f"built from the raw folder {tmp_path / 'raw'}" in printed and "--reset" in printed
    assert deployment == [None]

    assert cli.main(["run", "--reset"]) == 0
    assert not (tmp_path / "state" / "staging").exists()
    assert deployment == [None, None]
    assert cli.main(["run"]) == 0  # bound to the other folder now
