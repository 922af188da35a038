"""One `dbt build` of the project over a small synthetic staged dataset, shared by the tests."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest
from dbt.cli.main import dbtRunner, dbtRunnerResult

from orchestration.settings import CONTRACTS_DIR, DBT_PROJECT_DIR
from tests.dbt.staged_fixture import write_staged


@dataclass(frozen=True)
class DbtBuild:
    result: dbtRunnerResult
    state_dir: Path
    work_dir: Path

    @property
    def marts_dir(self) -> Path:
        return self.state_dir / "dbt" / "marts"


def invoke_dbt(*args: str, state_dir: Path, work_dir: Path) -> dbtRunnerResult:
    """dbt with the project's profile pointed at `state_dir`; target and logs kept out of the repo."""
    env = {"JUNHENG_STATE_DIR": str(state_dir), "JUNHENG_CONTRACTS_DIR": str(CONTRACTS_DIR),
           "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    saved = {name: os.environ.get(name) for name in env}
    os.environ.update(env)
    try:
        return dbtRunner().invoke([
            *args,
            "--project-dir", str(DBT_PROJECT_DIR),
            "--profiles-dir", str(DBT_PROJECT_DIR),
            "--target-path", str(work_dir / "target"),
            "--log-path", str(work_dir / "logs"),
        ])
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@pytest.fixture(scope="session")
def dbt_build(tmp_path_factory: pytest.TempPathFactory) -> DbtBuild:
    state_dir = tmp_path_factory.mktemp("state")
    write_staged(state_dir)
    # dbt-duckdb creates neither the database's folder nor the external root.
    (state_dir / "dbt" / "marts").mkdir(parents=True)
    work_dir = tmp_path_factory.mktemp("dbt")
    result = invoke_dbt("build", state_dir=state_dir, work_dir=work_dir)
    return DbtBuild(result=result, state_dir=state_dir, work_dir=work_dir)
