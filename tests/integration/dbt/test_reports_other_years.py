"""A county page plots every survey year's CVs: after a run rebuilds one year, the pages of
the other years whose figures it changed are redrawn, those of the others are left alone
(county_report.refresh_bureau_reports, called by the bureau_reports asset)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from orchestration.publish import county_report
from orchestration.publish.county_report import (
    WarehouseFigures,
    county_page_path,
    refresh_bureau_reports,
    write_bureau_reports,
)
from orchestration.publish.warehouse import publish_tables
from tests.integration.dbt.conftest import DbtBuild
from tests.integration.dbt.staged_fixture import YEARS

EARLIER, LATER = YEARS[:-1], YEARS[-1]


@pytest.fixture
def drawn_years(dbt_build: DbtBuild, tmp_path: Path) -> Path:
    """A warehouse of every year with every year's pages and workbooks drawn."""
    warehouse = tmp_path / "warehouse"
    publish_tables(dbt_build.marts_dir, warehouse, list(YEARS))
    for year in YEARS:
        write_bureau_reports(warehouse, warehouse / "reports", warehouse / "exports", year, 1)
    return warehouse


def _republish(dbt_build: DbtBuild, tmp_path: Path, warehouse: Path, change, **publish) -> None:
    """Publish LATER again (the other years carried over as a run does) from marts in
    which `change(table_name, pandas frame)` returned the frame to publish."""
    marts = tmp_path / "marts"
    shutil.rmtree(marts, ignore_errors=True)
    shutil.copytree(dbt_build.marts_dir, marts)
    for path in marts.glob("*.parquet"):
        table = pq.read_table(path)
        changed = change(path.stem, table.to_pandas())
        if changed is not None:
            pq.write_table(pa.Table.from_pandas(changed, schema=table.schema), path)
    publish_tables(marts, warehouse, [LATER], **publish)
    write_bureau_reports(warehouse, warehouse / "reports", warehouse / "exports", LATER, 1)


def _cold_page(warehouse: Path, tmp_path: Path, year: int, county: str) -> str:
    """The page a cold build of the warehouse as it is now draws."""
    reports = tmp_path / f"cold-{year}" / "reports"  # beside its exports, as the warehouse's
    if not reports.exists():
        write_bureau_reports(warehouse, reports, reports.parent / "exports", year, 1)
    return county_page_path(reports, year, county).read_text(encoding="utf-8")


def _spy(monkeypatch) -> tuple[list, list]:
    """Records each county page drawn (year, county) and each WarehouseFigures.load."""
    drawn, loads = [], []
    render = county_report.render_county_page
    load = county_report.WarehouseFigures.load

    def spy_render(figures, code, href):
        drawn.append((figures.survey_year, code))
        return render(figures, code, href)

    def spy_load(warehouse_dir, survey_year, counties=None, shared=None):
        loads.append((survey_year, counties))
        return load(warehouse_dir, survey_year, counties, shared)

    monkeypatch.setattr(county_report, "render_county_page", spy_render)
    monkeypatch.setattr(county_report.WarehouseFigures, "load", staticmethod(spy_load))
    return drawn, loads


def _plotted_years(page: str) -> list[list[str]]:
    """The survey years on each chart's x axis (from the SVG's aria-label)."""
    found = re.findall(
        r"X-axis titled 'survey year' for a discrete scale with \d+ values?: ([^\"]*)", page
    )
    assert found
    return [years.split(", ") for years in found]


def _stats(warehouse: Path, year: int) -> dict[str, tuple[int, int]]:
    folder = warehouse / "reports" / str(year)
    return {
        str(path.relative_to(folder)): (path.stat().st_ino, path.stat().st_mtime_ns)
        for path in folder.rglob("*.html")
    }


