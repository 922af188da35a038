"""The balance figures of the true province, computed from `schools_master` with the rules
of balance-indicators.md §1-§4, independently of the dbt marts: a check that the demo's
county profiles do what they say."""

from __future__ import annotations

import numpy as np
import pandas as pd

STAGES = ("primary", "junior")
QUANTITIES = (
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
# code: (numerator, per students, primary standard, junior standard)
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
QUALITY = {
    "Q1": ("teachers_above_degree", 100, 4.2, 5.3),
    "Q2": ("teachers_backbone", 100, 1.0, 1.0),
    "Q3": ("teachers_pe_arts", 100, 0.9, 0.9),
    "Q4": ("teaching_area_m2", 1, 4.5, 5.8),
    "Q5": ("sports_area_m2", 1, 7.5, 10.2),
    "Q6": ("equipment_value_yuan", 1, 2000, 2500),
    "Q7": ("multimedia_rooms", 100, 2.3, 2.4),
}
BASIC_THRESHOLD = {"primary": 0.65, "junior": 0.55}
QUALITY_THRESHOLD = {"primary": 0.50, "junior": 0.45}


def school_stages(master: pd.DataFrame) -> pd.DataFrame:
    """One row per county, year, stage and school-stage, with its base quantities (§1-§2).

    The master holds every stage's part already split by the national shares. A teaching
    point is added to its parent's primary part; one without a parent is a school-stage
    of its own from 50 students on, and excluded below that.
    """
    master = master[master["school_type"] != "special_education"]
    parts = []
    for stage in STAGES:
        part = master[
            [
                "survey_year",
                "county_code",
                "school_uid",
                "school_name",
                "school_type",
                "parent_school_name",
            ]
        ].assign(stage=stage)
        for quantity in QUANTITIES:
            part[quantity] = master[f"{quantity}_{stage}"]
        parts.append(part)
    stages = pd.concat(parts, ignore_index=True)
    points = stages["school_type"] == "teaching_point"
    attached = points & stages["parent_school_name"].notna()
    by_name = ["survey_year", "county_code", "school_name", "stage"]
    parents = stages[~points].set_index(by_name)["school_uid"]
    owner = stages.loc[attached, ["survey_year", "county_code", "parent_school_name", "stage"]]
    stages.loc[attached, "school_uid"] = parents.reindex(pd.MultiIndex.from_frame(owner)).to_numpy()
    stages = stages[~(points & ~attached & (stages["students"] < 50))]
    keys = ["survey_year", "county_code", "stage", "school_uid"]
    stages = stages.groupby(keys, as_index=False)[list(QUANTITIES)].sum()
    return stages[stages["students"] > 0].reset_index(drop=True)


def weighted_cv(students: pd.Series, values: pd.Series) -> float:
    """§4: the enrollment-weighted coefficient of variation."""
    mean = np.average(values, weights=students)
    return float(np.sqrt(np.average((values - mean) ** 2, weights=students)) / mean)


def school_quality(stages: pd.DataFrame) -> pd.DataFrame:
    """Per school-stage: how many of Q1-Q7 it meets and whether it passes (§3)."""
    met = pd.Series(0, index=stages.index)
    floor_held = pd.Series(True, index=stages.index)
    for numerator, per, primary, junior in QUALITY.values():
        standard = np.where(stages["stage"] == "primary", primary, junior)
        value = per * stages[numerator] / stages["students"]
        met += value >= standard
        floor_held &= value >= 0.85 * standard
    return stages.assign(standards_met=met, passes=(met >= 6) & floor_held)


def county_assessment(master: pd.DataFrame) -> pd.DataFrame:
    """Per county, year and stage: the basic composite CV, the worst quality CV, the
    school-stages passing the quality test, and both passes."""
    rows = []
    stages = school_quality(school_stages(master))
    for (year, county, stage), group in stages.groupby(["survey_year", "county_code", "stage"]):
        cvs = {
            code: weighted_cv(group["students"], per * group[numerator] / group["students"])
            for code, (numerator, per, *_) in {**BASIC, **QUALITY}.items()
        }
        composite = float(np.mean([cvs[code] for code in BASIC]))
        worst_quality_cv = max(cvs[code] for code in QUALITY)
        rows.append(
            dict(
                survey_year=year,
                county_code=county,
                stage=stage,
                school_stages=len(group),
                schools_passing=int(group["passes"].sum()),
                composite_cv=composite,
                worst_quality_cv=worst_quality_cv,
                basic_pass=composite <= BASIC_THRESHOLD[stage],
                quality_pass=(
                    bool(group["passes"].all()) and worst_quality_cv <= QUALITY_THRESHOLD[stage]
                ),
            )
        )
    return pd.DataFrame.from_records(rows)
