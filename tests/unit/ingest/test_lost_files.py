"""A file that can not be used still belongs to its county, and its county-year says so."""

from __future__ import annotations

from orchestration.ingest.demo_files import write_demo_manifest
from orchestration.ingest.discover import county_of_path, discover_raw_files
from orchestration.ingest.pipeline import ingest_year, undated_file_receipts
from orchestration.validation.completeness import lost_files
from tests.workbooks import HEADER, Sheet, write_book

GOOD = [
    HEADER,
    ["灵寿县第一小学", "小学", 400, 20, 9000],
    ["灵寿县第二小学", "小学", 300, 15, 6000],
]


def receipts_by_file(result):
    return result.ingest_files.set_index("source_file")


def test_county_of_path_reads_the_name_and_the_folders():
    assert county_of_path("2023/石家庄市/正定县2023年均衡数据.xlsx") == "130123"
    assert county_of_path("2023/石家庄市/正定县/均衡发展-修改版.xlsx") == "130123"
    assert county_of_path("2023/汇总/数据.xlsx") is None


def test_a_corrupt_file_and_a_skipped_file_keep_their_county_and_mark_it_incomplete(tmp_path):
    raw = tmp_path / "raw"
    write_book(raw / "2023" / "石家庄市" / "灵寿县2023年均衡数据.xlsx", [Sheet("小学", GOOD)])
    corrupt = raw / "2023" / "石家庄市" / "正定县2023年均衡数据.xlsx"
    corrupt.write_bytes(b"PK\x03\x04 not a zip at all")
    (raw / "2023" / "石家庄市" / "鹿泉区2023年均衡数据.pdf").write_bytes(b"%PDF-1.4")
    (raw / "2023" / "石家庄市" / "灵寿县说明.docx").write_bytes(b"PK")
    (raw / "2023" / "石家庄市" / "~$灵寿县2023年均衡数据.xlsx").write_bytes(b"x")

    receipts = receipts_by_file(ingest_year(raw, 2023))

    rejected = receipts.loc["2023/石家庄市/正定县2023年均衡数据.xlsx"]
    assert (rejected["status"], rejected["county_code"]) == ("rejected", "130123")
    assert bool(rejected["county_incomplete"])
    # Nothing of 鹿泉区 was read: its skipped file is its loss.
    pdf = receipts.loc["2023/石家庄市/鹿泉区2023年均衡数据.pdf"]
    assert (pdf["status"], pdf["county_code"], bool(pdf["county_incomplete"])) == (
        "skipped",
        "130110",
        True,
    )
    # 灵寿县 was read: its cover letter and a lock file lose nothing.
    assert not receipts.loc["2023/石家庄市/灵寿县说明.docx", "county_incomplete"]
    assert not receipts.loc["2023/石家庄市/~$灵寿县2023年均衡数据.xlsx", "county_incomplete"]
    loaded = receipts.loc["2023/石家庄市/灵寿县2023年均衡数据.xlsx"]
    assert loaded["county_code"] == "130126" and not loaded["county_incomplete"]
    assert not receipts["is_demo"].any()


def test_lost_files_name_county_year_file_and_reason_in_order(tmp_path):
    raw = tmp_path / "raw"
    (raw / "2023").mkdir(parents=True)
    (raw / "2023" / "正定县2023年均衡数据.xlsx").write_bytes(b"garbage")
    (raw / "2023" / "高邑县2023年均衡数据.csv").write_bytes(b"\xff\xfe\x00")

    lost = lost_files(ingest_year(raw, 2023).ingest_files)

    assert [(f.survey_year, f.county_code) for f in lost] == [(2023, "130123"), (2023, "130127")]
    assert lost[0].line().startswith("2023 正定县 (130123): 2023/正定县2023年均衡数据.xlsx: ")
    assert lost[0].reason_code and lost[0].reason


def test_a_file_naming_two_years_is_rejected_on_purpose_and_loses_nothing(tmp_path):
    raw = tmp_path / "raw"
    write_book(raw / "2020" / "正定县2021年数据对比.xlsx", [Sheet("2020年", GOOD)])
    receipts = undated_file_receipts(discover_raw_files(raw))
    assert receipts["reason_code"].tolist() == ["year_conflict"]
    assert receipts["county_code"].tolist() == ["130123"]
    assert not receipts["county_incomplete"].any()


