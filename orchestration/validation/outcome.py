"""The result every validation check returns, shaped for a Dagster AssetCheckResult."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

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
