"""Every entry of raw/ that is not a regular file gets a receipt, and no link is followed."""

import os

import pytest

from orchestration.ingest.discover import discover_raw_files
from orchestration.ingest.pipeline import ingest_year
from tests.workbooks import HEADER, Sheet, write_book

TABLE = [HEADER, ["正定县第一小学", "小学", 400, 8, 2000]]


@pytest.fixture
def raw(tmp_path):
    folder = tmp_path / "raw"
    write_book(folder / "2019/石家庄市/正定县均衡数据.csv", [Sheet("学校", TABLE)])
    return folder


def receipts(raw):
    return {file.source_file: (file.status, file.reason_code) for file in discover_raw_files(raw)}


def test_links_inside_and_outside_raw_loops_and_fifos_each_get_a_receipt(raw, tmp_path):
    outside = tmp_path / "elsewhere"
    write_book(
        outside / "赵县均衡数据.csv", [Sheet("学校", [HEADER, ["赵县一小", "小学", 1, 1, 1]])]
    )
    county = raw / "2019/石家庄市"
    os.symlink(outside / "赵县均衡数据.csv", county / "赵县均衡数据.csv")
    os.symlink(outside, county / "外县")
    os.symlink(county / "正定县均衡数据.csv", county / "正定县副本.csv")
    os.symlink(raw / "2019", county / "循环")  # a loop
    os.symlink(county / "不存在.csv", county / "失效.csv")
    os.mkfifo(county / "管道.csv")

    found = receipts(raw)

    prefix = "2019/石家庄市/"
    assert found == {
        prefix + "正定县均衡数据.csv": (None, None),
        prefix + "赵县均衡数据.csv": ("skipped", "link_outside_raw"),
        prefix + "外县": ("skipped", "link_outside_raw"),
        prefix + "正定县副本.csv": ("skipped", "not_a_regular_file"),
        prefix + "循环": ("skipped", "not_a_regular_file"),
        prefix + "失效.csv": ("skipped", "not_a_regular_file"),
        prefix + "管道.csv": ("skipped", "not_a_regular_file"),
    }
    # Nothing outside raw/ is read, not even to hash it; the receipts reach ingest_files.
    result = ingest_year(raw, 2019)
    assert list(result.school_rows["school_name"]) == ["正定县第一小学"]
    skipped = result.ingest_files[result.ingest_files["status"] == "skipped"]
    assert len(skipped) == 6
    assert skipped["file_sha256"].isna().all()


def test_a_folder_that_can_not_be_listed_gets_a_receipt(raw, monkeypatch):
    # Tests run as root, whom permissions do not stop: the listing error is simulated.
    locked = raw / "2019" / "保密"
    locked.mkdir()
    real_scandir = os.scandir

    def scandir(path="."):
        if os.fspath(path) == str(locked):
            raise PermissionError(13, "Permission denied", str(locked))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)

    found = receipts(raw)

    assert found["2019/保密"] == ("skipped", "not_a_regular_file")
    assert found["2019/石家庄市/正定县均衡数据.csv"] == (None, None)
