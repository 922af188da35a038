import json

import pandas as pd
import pytest

from orchestration.ingest.dedupe import SUPERSEDED
from orchestration.ingest.result import IngestResult
from orchestration.validation.datasets import readable_students, run_dataset_suites
from orchestration.validation.outcome import ERROR, WARN
from orchestration.validation.rows import validate_school_rows
from tests.staged_rows import COUNTY, make_result, school_row

OTHER_COUNTY = "130124"


def outcomes_by_name(result, previous=None, **kwargs):
    return {outcome.name: outcome for outcome in run_dataset_suites(result, previous, **kwargs)}


def failing(outcomes):
    return {name for name, outcome in outcomes.items() if not outcome.passed}


@pytest.fixture
def clean_result(good_rows):
    return make_result(good_rows, declared_total_students=400.0 * len(good_rows))


def test_clean_year_passes_every_suite(clean_result, tmp_path):
    outcomes = outcomes_by_name(clean_result, clean_result.school_rows, docs_dir=tmp_path / "docs")
    assert set(outcomes) == {
        "counties_have_schools",
        "enrollment_drift",
        "quarantine_share",
        "declared_totals",
        "per_student_bands",
    }
    assert failing(outcomes) == set()
    assert (tmp_path / "docs" / "index.html").is_file()
    json.dumps([outcome.metadata for outcome in outcomes.values()])


def test_county_whose_files_were_all_rejected_fails_with_error(good_rows):
    result = make_result(good_rows)
    rejected = result.ingest_files.assign(
        source_file="2019/灵寿县.xlsx",
        sheet=None,
        status="rejected",
        reason_code="no_table",
        county_code=OTHER_COUNTY,
    )
    result.ingest_files = pd.concat([result.ingest_files, rejected], ignore_index=True)

    outcome = outcomes_by_name(result)["counties_have_schools"]
    assert not outcome.passed and outcome.severity == ERROR
    assert outcome.metadata["examples"] == [
        {"survey_year": 2019, "county_code": OTHER_COUNTY, "staged_schools": 0}
    ]


def test_enrollment_drift_warns(clean_result):
    previous = clean_result.school_rows.assign(students_primary=200.0)
    outcomes = outcomes_by_name(clean_result, previous)
    assert failing(outcomes) == {"enrollment_drift"}
    assert outcomes["enrollment_drift"].severity == WARN
    assert outcomes["enrollment_drift"].metadata["examples"][0][
        "enrollment_ratio"
    ] == pytest.approx(2.0)


def test_county_without_previous_year_is_not_compared(clean_result):
    previous = clean_result.school_rows.assign(county_code=OTHER_COUNTY, students_primary=1.0)
    assert outcomes_by_name(clean_result, previous)["enrollment_drift"].passed


def test_high_quarantine_share_warns(good_rows):
    held = [
        {
            "survey_year": 2019,
            "source_file": good_rows[0]["source_file"],
            "sheet": good_rows[0]["sheet"],
            "source_row": 50 + n,
            "stage": "ingest",
            "reason_code": "formula_error",
            "raw_values": "{}",
        }
        for n in range(2)
    ]
    outcome = outcomes_by_name(make_result(good_rows, quarantine=held))["quarantine_share"]
    assert not outcome.passed and outcome.severity == WARN
    assert outcome.metadata["examples"][0]["quarantine_share"] == pytest.approx(2 / 7)


@pytest.mark.parametrize(
    ("code", "reason", "share"),
    [
        ("duplicate_exact", "an exact copy of ...", None),
        ("duplicate_conflict", SUPERSEDED + "2019/a.xlsx / 学校 row 2 is staged: ...", None),
        ("duplicate_conflict", "the same school and part again with different values", 2 / 7),
    ],
)
def test_a_duplicate_whose_winner_is_staged_loses_nothing(good_rows, code, reason, share):
    held = [
        {"survey_year": 2019, "source_file": good_rows[0]["source_file"],
         "sheet": good_rows[0]["sheet"], "source_row": 50 + n, "stage": "dedupe",
         "reason_code": code, "reason": reason, "raw_values": "{}"}
        for n in range(2)
    ]  # fmt: skip
    outcome = outcomes_by_name(make_result(good_rows, quarantine=held))["quarantine_share"]
    if share is None:
        assert outcome.passed
    else:
        assert not outcome.passed
        assert outcome.metadata["examples"][0]["quarantine_share"] == pytest.approx(share)


