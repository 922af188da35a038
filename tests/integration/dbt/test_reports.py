"""The gap list, its workbooks and the county reports over the synthetic dbt build."""

from __future__ import annotations

import csv
import dataclasses
import json
import math
import re
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

from orchestration.publish.county_report import (
    NO_PREVIOUS_YEAR,
    SORT_SCRIPT,
    _fraction_td,
    _page,
    _table,
    _td,
    basic_verdict,
    county_page_path,
    failing_reason,
    left_out_rows,
    previous_count,
    quality_verdict,
    variance_shares,
    write_county_reports,
)
from orchestration.publish.gap_workbook import (
    COUNTY_TOTAL_ZH,
    GAP_COLUMNS,
    GAP_SHEET,
    NUMBER_FORMATS,
    TOTAL_COLUMNS,
    TOTALS_SHEET,
    cost_totals,
    export_path,
    write_gap_workbooks,
)
from orchestration.publish.published import read_table
from orchestration.publish.warehouse import publish_tables
from orchestration.settings import CONTRACTS_DIR
from tests.browser import render
from tests.integration.dbt.conftest import DbtBuild
from tests.integration.dbt.staged_fixture import HOSTILE_NAME, XINGTANG, YEARS


@pytest.fixture(scope="session")
def published(dbt_build: DbtBuild, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The build published to a warehouse, with every year's workbooks and reports."""
    warehouse = tmp_path_factory.mktemp("warehouse")
    publish_tables(dbt_build.marts_dir, warehouse, list(YEARS))
    for year in YEARS:
        write_gap_workbooks(warehouse, warehouse / "exports", year)
        write_county_reports(warehouse, warehouse / "reports", warehouse / "exports", year)
    return warehouse


def _csv(name: str) -> dict[str, dict[str, str]]:
    with (CONTRACTS_DIR / name).open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    key = "indicator_code" if "indicator_code" in rows[0] else "quantity"
    return {row[key]: row for row in rows}


def expected_gaps(stages: pd.DataFrame) -> dict[tuple, tuple]:
    """The gap list recomputed from the school-stages' quantities, by hand in Python."""
    indicators = {code: row for code, row in _csv("indicators.csv").items() if code[0] == "Q"}
    costs = _csv("unit_costs.csv")
    expected = {}
    for stage in stages.itertuples():
        for code, indicator in indicators.items():
            amount = getattr(stage, indicator["numerator"])
            if amount is None or pd.isna(amount):
                continue
            standard = float(indicator[f"{stage.stage}_standard"])
            per = float(indicator["per_students"])
            needed = standard * stage.students / per
            if amount >= needed - 1e-9 * needed:
                continue
            cost = costs[indicator["numerator"]]
            step = float(cost["addition_step"])
            shortfall = needed - amount
            addition = math.ceil(round(shortfall / step, 6)) * step
            expected[(stage.survey_year, stage.school_key, stage.stage, code)] = (
                round(shortfall, 6),
                round(addition, 6),
                round(addition * float(cost["yuan_per_unit"]), 1),
            )
    return expected


def test_gap_list_is_every_standard_not_met_with_exact_shortfall_addition_and_cost(published):
    stages = read_table(published, "fct_school_stage", "in_scope")
    gaps = read_table(published, "fct_school_gap")
    actual = {
        (row.survey_year, row.school_key, row.stage, row.indicator_code): (
            round(row.shortfall, 6),
            round(row.addition, 6),
            round(row.estimated_cost_yuan, 1),
        )
        for row in gaps.itertuples()
    }
    expected = expected_gaps(stages)
    assert expected, "the synthetic build has school-stages below a standard"
    assert actual == expected
    assert set(gaps["cost_basis"]) <= {"source", "definition", "default_assumption"}
    assert gaps["source_rows"].str.contains(r"\[Sheet1\] row \d+").all()


def test_every_workbook_reads_back_as_its_county_gap_list(published):
    for year in YEARS:
        gaps = read_table(published, "fct_school_gap", "survey_year = $y", y=year)
        for county_code in gaps["county_code"].unique():
            path = export_path(published / "exports", year, county_code)
            sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(GAP_SHEET).to_python()
            headers = list(GAP_COLUMNS.values())
            assert sheet[0] == headers
            read = {
                tuple(
                    row[headers.index(h)]
                    for h in ("学校名称", "指标代码", "需增加量", "估算费用(元)")
                )
                + (row[headers.index("数据来源(文件、工作表、行)")],)
                for row in sheet[1:]
            }
            county = gaps[gaps["county_code"] == county_code]
            published_rows = {
                (r.school_name, r.indicator_code, r.addition, r.estimated_cost_yuan, r.source_rows)
                for r in county.itertuples()
            }
            assert read == published_rows
            assert len(sheet) - 1 == len(county)


def test_a_formula_like_school_name_is_text_in_the_workbook(published):
    gaps = read_table(published, "fct_school_gap")
    hostile = gaps[gaps["school_name"] == HOSTILE_NAME]
    assert not hostile.empty, "the hostile school is in the gap list"
    year = int(hostile["survey_year"].iloc[0])
    path = export_path(published / "exports", year, XINGTANG)
    names = [
        row[GAP_COLUMNS_INDEX["school_name"]]
        for row in CalamineWorkbook.from_path(str(path)).get_sheet_by_name(GAP_SHEET).to_python()
    ]
    assert HOSTILE_NAME in names
    cells = [c for row in load_workbook(path)[GAP_SHEET].iter_rows() for c in row]
    hostile_cells = [c for c in cells if c.value == HOSTILE_NAME]
    assert hostile_cells and all(c.data_type == "s" and c.quotePrefix for c in hostile_cells)
    with zipfile.ZipFile(path) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode("utf-8")
    assert "<f>" not in sheet_xml and "<f " not in sheet_xml


GAP_COLUMNS_INDEX = {column: index for index, column in enumerate(GAP_COLUMNS)}


def test_variance_shares_follow_the_spec_worked_check():
    rows = pd.DataFrame(
        {
            "survey_year": 2020,
            "county_code": "130123",
            "stage": "primary",
            "indicator_code": "B1",
            "school_key": ["a", "b", "c", "d"],
            "students": [100, 300, 600, 50],
            "value": [2.0, 4.0, 5.0, None],
        }
    )
    shares = variance_shares(rows).set_index("school_key")
    assert shares["weighted_mean"].round(6).tolist() == [4.4, 4.4, 4.4]
    # 100·5.76 = 576, 300·0.16 = 48, 600·0.36 = 216 of 840
    assert shares["variance_share"].round(6).tolist() == [0.685714, 0.057143, 0.257143]


def _cvs(values: dict[str, float | None], threshold: float) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "indicator_code": list(values),
            "cv": list(values.values()),
            "cv_threshold": threshold,
            "cv_reason": [
                None if v is not None else "fewer_than_two_school_stages" for v in values.values()
            ],
        }
    )


