"""What a file is comes from its bytes; what can not be read is said in words."""

from __future__ import annotations

import re

import pytest

from orchestration.ingest import sniff
from orchestration.ingest.pipeline import ingest_year
from orchestration.ingest.workbook import UnreadableFile, read_workbook

TABLE = "学校名称\t办学类型\t在校生数\n正定县第一小学\t小学\t400\n"


@pytest.mark.parametrize(
    "data, kind",
    [
        (b"PK\x03\x04rest", sniff.ZIP),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", sniff.OLE2),
        (b"<html><body><table><tr><td>1</td></tr></table>", sniff.HTML),
        (
            b'<?xml version="1.0"?><Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet">'
            b"<Worksheet><Table></Table></Worksheet></Workbook>",
            sniff.SPREADSHEETML,
        ),
        (b"<?xml version='1.0'?><note/>", sniff.OTHER_XML),
        (TABLE.encode("utf-16"), sniff.TEXT),
        (TABLE.encode("utf-16-le"), sniff.TEXT),  # no BOM
        (TABLE.encode("gbk"), sniff.TEXT),
        (bytes(range(256)) * 4, sniff.BINARY),
        (b"  \r\n", sniff.EMPTY),
    ],
)
def test_the_container_is_told_from_the_bytes(data, kind):
    assert sniff.sniff(data) == kind


@pytest.mark.parametrize(
    "encoding", ["utf-8", "utf-8-sig", "gbk", "utf-16", "utf-16-le", "utf-16-be"]
)
def test_text_decodes_whatever_its_encoding(encoding):
    assert sniff.decode_text(TABLE.encode(encoding)) == TABLE


@pytest.mark.parametrize(
    "data, reason",
    [
        (b"<html><body><p>\xe6\x97\xa0</p></body></html>", "an HTML page without a table"),
        (b"PK\x03\x04" + b"\x00" * 40, "a damaged Excel file (its zip archive is broken)"),
        (b"<?xml version='1.0'?><note/>", "an XML file that is not an Excel workbook"),
        (b"", "an empty file"),
    ],
)
def test_what_can_not_be_read_is_said_in_words(tmp_path, data, reason):
    path = tmp_path / "正定县.xls"
    path.write_bytes(data)
    with pytest.raises(UnreadableFile, match=re.escape(reason)) as caught:
        read_workbook(path)
    assert caught.value.reason_code == "unreadable"


def test_a_text_file_is_read_when_it_holds_a_table_and_skipped_when_not(tmp_path):
    raw = tmp_path / "raw"
    (raw / "2023").mkdir(parents=True)
    (raw / "2023/正定县2023年.txt").write_bytes(TABLE.encode("utf-16"))
    (raw / "2023/说明.txt").write_text("请各县于3月底前上报。\n", encoding="utf-8")
    (raw / "2023/表.xls").write_text("请各县于3月底前上报。\n", encoding="gbk")
    result = ingest_year(raw, 2023)
    assert list(result.school_rows["students_primary"]) == [400]
    receipts = result.ingest_files.set_index("source_file")
    assert tuple(receipts.loc["2023/说明.txt", ["status", "reason_code"]]) == (
        "skipped", "not_a_spreadsheet",
    )  # fmt: skip
    assert tuple(receipts.loc["2023/表.xls", ["status", "reason_code", "reason"]]) == (
        "rejected", "unreadable", "a text file without a school table",
    )  # fmt: skip
