"""Every file on its own: a file that is too big, crashes the reader or can not be opened is
rejected with a receipt, and the other files of the year load."""

import re
import zipfile
from dataclasses import replace

import pytest

from orchestration.ingest import isolation
from orchestration.ingest.discover import discover_raw_files
from orchestration.ingest.pipeline import ingest_year
from tests.workbooks import HEADER, Sheet, write_book

YEAR = 2019
COUNTY = f"{YEAR}/石家庄市"
GOOD = f"{COUNTY}/正定县均衡数据.csv"
TABLE = [HEADER, ["正定县第一小学", "小学", 400, 8, 2000]]
# Limits lowered so that the test files stay small; the worker's memory is bounded too.
LIMITS = replace(
    isolation.read_limits(),
    max_csv_bytes=200_000,
    max_zip_ratio=100,
    worker_memory_bytes=3 << 30,
    worker_cpu_seconds=60,
    workers=2,
)


@pytest.fixture
def raw(tmp_path, monkeypatch):
    monkeypatch.setattr(isolation, "read_limits", lambda: LIMITS)
    folder = tmp_path / "raw"
    write_book(folder / GOOD, [Sheet("学校", TABLE)])
    return folder


def outcome(result, name):
    """(status, reason_code, reason) of the receipt of file `name`, and the good file loaded."""
    receipts = result.ingest_files
    good = receipts[receipts["source_file"] == GOOD]
    assert list(good["status"]) == ["loaded"], receipts
    assert list(result.school_rows["school_name"]) == ["正定县第一小学"]
    mine = receipts[receipts["source_file"] == f"{COUNTY}/{name}"]
    assert len(mine) == 1, receipts
    row = mine.iloc[0]
    return row["status"], row["reason_code"], row["reason"]


def one_far_cell(path, keep_dimension=True):
    """An xlsx of a header and one cell at XFD1048576 (a few KB on disk)."""
    write_book(path, [Sheet("学校", TABLE)])
    sheet = "xl/worksheets/sheet1.xml"
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    xml = members[sheet].decode()
    far = '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
    xml = xml.replace("</sheetData>", far + "</sheetData>")
    xml = re.sub(r'<dimension ref="[^"]*"\s*/>', "", xml)
    if keep_dimension:
        xml = xml.replace("<sheetViews>", '<dimension ref="A1:XFD1048576"/><sheetViews>', 1)
    members[sheet] = xml.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)


def test_a_sheet_declaring_a_range_to_xfd1048576_is_refused_before_reading(raw):
    one_far_cell(raw / COUNTY / "辛集市均衡数据.xlsx")
    status, code, reason = outcome(ingest_year(raw, YEAR), "辛集市均衡数据.xlsx")
    assert (status, code) == ("rejected", "too_large")
    assert "17179869184 cells" in reason


def test_a_far_cell_without_a_declared_range_stops_only_its_own_worker(raw):
    # Nothing to refuse it by: the reader runs out of its memory limit and aborts.
    one_far_cell(raw / COUNTY / "辛集市均衡数据.xlsx", keep_dimension=False)
    status, code, reason = outcome(ingest_year(raw, YEAR), "辛集市均衡数据.xlsx")
    assert (status, code) == ("rejected", "read_failed")
    assert "memory" in reason


# An .xlsx renamed .xls (tests/fixtures/cases/04) is read as the archive it is: checked as one.
@pytest.mark.parametrize("suffix", [".xlsx", ".xls"])
def test_a_zip_bomb_is_refused_before_it_is_unpacked(raw, suffix):
    bomb = raw / COUNTY / f"赵县均衡数据{suffix}"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"<" + b"0" * 20_000_000)
    status, code, reason = outcome(ingest_year(raw, YEAR), bomb.name)
    assert (status, code) == ("rejected", "too_large")
    assert "sheet1.xml unpacks to 20000001 bytes" in reason


def test_a_csv_over_the_size_limit_is_refused(raw):
    rows = [HEADER] + [[f"学校{n}", "小学", 400, 8, 2000] for n in range(20_000)]
    write_book(raw / COUNTY / "晋州市均衡数据.csv", [Sheet("学校", rows)])
    status, code, reason = outcome(ingest_year(raw, YEAR), "晋州市均衡数据.csv")
    assert (status, code) == ("rejected", "too_large")
    assert "over the limit of 200000" in reason


def test_a_stray_quote_making_a_field_over_131072_characters_rejects_only_that_csv(raw):
    path = raw / COUNTY / "深泽县均衡数据.csv"
    path.write_text(",".join(HEADER) + '\n"深泽县第一小学,小学,400\n' + "x" * 140_000 + "\n")
    status, code, reason = outcome(ingest_year(raw, YEAR), "深泽县均衡数据.csv")
    assert (status, code) == ("rejected", "read_failed")
    assert "field larger than field limit" in reason