def test_verdicts_name_what_decides_them():
    assessment = pd.Series(
        {
            "basic_cv_threshold": 0.65,
            "basic_pass": False,
            "basic_composite_cv": 0.7,
            "quality_cv_threshold": 0.5,
            "quality_pass": False,
            "quality_max_cv": 0.5018,
            "quality_school_stages": 10,
            "quality_school_stages_passing": 9,
        }
    )
    basic = basic_verdict(assessment, _cvs({"B1": 0.5, "B2": 0.9}, 0.65))
    assert basic.status == "fail" and "B2 = 0.900" in " ".join(basic.reasons)
    quality = quality_verdict(assessment, _cvs({"Q1": 0.3, "Q4": 0.5018}, 0.5), ["某小学"])
    text = " ".join(quality.reasons)
    assert quality.status == "fail" and "Q4" in text and "Q1 " not in text and "某小学" in text
    not_assessable = basic_verdict(
        pd.Series({**assessment, "basic_pass": None}), _cvs({"B1": None, "B2": 0.3}, 0.65)
    )
    assert not_assessable.status == "na" and "B1" in " ".join(not_assessable.reasons)


def test_verdicts_of_a_county_year_that_lost_its_only_file_are_not_assessable():
    # fct_county_assessment keeps such a county-stage with null counts and verdicts.
    lost = pd.Series(
        {
            "basic_cv_threshold": 0.65,
            "basic_pass": None,
            "basic_composite_cv": None,
            "quality_cv_threshold": 0.5,
            "quality_pass": None,
            "quality_max_cv": None,
            "quality_school_stages": pd.NA,
            "quality_school_stages_passing": pd.NA,
        }
    )
    assert basic_verdict(lost, _cvs({"B1": None}, 0.65)).status == "na"
    assert quality_verdict(lost, _cvs({"Q1": None}, 0.5), []).status == "na"


