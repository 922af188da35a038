"""Two files of a county-year disagreeing about a school: the stated precedence decides."""

from __future__ import annotations

from orchestration.ingest.dedupe import SUPERSEDED
from orchestration.ingest.pipeline import ingest_year
from tests.ingest.workbooks import HEADER, Sheet, assert_accounting, write_book


def _ingest(tmp_path, books: dict[str, list[list]]):
    raw = tmp_path / "raw"
    for name, rows in books.items():
        write_book(raw / name, [Sheet("学校", rows)])
    result = ingest_year(raw, 2023)
    assert_accounting(result)
    return result


def test_the_file_in_the_year_folder_beats_a_loose_file(tmp_path):
    result = _ingest(tmp_path, {
        "2023/石家庄市/正定县.xlsx": [HEADER, ["正定县第一小学", "小学", 400, 8, 2000]],
        "石家庄市/正定县2023年(旧).xlsx": [HEADER, ["正定县第一小学", "小学", 390, 8, 2000]],
    })  # fmt: skip
    assert list(result.school_rows["students_primary"]) == [400]
    (lost,) = result.quarantine.itertuples()
    assert (lost.source_file, lost.reason_code) == (
        "石家庄市/正定县2023年(旧).xlsx",
        "duplicate_conflict",
    )
    assert "2023/石家庄市/正定县.xlsx" in lost.reason and "year folder" in lost.reason


def test_the_copy_that_carries_the_field_beats_the_one_lacking_it(tmp_path):
    result = _ingest(tmp_path, {
        "2023/正定县/汇总.xlsx": [HEADER, ["正定县第一小学", "小学", 400, 8, 2000]],
        "2023/正定县/学生.xlsx": [HEADER[:3], ["正定县第一小学", "小学", 400]],
    })  # fmt: skip
    (staged,) = result.school_rows.itertuples()
    assert (staged.source_file, staged.books) == ("2023/正定县/汇总.xlsx", 2000)
    (lost,) = result.quarantine.itertuples()
    assert lost.source_file == "2023/正定县/学生.xlsx" and "carries the field" in lost.reason
    assert lost.reason_code == "duplicate_conflict" and lost.reason.startswith(SUPERSEDED)


def test_both_copies_are_quarantined_when_nothing_decides(tmp_path):
    result = _ingest(tmp_path, {
        "2023/正定县/一.xlsx": [HEADER, ["正定县第一小学", "小学", 400, 8, 2000]],
        "2023/正定县/二.xlsx": [HEADER, ["正定县第一小学", "小学", 390, 8, 2000]],
    })  # fmt: skip
    assert result.school_rows.empty
    assert list(result.quarantine["reason_code"]) == ["duplicate_conflict"] * 2
