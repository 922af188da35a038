"""The true province behind the files: realistic magnitudes, every school type, history."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from contracts.staging_schema import SCHOOL_TYPES
from orchestration.demo import generate_demo_province, summarize, write_demo_if_empty
from orchestration.demo.province import COUNTIES_WITHOUT_IDS, load_demo_counties
from tests.spec_reference import weighted_cv


def test_counties_are_real_and_ambiguous_names_are_among_them() -> None:
    counties = load_demo_counties()
    assert 8 <= len(counties) <= 12 and counties["prefecture_code"].nunique() == 2
    assert counties["province_code"].nunique() == 1
    registry = pd.read_csv(Path("contracts/region_registry.csv"), dtype=str)
    repeated = registry["county_name"].value_counts()
    assert (repeated[counties["county_name"]] > 1).any()  # 新华区, 桥西区


def test_every_school_type_ownership_and_locale(demo) -> None:
    _, truth = demo
    master = truth.schools_master
    assert set(master["school_type"]) == set(SCHOOL_TYPES) - {"vocational", "senior_high"}
    assert set(master["ownership"]) == {"public", "private"}
    assert set(master["urban_rural"]) == {"urban", "town", "rural"}
    assert not master.duplicated(["survey_year", "county_code", "school_name"]).any()
    per_county = master.groupby(["county_code", "survey_year"]).size()
    assert per_county.between(30, 120).all()
    points = master[master["school_type"] == "teaching_point"]
    assert {49, 50, 51} <= set(points["students_primary"])
    assert points["parent_school_name"].notna().any() and points["parent_school_name"].isna().any()


def test_magnitudes_are_plausible(demo) -> None:
    _, truth = demo
    master = truth.schools_master
    primary = master[master["school_type"] == "primary"]
    assert primary["students_primary"].between(80, 2800).all()
    ratio = primary["teachers_primary"] / primary["students_primary"]
    assert ratio.median() == np.clip(ratio.median(), 1 / 19, 1 / 14)
    area = primary["teaching_area_m2"] / primary["students_primary"]
    assert 3 <= area.median() <= 8
    equipment = primary["equipment_value_yuan"] / primary["students_primary"]
    assert 1500 <= equipment.median() <= 4000
    # Some school-stages fall short of the quality standards (Q4 4.5 m², Q6 2000 元).
    assert 0.05 < (area < 4.5).mean() < 0.6 and 0.05 < (equipment < 2000).mean() < 0.6


def test_some_counties_fail_the_cv_threshold_and_others_pass(demo) -> None:
    _, truth = demo
    primary = truth.schools_master[truth.schools_master["school_type"] == "primary"]
    cvs = primary.groupby(["county_code", "survey_year"]).apply(
        lambda g: weighted_cv(
            zip(g["students_primary"], g["equipment_value_yuan"] / g["students_primary"])
        )
    )
    assert (cvs > 0.50).any() and (cvs <= 0.50).any()  # Q6 primary threshold


def test_renames_closures_and_openings_keep_the_school_id(demo) -> None:
    _, truth = demo
    master = truth.schools_master
    names = master.groupby("school_uid")["school_name"].nunique()
    assert (names > 1).sum() >= 5
    renamed = master[
        master["school_uid"].isin(names[names > 1].index) & master["school_id"].notna()
    ]
    assert (renamed.groupby("school_uid")["school_id"].nunique() == 1).all()
    years = master.groupby("school_uid")["survey_year"].agg(["min", "max"])
    assert (years["max"] < master["survey_year"].max()).sum() >= 10  # closed (布局调整)
    assert (years["min"] > master["survey_year"].min()).sum() >= 5  # opened


def test_staged_truth_covers_ids_scopes_and_whole_school_teachers(demo) -> None:
    _, truth = demo
    staged = truth.schools
    without = staged["county_code"].isin(COUNTIES_WITHOUT_IDS)
    assert staged.loc[without, "school_id"].isna().all()
    assert staged.loc[~without, "school_id"].str.fullmatch(r"21\d{8}").all()
    both = staged[staged["school_type"] == "nine_year"].groupby(["source_file", "school_name"])[
        "reported_scope"
    ]
    assert (both.agg(set) == {"primary", "junior"}).sum() >= 5  # on a primary and a junior sheet
    multi = staged["school_type"].isin(["nine_year", "twelve_year"])
    assert staged.loc[multi, "teachers_whole"].notna().sum() >= 10
    assert staged.loc[multi, "teachers_primary"].notna().sum() >= 10
    assert (
        staged["sports_ground_m2"].notna().sum() >= 50
        and staged["sports_area_m2"].notna().sum() >= 50
    )
    assert staged["equipment_value_yuan"].gt(0).all() or staged["equipment_value_yuan"].isna().any()


def test_write_demo_if_empty_writes_only_into_a_folder_without_any_file(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "README.md").write_text("landing folder")
    truth = write_demo_if_empty(raw)
    assert truth is not None and list(raw.rglob("*.xlsx"))
    assert "10 counties" in summarize(truth)
    occupied = tmp_path / "occupied"
    (occupied / "2020").mkdir(parents=True)
    (occupied / "2020" / "my county.csv").write_text("学校名称\n")
    assert write_demo_if_empty(occupied) is None
    assert [p.name for p in occupied.rglob("*") if p.is_file()] == ["my county.csv"]
    # A file the reader skips (a WPS .et, a .pdf) is a folder in use all the same.
    skipped_only = tmp_path / "skipped_only"
    (skipped_only / "2023").mkdir(parents=True)
    (skipped_only / "2023" / "鹿泉区2023年均衡数据.et").write_bytes(b"\xd0\xcf\x11\xe0")
    assert write_demo_if_empty(skipped_only) is None
    assert len(list(skipped_only.rglob("*"))) == 2


@pytest.mark.parametrize("years", [[2019], [2023], [2019, 2021, 2023]])
def test_any_subset_of_the_years_is_generated(tmp_path: Path, years: list[int]) -> None:
    truth = generate_demo_province(tmp_path, years=years)
    assert set(truth.schools_master["survey_year"]) == set(years)
    assert set(truth.files.loc[truth.files["status"] == "loaded", "survey_year"]) == set(years)
    year_folders = {p.name for p in tmp_path.iterdir() if p.is_dir()}
    assert year_folders == {str(year) for year in years}
    # A workbook copied from the last generated year's keeps that year's sheet, skipped.
    files = truth.files
    stale = files[(files["reason_code"] == "year_conflict") & files["sheet"].notna()]
    for receipt in stale.itertuples():
        previous = years[years.index(receipt.survey_year) - 1]
        assert receipt.sheet == f"{previous}年"
    assert (len(stale) > 0) == (len(years) == 3)