def test_county_page_shows_the_hostile_name_as_text_and_links_contributors_to_the_gap_list(
    published,
):
    page = county_page_path(published / "reports", YEARS[0], XINGTANG).read_text(encoding="utf-8")
    assert "<img" not in page
    assert "=HYPERLINK(&quot;http://x&quot;,&quot;y&quot;)&lt;img src=x" in page
    assert page.count('<figure class="chart"') == 4  # 2 stages × 2 regimes
    # nothing is fetched from elsewhere (closed networks): no script, style or image source
    assert not re.search(r"<(script|link|img)\b[^>]*\b(src|href)=", page)
    # every link inside the page points at an anchor the page has
    targets = set(re.findall(r'href="#([^"]+)"', page))
    ids = set(re.findall(r'id="([^"]+)"', page))
    assert targets and targets <= ids


def test_region_indexes_list_every_county_with_the_previous_year(published):
    index = published / "reports" / str(YEARS[1]) / "province" / "130000.html"
    page = index.read_text(encoding="utf-8")
    assert 'class="sortable"' in page
    for county in ("130123", "130125"):
        assert f'href="../county/{county}.html"' in page
    assert (published / "reports" / str(YEARS[1]) / "prefecture" / "130100.html").exists()


def test_county_page_renders_in_chromium_with_every_chart_drawn(published):
    page = county_page_path(published / "reports", YEARS[-1], XINGTANG)
    rendered = render(page)
    assert rendered.charts and all(c.get("data-drawn") == "true" for c in rendered.charts)
    assert len(rendered.charts) == page.read_text(encoding="utf-8").count('<figure class="chart"')
    assert "data-script-errors" not in rendered.root and not rendered.console_errors
    assert HOSTILE_NAME in rendered.text
    assert rendered.tags.get("img", 0) == 0 and rendered.title != "1"


def test_region_index_renders_in_chromium_without_script_errors(published):
    rendered = render(published / "reports" / str(YEARS[-1]) / "province" / "130000.html")
    assert "data-script-errors" not in rendered.root and not rendered.console_errors
    assert rendered.tags.get("table") == 1


def test_class_and_school_size_from_the_classes_the_sheets_give(published):
    sizes = read_table(published, "fct_school_size", "survey_year = $y", y=YEARS[0])
    names = read_table(published, "dim_school")[["school_key", "school_name"]]
    by_name = sizes.merge(names, on="school_key").set_index(["school_name", "stage"])
    first = by_name.loc[("正定一小学校", "primary")]
    assert (first.classes, round(first.mean_class_size, 6)) == (11, round(480 / 11, 6))
    assert first.class_size_within_limit and first.class_size_limit == 45
    middle = by_name.loc[("正定一中学校", "junior")]
    assert not middle.class_size_within_limit and middle.class_size_limit == 50
    nine = by_name.loc[("九年制学校", "primary")]
    assert pd.isna(nine.mean_class_size)
    assert nine.class_size_reason == "classes_only_for_whole_school"
    assert nine.school_students == 166 + 210 and nine.school_size_limit == 2500
    xingtang = sizes[sizes["county_code"] == XINGTANG]
    assert xingtang["mean_class_size"].isna().all()
    assert set(xingtang["class_size_reason"]) == {"classes_not_reported"}
    page = county_page_path(published / "reports", YEARS[0], "130123").read_text(encoding="utf-8")
    assert 'id="sizes"' in page and "43.6" in page


# ---------------------------------------------------------------------------------------
# Issue 14 findings: what a bureau reader was misled by


def test_a_missing_previous_year_is_never_a_zero_nor_not_assessable(published):
    first = published / "reports" / str(YEARS[0]) / "province" / "130000.html"
    page = first.read_text(encoding="utf-8")
    assert "上年 previous 0" not in page
    assert f"上年 previous {NO_PREVIOUS_YEAR}" in page
    # the table's previous-year cells say so, not the "not assessable" verdict label
    assert page.count(f'<span class="na">{NO_PREVIOUS_YEAR}</span>') > 2
    second = published / "reports" / str(YEARS[1]) / "province" / "130000.html"
    assert NO_PREVIOUS_YEAR not in second.read_text(encoding="utf-8")