@pytest.mark.parametrize("declared", [1900.0, 2100.0])
def test_staged_total_off_the_declared_total_fails_with_error(good_rows, declared):
    outcome = outcomes_by_name(make_result(good_rows, declared_total_students=declared))[
        "declared_totals"
    ]
    assert not outcome.passed and outcome.severity == ERROR


def test_declared_total_counts_the_students_of_rows_quarantined_by_validation(good_rows):
    bad = school_row(9, students_primary=100.0, teaching_area_m2=-1.0)
    for declared, holds in [(2100.0, True), (2200.0, False)]:
        result = make_result([*good_rows, bad], declared_total_students=declared)
        validated, _ = validate_school_rows(result)
        assert len(validated.quarantine) == 1
        assert outcomes_by_name(validated)["declared_totals"].passed is holds


def test_declared_total_is_one_sided_when_a_quarantined_row_is_unreadable(good_rows):
    held = {
        "survey_year": 2019,
        "source_file": good_rows[0]["source_file"],
        "sheet": good_rows[0]["sheet"],
        "source_row": 50,
        "stage": "ingest",
        "reason_code": "unparseable_number",
        "raw_values": json.dumps({"在校生数": "四百"}, ensure_ascii=False),
    }
    short = make_result(good_rows, quarantine=[held], declared_total_students=2400.0)
    assert outcomes_by_name(short)["declared_totals"].passed
    doubled = make_result(good_rows, quarantine=[held], declared_total_students=1600.0)
    assert not outcomes_by_name(doubled)["declared_totals"].passed


def test_readable_students_reads_only_staged_columns():
    assert readable_students(json.dumps({"students_primary": 120, "students_junior": None})) == 120
    assert readable_students(json.dumps({"在校生数": 120})) is None
    assert readable_students("not json") is None


def test_implausible_per_student_values_warn(good_rows):
    odd = school_row(9, books=200_000.0)  # 500 books per pupil: possible, worth a look
    outcomes = outcomes_by_name(make_result([*good_rows, odd]))
    assert failing(outcomes) == {"per_student_bands"}
    outcome = outcomes["per_student_bands"]
    assert outcome.severity == WARN
    assert outcome.metadata["examples"] == [
        {
            "source_file": odd["source_file"],
            "sheet": odd["sheet"],
            "source_row": odd["source_row"],
            "county_code": COUNTY,
            "school_id": odd["school_id"],
            "school_name": odd["school_name"],
            "books_per_student": 500.0,
        }
    ]


def test_empty_year_passes():
    validated, outcome = validate_school_rows(IngestResult.empty())
    assert outcome.passed
    assert failing(outcomes_by_name(validated)) == set()


def test_the_suites_of_one_year_let_go_of_the_year_before(clean_result):
    # great-expectations keeps its batches' frames in reference cycles: left to Python's
    # next full collection, a backfill's process held every year's frames into the dbt build.
    # (The current context stays referenced by great-expectations until the next one.)
    import gc

    from great_expectations.execution_engine.pandas_batch_data import PandasBatchData

    def batches_alive():
        return sum(isinstance(thing, PandasBatchData) for thing in gc.get_objects())

    gc.collect()
    collections = gc.get_threshold()
    gc.disable()  # only the suites' own collection may free them
    try:
        run_dataset_suites(clean_result, clean_result.school_rows)
        one_year = batches_alive()  # the context great-expectations keeps as its current one
        run_dataset_suites(clean_result, clean_result.school_rows)
        assert one_year > 0
        assert batches_alive() == one_year
    finally:
        gc.enable()
        gc.set_threshold(*collections)


def test_a_rebuilt_year_keeps_only_its_last_data_docs_pages(clean_result, tmp_path):
    # a page of an earlier build of the year (another process: another validation store);
    # kept, every rebuild of a year added five pages to the published reports
    docs = tmp_path / "docs"
    stale = docs / "validations" / "declared_totals" / "__none__" / "20260101T000000Z"
    stale.mkdir(parents=True)
    (stale / "junheng-sheets.html").write_text("an earlier build", encoding="utf-8")
    outcomes_by_name(clean_result, clean_result.school_rows, docs_dir=docs)
    pages = sorted((docs / "validations").rglob("*.html"))
    assert len(pages) == 5
    assert not stale.exists()
    index = (docs / "index.html").read_text(encoding="utf-8")
    assert all(page.parent.name in index for page in pages)
