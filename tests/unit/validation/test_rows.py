import json

import pandas as pd
import pytest

from orchestration.ingest.result import IngestResult
from orchestration.staging.tables import read_staged_year, write_staged_year
from orchestration.validation.outcome import ERROR, WARN
from orchestration.validation.rows import (
    check_row_accounting,
    check_school_id_conflicts,
    check_unique_schools,
    validate_school_rows,
)
from tests.staged_rows import COUNTY, make_result, school_row

BAD_ROWS = {
    "negative": ({"teachers_primary": -3.0}, "negative_value"),
    "non_integer": ({"students_primary": 400.5}, "non_integer_count"),
    "bad_id": ({"school_id": "21130001"}, "invalid_school_id"),
    "unknown_type": ({"school_type": "university"}, "unknown_school_type"),
    "zero_students": ({"students_primary": 0.0}, "no_students"),
    "teachers_swapped": ({"teachers_primary": 4000.0}, "teachers_exceed_students"),
    "area_1000x": ({"teaching_area_m2": 2_000_000.0}, "implausible_area"),
    "equipment_in_wan_yuan": ({"equipment_value_yuan": 90.0}, "implausible_value"),
}


def test_plausible_rows_pass(good_rows):
    validated, outcome = validate_school_rows(make_result(good_rows))
    assert outcome.passed, outcome.metadata
    assert len(validated.school_rows) == len(good_rows)
    assert validated.quarantine.empty


@pytest.mark.parametrize("overrides, reason_code", BAD_ROWS.values(), ids=BAD_ROWS.keys())
def test_bad_row_is_quarantined_with_its_reason(good_rows, overrides, reason_code):
    bad = school_row(9, **overrides)
    result = make_result([*good_rows, bad])

    validated, outcome = validate_school_rows(result)

    assert not outcome.passed and outcome.severity == WARN
    assert len(validated.school_rows) == len(good_rows)
    assert bad["source_row"] not in set(validated.school_rows["source_row"])
    [quarantined] = validated.quarantine.to_dict("records")
    assert quarantined["reason_code"] == reason_code
    assert quarantined["caught_by"] == "validation"
    assert quarantined["source_row"] == bad["source_row"]
    assert json.loads(quarantined["raw_values"])["school_name"] == bad["school_name"]
    [sheet] = validated.ingest_files.to_dict("records")
    assert (sheet["rows_staged"], sheet["rows_quarantined"]) == (len(good_rows), 1)
    assert check_row_accounting(validated.ingest_files).passed
    json.dumps(outcome.metadata)


def test_a_row_failing_several_checks_is_quarantined_once_with_every_reason(good_rows):
    bad = school_row(9, school_id="123", teaching_area_m2=-5.0)
    validated, _ = validate_school_rows(make_result([*good_rows, bad]))

    [quarantined] = validated.quarantine.to_dict("records")
    # reason_codes.csv order is the priority: negative_value comes before invalid_school_id
    assert quarantined["reason_code"] == "negative_value"
    assert "invalid_school_id" in quarantined["reason"]


def test_ingest_quarantine_is_kept_and_other_sheets_untouched(good_rows):
    other_sheet = [
        school_row(
            20 + n,
            sheet="初中",
            school_type="junior",
            reported_scope="junior",
            students_primary=None,
            students_junior=300.0,
            teachers_primary=None,
            teachers_junior=25.0,
        )
        for n in range(2)
    ]
    ingest_held = {
        "survey_year": 2019,
        "source_file": "2019/正定县.xlsx",
        "sheet": "小学",
        "source_row": 40,
        "caught_by": "ingest",
        "reason_code": "missing_school_name",
        "raw_values": "{}",
    }
    result = make_result(
        [*good_rows, school_row(9, books=-1.0), *other_sheet], quarantine=[ingest_held]
    )

    validated, _ = validate_school_rows(result)

    assert list(validated.quarantine["caught_by"]) == ["ingest", "validation"]
    sheets = validated.ingest_files.set_index("sheet")
    assert sheets.loc["小学", "rows_quarantined"] == 2
    assert sheets.loc["初中", "rows_quarantined"] == 0
    assert check_row_accounting(validated.ingest_files).passed


def test_teaching_point_without_students_is_not_quarantined(good_rows):
    point = school_row(9, school_type="teaching_point", students_primary=0.0, teachers_primary=1.0)
    validated, outcome = validate_school_rows(make_result([*good_rows, point]))
    assert outcome.passed
    assert len(validated.school_rows) == len(good_rows) + 1


def test_missing_school_id_is_allowed(good_rows):
    validated, outcome = validate_school_rows(
        make_result([*good_rows, school_row(9, school_id=None)])
    )
    assert outcome.passed


def test_contract_break_fails_with_error_and_is_not_quarantined(good_rows):
    result = make_result([*good_rows, school_row(9, reported_scope="campus")])
    validated, outcome = validate_school_rows(result)
    assert not outcome.passed and outcome.severity == ERROR
    assert validated.quarantine.empty
    assert outcome.metadata["contract_failures"] == 1