def test_previous_count_counts_only_counties_that_have_a_previous_year():
    rows = pd.DataFrame(
        {
            "prev_assessable": [True, True, None],
            "prev_basic_pass": [True, False, None],
        }
    )
    text = previous_count(rows, "prev_basic_pass")
    assert text.startswith("1, 1 县") and NO_PREVIOUS_YEAR in text
    none = rows.assign(prev_assessable=None, prev_basic_pass=None)
    assert previous_count(none, "prev_basic_pass") == NO_PREVIOUS_YEAR


def test_sorting_orders_fractions_by_value_and_empty_cells_last_both_ways(tmp_path):
    values = [(3, 4), (1, 2), None, (4, 4), (2, 3)]
    rows = [
        "<tr>" + _td(f"r{i}") + (_fraction_td(*v) if v else _td(None, numeric=True)) + "</tr>"
        for i, v in enumerate(values)
    ]
    probe = """
    var th = document.querySelectorAll('th')[1], out = [];
    var order = function () { return Array.from(document.querySelectorAll('tbody tr'))
        .map(function (r) { return r.cells[0].textContent; }).join(','); };
    th.click(); out.push(order()); th.click(); out.push(order());
    document.documentElement.dataset.order = out.join('|');
    """
    page = tmp_path / "sort.html"
    page.write_text(
        _page("sort", _table([("a", "a"), ("b", "b")], rows, sortable=True), SORT_SCRIPT + probe),
        encoding="utf-8",
    )
    rendered = render(page)
    assert rendered.root.get("data-order") == "r1,r4,r0,r3,r2|r3,r0,r4,r1,r2"


def test_county_page_lists_the_rows_of_its_files_left_out(published):
    page = county_page_path(published / "reports", YEARS[0], "130123").read_text(encoding="utf-8")
    left_out = page.index('id="left-out"')
    assert left_out < page.index('id="stage-primary"')  # told before any verdict
    section = page[left_out : page.index('id="stage-primary"')]
    assert "1 行被隔离" in section and "missing_students" in section and ">30<" in section
    assert 'href="../index.html"' in section
    clean = county_page_path(published / "reports", YEARS[0], XINGTANG).read_text(encoding="utf-8")
    assert "no row of this county's files was left out" in clean


def test_left_out_rows_take_quarantine_and_unloaded_files_of_the_county_only():
    quarantine = pd.DataFrame(
        [
            {"county_code": "130183", "source_file": "a.xlsx", "sheet": "S", "source_row": 7,
             "school_name": "x", "reason_code": "formula_error", "reason": "r"},
            {"county_code": "130131", "source_file": "b.xlsx", "sheet": "S", "source_row": 5,
             "school_name": "y", "reason_code": "missing_students", "reason": "r"},
        ]
    )  # fmt: skip
    receipts = pd.DataFrame(
        [
            {"county_code": "130183", "source_file": "a.xlsx", "sheet": "S", "status": "skipped",
             "reason_code": "hidden_row", "reason": "row 6 晋州东庄小学"},
            {"county_code": "130183", "source_file": "a.xlsx", "sheet": "S", "status": "loaded",
             "reason_code": None, "reason": None},
        ]
    )  # fmt: skip
    rows = left_out_rows(quarantine, receipts, "130183")
    assert rows["kind"].tolist() == ["skipped", "quarantined"]
    assert rows["reason_code"].tolist() == ["hidden_row", "formula_error"]
    assert left_out_rows(quarantine.iloc[:0], receipts.iloc[:0], "130183").empty


