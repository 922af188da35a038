"""Validation outcomes as Dagster check results, and their record for the report."""

from dagster import AssetCheckSeverity

from orchestration.defs.common import outcome_check_result
from orchestration.defs.publish import completeness_check_result
from orchestration.validation.completeness import LostFile
from orchestration.validation.outcome import (
    CheckOutcome,
    load_outcomes,
    reset_outcomes,
    save_outcome,
)


def outcome(passed, severity="ERROR", name="row_accounting", **metadata):
    return CheckOutcome(name, passed, severity, f"{name} {'ok' if passed else 'broken'}", metadata)


def test_a_run_fails_when_any_year_fails_with_that_years_severity():
    result = outcome_check_result([(2019, outcome(True)), (2020, outcome(False, "WARN", rows=3))])
    assert not result.passed
    assert result.severity == AssetCheckSeverity.WARN
    assert result.metadata["failed"].value == "2020 row_accounting"
    assert result.metadata["2020 row_accounting: rows"].value == 3
    assert "2020" in result.description


def test_an_error_among_warnings_makes_the_result_an_error():
    result = outcome_check_result(
        [(2019, outcome(False, "WARN", "drift")), (2019, outcome(False, "ERROR", "ids"))]
    )
    assert result.severity == AssetCheckSeverity.ERROR


def test_passing_outcomes_pass_and_keep_json_metadata_readable():
    result = outcome_check_result([(2019, outcome(True, examples=[{"school": "一小"}]))])
    assert result.passed
    assert result.metadata["2019 row_accounting: examples"].value == [{"school": "一小"}]


def test_outcomes_are_kept_per_year_and_reset_by_the_next_run(tmp_path):
    save_outcome(tmp_path, 2019, outcome(True, name="row_schema", failures=0))
    save_outcome(tmp_path, 2019, outcome(False, name="row_accounting"))
    save_outcome(tmp_path, 2020, outcome(True, name="row_schema"))

    loaded = load_outcomes(tmp_path, 2019)
    assert [(o.name, o.passed, o.metadata) for o in loaded] == [
        ("row_accounting", False, {}),
        ("row_schema", True, {"failures": 0}),
    ]
    reset_outcomes(tmp_path, 2019)
    assert load_outcomes(tmp_path, 2019) == []
    assert len(load_outcomes(tmp_path, 2020)) == 1


def test_each_years_result_links_its_report(tmp_path):
    result = outcome_check_result([(2019, outcome(False, "WARN"))], reports_dir=tmp_path)
    assert result.metadata["2019 report"].value == str(tmp_path / "2019" / "index.html")


LOST = LostFile(2023, "130123", "正定县", "2023/正定县.xlsx", "unreadable", "the file is corrupt")


def test_a_lost_file_fails_the_completeness_check_with_error_only_in_strict_runs(tmp_path):
    strict = completeness_check_result([LOST], [2023], strict=True, reports_dir=tmp_path)
    lenient = completeness_check_result([LOST], [2023], strict=False, reports_dir=tmp_path)
    assert not strict.passed and strict.severity == AssetCheckSeverity.ERROR
    assert not lenient.passed and lenient.severity == AssetCheckSeverity.WARN
    assert strict.description == "incomplete: 2023 正定县 (130123)"
    assert "| 2023 | 正定县 (130123) | 2023/正定县.xlsx | unreadable" in (
        strict.metadata["lost files"].value
    )
    assert completeness_check_result([], [2023], strict=True, reports_dir=tmp_path).passed


def test_the_checks_read_a_validated_year_once_and_again_when_it_changed(tmp_path, monkeypatch):
    """The five checks of a year share one read of its validated rows; a year written again
    is read again, never served from the last read."""
    import orchestration.staging.tables as tables
    from orchestration.defs import validation
    from tests.staged_rows import good_rows, make_result

    tables.write_staged_year(tmp_path, 2023, make_result(good_rows()))
    reads = []
    real = tables.read_staged_year
    monkeypatch.setattr(tables, "read_staged_year", lambda *a: reads.append(a) or real(*a))

    first = validation._read_validated_year(tmp_path, 2023)
    assert validation._read_validated_year(tmp_path, 2023) is first
    assert len(reads) == 1
    tables.write_staged_year(tmp_path, 2023, make_result(good_rows()[:1]))
    again = validation._read_validated_year(tmp_path, 2023)
    assert len(reads) == 2
    assert len(again.school_rows) == 1 < len(first.school_rows)