def test_the_demo_manifest_marks_the_demo_files_and_only_while_unchanged(tmp_path):
    raw = tmp_path / "raw"
    demo = write_book(raw / "2023" / "灵寿县2023年均衡数据.xlsx", [Sheet("小学", GOOD)])
    other = write_book(raw / "2023" / "正定县2023年均衡数据.xlsx", [Sheet("小学", GOOD)])
    write_demo_manifest(raw, [demo])
    receipts = receipts_by_file(ingest_year(raw, 2023))
    assert bool(receipts.loc["2023/灵寿县2023年均衡数据.xlsx", "is_demo"])
    assert not receipts.loc["2023/正定县2023年均衡数据.xlsx", "is_demo"]
    assert other.exists()
    write_book(demo, [Sheet("小学", [*GOOD, ["灵寿县第三小学", "小学", 200, 10, 4000]])])
    receipts = receipts_by_file(ingest_year(raw, 2023))
    assert not receipts.loc["2023/灵寿县2023年均衡数据.xlsx", "is_demo"]


def test_a_county_whose_every_row_is_quarantined_is_incomplete_not_absent(tmp_path):
    raw = tmp_path / "raw"
    write_book(raw / "2023" / "石家庄市" / "灵寿县2023年均衡数据.xlsx", [Sheet("小学", GOOD)])
    no_enrollment = [HEADER, ["正定县第一小学", "小学", None, 20, 9000]]
    write_book(
        raw / "2023" / "石家庄市" / "正定县2023年均衡数据.xlsx", [Sheet("小学", no_enrollment)]
    )

    result = ingest_year(raw, 2023)

    receipts = receipts_by_file(result)
    sheet = receipts.loc["2023/石家庄市/正定县2023年均衡数据.xlsx"]
    assert (sheet["status"], sheet["county_code"], bool(sheet["county_incomplete"])) == (
        "loaded", "130123", True,
    )  # fmt: skip
    assert "missing_students 1" in sheet["reason"]
    assert not receipts.loc["2023/石家庄市/灵寿县2023年均衡数据.xlsx", "county_incomplete"]
    (lost,) = lost_files(result.ingest_files)
    assert (lost.county_code, lost.source_file) == ("130123", sheet.name)
    assert "no row of the county staged" in lost.line()


def test_a_duplicate_conflict_that_nothing_decides_marks_the_county_incomplete(tmp_path):
    raw = tmp_path / "raw"
    folder = raw / "2023" / "石家庄市" / "正定县"
    write_book(folder / "正定县2023年均衡数据.xlsx", [Sheet("小学", [HEADER, GOOD[1]])])
    other = [HEADER, ["灵寿县第一小学", "小学", 999, 20, 9000]]
    write_book(folder / "正定县2023年均衡数据(修改).xlsx", [Sheet("小学", other)])

    result = ingest_year(raw, 2023)

    assert result.school_rows.empty
    assert set(result.quarantine["reason_code"]) == {"duplicate_conflict"}
    receipts = result.ingest_files
    assert receipts["county_incomplete"].all() and len(receipts) == 2
    assert {f.county_code for f in lost_files(receipts)} == {"130123"}


def test_rows_naming_no_county_the_registry_knows_lose_the_county_of_the_path(tmp_path):
    raw = tmp_path / "raw"
    rows = [["统计用区划代码", *HEADER], ["990000100000", *GOOD[1]], ["990000100000", *GOOD[2]]]
    write_book(raw / "2023" / "石家庄市" / "无极县" / "汇总表2023.xlsx", [Sheet("全县", rows)])

    result = ingest_year(raw, 2023)

    assert set(result.quarantine["reason_code"]) == {"county_unknown"}
    (receipt,) = result.ingest_files.itertuples()
    assert (receipt.status, receipt.county_code, receipt.county_incomplete) == (
        "loaded", "130130", True,
    )  # fmt: skip
    assert "county_unknown 2" in receipt.reason


def test_a_lock_file_or_a_comparison_file_of_a_staged_county_loses_nothing(tmp_path):
    raw = tmp_path / "raw"
    write_book(raw / "2023" / "石家庄市" / "灵寿县2023年均衡数据.xlsx", [Sheet("小学", GOOD)])
    write_book(
        raw / "2023" / "石家庄市" / "灵寿县" / "2022-2023年数据对比.xlsx",
        [Sheet("2022年", GOOD), Sheet("2023年", GOOD)],
    )
    receipts = receipts_by_file(ingest_year(raw, 2023))
    comparison = receipts.loc["2023/石家庄市/灵寿县/2022-2023年数据对比.xlsx"]
    assert comparison["reason_code"] == "year_conflict"
    assert not receipts["county_incomplete"].any()


def test_the_strict_line_names_the_file_of_an_unknown_county():
    from orchestration.validation.completeness import LostFile, incomplete_names

    lost = [
        LostFile(2023, None, None, "2023/邢台市/桥西区.xlsx", "county_unknown", "..."),
        LostFile(2023, "130123", "正定县", "2023/正定县.xlsx", "unreadable", None),
        LostFile(2023, "130123", "正定县", "2023/正定县2.xlsx", "unreadable", None),
    ]
    assert incomplete_names(lost) == [
        "2023 county unknown: 2023/邢台市/桥西区.xlsx",
        "2023 正定县 (130123)",
    ]
