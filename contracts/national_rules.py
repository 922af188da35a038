"""The national rules that are one number each, read from contracts/national_rules.csv.

The CSV is the rules' one home: dbt reads it as a source (stg_national_rules, the
national_rule() macro) and Python through `national_rule`, so a report's sentence and the
marts' verdict can not tell two different rules.
"""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

RULES_CSV = Path(__file__).with_name("national_rules.csv")


@cache
def national_rules(path: Path = RULES_CSV) -> dict[str, float]:
    """rule name -> value (`quality_min_standards_met` -> 6.0, ...), as the CSV gives them.

    Raises FileNotFoundError when the file is missing, KeyError when a column is."""
    with path.open(encoding="utf-8", newline="") as handle:
        return {row["rule"]: float(row["value"]) for row in csv.DictReader(handle)}


def national_rule(rule: str) -> float:
    """One rule's value; KeyError naming the rule when contracts/national_rules.csv lacks it."""
    return national_rules()[rule]


SIZE_STANDARDS_CSV = Path(__file__).with_name("size_standards.csv")


@cache
def size_standards(path: Path = SIZE_STANDARDS_CSV) -> dict[tuple[str, str], float]:
    """(measure, applies_to) -> limit in students, from contracts/size_standards.csv:
    ("class_size", "primary") -> 45.0 (students per class), ("school_size", "nine_year") ->
    2500.0 (students per school), ... (教督〔2017〕6号 第六条).

    Raises FileNotFoundError when the file is missing, KeyError when a column is."""
    with path.open(encoding="utf-8", newline="") as handle:
        return {
            (row["measure"], row["applies_to"]): float(row["limit"])
            for row in csv.DictReader(handle)
        }