def test_a_later_year_s_changed_cv_redraws_that_county_s_earlier_pages_only(
    drawn_years, dbt_build, tmp_path, monkeypatch
):
    warehouse = drawn_years
    counties = WarehouseFigures.load(warehouse, LATER).counties()
    changed, unchanged = counties[0], counties[1]
    before = {year: _stats(warehouse, year) for year in EARLIER}
    old_pages = {
        year: county_page_path(warehouse / "reports", year, changed).read_text(encoding="utf-8")
        for year in EARLIER
    }

    def correct(name, frame):  # the county's LATER file corrected: every CV of it moves
        if name not in ("fct_county_indicator", "fct_county_assessment"):
            return None
        rows = (frame["survey_year"] == LATER) & (frame["county_code"] == changed)
        if name == "fct_county_indicator":
            frame.loc[rows, "cv"] = frame.loc[rows, "cv"] * 1.5 + 0.01
            return frame
        frame.loc[rows, "basic_composite_cv"] = frame.loc[rows, "basic_composite_cv"] * 1.5
        return frame

    _republish(dbt_build, tmp_path, warehouse, correct)
    drawn, loads = _spy(monkeypatch)
    written = refresh_bureau_reports(
        warehouse, warehouse / "reports", warehouse / "exports", list(EARLIER), workers=1
    )

    assert sorted(drawn) == [(year, changed) for year in EARLIER]
    # only the changed county's rows of the earlier years were read in full
    assert sorted(loads) == [(year, [changed]) for year in EARLIER]
    assert sorted(written) == list(EARLIER)
    for year in EARLIER:
        page = county_page_path(warehouse / "reports", year, changed)
        assert page in written[year].pages
        text = page.read_text(encoding="utf-8")
        assert text != old_pages[year]  # the LATER point of the trend moved
        assert text == _cold_page(warehouse, tmp_path, year, changed)
        # every other page of the year (the other counties', the indexes) not written again
        after = _stats(warehouse, year)
        rewritten = {name for name in before[year] if after[name] != before[year][name]}
        assert rewritten == {f"county/{changed}.html"}
        assert f"county/{unchanged}.html" not in rewritten

    # nothing changed since: nothing is read in full nor drawn
    drawn.clear(), loads.clear()
    assert (
        refresh_bureau_reports(
            warehouse, warehouse / "reports", warehouse / "exports", list(EARLIER), workers=1
        )
        == {}
    )
    assert drawn == [] and loads == []


def test_a_county_gone_from_a_later_year_leaves_no_earlier_page_plotting_it(
    drawn_years, dbt_build, tmp_path, monkeypatch
):
    warehouse = drawn_years
    gone = WarehouseFigures.load(warehouse, LATER).counties()[0]

    def withdraw(name, frame):  # the county's only LATER file withdrawn
        if "county_code" not in frame.columns or "survey_year" not in frame.columns:
            return None
        return frame[~((frame["survey_year"] == LATER) & (frame["county_code"] == gone))]

    _republish(dbt_build, tmp_path, warehouse, withdraw)
    assert not county_page_path(warehouse / "reports", LATER, gone).exists()
    drawn, _ = _spy(monkeypatch)
    refresh_bureau_reports(
        warehouse, warehouse / "reports", warehouse / "exports", list(EARLIER), workers=1
    )
    assert sorted(drawn) == [(year, gone) for year in EARLIER]
    for year in EARLIER:
        text = county_page_path(warehouse / "reports", year, gone).read_text(encoding="utf-8")
        assert all(str(LATER) not in years for years in _plotted_years(text))
        assert text == _cold_page(warehouse, tmp_path, year, gone)


def test_a_removed_year_is_drawn_out_of_every_other_year_s_pages(
    drawn_years, dbt_build, tmp_path, monkeypatch
):
    """A year whose raw folder is gone is dropped by the publish; every page of the other
    years plotted it, so every one is redrawn, equal to a cold build's."""
    warehouse = drawn_years
    removed, kept = YEARS[1], YEARS[0]
    _republish(dbt_build, tmp_path, warehouse, lambda name, frame: None, raw_years=[kept, LATER])
    drawn, _ = _spy(monkeypatch)
    refresh_bureau_reports(warehouse, warehouse / "reports", warehouse / "exports", [kept], 1)
    counties = WarehouseFigures.load(warehouse, kept).counties()
    assert sorted(drawn) == [(kept, code) for code in counties]
    for code in counties:
        page = county_page_path(warehouse / "reports", kept, code).read_text(encoding="utf-8")
        assert page == _cold_page(warehouse, tmp_path, kept, code)
        assert all(str(removed) not in years for years in _plotted_years(page))