def test_row_accounting_fails_on_a_sheet_that_loses_rows(good_rows):
    files = make_result(good_rows).ingest_files.assign(
        rows_read=lambda frame: frame["rows_read"] + 1
    )
    skipped = files.assign(sheet="说明", status="skipped", rows_read=None)
    outcome = check_row_accounting(pd.concat([files, skipped], ignore_index=True))
    assert not outcome.passed and outcome.severity == ERROR
    assert outcome.metadata["sheets_checked"] == 1
    assert outcome.metadata["examples"][0]["sheet"] == "小学"


def test_unique_schools_flags_a_school_staged_twice(good_rows):
    copy = dict(good_rows[0], source_row=99)
    outcome = check_unique_schools(make_result([*good_rows, copy]).school_rows)
    assert not outcome.passed and outcome.severity == ERROR
    assert sorted(example["row"] for example in outcome.metadata["examples"]) == [5, 99]


def test_unique_schools_keys_by_scope_and_by_name_without_id(good_rows):
    junior_part = dict(good_rows[0], reported_scope="junior", source_row=99)
    no_id = [school_row(30, school_id=None), school_row(31, school_id=None)]
    assert check_unique_schools(make_result([*good_rows, junior_part, *no_id]).school_rows).passed

    same_name = school_row(32, school_id=None, school_name_key=no_id[0]["school_name_key"])
    assert not check_unique_schools(make_result([*no_id, same_name]).school_rows).passed


def test_unique_schools_sees_a_school_staged_by_id_and_again_by_name(good_rows):
    by_name = dict(good_rows[0], school_id=None, source_row=99)
    outcome = check_unique_schools(make_result([*good_rows, by_name]).school_rows)
    assert not outcome.passed and outcome.metadata["duplicate_keys"] == 1


OTHER_COUNTY = "130124"


def test_an_id_two_counties_hold_in_a_year_warns_naming_both_rows(good_rows):
    elsewhere = school_row(
        9,
        county_code=OTHER_COUNTY,
        source_file="2019/灵寿县.xlsx",
        school_id=good_rows[0]["school_id"],
    )
    # Within one county the same id on a primary and a junior row is one school's two parts.
    junior_part = dict(good_rows[1], reported_scope="junior", source_row=99)
    school_rows = make_result([*good_rows, junior_part, elsewhere]).school_rows
    assert check_unique_schools(school_rows).passed  # each county's school is unique there

    outcome = check_school_id_conflicts(school_rows)

    assert not outcome.passed and outcome.severity == WARN
    assert outcome.metadata["conflicting_ids"] == 1
    assert outcome.metadata["conflicting_rows"] == 2
    examples = {example["county_code"]: example for example in outcome.metadata["examples"]}
    assert set(examples) == {COUNTY, OTHER_COUNTY}
    assert {example["reason_code"] for example in examples.values()} == {"school_id_conflict"}
    assert examples[COUNTY]["other_rows"] == "2019/灵寿县.xlsx / 小学 row 13"
    assert examples[OTHER_COUNTY]["other_rows"] == (
        f"{good_rows[0]['source_file']} / 小学 row {good_rows[0]['source_row']}"
    )
    assert check_school_id_conflicts(make_result([*good_rows, junior_part]).school_rows).passed


def test_a_row_without_id_claims_the_id_it_borrows_by_name(good_rows):
    named = dict(good_rows[0], school_id=None, source_row=99)
    elsewhere = school_row(
        9,
        county_code=OTHER_COUNTY,
        source_file="2019/灵寿县.xlsx",
        school_id=good_rows[0]["school_id"],
    )
    # The county's own id'd row is quarantined elsewhere: only its name row is left.
    outcome = check_school_id_conflicts(make_result([named, elsewhere]).school_rows)
    assert outcome.passed  # nothing to borrow from: the name row is identified by name
    rows = [dict(good_rows[0], source_row=98), named, elsewhere]
    # an id'd row and its name row in one county: the name row borrows, both claim the id
    outcome = check_school_id_conflicts(make_result(rows).school_rows)
    assert outcome.metadata["conflicting_rows"] == 3


def test_a_year_without_rows_has_no_id_conflict():
    assert check_school_id_conflicts(IngestResult.empty().school_rows).passed


def test_text_in_a_quantity_column_breaks_the_contract(good_rows):
    result = make_result(good_rows)
    result.school_rows["books"] = result.school_rows["books"].astype(object)
    result.school_rows.loc[1, "books"] = "一万"
    validated, outcome = validate_school_rows(result)
    assert not outcome.passed and outcome.severity == ERROR
    assert len(validated.school_rows) == len(good_rows)


def test_missing_column_breaks_the_contract(good_rows):
    result = make_result(good_rows)
    result.school_rows = result.school_rows.drop(columns=["books"])
    _, outcome = validate_school_rows(result)
    assert not outcome.passed and outcome.severity == ERROR


def test_a_year_that_staged_no_row_has_unique_schools(tmp_path):
    # Its only file was corrupt: the check passes on nothing (as staged), it does not crash.
    write_staged_year(tmp_path, 2023, IngestResult.empty())
    assert check_unique_schools(read_staged_year(tmp_path, 2023).school_rows).passed
