"""A file naming two years (a comparison `2020-2021年数据对比.xlsx`) never poisons a county-year."""

from __future__ import annotations

from orchestration.ingest.discover import discover_raw_files
from orchestration.ingest.pipeline import ingest_year
from orchestration.ingest.years import path_years, years_in_name, years_of_folder
from tests.workbooks import HEADER, Sheet, assert_accounting, write_book

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


def test_a_comparison_file_in_a_year_folder_is_rejected_whole_beside_the_real_file(tmp_path):
    """Its 2021年 sheet differs from the county's real file: read, it would make every
    school a duplicate conflict and the county vanish (docs/spec/raw-sheets.md: a file naming two
    years is year_conflict unless each sheet is the folder's year)."""
    raw = tmp_path / "raw"
    write_book(raw / "2021/石家庄市/正定县/2020-2021年数据对比.xlsx", COMPARISON)
    real = [HEADER, ["正定县第一小学", "小学", 410, 20, 9000]]
    write_book(raw / "2021/石家庄市/正定县/正定县2021年均衡数据.xlsx", [Sheet("小学", real)])
    result = ingest_year(raw, 2021)
    assert_accounting(result)
    assert list(result.school_rows["students_primary"]) == [410]
    assert set(result.school_rows["source_file"]) == {
        "2021/石家庄市/正定县/正定县2021年均衡数据.xlsx"
    }
    assert result.quarantine.empty
    receipts = result.ingest_files.set_index("source_file")
    comparison = receipts.loc["2021/石家庄市/正定县/2020-2021年数据对比.xlsx"]
    assert (comparison["status"], comparison["reason_code"]) == ("rejected", "year_conflict")
    assert comparison["sheet"] is None or comparison["sheet"] != comparison["sheet"]  # whole file
    assert "2020" in comparison["reason"] and not comparison["county_incomplete"]


def test_a_sheet_naming_no_year_makes_a_comparison_file_rejected_whole(tmp_path):
    raw = tmp_path / "raw"
    sheets = [Sheet("2021年", [HEADER, ["正定县第一小学", "小学", 400, 20, 9000]]),
              Sheet("对比", [HEADER, ["正定县第一小学", "小学", 20, 0, 100]])]  # fmt: skip
    write_book(raw / "2021/石家庄市/正定县/2020-2021年数据对比.xlsx", sheets)
    result = ingest_year(raw, 2021)
    assert result.school_rows.empty
    (receipt,) = result.ingest_files.itertuples()
    assert (receipt.status, receipt.reason_code) == ("rejected", "year_conflict")
    # the county's only file: nothing of it staged, so its county-year is incomplete
    assert receipt.county_code == "130123" and receipt.county_incomplete


def test_a_multi_year_file_each_of_whose_sheets_is_the_folders_year_is_read(tmp_path):
    raw = tmp_path / "raw"
    sheets = [Sheet("2021年小学", [HEADER, ["正定县第一小学", "小学", 400, 20, 9000]])]
    write_book(raw / "2021/石家庄市/正定县/2020-2021年数据对比.xlsx", sheets)
    result = ingest_year(raw, 2021)
    assert list(result.school_rows["students_primary"]) == [400]
