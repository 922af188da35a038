"""The spec (docs/spec/) for the tests: where it is, and its numbers written out once.

docs/spec/ is the repository's copy of the binding spec (kept identical to ../shared/spec/
beside a checkout by tests/unit/docs/test_spec.py). Its sections are cited in code by the
repository path and number (`docs/spec/balance-indicators.md §1`) or by a heading in quotes
(`docs/spec/warehouse-contract.md "Public tables"`), and in Markdown by a relative link to
the heading's anchor (docs/spec/balance-indicators.md#1-units-of-analysis from the root).

The tests check the dbt marts and the demo province against the numbers below, so they
must not reuse anything of the project's own: they are copied from
docs/spec/balance-indicators.md and docs/spec/warehouse-contract.md.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SPEC_DIR = ROOT / "docs" / "spec"
# The binding spec beside a checkout (absent on a clean clone, e.g. in CI).
SHARED_SPEC_DIR = ROOT.parent / "shared" / "spec"
SPEC_FILES = tuple(sorted(path.name for path in SPEC_DIR.glob("*.md")))


def spec_headings(name: str) -> list[str]:
    """The heading texts of docs/spec/<name> in order, without the leading #s."""
    text = (SPEC_DIR / name).read_text(encoding="utf-8")
    return [m.group(1).strip() for m in re.finditer(r"^#{1,6}\s+(.+)$", text, re.MULTILINE)]


def spec_sections(name: str) -> set[int]:
    """The numbers of the numbered headings (`## 1. Units of analysis`) of docs/spec/<name>:
    what a section sign cites."""
    return {int(m.group(1)) for h in spec_headings(name) if (m := re.match(r"(\d+)\.\s", h))}


