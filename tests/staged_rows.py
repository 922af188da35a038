"""Staged frames built by hand for the tests, conforming to contracts/staging_schema.py.

`staged_school_row` is the one factory of staged school rows: `school_row` (plausible rows
for the validation layer) and tests/integration/dbt/staged_fixture.py (three years of
awkward cases for dbt) build their rows with it.
"""

from __future__ import annotations

import pandas as pd

from contracts.staging_schema import INGEST_FILES, QUARANTINE, SCHOOL_SURVEY
from orchestration.ingest.result import IngestResult, conform


def staged_school_row(**fields) -> dict:
    """One row of the staged `school_survey` table as a dict of every SCHOOL_SURVEY column:
    `fields` (students in persons, areas in m², values in 元), a public, rural school whose
    name is its `school_name_key` where they say nothing, and null for the rest."""
    row = dict.fromkeys(SCHOOL_SURVEY.names)
    row.update(ownership="public", urban_rural="rural", school_name=fields.get("school_name_key"))
    row.update(fields)
    return row


YEAR = 2019
COUNTY = "130123"
SHEET = "小学"


def school_row(number: int, **overrides) -> dict:
    """A plausible primary school of 400 pupils: every band of the row schema passes."""
    plausible = dict(
        survey_year=YEAR,
        source_file=f"{YEAR}/正定县.xlsx",
        sheet=SHEET,
        source_row=number + 4,
        county_code=COUNTY,
        school_id=f"2113{number:06d}",
        school_name_key=f"正定县第{number}小学",
        school_type="primary",
        reported_scope="primary",
        students_primary=400.0,
        teachers_primary=25.0,
        teachers_above_degree_primary=20.0,
        teaching_area_m2=2000.0,
        sports_area_m2=3500.0,
        equipment_value_yuan=900_000.0,
        computers=40.0,
        books=10_000.0,
        multimedia_rooms=10.0,
    )
    return staged_school_row(**(plausible | overrides))


def as_frame(rows: list[dict], schema) -> pd.DataFrame:
    return conform(pd.DataFrame(rows, columns=schema.names), schema).to_pandas()


def make_result(rows: list[dict], quarantine: list[dict] = (), **sheet_overrides) -> IngestResult:
    """An IngestResult whose receipts account for `rows` (plus 3 title/header rows per sheet)."""
    school_rows = as_frame(rows, SCHOOL_SURVEY)
    quarantined = as_frame(list(quarantine), QUARANTINE)
    keys = ["survey_year", "source_file", "sheet"]
    staged = school_rows.groupby(keys).size().rename("rows_staged")
    held = quarantined.groupby(keys).size().rename("rows_quarantined")
    sheets = pd.concat([staged, held], axis=1).fillna(0).astype("int64").reset_index()
    first_county = school_rows.groupby(keys)["county_code"].first().rename("county_code")
    sheets = sheets.merge(first_county.reset_index(), on=keys, how="left")
    sheets = sheets.assign(
        status="loaded",
        rows_not_data=3,
        rows_read=sheets["rows_staged"] + sheets["rows_quarantined"] + 3,
        **sheet_overrides,
    )
    return IngestResult(school_rows, quarantined, as_frame(sheets.to_dict("records"), INGEST_FILES))


def good_rows() -> list[dict]:
    return [school_row(number) for number in range(1, 6)]
