"""Where Junheng reads and writes, from the environment.

Nothing is written outside the warehouse folder and the project's state folder
(see docs/spec/warehouse-contract.md).
"""

from __future__ import annotations

import os
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
