"""Where Junheng reads and writes, from the environment.

Nothing is written outside the warehouse folder and the project's state folder
(see docs/spec/warehouse-contract.md).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
CONTRACTS_DIR = PROJECT_ROOT / "contracts"
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
# The landing folder when JUNHENG_RAW_DIR is not set: the only place the demo is ever written.
DEFAULT_RAW_DIR = PROJECT_ROOT / "raw"


class NotACheckoutError(RuntimeError):
    """Junheng is installed without its checkout (a wheel in site-packages): see
    `require_checkout`."""


def require_checkout(project_root: Path = PROJECT_ROOT) -> None:
    """Junheng runs from its git checkout (README "Install"): the dbt project, contracts/ and
    the default raw/, warehouse/ and .junheng/ folders are found beside orchestration/.

    Raises NotACheckoutError, in one sentence saying how to install, when `project_root`
    has no dbt_project/dbt_project.yml (a `pip install .` puts orchestration/ in
    site-packages without the dbt project)."""
    if not (project_root / "dbt_project" / "dbt_project.yml").is_file():
        raise NotACheckoutError(
            f"Junheng runs from its git checkout, but this installation in {project_root} "
            "has no dbt_project/: clone the repository and install it editable there with "
            "`pip install -e .` (or `pip install -e '.[demo]'` for the demo province)."
        )


@dataclass(frozen=True)
class Paths:
    """The three folders of a deployment."""

    raw_dir: Path
    warehouse_dir: Path
    state_dir: Path

    @classmethod
    def from_env(cls) -> Paths:
        """The folders from JUNHENG_RAW_DIR, JUNHENG_WAREHOUSE_DIR and JUNHENG_STATE_DIR (absolute,
        `~` expanded), else raw/, warehouse/ and .junheng/ of the project.
        """

        def folder(variable: str, default: Path) -> Path:
            return Path(os.environ.get(variable) or default).expanduser().resolve()

        return cls(
            raw_dir=folder("JUNHENG_RAW_DIR", DEFAULT_RAW_DIR),
            warehouse_dir=folder("JUNHENG_WAREHOUSE_DIR", PROJECT_ROOT / "warehouse"),
            state_dir=folder("JUNHENG_STATE_DIR", PROJECT_ROOT / ".junheng"),
        )

    @property
    def raw_dir_is_default(self) -> bool:
        """True when the raw folder is the project's own raw/ (the demo may go there)."""
        return self.raw_dir == DEFAULT_RAW_DIR.resolve()

    @property
    def staging_dir(self) -> Path:
        """Per-year Parquet written by the Python steps; dbt reads it as sources."""
        return self.state_dir / "staging"

    @property
    def dbt_dir(self) -> Path:
        """dbt's build database and the mart Parquet it writes before export."""
        return self.state_dir / "dbt"

    @property
    def reports_dir(self) -> Path:
        """warehouse/reports/: the validation and county reports."""
        return self.warehouse_dir / "reports"

    @property
    def exports_dir(self) -> Path:
        """Files for the bureaus to open: the gap-list workbooks (一校一册) per year and county."""
        return self.warehouse_dir / "exports"


# ---- the run's settings (docs/operations.md "Settings") ---------------------------------
class SettingError(ValueError):
    """An environment variable whose value Junheng can not use; the message, one sentence,
    names the variable, the value and what it accepts (docs/operations.md "Settings")."""


def _whole_number(variable: str, minimum: int, accepted: str) -> int | None:
    text = os.environ.get(variable, "").strip()
    if not text:
        return None
    try:
        value = int(text)
    except ValueError:
        value = None
    if value is None or value < minimum:
        raise SettingError(f"{variable}={text!r} is not {accepted}")
    return value


def read_workers() -> int | None:
    """JUNHENG_READ_WORKERS: processes reading files at once (0: in the calling process,
    without the per-file limits, for debugging); None when unset (contracts/read_limits.yaml).

    Raises SettingError when it is not a whole number >= 0."""
    return _whole_number(
        "JUNHENG_READ_WORKERS", 0, "a whole number of reading processes (0: read in-process)"
    )


def report_workers() -> int | None:
    """JUNHENG_REPORT_WORKERS: processes drawing a year's county pages; None when unset (the
    machine's cores). Raises SettingError when it is not a whole number >= 1."""
    return _whole_number("JUNHENG_REPORT_WORKERS", 1, "a whole number of processes, 1 or more")


def duckdb_memory_limit() -> str | None:
    """JUNHENG_DUCKDB_MEMORY_LIMIT: DuckDB's memory_limit for the dbt build (for example
    `2GB`, `512MiB`, `60%`); None when unset (dbt_project/profiles.yml: 2GB).

    Raises SettingError when DuckDB's own parser refuses it, before any run starts (dbt would
    otherwise fail minutes later, with DuckDB's message only in the run log)."""
    text = os.environ.get("JUNHENG_DUCKDB_MEMORY_LIMIT", "").strip()
    if not text:
        return None
    accepted = "a DuckDB memory size such as 2GB, 512MiB or 60%"
    # DuckDB's parser takes a zero (every allocation then fails) and a negative size (read
    # as no limit at all): neither is a limit a run can use.
    if "'" in text or text.startswith("-") or not re.search(r"[1-9]", text):
        raise SettingError(f"JUNHENG_DUCKDB_MEMORY_LIMIT={text!r} is not {accepted}")
    import duckdb

    try:
        duckdb.connect().execute(f"set memory_limit = '{text}'")
    except duckdb.Error as error:
        raise SettingError(f"JUNHENG_DUCKDB_MEMORY_LIMIT={text!r} is not {accepted}") from error
    return text


def keep_snapshots() -> int | None:
    """JUNHENG_KEEP_SNAPSHOTS: warehouse snapshots a publish keeps, the current one included;
    None when unset (publish/warehouse.py: 3). Raises SettingError when it is not a whole
    number >= 1."""
    return _whole_number("JUNHENG_KEEP_SNAPSHOTS", 1, "a whole number of snapshots, 1 or more")


def setting_problem() -> str | None:
    """The first setting of a run (workers, memory, snapshots kept, the reader's limits in
    contracts/read_limits.yaml) Junheng can not use, in one sentence, or None."""
    for setting in (read_workers, report_workers, duckdb_memory_limit, keep_snapshots):
        try:
            setting()
        except SettingError as error:
            return str(error)
    import yaml

    # Checked here because a run reads with them only when a year needs reading: a typo
    # would otherwise pass every "nothing changed" night and fail the next real one.
    from orchestration.ingest.isolation import read_limits

    try:
        read_limits.__wrapped__(CONTRACTS_DIR)  # not cached: the run reads it afresh
    except (ValueError, OSError, yaml.YAMLError) as error:
        return str(error)
    return None