def test_a_failing_quality_verdict_names_each_school_and_why(published):
    indicators = pd.DataFrame(
        {
            "school_key": "s",
            "regime": "quality",
            "indicator_code": ["Q1", "Q2", "Q3"],
            "value": [4.2, 1.0, 0.5],
            "meets_standard": [True, False, False],
            "ratio_to_standard": [1.0, 1.0 / 1.5, 0.5 / 0.9],
        }
    )
    quality = pd.DataFrame({"school_key": ["s"], "indicators_met": [5]}).iloc[0]
    text = failing_reason(quality, indicators)
    assert "达标 5/7" in text and "Q2 1.00 = 66.7%" in text and "Q3 0.50 = 55.6%" in text
    assert "Q1" not in text
    assessments = read_table(published, "fct_county_assessment")
    failed = assessments[assessments["quality_pass"].eq(False)]
    assert not failed.empty
    assert failed["quality_pass_reason"].isna().all()  # a *_reason explains a null only
    assert (
        failed["quality_fail_reason"]
        .isin(
            ["cv_over_threshold", "school_stages_fail", "cv_over_threshold_and_school_stages_fail"]
        )
        .all()
    )
    failing_stages = failed[~failed["quality_all_school_stages_pass"].astype(bool)]
    for row in failing_stages.itertuples():
        page = county_page_path(published / "reports", row.survey_year, row.county_code)
        assert "standards met" in page.read_text(encoding="utf-8")


def test_region_rollup_urban_rural_groups_cover_the_whole_enrollment(published):
    rollup = read_table(published, "fct_region_rollup")
    parts = rollup[[f"enrollment_{c}" for c in ("urban", "town", "rural", "unknown")]].sum(axis=1)
    assert (parts == rollup["enrollment"]).all()
    assert "weighted_mean_q7_unknown" in rollup.columns


def test_gap_shortfall_has_no_float_noise(published):
    gaps = read_table(published, "fct_school_gap")
    assert (gaps["shortfall"] == gaps["shortfall"].round(6)).all()


def test_workbook_rounds_for_display_and_totals_one_off_and_yearly_apart(published):
    year = YEARS[0]
    gaps = read_table(published, "fct_school_gap", "survey_year = $y", y=year)
    county_code = gaps["county_code"].iloc[0]
    county = gaps[gaps["county_code"] == county_code]
    assert set(county["cost_recurrence"]) <= {"yearly", "one_off"}
    path = export_path(published / "exports", year, county_code)
    book = load_workbook(path)
    sheet = book[GAP_SHEET]
    headers = [c.value for c in sheet[1]]
    for column, number_format in NUMBER_FORMATS.items():
        cells = [row[headers.index(GAP_COLUMNS[column])] for row in sheet.iter_rows(min_row=2)]
        numeric = [c for c in cells if isinstance(c.value, (int, float))]
        assert all(c.number_format == number_format for c in numeric), column
    assert sheet.auto_filter.ref
    totals = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(TOTALS_SHEET).to_python()
    assert totals[0] == list(TOTAL_COLUMNS.values())
    last = dict(zip(TOTAL_COLUMNS, totals[-1]))
    teachers = county["cost_recurrence"] == "yearly"
    assert last["school_name"] == COUNTY_TOTAL_ZH
    assert last["yearly_yuan"] == pytest.approx(county.loc[teachers, "estimated_cost_yuan"].sum())
    assert last["one_off_yuan"] == pytest.approx(county.loc[~teachers, "estimated_cost_yuan"].sum())
    assert len(totals) - 2 == county["school_key"].nunique()
    page = county_page_path(published / "reports", year, county_code).read_text(encoding="utf-8")
    assert 'id="cost-totals"' in page and COUNTY_TOTAL_ZH in page


def test_cost_totals_by_hand():
    gaps = pd.DataFrame(
        {
            "school_key": ["a", "a", "a", "b"],
            "school_id": ["1", "1", "1", None],
            "school_name": ["甲", "甲", "甲", "乙"],
            "estimated_cost_yuan": [200000.0, 810000.0, 0.1 + 0.2, None],
            "cost_recurrence": ["yearly", "one_off", "one_off", "one_off"],
        }
    )
    totals = cost_totals(gaps).set_index("school_name")
    assert totals.loc["甲", "yearly_yuan"] == 200000.0
    assert totals.loc["甲", "one_off_yuan"] == 810000.3
    assert totals.loc["乙", "one_off_yuan"] == 0.0
    assert totals.loc[COUNTY_TOTAL_ZH, ["one_off_yuan", "yearly_yuan"]].tolist() == [
        810000.3,
        200000.0,
    ]


