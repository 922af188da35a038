"""balance-indicators.md written out once for the tests, in plain Python.

The tests check the dbt marts and the demo province against this, so it must not reuse
anything of the project's own: the numbers below are copied from the spec.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

# §2: the base quantities of a school-stage.
BASE_QUANTITIES = (
    "students",
    "teachers",
    "teachers_above_degree",
    "teachers_senior_title",
    "teachers_backbone",
    "teachers_pe_arts",
    "teaching_area_m2",
    "sports_area_m2",
    "equipment_value_yuan",
    "computers",
    "books",
    "multimedia_rooms",
)

# §3: code -> (numerator, per how many students).
BASIC = {
    "B1": ("teaching_area_m2", 1),
    "B2": ("sports_area_m2", 1),
    "B3": ("equipment_value_yuan", 1),
    "B4": ("computers", 100),
    "B5": ("books", 1),
    "B6": ("teachers", 1),
    "B7": ("teachers_above_degree", 1),
    "B8": ("teachers_senior_title", 1),
}
# §3: code -> (numerator, per how many students, primary standard, junior standard).
QUALITY = {
    "Q1": ("teachers_above_degree", 100, 4.2, 5.3),
    "Q2": ("teachers_backbone", 100, 1.0, 1.0),
    "Q3": ("teachers_pe_arts", 100, 0.9, 0.9),
    "Q4": ("teaching_area_m2", 1, 4.5, 5.8),
    "Q5": ("sports_area_m2", 1, 7.5, 10.2),
    "Q6": ("equipment_value_yuan", 1, 2000, 2500),
    "Q7": ("multimedia_rooms", 100, 2.3, 2.4),
}
INDICATORS = {code: spec[:2] for code, spec in {**BASIC, **QUALITY}.items()}
BASIC_THRESHOLD = {"primary": 0.65, "junior": 0.55}
QUALITY_THRESHOLD = {"primary": 0.50, "junior": 0.45}


def weighted_cv(observations: Iterable[tuple[float, float]]) -> float | None:
    """§4: the enrollment-weighted CV of (students, value) pairs; None when n < 2 or the
    mean is 0 (not assessable)."""
    observations = list(observations)
    total = sum(weight for weight, _ in observations)
    if len(observations) < 2 or total == 0:
        return None
    mean = sum(weight * value for weight, value in observations) / total
    if mean == 0:
        return None
    variance = sum(weight * (value - mean) ** 2 for weight, value in observations) / total
    return math.sqrt(variance) / mean
