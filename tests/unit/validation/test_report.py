import json

import pandas as pd

from orchestration.validation.outcome import ERROR, CheckOutcome
from orchestration.validation.report import write_validation_report
from orchestration.validation.rows import validate_school_rows
from tests.staged_rows import make_result, school_row

SCRIPT = "<script>alert(1)</script>"


def test_report_lists_outcomes_and_quarantine_with_every_value_escaped(good_rows, tmp_path):
    bad = school_row(9, school_name=SCRIPT, sheet=f"小学{SCRIPT}", teaching_area_m2=-1.0)
    validated, row_outcome = validate_school_rows(make_result([*good_rows, bad]))
    docs = tmp_path / "docs" / "index.html"
    outcomes = [
        row_outcome,
        CheckOutcome(
            "declared_totals",
            False,
            ERROR,
            f"total {SCRIPT}",
            {"examples": [{"sheet": SCRIPT}], "data_docs": str(docs)},
        ),
    ]

    path = write_validation_report(tmp_path / "reports", 2019, outcomes, validated)

    assert path == tmp_path / "reports" / "2019" / "index.html"
    page = path.read_text(encoding="utf-8")
    assert "<script" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "declared_totals" in page and "negative_value" in page
    assert 'href="../../docs/index.html"' in page
    quarantined = validated.quarantine.iloc[0]
    assert json.loads(quarantined["raw_values"])["school_name"] == SCRIPT
    assert str(quarantined["source_row"]) in page


def test_report_without_quarantine_or_docs(good_rows, tmp_path):
    validated, outcome = validate_school_rows(make_result(good_rows))
    page = write_validation_report(tmp_path, 2019, [outcome], validated).read_text(encoding="utf-8")
    assert "row_schema" in page and "Data Docs" not in page


def test_report_names_the_county_and_accounts_for_every_sheet(good_rows, tmp_path):
    validated, outcome = validate_school_rows(make_result([*good_rows, school_row(9, books=-1.0)]))
    page = write_validation_report(tmp_path, 2019, [outcome], validated).read_text(encoding="utf-8")
    assert "正定县" in page  # the registry's name beside the code 130123
    (receipt,) = validated.ingest_files.itertuples()
    accounting = (receipt.rows_read, receipt.rows_staged, receipt.rows_quarantined, 3)
    assert accounting == (9, 5, 1, 3)
    cells = "".join(f"<td>{n}</td>" for n in accounting)
    assert cells in page


def test_report_lists_the_incomplete_county_years_first_and_marks_a_demo(good_rows, tmp_path):
    validated, outcome = validate_school_rows(make_result(good_rows))
    lost = {
        **validated.ingest_files.iloc[0].to_dict(),
        "source_file": "2019/石家庄市/高邑县2019年均衡数据.xlsx",
        "sheet": None,
        "status": "rejected",
        "reason_code": "unreadable",
        "reason": "the file is corrupt",
        "county_code": "130127",
        "county_incomplete": True,
    }
    validated.ingest_files = pd.concat(
        [validated.ingest_files.assign(is_demo=True), pd.DataFrame([lost])], ignore_index=True
    )
    page = write_validation_report(tmp_path, 2019, [outcome], validated).read_text(encoding="utf-8")
    incomplete = page.index("Incomplete county-years (1)")
    assert incomplete < page.index("<h2>Checks</h2>")
    row = "<td>高邑县 (130127)</td><td>2019</td><td>2019/石家庄市/高邑县2019年均衡数据.xlsx</td>"
    assert row + "<td>unreadable</td><td>the file is corrupt</td>" in page
    assert "DEMO" in page


def test_report_of_a_complete_year_says_so(good_rows, tmp_path):
    validated, outcome = validate_school_rows(make_result(good_rows))
    page = write_validation_report(tmp_path, 2019, [outcome], validated).read_text(encoding="utf-8")
    assert "None: every file was read." in page and "DEMO" not in page