def test_a_county_page_is_redrawn_only_when_its_inputs_change(published, tmp_path, monkeypatch):
    from orchestration.publish import county_report

    year = max(YEARS)
    reports = tmp_path / "reports"
    write_county_reports(published, reports, published / "exports", year)
    pages = {
        p.name: p.read_text(encoding="utf-8")
        for p in (reports / str(year) / "county").glob("*.html")
    }
    assert pages and (reports / str(year) / "county" / county_report.INPUTS_FILE).exists()

    drawn = []
    render_page = county_report.render_county_page
    monkeypatch.setattr(
        county_report,
        "render_county_page",
        lambda figures, code, href: drawn.append(code) or render_page(figures, code, href),
    )
    written = write_county_reports(published, reports, published / "exports", year)
    assert drawn == []  # nothing changed: no page drawn again, every page still listed
    assert {p.name for p in written} >= set(pages)

    # One county's figures change (its quarantined rows here): its page alone is redrawn.
    county = sorted(pages)[0].removesuffix(".html")
    load = county_report.WarehouseFigures.load

    def changed(warehouse_dir, survey_year):
        figures = load(warehouse_dir, survey_year)
        extra = figures.quarantine.head(1).assign(county_code=county, reason="changed")
        figures.quarantine = pd.concat([figures.quarantine, extra], ignore_index=True)
        return figures

    monkeypatch.setattr(county_report.WarehouseFigures, "load", staticmethod(changed))
    write_county_reports(published, reports, published / "exports", year)
    assert drawn == [county]


def test_pages_drawn_by_worker_processes_are_those_drawn_one_at_a_time(
    published, tmp_path, monkeypatch
):
    from orchestration.publish import county_report

    year = max(YEARS)
    alone, pooled = tmp_path / "alone", tmp_path / "pooled"
    write_county_reports(published, alone, published / "exports", year, workers=1)
    # Every county a task of its own, so the pool really draws them (and in two processes).
    monkeypatch.setattr(county_report, "POOL_FROM_PAGES", 1)
    monkeypatch.setattr(county_report, "CHUNK_PAGES", 1)
    written = write_county_reports(published, pooled, published / "exports", year, workers=2)

    def pages(root: Path) -> dict[str, bytes]:
        return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*.html")}

    drawn = pages(alone)
    assert len([name for name in drawn if "/county/" in name]) >= 2
    assert pages(pooled) == drawn
    assert sorted(p.relative_to(pooled).as_posix() for p in written) == sorted(drawn)
    inputs = f"{year}/county/{county_report.INPUTS_FILE}"
    assert (pooled / inputs).read_text() == (alone / inputs).read_text()


def test_a_chart_spec_is_the_one_altair_builds_and_vl_convert_compiles_for_its_data():
    import vl_convert

    from orchestration.publish.charts import (
        COMPOSITE,
        _cv_trend_chart,
        cv_trend_spec,
        cv_trend_vega,
    )

    trend = pd.DataFrame(
        {
            "survey_year": [2022, 2023, 2024, 2023, 2024, 2022],
            "indicator_code": ["B1", "B1", "B1", COMPOSITE, COMPOSITE, "B2"],
            "cv": [0.41, 0.385, None, 0.3, 0.29, 0.5],
        }
    )
    for threshold, title in ((0.5, "primary basic: CV by survey year"), (None, "junior q")):
        for data in (trend, trend.head(1), trend.iloc[0:0], trend[trend["cv"].isna()]):
            built = _cv_trend_chart(data, threshold, title).to_dict(validate=False)
            assert cv_trend_spec(data, threshold, title) == built
            # The Vega spec drawn is the one vl-convert compiles altair's spec to.
            assert cv_trend_vega(data, threshold, title) == vl_convert.vegalite_to_vega(built)


def _figures_with_bare_county(published: Path, year: int):
    """The year's figures, with one county stripped of its gap and quality rows (a county
    with no gap and no quality row), so that every per-county rule meets that case too."""
    from orchestration.publish.county_report import WarehouseFigures

    figures = WarehouseFigures.load(published, year)
    bare = figures.counties()[0]
    figures.gaps = figures.gaps[figures.gaps["county_code"] != bare].reset_index(drop=True)
    quality = figures.school_quality
    figures.school_quality = quality[quality["county_code"] != bare].reset_index(drop=True)
    return figures, bare


