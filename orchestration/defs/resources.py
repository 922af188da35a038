"""The resources of the code location: the deployment's folders and the dbt project."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property
from importlib import metadata
from pathlib import Path

from dagster import ConfigurableResource, InitResourceContext
from dagster_dbt import DbtCliResource, DbtProject
from dagster_dbt.dbt_project import using_dagster_dev

from orchestration.dbt_ahead import DBT_EXECUTABLE, dbt_environment
from orchestration.runlock import bind_raw_folder, writer_lock
from orchestration.settings import DBT_PROJECT_DIR, Paths

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


class JunhengPaths(ConfigurableResource):
    """The raw, warehouse and state folders (JUNHENG_*_DIR, see orchestration/settings.py)."""

    raw_dir: str
    warehouse_dir: str
    state_dir: str

    @classmethod
    def from_env(cls) -> JunhengPaths:
        """The folders from the environment (orchestration/settings.Paths.from_env)."""
        paths = Paths.from_env()
        return cls(
            raw_dir=str(paths.raw_dir),
            warehouse_dir=str(paths.warehouse_dir),
            state_dir=str(paths.state_dir),
        )

    @property
    def paths(self) -> Paths:
        """The folders as a settings.Paths."""
        return Paths(Path(self.raw_dir), Path(self.warehouse_dir), Path(self.state_dir))

    @contextmanager
    def yield_for_execution(self, context: InitResourceContext) -> Iterator[JunhengPaths]:
        """Every step of a run holds the state folder's run lock (orchestration/runlock.py):
        whatever started the run (UI, schedule, sensor, CLI), one writes at a time. Sensor
        and schedule evaluations only read, and take no lock."""
        if context.dagster_run is None:
            yield self
            return
        log = context.log.info if context.log else None
        with writer_lock(Path(self.state_dir), f"dagster run {context.run_id}", notice=log):
            bind_raw_folder(Path(self.state_dir), Path(self.raw_dir))
            yield self


@contextmanager
def environment(variables: dict[str, str]) -> Iterator[None]:
    """Set environment variables for the duration of a block.

    DbtCliResource passes the process environment to dbt and also loads the profile
    in-process, so the variables must be in os.environ itself.
    """
    saved = {name: os.environ.get(name) for name in variables}
    os.environ.update(variables)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


class JunhengDbtCliResource(DbtCliResource):
    """dagster-dbt's dbt resource, told the version of this Python's dbt without starting it,
    and without a dbt adapter of its own in the run's process.

    dagster-dbt asks the dbt executable its version (`dbt --version`: a whole start-up of
    dbt, about 2 CPU-s, docs/performance-run.md) before it starts each dbt command. The
    dbt beside this Python is the dbt-core package installed here, whose version its package
    metadata gives; any other executable is asked as before.
    """

    def _initialize_dbt_core_adapter(self, args):
        """No adapter: dagster-dbt builds one in this process (loading dbt's profile, project
        and the DuckDB adapter: about 1.8 CPU-s before each dbt command starts,
        docs/performance-run.md) only for the metadata of `fetch_row_counts` and
        `fetch_column_metadata`, which Junheng does not ask for. dagster-dbt treats a
        missing adapter as it treats the Fusion engine: the events are the same."""
        return None

    @cached_property
    def _cli_version(self):
        # the version type dagster-dbt compares with (packaging's, which it imports)
        from dagster_dbt.core.resource import version

        if Path(self.dbt_executable) == Path(sys.executable).with_name("dbt"):
            return version.parse(metadata.version("dbt-core"))
        return DbtCliResource._cli_version.func(self)


def dbt_cli() -> DbtCliResource:
    """The dbt CLI resource on dbt_project/ (profiles from the project folder, the venv's dbt)."""
    return JunhengDbtCliResource(
        project_dir=dbt_project, profiles_dir=str(DBT_PROJECT_DIR), dbt_executable=DBT_EXECUTABLE
    )


def manifest_is_stale() -> bool:
    """Whether a file of the dbt project changed after the manifest was written."""
    if not dbt_project.manifest_path.exists():
        return True
    written = dbt_project.manifest_path.stat().st_mtime
    generated = {dbt_project.target_path.parts[0], "logs", "dbt_packages"}
    return any(
        path.stat().st_mtime > written
        for path in DBT_PROJECT_DIR.rglob("*")
        if path.is_file() and path.relative_to(DBT_PROJECT_DIR).parts[0] not in generated
    )


def prepare_dbt_manifest(paths: Paths, only_under_dagster_dev: bool = False) -> None:
    """Write the manifest dagster-dbt reads when the definitions are built (`dbt parse`)."""
    if only_under_dagster_dev and not using_dagster_dev():
        return
    with environment(dbt_environment(paths)):
        dbt_cli().cli(["parse", "--quiet"], target_path=dbt_project.manifest_path.parent).wait()


def build_resources() -> dict[str, object]:
    """The resources every job needs: `paths` (raw, warehouse and state folders from the
    environment) and `dbt`.
    """
    return {"paths": JunhengPaths.from_env(), "dbt": dbt_cli()}
