"""The county profiles give the demo the whole range of outcomes, on the true province."""

from __future__ import annotations

import pytest

from orchestration.demo.province import COUNTY_PROFILES
from tests.integration.demo.balance import BASIC_THRESHOLD, county_assessment

COUNTY_OF = {profile: code for code, profile in COUNTY_PROFILES.items()}


@pytest.fixture(scope="module")
def assessment(demo):
    _, truth = demo
    figures = county_assessment(truth.schools_master)
    return figures.set_index(["county_code", "stage", "survey_year"]).sort_index()


def test_the_unequal_county_fails_basic_balance_at_first_and_catches_up(assessment) -> None:
    unequal = assessment.loc[COUNTY_OF["unequal"]]
    primary = unequal.loc["primary", "composite_cv"]
    assert primary.iloc[0] > BASIC_THRESHOLD["primary"]
    assert primary.is_monotonic_decreasing and primary.iloc[-1] <= BASIC_THRESHOLD["primary"]
    assert unequal["composite_cv"].max() < 1.2  # very unequal, not absurd


def test_the_even_county_passes_the_quality_test_in_both_stages_every_year(assessment) -> None:
    even = assessment.loc[COUNTY_OF["even"]]
    assert (even["schools_passing"] == even["school_stages"]).all()
    assert even["quality_pass"].all() and even["basic_pass"].all()


def test_most_county_stages_are_in_between_and_some_gaps_narrow(assessment) -> None:
    between = assessment["basic_pass"] & ~assessment["quality_pass"]
    assert between.mean() > 0.6
    first, last = (
        assessment.xs(year, level="survey_year")["composite_cv"]
        for year in (assessment.index.levels[2].min(), assessment.index.levels[2].max())
    )
    narrowed = (last < first - 0.05).groupby(level="county_code").all()
    assert 3 <= narrowed.sum() < len(narrowed)
    # Counties in between still differ: some school-stages pass the quality test, not all.
    share = assessment.loc[between, "schools_passing"] / assessment.loc[between, "school_stages"]
    assert share.min() < 0.2 and share.max() > 0.6
