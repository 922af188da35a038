"""`junheng docs` opens the build database as dbt: it holds the run lock as a run does, so a
run and the documentation never meet on DuckDB's single-writer lock (cli.dbt_docs)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from orchestration import cli
from orchestration.defs import resources

# A second process asking for the lock without waiting, as `junheng run --no-wait` does.
ASK = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from orchestration.runlock import RunLocked, writer_lock
    try:
        with writer_lock(Path(sys.argv[1]), "junheng run", wait=0):
            print("taken")
    except RunLocked:
        print("busy")
    """
)


class _Invocation:
    def wait(self):
        return self

    def is_successful(self) -> bool:
        return True


@pytest.fixture
def docs(tmp_path, monkeypatch, held):
    """`junheng docs` with dbt stood in for: each call records what it saw while dbt ran (the
    holder process still alive, another process's try at the lock) and writes dbt's page.
    Yields the records and `held` (conftest.py: another process holding the lock)."""
    for name, folder in [("RAW", "raw"), ("WAREHOUSE", "warehouse"), ("STATE", "state")]:
        monkeypatch.setenv(f"JUNHENG_{name}_DIR", str(tmp_path / folder))
    seen: list[dict] = []
    holders: list[subprocess.Popen] = []

    class StandIn:
        def cli(self, args, target_path, raise_on_error):
            asked = subprocess.run(
                [sys.executable, "-c", ASK, str(tmp_path / "state")],
                capture_output=True,
                text=True,
                check=True,
            )
            alive = [process.poll() is None for process in holders]
            seen.append({"args": args, "holder alive": alive, "a run asking": asked.stdout})
            target_path.mkdir(parents=True, exist_ok=True)
            (target_path / "static_index.html").write_text("<html>docs</html>")
            return _Invocation()

    monkeypatch.setattr(resources, "dbt_cli", StandIn)

    def hold(seconds: float) -> subprocess.Popen:
        holders.append(held(seconds))
        return holders[-1]

    return seen, hold


def test_docs_wait_for_a_run_and_a_run_waits_for_the_docs(docs, tmp_path, capsys):
    seen, hold = docs
    holder = hold(2)
    assert cli.main(["docs"]) == 0
    printed = capsys.readouterr().out
    assert f"waiting for the run of process {holder.pid}" in printed
    (call,) = seen
    assert call["args"][:2] == ["docs", "generate"]
    assert call["holder alive"] == [False]  # dbt opened the database after the run ended
    assert call["a run asking"].strip() == "busy"  # and no run could start while it did
    assert (tmp_path / "warehouse" / "docs" / "index.html").read_text() == "<html>docs</html>"


def test_docs_with_no_wait_exit_75_naming_the_run(docs, tmp_path, capsys):
    seen, hold = docs
    holder = hold(30)
    assert cli.main(["docs", "--no-wait"]) == cli.EXIT_BUSY
    printed = capsys.readouterr().out
    assert f"process {holder.pid}" in printed and "not written" in printed
    assert seen == []
    assert not (tmp_path / "warehouse" / "docs").exists()
