"""The balance figures of the true province, computed from `schools_master` with the rules
of docs/spec/balance-indicators.md §1-§4, independently of the dbt marts: a check that the demo's
county profiles do what they say."""

from __future__ import annotations

import numpy as np
import pandas as pd

from tests.spec_reference import (
    BASE_QUANTITIES,
    BASIC,
    BASIC_THRESHOLD,
    QUALITY,
    QUALITY_MIN_SHARE_OF_STANDARD,
    QUALITY_MIN_STANDARDS_MET,
    QUALITY_THRESHOLD,
    TEACHING_POINT_MIN_STUDENTS,
    weighted_cv,
)

STAGES = ("primary", "junior")


def school_stages(master: pd.DataFrame) -> pd.DataFrame:
    """One row per county, year, stage and school-stage, with its base quantities
    (docs/spec/balance-indicators.md §1-§2).

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
        for quantity in BASE_QUANTITIES:
            part[quantity] = master[f"{quantity}_{stage}"]
        parts.append(part)
    stages = pd.concat(parts, ignore_index=True)
    points = stages["school_type"] == "teaching_point"
    attached = points & stages["parent_school_name"].notna()
    by_name = ["survey_year", "county_code", "school_name", "stage"]
    parents = stages[~points].set_index(by_name)["school_uid"]
    owner = stages.loc[attached, ["survey_year", "county_code", "parent_school_name", "stage"]]
    stages.loc[attached, "school_uid"] = parents.reindex(pd.MultiIndex.from_frame(owner)).to_numpy()
    stages = stages[~(points & ~attached & (stages["students"] < TEACHING_POINT_MIN_STUDENTS))]
    keys = ["survey_year", "county_code", "stage", "school_uid"]
    stages = stages.groupby(keys, as_index=False)[list(BASE_QUANTITIES)].sum()
    return stages[stages["students"] > 0].reset_index(drop=True)


def school_quality(stages: pd.DataFrame) -> pd.DataFrame:
    """Per school-stage: how many of Q1-Q7 it meets and whether it passes
    (docs/spec/balance-indicators.md §3)."""
    met = pd.Series(0, index=stages.index)
    floor_held = pd.Series(True, index=stages.index)
    for numerator, per, primary, junior in QUALITY.values():
        standard = np.where(stages["stage"] == "primary", primary, junior)
        value = per * stages[numerator] / stages["students"]
        met += value >= standard
        floor_held &= value >= QUALITY_MIN_SHARE_OF_STANDARD * standard
    return stages.assign(standards_met=met, passes=(met >= QUALITY_MIN_STANDARDS_MET) & floor_held)


def county_assessment(master: pd.DataFrame) -> pd.DataFrame:
    """Per county, year and stage: the basic composite CV, the worst quality CV, the
    school-stages passing the quality test, and both passes."""
    rows = []
    stages = school_quality(school_stages(master))
    for (year, county, stage), group in stages.groupby(["survey_year", "county_code", "stage"]):
        cvs = {
            code: weighted_cv(zip(group["students"], per * group[numerator] / group["students"]))
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
