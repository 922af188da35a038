"""A file naming two years (a comparison `2020-2021年数据对比.xlsx`) never poisons a county-year."""

from __future__ import annotations

from orchestration.ingest.discover import discover_raw_files
from orchestration.ingest.pipeline import ingest_year
from orchestration.ingest.years import path_years, years_in_name, years_of_folder
from tests.ingest.workbooks import HEADER, Sheet, assert_accounting, write_book

COMPARISON = [
    Sheet("2020年", [HEADER, ["正定县第一小学", "小学", 380, 8, 1900]]),
    Sheet("2021年", [HEADER, ["正定县第一小学", "小学", 400, 8, 2000]]),
]


def test_a_range_of_years_is_a_school_year_only_when_it_says_so():
    assert years_in_name("正定县2019-2020学年均衡数据") == {2019}
    assert years_in_name("2020-2021年数据对比") == {2020, 2021}
    assert years_of_folder("2019-2020") == {2019}
    assert path_years(["2021"], "2020-2021年数据对比") == {2021}
    assert path_years(["2019"], "2020-2021年数据对比") == {2019, 2020, 2021}


def test_a_comparison_file_outside_a_year_folder_is_rejected(tmp_path):
    raw = tmp_path / "raw"
    write_book(raw / "石家庄市/正定县/2020-2021年数据对比.xlsx", COMPARISON)
    write_book(raw / "2021/石家庄市/正定县/正定县2021年.xlsx", [COMPARISON[1]])
    files = {file.source_file: file for file in discover_raw_files(raw)}
    comparison = files["石家庄市/正定县/2020-2021年数据对比.xlsx"]
    assert (comparison.status, comparison.reason_code) == ("rejected", "year_conflict")
    result = ingest_year(raw, 2021, list(files.values()))
    assert list(result.school_rows["students_primary"]) == [400]  # the county-year intact
    assert result.quarantine.empty


def test_a_comparison_file_in_a_year_folder_gives_that_years_sheet_only(tmp_path):
    raw = tmp_path / "raw"
    write_book(raw / "2021/石家庄市/正定县/2020-2021年数据对比.xlsx", COMPARISON)
    result = ingest_year(raw, 2021)
    assert_accounting(result)
    assert list(result.school_rows["students_primary"]) == [400]
    receipts = result.ingest_files.set_index("sheet")
    assert receipts.loc["2021年", "status"] == "loaded"
    assert (receipts.loc["2020年", "status"], receipts.loc["2020年", "reason_code"]) == (
        "skipped", "year_conflict",
    )  # fmt: skip


def test_a_sheet_naming_no_year_in_a_comparison_file_is_not_read(tmp_path):
    raw = tmp_path / "raw"
    sheets = [*COMPARISON, Sheet("对比", [HEADER, ["正定县第一小学", "小学", 20, 0, 100]])]
    write_book(raw / "2021/石家庄市/正定县/2020-2021年数据对比.xlsx", sheets)
    result = ingest_year(raw, 2021)
    receipts = result.ingest_files.set_index("sheet")
    assert receipts.loc["对比", "reason_code"] == "year_conflict"
    assert list(result.school_rows["students_primary"]) == [400]