@pytest.mark.parametrize("year", YEARS)
def test_a_county_page_from_the_nation_a_chunk_or_the_county_alone_is_the_same(published, year):
    """Pages drawn from the national figures (a filter per county, the rule), from the county's
    figures alone (by_county) and from a worker's chunk of counties (taken, text as objects,
    derived tables grouped for the chunk) are the same text, for every county, over years
    with history, a county with no gap and no quality row among them."""
    from orchestration.publish.county_report import _derived, render_county_page

    national, bare = _figures_with_bare_county(published, year)
    alone = national.by_county()
    assert bare in alone and alone[bare].gaps.empty and alone[bare].school_quality.empty
    assert len(alone) >= 2 and national.assessments["survey_year"].nunique() == len(YEARS)
    rows = national.county_rows()
    chunk = national.take_counties(sorted(alone), rows).plain()
    chunk_rows = chunk.county_rows()
    for county_code, figures in alone.items():
        page = render_county_page(national, county_code, "x.xlsx")
        assert render_county_page(figures, county_code, "x.xlsx") == page
        county = chunk.county(county_code, chunk_rows)
        county.__dict__["_derived"] = _derived(chunk)
        assert render_county_page(county, county_code, "x.xlsx") == page


def test_a_county_digest_from_a_chunk_s_row_hashes_is_that_of_the_county_alone(published):
    from orchestration.publish.county_report import (
        _county_digest,
        _county_hashes,
        _inputs_digest,
        _row_hashes,
    )

    national, _ = _figures_with_bare_county(published, max(YEARS))
    rows = national.county_rows()
    hashes = _row_hashes(national)
    digests = set()
    for county_code, figures in national.by_county().items():
        digest = _inputs_digest(figures, "x.xlsx", "code")
        county_hashes = _county_hashes(hashes, rows, county_code)
        assert _county_digest(figures, county_hashes, "x.xlsx", "code") == digest
        digests.add(digest)
    assert len(digests) == len(national.counties())


def test_region_index_pages_from_grouped_rows_are_those_of_the_filter_rule(published):
    from orchestration.publish.county_report import WarehouseFigures, render_index_page

    year = max(YEARS)
    grouped = WarehouseFigures.load(published, year)
    # A county listed twice in dim_region: the index pages filter region by region.
    filtered = WarehouseFigures.load(published, year)
    filtered.regions = pd.concat([filtered.regions, filtered.regions.head(1)])
    hrefs = {code: f"../county/{code}.html" for code in grouped.counties()}
    pages = 0
    for level, column in (("province", "province_code"), ("prefecture", "prefecture_code")):
        for code in grouped.regions[column].dropna().unique():
            page = render_index_page(grouped, level, code, hrefs)
            assert page == render_index_page(filtered, level, code, hrefs)
            pages += "href=" in page
    assert grouped.__dict__["_regions"] and not filtered.__dict__["_regions"]["province"]
    assert pages >= 2


def test_bureau_reports_write_the_workbooks_of_write_gap_workbooks_and_redraw_only_changes(
    published, tmp_path, monkeypatch
):
    from orchestration.publish import county_report

    year = max(YEARS)
    exports = tmp_path / "exports"
    written = county_report.write_bureau_reports(
        published, tmp_path / "reports", exports, year, workers=1
    )
    alone = tmp_path / "alone"
    expected = write_gap_workbooks(published, alone, year)
    assert [p.name for p in written.workbooks] == [p.name for p in expected]
    for path in expected:
        mine = CalamineWorkbook.from_path(str(exports / str(year) / path.name))
        theirs = CalamineWorkbook.from_path(str(path))
        assert mine.sheet_names == theirs.sheet_names
        for name in theirs.sheet_names:
            assert (
                mine.get_sheet_by_name(name).to_python()
                == theirs.get_sheet_by_name(name).to_python()
            )
    assert (exports / str(year) / county_report.INPUTS_FILE).exists()

    drawn = []
    write = county_report.write_gap_workbook
    monkeypatch.setattr(
        county_report,
        "write_gap_workbook",
        lambda path, gaps: drawn.append(path) or write(path, gaps),
    )
    again = county_report.write_bureau_reports(
        published, tmp_path / "reports", exports, year, workers=1
    )
    assert drawn == [] and again.workbooks == written.workbooks
    # One county's gap rows change: its workbook alone is written again.
    county = sorted(
        read_table(published, "fct_school_gap", "survey_year = $y", y=year)["county_code"]
    )[0]
    load = county_report.WarehouseFigures.load

    def changed(warehouse_dir, survey_year):
        figures = load(warehouse_dir, survey_year)
        touched = figures.gaps["county_code"] == county
        figures.gaps.loc[touched, "source_rows"] = "changed"
        return figures

    monkeypatch.setattr(county_report.WarehouseFigures, "load", staticmethod(changed))
    county_report.write_bureau_reports(published, tmp_path / "reports", exports, year, workers=1)
    assert drawn == [export_path(exports, year, county)]


