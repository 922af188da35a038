"""A page is written only when its bytes change (published.write_if_changed): a consumer that
syncs the reports by modification time does not fetch a page that is the same."""

from __future__ import annotations

import os

import pytest

from orchestration.publish.published import write_if_changed
from orchestration.validation.report import write_validation_report
from orchestration.validation.rows import validate_school_rows
from tests.staged_rows import good_rows, make_result, school_row

OLD = 1_000_000_000_000_000_000  # a modification time long past, in ns


def _aged(path) -> tuple[int, int]:
    os.utime(path, ns=(OLD, OLD))
    return path.stat().st_ino, path.stat().st_mtime_ns


def test_the_same_bytes_leave_the_file_and_its_time_as_they_were(tmp_path):
    page = tmp_path / "a" / "page.html"
    assert write_if_changed(page, "<p>县</p>")  # a new file, its folder made
    assert page.read_text(encoding="utf-8") == "<p>县</p>"
    before = _aged(page)
    assert not write_if_changed(page, "<p>县</p>")
    assert not write_if_changed(page, "<p>县</p>".encode())
    assert (page.stat().st_ino, page.stat().st_mtime_ns) == before


@pytest.mark.parametrize("text", ["<p>乡</p>", "<p>县</p>\n", ""])
def test_other_bytes_are_written_atomically(tmp_path, text):
    """Another text of the same size, a longer one, an empty one: written, by a rename (a
    new file: a reader holding the old one keeps it whole), and no temporary file left."""
    page = tmp_path / "page.html"
    write_if_changed(page, "<p>县</p>")
    before = _aged(page)
    assert write_if_changed(page, text)
    assert page.read_text(encoding="utf-8") == text
    assert page.stat().st_ino != before[0] and page.stat().st_mtime_ns != OLD
    assert [path.name for path in tmp_path.iterdir()] == ["page.html"]


def test_a_folder_where_the_page_should_be_is_an_error(tmp_path):
    (tmp_path / "page.html").mkdir()
    with pytest.raises(OSError):
        write_if_changed(tmp_path / "page.html", "<p>县</p>")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["page.html"]


def test_a_year_s_validation_report_written_again_unchanged_keeps_its_file(tmp_path):
    validated, outcome = validate_school_rows(make_result(good_rows()))
    page = write_validation_report(tmp_path, 2019, [outcome], validated)
    before = _aged(page)
    assert write_validation_report(tmp_path, 2019, [outcome], validated) == page
    assert (page.stat().st_ino, page.stat().st_mtime_ns) == before
    # a quarantined row more: the report says so, and is written
    changed, outcome = validate_school_rows(make_result([*good_rows(), school_row(9, books=-1.0)]))
    write_validation_report(tmp_path, 2019, [outcome], changed)
    assert page.stat().st_mtime_ns != OLD
