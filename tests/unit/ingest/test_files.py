"""Files and years: what is read, skipped or rejected, and the year each file belongs to."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from orchestration.demo.encrypted import compound_file, encrypted_workbook, encrypted_xls
from orchestration.demo.render import Sheet as DemoSheet
from orchestration.demo.render import Workbook as DemoWorkbook
from orchestration.ingest.discover import discover_raw_files, survey_years
from orchestration.ingest.pipeline import ingest_year, undated_file_receipts
from tests.workbooks import HEADER, Sheet, assert_accounting, write_book

TABLE = [HEADER, ["正定县第一小学", "小学", 400, 8, 2000]]


def discovered(raw):
    return {file.source_file: file for file in discover_raw_files(raw)}


def test_files_that_are_not_spreadsheets_are_skipped_and_the_others_read(tmp_path):
    raw = tmp_path / "raw"
    write_book(raw / "2019/正定县.xlsx", [Sheet("学校", TABLE)])
    (raw / "2019/~$正定县.xlsx").write_bytes(b"lock")
    (raw / "2019/说明.docx").write_bytes(b"PK\x03\x04")
    (raw / "2019/坏的.xlsx").write_bytes(b"this is no zip")
    (raw / "2019/加密.xlsx").write_bytes(encrypted_workbook(np.random.default_rng(1)))
    (raw / "2019/表.xls").write_bytes(b"<html>not an xls</html>")
    result = ingest_year(raw, 2019)
    assert_accounting(result)
    codes = result.ingest_files.set_index("source_file")["reason_code"].to_dict()
    assert codes["2019/~$正定县.xlsx"] == "lock_file"
    assert codes["2019/说明.docx"] == "not_a_spreadsheet"
    assert codes["2019/坏的.xlsx"] == "unreadable"
    assert codes["2019/加密.xlsx"] == "password_protected"
    assert codes["2019/表.xls"] == "unreadable"
    assert list(result.school_rows["school_name"]) == ["正定县第一小学"]


@pytest.mark.parametrize("name", ["加密.xlsx", "加密.xlsm", "改名.xls"])
def test_an_encrypted_workbook_is_known_by_its_encryptioninfo_stream(tmp_path, name):
    raw = tmp_path / "raw"
    (raw / "2019").mkdir(parents=True)
    # 70 000 bytes: a FAT over two sectors
    (raw / "2019" / name).write_bytes(
        encrypted_workbook(np.random.default_rng(7), package_size=70_000)
    )
    (row,) = ingest_year(raw, 2019).ingest_files.itertuples()
    assert (row.status, row.reason_code) == ("rejected", "password_protected")


def test_an_encrypted_excel_97_workbook_is_known_by_its_filepass_record(tmp_path):
    raw = tmp_path / "raw"
    (raw / "2019").mkdir(parents=True)
    table = DemoWorkbook("2019/加密.xls", "xls", "", [DemoSheet("学校", rows=TABLE)], 2019)
    (raw / table.path).write_bytes(encrypted_xls(table, np.random.default_rng(7)))
    (row,) = ingest_year(raw, 2019).ingest_files.itertuples()
    assert (row.status, row.reason_code) == ("rejected", "password_protected")


def test_the_words_encryptioninfo_inside_a_stream_do_not_make_a_file_encrypted(tmp_path):
    raw = tmp_path / "raw"
    (raw / "2019").mkdir(parents=True)
    text = "EncryptionInfo".encode("utf-16-le")
    (raw / "2019/旧表.xlsx").write_bytes(compound_file({"Workbook": text * 400}))
    (row,) = ingest_year(raw, 2019).ingest_files.itertuples()
    assert (row.status, row.reason_code) == ("rejected", "unreadable")


def test_a_file_without_any_table_is_rejected_no_table(tmp_path):
    raw = tmp_path / "raw"
    write_book(
        raw / "2019/正定县.xlsx", [Sheet("封面", [["正定县教育局"]]), Sheet("图", [["图1"]])]
    )
    result = ingest_year(raw, 2019)
    (row,) = result.ingest_files.itertuples()
    assert (row.status, row.reason_code, row.sheet) == ("rejected", "no_table", None)


def test_year_from_folder_then_file_name_then_title(tmp_path):
    raw = tmp_path / "raw"
    write_book(raw / "2019/石家庄市/正定县(终稿)(1).xlsx", [Sheet("学校", TABLE)])
    write_book(raw / "报送/正定县2018年均衡数据.xlsx", [Sheet("学校", TABLE)])
    write_book(
        raw / "报送/正定县均衡数据.xlsx",
        [Sheet("学校", [["2017年义务教育学校基本情况统计表"], *TABLE])],
    )
    files = discovered(raw)
    assert files["2019/石家庄市/正定县(终稿)(1).xlsx"].survey_year == 2019
    assert files["报送/正定县2018年均衡数据.xlsx"].survey_year == 2018
    assert files["报送/正定县均衡数据.xlsx"].survey_year == 2017
    assert survey_years(files.values()) == [2017, 2018, 2019]
    assert len(ingest_year(raw, 2017).school_rows) == 1


def test_two_years_named_or_none_reject_the_file(tmp_path):
    raw = tmp_path / "raw"
    write_book(raw / "2019/正定县2018年数据.xlsx", [Sheet("学校", TABLE)])
    write_book(raw / "正定县数据.xlsx", [Sheet("学校", TABLE)])
    write_book(raw / "2019/正定县.xlsx", [Sheet("学校", [["2017年基本情况统计表"], *TABLE])])
    files = discovered(raw)
    assert (files["2019/正定县2018年数据.xlsx"].reason_code, files["2019/正定县2018年数据.xlsx"].survey_year) == (
        "year_conflict", None,
    )  # fmt: skip
    assert files["正定县数据.xlsx"].reason_code == "year_unknown"
    undated = undated_file_receipts(files.values())
    assert sorted(undated["reason_code"]) == ["year_conflict", "year_unknown"]
    assert undated["survey_year"].isna().all()
    # a title naming another year than the folder: the file is rejected at reading
    (row,) = ingest_year(raw, 2019).ingest_files.itertuples()
    assert (row.source_file, row.status, row.reason_code) == (
        "2019/正定县.xlsx",
        "rejected",
        "year_conflict",
    )


def test_a_school_year_names_its_first_year(tmp_path):
    raw = tmp_path / "raw"
    write_book(raw / "正定县2019-2020学年均衡数据.xlsx", [Sheet("学校", TABLE)])
    assert discovered(raw)["正定县2019-2020学年均衡数据.xlsx"].survey_year == 2019


def test_raw_files_are_never_modified(tmp_path):
    raw = tmp_path / "raw"
    for suffix in ("xlsx", "xls", "csv"):
        write_book(raw / f"2019/正定县.{suffix}", [Sheet("学校", TABLE)])
    before = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in raw.rglob("*") if p.is_file()}
    result = ingest_year(raw, 2019)
    after = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in raw.rglob("*") if p.is_file()}
    assert before == after
    assert set(result.ingest_files["file_sha256"]) == set(before.values())


def test_a_sheet_of_another_year_is_skipped_and_the_sheet_of_the_files_year_read(tmp_path):
    raw = tmp_path / "raw"
    old = [["正定县2018年义务教育学校基本情况统计表"], *TABLE]
    write_book(raw / "2019/正定县.xlsx", [Sheet("2018年", old), Sheet("2019年", TABLE)])
    result = ingest_year(raw, 2019)
    assert_accounting(result)
    status = result.ingest_files.set_index("sheet")[["status", "reason_code"]]
    assert status.loc["2018年"].tolist() == ["skipped", "year_conflict"]
    assert status.loc["2019年", "status"] == "loaded"
    assert set(result.school_rows["sheet"]) == {"2019年"}
