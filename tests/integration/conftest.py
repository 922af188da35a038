"""Fixtures shared by the integration tests: another process holding the run lock (the
tests of one writer at a time: `junheng run`, `junheng docs`)."""

import subprocess
import sys
import textwrap

import pytest

HOLDER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from orchestration.runlock import writer_lock
    with writer_lock(Path(sys.argv[1]), "junheng run"):
        print("held", flush=True)
        time.sleep(float(sys.argv[2]))
    """
)


@pytest.fixture
def held(tmp_path):
    """Another process holding the lock of tmp_path/state for `seconds`."""
    processes = []

    def hold(seconds: float):
        process = subprocess.Popen(
            [sys.executable, "-c", HOLDER, str(tmp_path / "state"), str(seconds)],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert process.stdout.readline().strip() == "held"
        processes.append(process)
        return process

    yield hold
    for process in processes:
        process.kill()
        process.wait()