def test_a_year_without_a_record_or_with_other_files_is_drawn_as_a_rebuilt_year(
    drawn_years, monkeypatch
):
    """No `.trend.json` (pages drawn by an older version), or the year's own files not those
    the record names: the year is checked as a rebuilt one (every county's full digest)."""
    warehouse = drawn_years
    year = EARLIER[0]
    (warehouse / "reports" / str(year) / "county" / county_report.TREND_FILE).unlink()
    drawn, loads = _spy(monkeypatch)
    refresh_bureau_reports(warehouse, warehouse / "reports", warehouse / "exports", [year], 1)
    assert loads == [(year, None)] and drawn == []  # read in full; no page changed
    assert (warehouse / "reports" / str(year) / "county" / county_report.TREND_FILE).exists()
    loads.clear()
    refresh_bureau_reports(warehouse, warehouse / "reports", warehouse / "exports", [year], 1)
    assert loads == []


def test_a_page_deleted_by_hand_is_drawn_again_by_the_next_check(drawn_years, monkeypatch):
    warehouse = drawn_years
    year = EARLIER[0]
    county = WarehouseFigures.load(warehouse, year).counties()[0]
    page = county_page_path(warehouse / "reports", year, county)
    text = page.read_text(encoding="utf-8")
    page.unlink()
    drawn, loads = _spy(monkeypatch)
    refresh_bureau_reports(warehouse, warehouse / "reports", warehouse / "exports", [year], 1)
    assert drawn == [(year, county)] and loads == [(year, [county])]
    assert page.read_text(encoding="utf-8") == text


def test_a_page_redrawn_by_the_check_is_not_drawn_again_by_a_full_drawing(
    drawn_years, dbt_build, tmp_path, monkeypatch
):
    """A page redrawn by `refresh_bureau_reports` records the inputs digest a full drawing
    of its year records (one rule for both), so the year's next full drawing draws nothing."""
    warehouse = drawn_years
    changed, other = WarehouseFigures.load(warehouse, LATER).counties()[:2]

    def correct(name, frame):
        if name != "fct_county_indicator":
            return None
        rows = (frame["survey_year"] == LATER) & (frame["county_code"] == changed)
        frame.loc[rows, "cv"] = frame.loc[rows, "cv"] * 1.5 + 0.01
        return frame

    _republish(dbt_build, tmp_path, warehouse, correct)
    drawn, _ = _spy(monkeypatch)
    refresh_bureau_reports(
        warehouse, warehouse / "reports", warehouse / "exports", list(EARLIER), workers=1
    )
    assert sorted(drawn) == [(year, changed) for year in EARLIER]
    drawn.clear()
    for year in EARLIER:
        write_bureau_reports(warehouse, warehouse / "reports", warehouse / "exports", year, 1)
    assert drawn == []


def test_a_year_drawn_again_writes_only_the_files_whose_bytes_change(
    drawn_years, dbt_build, tmp_path
):
    """A rebuilt year whose figures did not change writes no page, index or record again
    (their files keep their inode and time); one whose county's figures changed writes that
    county's page and the indexes listing it, and says which files it wrote."""
    warehouse = drawn_years
    reports, exports = warehouse / "reports", warehouse / "exports"
    year_dir = reports / str(LATER)

    def files() -> dict[str, tuple[int, int]]:
        return {
            str(path.relative_to(warehouse)): (path.stat().st_ino, path.stat().st_mtime_ns)
            for folder in (year_dir, exports / str(LATER))
            for path in folder.rglob("*")
            if path.is_file()
        }

    before = files()
    assert any("/province/" in name for name in before)
    again = write_bureau_reports(warehouse, reports, exports, LATER, 1)
    assert files() == before
    assert again.written == []
    assert len(again.pages) == len(list(year_dir.rglob("*.html")))

    changed, other = WarehouseFigures.load(warehouse, LATER).counties()[:2]

    def correct(name, frame):  # the county's composite CV moves: its page and indexes show it
        if name != "fct_county_assessment":
            return None
        rows = (frame["survey_year"] == LATER) & (frame["county_code"] == changed)
        frame.loc[rows, "basic_composite_cv"] = frame.loc[rows, "basic_composite_cv"] * 1.5
        return frame

    _republish(dbt_build, tmp_path, warehouse, correct)  # draws LATER again
    after = files()
    rewritten = {name for name in before if after.get(name) != before[name]}
    assert f"reports/{LATER}/county/{changed}.html" in rewritten
    assert any("/province/" in name for name in rewritten)
    assert f"reports/{LATER}/county/{other}.html" not in rewritten
    assert not any(name.endswith(".xlsx") for name in rewritten)  # its gap rows are the same
