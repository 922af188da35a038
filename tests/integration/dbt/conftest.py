"""One `dbt build` of the project over a small synthetic staged dataset, shared by the tests."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from dbt.cli.main import dbtRunner, dbtRunnerResult

from orchestration.defs.resources import dbt_environment, environment
from orchestration.settings import DBT_PROJECT_DIR, Paths
from tests.integration.dbt.staged_fixture import write_staged


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
    paths = Paths(
        raw_dir=work_dir / "raw", warehouse_dir=work_dir / "warehouse", state_dir=state_dir
    )
    with environment({**dbt_environment(paths), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}):
        return dbtRunner().invoke(
            [
                *args,
                "--project-dir",
                str(DBT_PROJECT_DIR),
                "--profiles-dir",
                str(DBT_PROJECT_DIR),
                "--target-path",
                str(work_dir / "target"),
                "--log-path",
                str(work_dir / "logs"),
            ]
        )


def build_staged(factory: pytest.TempPathFactory, name: str, *args: str) -> DbtBuild:
    """`dbt build *args` over the synthetic staged dataset, in folders of its own."""
    state_dir = factory.mktemp(f"{name}_state")
    write_staged(state_dir)
    # dbt-duckdb creates neither the database's folder nor the external root.
    (state_dir / "dbt" / "marts").mkdir(parents=True)
    work_dir = factory.mktemp(f"{name}_dbt")
    result = invoke_dbt("build", *args, state_dir=state_dir, work_dir=work_dir)
    return DbtBuild(result=result, state_dir=state_dir, work_dir=work_dir)


@pytest.fixture(scope="session")
def dbt_build(tmp_path_factory: pytest.TempPathFactory) -> DbtBuild:
    return build_staged(tmp_path_factory, "full")