def test_rows_in_another_order_neither_change_a_page_nor_redraw_it(
    published, tmp_path, monkeypatch
):
    """The order the Parquet holds rows in moves when another county's file is added or
    removed: the same figures in another order give the same pages, and none is redrawn."""
    import shutil

    import pyarrow.parquet as pq

    from orchestration.publish import county_report

    year = max(YEARS)
    reversed_dir = tmp_path / "reversed"
    shutil.copytree(published, reversed_dir, symlinks=True)
    for path in reversed_dir.rglob("*.parquet"):
        table = pq.read_table(path)
        pq.write_table(table.take(list(range(table.num_rows - 1, -1, -1))), path)
    figures = county_report.WarehouseFigures.load(published, year)
    backwards = county_report.WarehouseFigures.load(reversed_dir, year)
    assert len(figures.counties()) >= 2
    for county_code in figures.counties():
        page = county_report.render_county_page(figures, county_code, "x.xlsx")
        assert county_report.render_county_page(backwards, county_code, "x.xlsx") == page

    reports, exports = tmp_path / "reports", tmp_path / "exports"
    county_report.write_bureau_reports(published, reports, exports, year, workers=1)
    drawn = []
    render_page, write = county_report.render_county_page, county_report.write_gap_workbook
    monkeypatch.setattr(
        county_report,
        "render_county_page",
        lambda figures, code, href: drawn.append(code) or render_page(figures, code, href),
    )
    monkeypatch.setattr(
        county_report,
        "write_gap_workbook",
        lambda path, gaps: drawn.append(path) or write(path, gaps),
    )
    county_report.write_bureau_reports(reversed_dir, reports, exports, year, workers=1)
    assert drawn == []


def test_a_county_gone_from_the_year_loses_its_page_workbook_and_empty_region_index(
    published, tmp_path, monkeypatch
):
    """A county's only file withdrawn: the next build of the year has no page, workbook or
    index of it, as a cold build of the same raw folder would not."""
    from orchestration.publish import county_report

    year = max(YEARS)
    reports, exports = tmp_path / "reports", tmp_path / "exports"
    first = county_report.write_bureau_reports(published, reports, exports, year, workers=1)
    figures = county_report.WarehouseFigures.load(published, year)
    gone = figures.counties()[0]
    assert county_page_path(reports, year, gone) in first.pages
    assert export_path(exports, year, gone).exists()
    # a region index no county leads to any more (as a withdrawn province's would be)
    stray = reports / str(year) / "prefecture" / "999900.html"
    stray.write_text("old", encoding="utf-8")
    load = county_report.WarehouseFigures.load

    def without(warehouse_dir, survey_year):
        figures = load(warehouse_dir, survey_year)
        for field in dataclasses.fields(figures):
            value = getattr(figures, field.name)
            if (
                isinstance(value, pd.DataFrame)
                and "county_code" in value
                and field.name != "regions"
            ):
                setattr(figures, field.name, value[value["county_code"] != gone])
        return figures

    monkeypatch.setattr(county_report.WarehouseFigures, "load", staticmethod(without))
    again = county_report.write_bureau_reports(published, reports, exports, year, workers=1)
    assert not county_page_path(reports, year, gone).exists()
    assert not export_path(exports, year, gone).exists()
    assert not stray.exists()
    assert all(path.exists() for path in again.pages + again.workbooks)
    assert gone not in json.loads(
        (reports / str(year) / "county" / county_report.INPUTS_FILE).read_text()
    )