def test_a_file_that_can_not_be_opened_is_rejected(raw):
    # Tests run as root, whom no permission stops: a folder named like a spreadsheet is a
    # path that exists and that no read can open.
    (raw / COUNTY / "无极县均衡数据.csv").mkdir()
    files = [*discover_raw_files(raw)]
    unreadable = replace(files[0], path=raw / COUNTY / "无极县均衡数据.csv",
                         source_file=f"{COUNTY}/无极县均衡数据.csv")  # fmt: skip
    status, code, reason = outcome(
        ingest_year(raw, YEAR, [*files, unreadable]), "无极县均衡数据.csv"
    )
    assert (status, code) == ("rejected", "cannot_open")
    assert "Is a directory" in reason


def test_a_file_deleted_after_the_folder_was_listed_is_rejected(raw):
    doomed = raw / COUNTY / "高邑县均衡数据.csv"
    write_book(doomed, [Sheet("学校", [HEADER, ["高邑县第一小学", "小学", 300, 6, 900]])])
    files = discover_raw_files(raw)
    doomed.unlink()
    status, code, reason = outcome(ingest_year(raw, YEAR, files), "高邑县均衡数据.csv")
    assert (status, code) == ("rejected", "cannot_open")
    assert "No such file" in reason


@pytest.mark.parametrize(
    ("used", "allowance", "hard", "soft"),
    [
        (0.0, 900, -1, 900),  # a fresh worker: the whole allowance
        (12.3, 900, -1, 913),  # after some files: the allowance from now, rounded up
        (7.0, 60, -1, 67),
        (50.0, 900, 600, 600),  # never above the hard limit
    ],
)
def test_a_worker_serving_many_files_gets_each_file_its_own_cpu_allowance(
    used, allowance, hard, soft
):
    assert isolation.cpu_limit(used, allowance, hard) == soft


def test_files_after_a_crash_are_read_and_every_file_gets_its_reading(raw):
    # Several good files around one that stops its worker (over the memory limit): each
    # good file loads, in order, and only the culprit is rejected.
    counties = ["行唐县", "灵寿县", "高邑县", "深泽县", "赞皇县"]
    for county in counties:
        write_book(raw / COUNTY / f"{county}均衡数据.csv",
                   [Sheet("学校", [HEADER, [f"{county}第一小学", "小学", 400, 8, 2000]])])  # fmt: skip
    one_far_cell(raw / COUNTY / "辛集市均衡数据.xlsx", keep_dimension=False)
    result = ingest_year(raw, YEAR)
    receipts = result.ingest_files.set_index("source_file")
    assert receipts.loc[f"{COUNTY}/辛集市均衡数据.xlsx", "reason_code"] == "read_failed"
    loaded = receipts[receipts["status"] == "loaded"]
    assert len(loaded) == 6
    assert sorted(result.school_rows["school_name"]) == sorted(
        [f"{county}第一小学" for county in ["正定县", *counties]]
    )


def _pid_and_sum(*numbers):
    import os

    return os.getpid(), sum(numbers)


def _fail(message):
    raise ValueError(message)


def test_in_own_process_runs_the_call_in_another_process_and_returns_its_result(monkeypatch):
    import os

    monkeypatch.setattr(isolation, "read_limits", lambda: LIMITS)
    pid, total = isolation.in_own_process(_pid_and_sum, 1, 2, 3)
    assert total == 6
    assert pid != os.getpid()
    # a process per call: it ends with the call, so its memory goes back to the system
    assert isolation.in_own_process(_pid_and_sum)[0] != pid


def test_in_own_process_raises_the_calls_exception(monkeypatch):
    monkeypatch.setattr(isolation, "read_limits", lambda: LIMITS)
    with pytest.raises(ValueError, match="a county's sheet"):
        isolation.in_own_process(_fail, "a county's sheet")


def _die():
    import os
    import signal

    os.kill(os.getpid(), signal.SIGKILL)


def test_a_killed_own_process_names_what_it_was_doing(monkeypatch):
    monkeypatch.setattr(isolation, "read_limits", lambda: LIMITS)
    with pytest.raises(isolation.ProcessStopped, match="reading survey year 2019 stopped"):
        isolation.in_own_process(_die, what="reading survey year 2019")


def test_in_own_process_stays_in_this_process_when_the_readers_do(monkeypatch):
    import os

    monkeypatch.setattr(isolation, "read_limits", lambda: replace(LIMITS, workers=0))
    assert isolation.in_own_process(_pid_and_sum, 4)[0] == os.getpid()


def test_ingest_year_to_stages_the_year_and_returns_its_counts(raw, tmp_path):
    from orchestration.ingest.pipeline import ingest_year_to
    from orchestration.staging.tables import read_staged_year

    output = tmp_path / "parsed"
    counts = ingest_year_to(output, raw, YEAR)
    staged = read_staged_year(output, YEAR)
    assert counts == ingest_year(raw, YEAR).counts() == staged.counts()
    assert counts["school_rows"] == 1
    assert list(staged.school_rows["school_name"]) == ["正定县第一小学"]
