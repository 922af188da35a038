"""The result every validation check returns, shaped for a Dagster AssetCheckResult."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from orchestration.staging.tables import partition_dir

WARN = "WARN"  # drift: worth a look, the data still flows
ERROR = "ERROR"  # a broken invariant: downstream must not build on it

MAX_EXAMPLES = 20


@dataclass(frozen=True)
class CheckOutcome:
    """The result of one validation check for one survey year, shared by the Dagster checks,
    the run summary and the validation report: passed or not, severity (WARN | ERROR), a
    description, and JSON-able metadata (counts, up to MAX_EXAMPLES failing examples).
    """

    name: str  # e.g. 'row_schema', 'row_accounting', 'school_ids_unique'
    passed: bool
    severity: str  # WARN | ERROR
    description: str
    metadata: dict[str, Any]  # JSON-able: counts, up to MAX_EXAMPLES failing examples


def examples(frame: pd.DataFrame, columns: list[str]) -> list[dict[str, Any]]:
    """Up to MAX_EXAMPLES rows of `frame` as JSON-able dicts (nulls as None)."""
    head = frame.head(MAX_EXAMPLES)[columns].astype(object)
    return head.where(head.notna(), None).to_dict(orient="records")


# The outcomes of a year's checks are kept as JSON in the state folder, so that the
# validation report (a later step, or another process) lists every check of the run.
def outcomes_dir(state_dir: Path, year: int) -> Path:
    """The folder of a survey year's saved check outcomes: <state>/outcomes/survey_year=<year>/."""
    return partition_dir(Path(state_dir) / "outcomes", year)


def reset_outcomes(state_dir: Path, year: int) -> None:
    """Forget the outcomes of an earlier run of `year` (the validated asset, first to check)."""
    for path in outcomes_dir(state_dir, year).glob("*.json"):
        path.unlink()


def save_outcome(state_dir: Path, year: int, outcome: CheckOutcome) -> Path:
    """Write one CheckOutcome as <outcomes_dir>/<name>.json (UTF-8, values not JSON-able as text)
    and return its path; the run summary and the validation report read them back.
    """
    folder = outcomes_dir(state_dir, year)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{outcome.name}.json"
    path.write_text(json.dumps(asdict(outcome), default=str, ensure_ascii=False, indent=1))
    return path


def load_outcomes(state_dir: Path, year: int) -> list[CheckOutcome]:
    """The outcomes the checks of the last run of `year` recorded."""
    folder = outcomes_dir(state_dir, year)
    return [CheckOutcome(**json.loads(path.read_text())) for path in sorted(folder.glob("*.json"))]