def github_anchor(heading: str) -> str:
    """The anchor GitHub (and most Markdown renderers) give a heading: lower case, every
    character that is not a letter, digit, space, hyphen or underscore dropped (CJK letters
    stay), spaces turned into hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")


def spec_anchors(name: str) -> set[str]:
    """Every anchor a link into docs/spec/<name> may use (a repeated heading's later
    anchors get -1, -2, ... as on GitHub)."""
    anchors: set[str] = set()
    seen: dict[str, int] = {}
    for heading in spec_headings(name):
        anchor = github_anchor(heading)
        count = seen.get(anchor, 0)
        seen[anchor] = count + 1
        anchors.add(anchor if count == 0 else f"{anchor}-{count}")
    return anchors


# docs/spec/balance-indicators.md §2: the base quantities of a school-stage.
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

# docs/spec/balance-indicators.md §3: code -> (numerator, per how many students).
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
# docs/spec/balance-indicators.md §3: code -> (numerator, per how many students,
# primary standard, junior standard).
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
# docs/spec/balance-indicators.md §3: a school-stage passes when it meets at least 6 of the 7 and reaches 85% of the rest.
QUALITY_MIN_STANDARDS_MET = 6
QUALITY_MIN_SHARE_OF_STANDARD = 0.85

# docs/spec/balance-indicators.md §1: the school-stages of each school type. The split weights of the national split formula
# (A : 1.1·B : 1.32·C, B : 1.2·C); the senior part weighs in the shares only.
SPLIT_WEIGHTS = {
    "primary": {"primary": 1},
    "junior": {"junior": 1},
    "nine_year": {"primary": 1, "junior": 1.1},
    "twelve_year": {"primary": 1, "junior": 1.1, "senior": 1.32},
    "complete_middle": {"junior": 1, "senior": 1.2},
}
# docs/spec/balance-indicators.md §1: types whose primary and junior parts are excluded, and the teaching point's floor.
EXCLUDED_TYPES = ("special_education", "vocational")
TEACHING_POINT_MIN_STUDENTS = 50


def weighted_cv(observations: Iterable[tuple[float, float]]) -> float | None:
    """The enrollment-weighted CV of (students, value) pairs; None when n < 2 or the mean
    is 0 (not assessable). Source: docs/spec/balance-indicators.md §4."""
    observations = list(observations)
    total = sum(weight for weight, _ in observations)
    if len(observations) < 2 or total == 0:
        return None
    mean = sum(weight * value for weight, value in observations) / total
    if mean == 0:
        return None
    variance = sum(weight * (value - mean) ** 2 for weight, value in observations) / total
    return math.sqrt(variance) / mean


# docs/spec/warehouse-contract.md "Public tables": the columns each table has at least.
CONTRACT_COLUMNS = {
    "dim_region": [
        "county_code",
        "county_name",
        "prefecture_code",
        "prefecture_name",
        "province_code",
        "province_name",
    ],
    "dim_school": [
        "school_key",
        "school_id",
        "school_name",
        "school_type",
        "ownership",
        "urban_rural",
        "county_code",
        "valid_from_year",
        "valid_to_year",
        "is_current",
    ],
    "dim_indicator": [
        "indicator_code",
        "regime",
        "indicator_name_zh",
        "indicator_name_en",
        "unit",
        "primary_standard",
        "junior_standard",
        "cv_threshold_primary",
        "cv_threshold_junior",
    ],
    "fct_school_stage": [
        "survey_year",
        "school_key",
        "school_id",
        "county_code",
        "stage",
        *BASE_QUANTITIES,
        "is_estimated_split",
        "in_scope",
        "exclusion_reason",
    ],
    "fct_school_indicator": [
        "survey_year",
        "school_key",
        "county_code",
        "stage",
        "indicator_code",
        "value",
        "value_reason",
        "prev_value",
        "standard",
        "meets_standard",
        "ratio_to_standard",
    ],
    "fct_school_quality": [
        "survey_year",
        "school_key",
        "county_code",
        "stage",
        "indicators_met",
        "min_ratio_to_standard",
        "passes_quality",
        "passes_quality_reason",
        "shortfall_q1_teachers_above_degree",
        "shortfall_q2_teachers_backbone",
        "shortfall_q3_teachers_pe_arts",
        "shortfall_q4_teaching_area_m2",
        "shortfall_q5_sports_area_m2",
        "shortfall_q6_equipment_value_yuan",
        "shortfall_q7_multimedia_rooms",
    ],
    "fct_county_indicator": [
        "survey_year",
        "county_code",
        "stage",
        "indicator_code",
        "n_school_stages",
        "enrollment",
        "weighted_mean",
        "std",
        "cv",
        "cv_threshold",
        "prev_cv",
        "cv_delta",
        "cv_reason",
    ],
    "fct_county_assessment": [
        "survey_year",
        "county_code",
        "stage",
        "assessable",
        "basic_composite_cv",
        "basic_pass",
        "basic_pass_reason",
        "quality_composite_cv",
        "quality_school_stages",
        "quality_school_stages_passing",
        "quality_pass",
        "quality_pass_reason",
        "prev_basic_composite_cv",
        "prev_basic_pass",
        "prev_quality_composite_cv",
        "prev_quality_pass",
    ],
    "fct_region_rollup": [
        "survey_year",
        "region_level",
        "region_code",
        "stage",
        "counties",
        "counties_assessable",
        "counties_basic_pass",
        "counties_quality_pass",
        "share_school_stages_quality_pass",
        "prev_counties",
        "prev_counties_assessable",
        "prev_counties_basic_pass",
        "prev_counties_quality_pass",
        "prev_share_school_stages_quality_pass",
    ],
    "ingest_files": [
        "survey_year",
        "source_file",
        "sheet",
        "status",
        "reason",
        "rows_read",
        "rows_staged",
        "rows_quarantined",
        "rows_not_data",
        "file_sha256",
    ],
    "quarantine": [
        "survey_year",
        "source_file",
        "sheet",
        "source_row",
        "reason_code",
        "reason",
        "raw_values",
    ],
}
