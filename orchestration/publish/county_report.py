"""The county report: one static HTML page per county and survey year, and an index per region.

`<reports>/<year>/county/<county_code>.html` shows, for each stage, the 8 basic and 7
quality CVs against their thresholds with their trend over every survey year of the
warehouse, which indicator decides each verdict and why, the school-stages that pull each
CV up most (their share of the weighted variance), class and school size, the means of
urban, town and rural school-stages, the gap list (一校一册) and every school-stage with the
spreadsheet rows its figures come from. `<reports>/<year>/province/<code>.html` and
`prefecture/<code>.html` list the counties passing each regime with the previous year beside.

Everything is read from the published warehouse (orchestration.publish.published); the
page is Chinese with English beside the headings. Text from county spreadsheets (school
names, file and sheet names) goes through `html.escape` and nothing else: no value is ever
markup. Charts are SVG drawn at build time (orchestration.publish.charts), so a page needs no
network and no script to show them.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
from collections import deque, namedtuple
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, fields, replace
from functools import lru_cache
from html import escape
from pathlib import Path

import numpy as np
import pandas as pd

from contracts.national_rules import national_rule, size_standards
from orchestration.publish.charts import COMPOSITE, cv_trend_svg
from orchestration.publish.gap_workbook import (
    STAGE_ZH,
    cost_totals,
    empty_gaps,
    export_path,
    workbook_counties,
    write_gap_workbook,
)
from orchestration.publish.published import partition_files, read_table, write_if_changed

# The quality regime's school-stage test as the reports word it (contracts/national_rules.csv).
MIN_MET = f"{national_rule('quality_min_standards_met'):g}"
MIN_SHARE = f"{national_rule('quality_min_share_of_standard'):.0%}"

STAGES = ("primary", "junior")
URBAN_RURAL_ZH = {"urban": "城区", "town": "镇区", "rural": "乡村", "unknown": "未注明"}
CV_REASON_ZH = {
    "fewer_than_two_school_stages": "参与测算的学段少于 2 个 (fewer than 2 school-stages)",
    "zero_mean": "平均值为 0 (mean is 0)",
    "no_values": "无数值 (no values)",
}
TOP_CONTRIBUTORS = 3

STYLE = """
body { font-family: "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", sans-serif; margin: 2em; max-width: 1200px; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; font-size: 0.92em; }
td, th { border: 1px solid #ccc; padding: 0.2em 0.45em; text-align: left; vertical-align: top; }
th { background: #f4f4f4; } th.sortable { cursor: pointer; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.pass { color: #1a7f37; font-weight: bold; } .fail { color: #cf222e; font-weight: bold; }
.na { color: #9a6700; font-weight: bold; } .en { color: #666; font-weight: normal; font-size: 0.85em; }
figure.chart { display: inline-block; margin: 0 1em 1em 0; } .source { font-size: 0.8em; color: #555; }
:target { background: #fff3b0; } tr.total td { font-weight: bold; }
"""

# Records script errors on the page (the browser test reads it), and marks each chart whose
# SVG the browser laid out with marks in it.
PAGE_SCRIPT = """
window.addEventListener('error', function (event) {
  var root = document.documentElement;
  root.dataset.scriptErrors = (root.dataset.scriptErrors || '') + (event.message || 'error') + ';';
});
window.addEventListener('load', function () {
  document.querySelectorAll('figure.chart').forEach(function (figure) {
    var svg = figure.querySelector('svg');
    var box = svg ? svg.getBoundingClientRect() : null;
    var marks = svg ? svg.querySelectorAll('path, line, rect, circle').length : 0;
    figure.dataset.drawn = String(Boolean(box && box.width > 0 && box.height > 0 && marks > 0));
  });
});
"""

# Sorts a table by the clicked header: numbers as numbers, else text in Chinese order.
SORT_SCRIPT = """
document.querySelectorAll('table.sortable').forEach(function (table) {
  table.querySelectorAll('th').forEach(function (th, index) {
    th.classList.add('sortable');
    th.addEventListener('click', function () {
      var body = table.tBodies[0], rows = Array.from(body.rows);
      var ascending = th.dataset.order !== 'asc'; th.dataset.order = ascending ? 'asc' : 'desc';
      var key = function (row) { var cell = row.cells[index]; return cell.dataset.sort !== undefined ? cell.dataset.sort : cell.textContent.trim(); };
      // Empty cells ('' or '–') go last in either direction; numbers before text.
      var empty = function (v) { return v === '' || v === '–'; };
      var number = function (v) { return /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(v) ? parseFloat(v) : NaN; };
      rows.sort(function (a, b) {
        var x = key(a), y = key(b);
        if (empty(x) || empty(y)) { return (empty(x) ? 1 : 0) - (empty(y) ? 1 : 0); }
        var nx = number(x), ny = number(y), order;
        if (!isNaN(nx) && !isNaN(ny)) { order = nx - ny; }
        else if (!isNaN(nx) || !isNaN(ny)) { order = isNaN(nx) ? 1 : -1; }
        else { order = x.localeCompare(y, 'zh'); }
        return ascending ? order : -order;
      });
      rows.forEach(function (row) { body.appendChild(row); });
    });
  });
});
"""


# ---------------------------------------------------------------------------------------
# Figures (pure functions over published tables, unit-tested)


def variance_shares(school_indicators: pd.DataFrame) -> pd.DataFrame:
    """Each school-stage's share of its county-stage-indicator's weighted variance.

    With P_i students and X_i the value (docs/spec/balance-indicators.md §4), the share is
    P_i·(X_i − mean)² / Σ P_j·(X_j − mean)²; shares of a group sum to 1. Rows without a
    value do not count (as in the CV). Returns the input rows with a value, plus
    `weighted_mean` and `variance_share` (null when every value equals the mean).
    """
    rows = school_indicators.dropna(subset=["value"])
    rows = rows[rows["students"] > 0].copy()
    keys = ["survey_year", "county_code", "stage", "indicator_code"]
    weighted = rows["students"] * rows["value"]
    rows["weighted_mean"] = weighted.groupby([rows[k] for k in keys]).transform("sum") / rows[
        "students"
    ].groupby([rows[k] for k in keys]).transform("sum")
    spread = rows["students"] * (rows["value"] - rows["weighted_mean"]) ** 2
    total = spread.groupby([rows[k] for k in keys]).transform("sum")
    rows["variance_share"] = (spread / total).where(total > 0)
    return rows


def urban_rural_means(school_indicators: pd.DataFrame, schools: pd.DataFrame) -> pd.DataFrame:
    """Enrollment-weighted mean of each indicator per county, stage and urban_rural class.

    `schools` is dim_school (school_key, urban_rural); school-stages whose urban_rural is
    unknown form the class 'unknown'. Columns: county_code, stage, indicator_code,
    urban_rural, school_stages, students, weighted_mean. Each county's rows are those of
    its school-stages alone (grouped, so one call serves every county of the input).
    """
    rows = school_indicators.dropna(subset=["value"]).merge(
        schools[["school_key", "urban_rural"]], on="school_key", how="left"
    )
    rows["urban_rural"] = rows["urban_rural"].fillna("unknown")
    rows["weighted"] = rows["students"] * rows["value"]
    keys = ["county_code", "stage", "indicator_code", "urban_rural"]
    grouped = rows.groupby(keys, as_index=False).agg(
        school_stages=("value", "size"), students=("students", "sum"), weighted=("weighted", "sum")
    )
    grouped["weighted_mean"] = grouped["weighted"] / grouped["students"]
    return grouped.drop(columns="weighted")


@dataclass(frozen=True)
class Verdict:
    """A regime's verdict for one county-stage, in words: status 'pass', 'fail' or 'na'."""

    status: str
    summary: str  # one line, Chinese with English
    reasons: list[str]  # what decides it (plain text, escaped when rendered)


def _fmt(value, digits: int = 3) -> str:
    if value is None or pd.isna(value):
        return "–"
    return f"{float(value):.{digits}f}"


def _count(value) -> int:
    """A count of fct_county_assessment; null (a stage of which nothing was read) is 0."""
    return 0 if value is None or pd.isna(value) else int(value)


def basic_verdict(assessment: pd.Series, cvs: pd.DataFrame) -> Verdict:
    """Basic balance: the composite (mean of the 8 CVs) against 0.65 / 0.55.

    `cvs`: this county-stage-year's fct_county_indicator rows of the basic regime.
    """
    threshold = assessment["basic_cv_threshold"]
    missing = cvs[cvs["cv"].isna()]
    if pd.isna(assessment["basic_pass"]) or assessment["basic_pass"] is None:
        return Verdict(
            "na",
            "不可评估 not assessable: 8 项差异系数未能全部算出 (not every one of the 8 CVs can be computed)",
            [
                f"{row.indicator_code}: {CV_REASON_ZH.get(row.cv_reason, row.cv_reason)}"
                for row in _tuples(missing)
            ],
        )
    largest = cvs.sort_values("cv", ascending=False).iloc[0]
    passed = bool(assessment["basic_pass"])
    sign = "≤" if passed else ">"
    return Verdict(
        "pass" if passed else "fail",
        f"{'达标 pass' if passed else '未达标 fail'}: 综合差异系数 composite CV "
        f"{_fmt(assessment['basic_composite_cv'])} {sign} {_fmt(threshold, 2)}",
        [
            "规则 rule: 8 项差异系数的平均值 (composite = mean of the 8 CVs) ≤ 阈值 threshold",
            f"拉高综合系数最多的指标 the CV that raises the composite most: "
            f"{largest.indicator_code} = {_fmt(largest.cv)}",
        ],
    )


def quality_verdict(assessment: pd.Series, cvs: pd.DataFrame, failing: list[str]) -> Verdict:
    """Quality resource test: every school-stage passes 6-of-7/85% and every CV ≤ threshold.

    `cvs`: the quality rows of fct_county_indicator; `failing`: names of the county-stage's
    school-stages that fail the 6-of-7/85% rule.
    """
    threshold = assessment["quality_cv_threshold"]
    over = cvs[cvs["cv"] > threshold]
    missing = cvs[cvs["cv"].isna()]
    reasons = [
        f"规则 rule: 每个学段 7 项中至少 {MIN_MET} 项达标且未达标项不低于标准的 {MIN_SHARE} "
        f"({MIN_MET} of 7, the rest at {MIN_SHARE}), "
        f"且每项差异系数 ≤ {_fmt(threshold, 2)} (every CV, not the composite)"
    ]
    reasons += [
        f"{row.indicator_code} 差异系数 CV {_fmt(row.cv)} > {_fmt(threshold, 2)}"
        for row in _tuples(over)
    ]
    # A county-year that lost its only file has a not-assessable row with no counts.
    stages_total = _count(assessment["quality_school_stages"])
    passing = _count(assessment["quality_school_stages_passing"])
    if failing:
        reasons.append(
            f"{len(failing)} / {stages_total} 个学段未通过 {MIN_MET}/7/{MIN_SHARE} 规则 "
            "school-stages fail: " + "、".join(failing)
        )
    reasons += [
        f"{row.indicator_code}: {CV_REASON_ZH.get(row.cv_reason, row.cv_reason)}"
        for row in _tuples(missing)
    ]
    result = assessment["quality_pass"]
    if result is None or pd.isna(result):
        undecided = stages_total - passing - len(failing)
        if undecided > 0:
            reasons.append(f"{undecided} 个学段缺少指标值 school-stages miss indicator values")
        return Verdict("na", "不可评估 not assessable", reasons)
    if bool(result):
        return Verdict(
            "pass",
            f"通过 pass: {passing} / {stages_total} 个学段达标, 最高差异系数 highest CV "
            f"{_fmt(assessment['quality_max_cv'])} ≤ {_fmt(threshold, 2)}",
            reasons,
        )
    return Verdict("fail", "未通过 fail", reasons)


def failing_reason(quality_row, school_indicators: pd.DataFrame) -> str:
    """Why one school-stage fails the 6-of-7/85% rule, in words: how many of the 7 standards
    it meets, and each quality indicator below its standard with its share of the standard
    (the reader sees which are under 85%; the floor itself is in contracts/national_rules.csv).

    `quality_row`: a fct_school_quality row (school_key, indicators_met);
    `school_indicators`: fct_school_indicator rows of the county-stage (meets_standard,
    ratio_to_standard).
    """
    rows = school_indicators[
        (school_indicators["school_key"] == quality_row.school_key)
        & (school_indicators["regime"] == "quality")
        & school_indicators["meets_standard"].eq(False)
    ].sort_values("indicator_code")
    below = [
        f"{row.indicator_code} {_fmt(row.value, 2)} = {float(row.ratio_to_standard):.1%}"
        for row in _tuples(rows)
        if not _isna(row.ratio_to_standard)
    ]
    met = "–" if _isna(quality_row.indicators_met) else str(int(quality_row.indicators_met))
    text = f"达标 {met}/7 项 standards met"
    if below:
        text += f"; 未达标 below the standard (share of it): {', '.join(below)}"
    return text


# ---------------------------------------------------------------------------------------
# HTML


def anchor(*parts: object) -> str:
    """A stable HTML id for a school-stage or gap row (keys hold any character)."""
    digest = hashlib.sha1("|".join(map(str, parts)).encode("utf-8")).hexdigest()[:12]
    return f"k{digest}"


def _h(zh: str, en: str, level: int = 2, id_: str | None = None) -> str:
    ident = f' id="{escape(id_, quote=True)}"' if id_ else ""
    return f'<h{level}{ident}>{escape(zh)} <span class="en">{escape(en)}</span></h{level}>'


def _td(value, numeric: bool = False, digits: int = 3, sort: object = None) -> str:
    text = _fmt(value, digits) if numeric else ("" if value is None or _isna(value) else str(value))
    attributes = ' class="num"' if numeric else ""
    if sort is not None:
        attributes += f' data-sort="{escape(str(sort), quote=True)}"'
    return f"<td{attributes}>{escape(text)}</td>"


@lru_cache(maxsize=256)
def _row_type(columns: tuple) -> type:
    return namedtuple("Pandas", ["Index", *columns], rename=True)


def _tuples(frame: pd.DataFrame) -> Iterator[tuple]:
    """`frame.itertuples()`: the same tuples (values, field names) built the same way, with
    the tuple type made once per list of columns. pandas makes a namedtuple class on every
    call, a third of the call on a county's small frames (a page makes about 20 calls)."""
    arrays = [frame.index, *(column for _, column in frame.items())]  # iloc[:, k], by position
    return map(_row_type(tuple(frame.columns))._make, zip(*arrays, strict=True))


def _isna(value) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _status(value) -> str:
    if value is None or _isna(value):
        return '<span class="na">不可评估 n/a</span>'
    return (
        '<span class="pass">达标 pass</span>'
        if bool(value)
        else '<span class="fail">未达标 fail</span>'
    )


def _table(headers: list[tuple[str, str]], rows: list[str], sortable: bool = False) -> str:
    head = "".join(
        f"<th>{escape(zh)}<br><span class='en'>{escape(en)}</span></th>" for zh, en in headers
    )
    css = ' class="sortable"' if sortable else ""
    return f"<table{css}><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _page(title: str, body: str, script: str) -> str:
    return (
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width"><title>{escape(title)}</title>'
        f"<style>{STYLE}</style><script>{PAGE_SCRIPT}</script></head><body>{body}"
        f"<script>{script}</script></body></html>"
    )


@dataclass
class WarehouseFigures:
    """The published tables a year's reports read, loaded once."""

    survey_year: int
    regions: pd.DataFrame
    indicators: pd.DataFrame
    assessments: pd.DataFrame  # every year (trend, previous year)
    county_indicators: pd.DataFrame  # every year
    school_indicators: pd.DataFrame  # this year
    school_stages: pd.DataFrame  # this year, in scope
    school_quality: pd.DataFrame  # this year
    schools: pd.DataFrame
    gaps: pd.DataFrame  # this year
    sizes: pd.DataFrame  # this year: fct_school_size
    quarantine: pd.DataFrame  # this year: rows set aside
    ingest_files: pd.DataFrame  # this year: receipts (skipped and rejected files, sheets, rows)

    @classmethod
    def load(
        cls,
        warehouse_dir: Path,
        survey_year: int,
        counties: list[str] | None = None,
        shared: dict[str, pd.DataFrame] | None = None,
    ) -> WarehouseFigures:
        """The published tables one year's county reports need, read from `warehouse_dir`
        (the current snapshot); history tables keep every year, per-school tables only this one.

        Each table is read in one fixed order (every column, from the first): the order the
        Parquet holds rows in moves when another county's file comes or goes, and a page
        lists rows (failing schools, charts' lines) in the order it is given them; so the
        same figures give the same page, and its inputs digest does not change.

        `counties`: read only these counties' rows of the year's own tables (YEAR_TABLES),
        for redrawing a few pages (each county's rows are the same as in the whole read).
        `shared`: the tables of every year (EVERY_YEAR_TABLES) already read, by field name.
        """
        shared = shared or {}
        return cls(
            survey_year=survey_year,
            **{
                name: shared[name]
                if name in shared
                else _read_source(warehouse_dir, name, survey_year, counties)
                for name in _SOURCES
            },
        )

    def counties(self) -> list[str]:
        """The county codes assessed in the survey year, sorted."""
        if self.assessments.empty:
            return []
        this_year = self.assessments[self.assessments["survey_year"] == self.survey_year]
        return sorted(this_year["county_code"].unique())

    def by_county(self) -> dict[str, WarehouseFigures]:
        """The figures of each county alone (its rows of every table, the dim_school rows
        of the schools they name), split in one pass: a county page filters its county's
        rows only, not the nation's, once per county (national scale: 2 849 counties)."""
        rows = self.county_rows()
        return {code: self.county(code, rows) for code in self.counties()}

    def county_rows(
        self, tables: tuple[str, ...] = (), schools: bool = True
    ) -> dict[str, dict[str, np.ndarray]]:
        """By table (_COUNTY_TABLES, or those of them in `tables`, and `schools` unless not
        asked for), the positions of each county's rows: grouped once for every county, in
        table order. A table without county_code is absent (every county reads it whole)."""
        rows = {}
        for name in tables or _COUNTY_TABLES:
            frame = getattr(self, name)
            if not frame.empty and "county_code" in frame.columns:
                rows[name] = frame.groupby("county_code", sort=False).indices
            elif "county_code" in frame.columns:
                rows[name] = {}
        if schools:
            rows["schools"] = _school_rows(
                [getattr(self, name)[["county_code", "school_key"]] for name in _SCHOOL_TABLES],
                self.schools,
            )
        return rows

    def county(self, county_code: str, rows: dict[str, dict[str, np.ndarray]]) -> WarehouseFigures:
        """The figures of `county_code` alone, from `county_rows()`'s positions."""
        tables = {}
        for name, positions in rows.items():
            frame = getattr(self, name)
            taken = positions.get(county_code, _NO_ROWS)
            if len(taken) and taken[-1] - taken[0] + 1 == len(taken):
                tables[name] = frame.iloc[taken[0] : taken[-1] + 1]  # the same rows, no copy
            else:
                tables[name] = frame.take(taken)
        return replace(self, **tables)

    def take_counties(self, county_codes: list[str], rows) -> WarehouseFigures:
        """The figures of `county_codes` together (each county's rows of every table in
        table order, one county after the other; dim_school's rows in table order): what a
        worker draws a chunk of counties from, pickled small."""
        tables = {}
        for name, positions in rows.items():
            parts = [positions[code] for code in county_codes if code in positions]
            taken = np.concatenate(parts) if parts else _NO_ROWS
            if name == "schools":  # a school may be named by two counties' rows
                taken = np.unique(taken)
            tables[name] = getattr(self, name).take(taken)
        return replace(self, **tables)

    def plain(self) -> WarehouseFigures:
        """The same figures with text columns as Python objects, not Arrow strings: a page
        reads its rows one by one (itertuples, takes), which Arrow-backed text makes several
        times slower. The values are the same (missing text stays NaN)."""
        tables = {}
        for field in fields(self):
            frame = getattr(self, field.name)
            if isinstance(frame, pd.DataFrame):
                text = {c: object for c, t in frame.dtypes.items() if str(t) in ("str", "string")}
                tables[field.name] = frame.astype(text) if text else frame
        return replace(self, **tables)


_NO_ROWS = np.array([], dtype=np.intp)

# Where each table of WarehouseFigures comes from: its public table and, for a table read
# for the survey year alone, the filter (the others hold every year, or are not by year).
_SOURCES: dict[str, tuple[str, str | None]] = {
    "regions": ("dim_region", None),
    "indicators": ("dim_indicator", None),
    "assessments": ("fct_county_assessment", None),
    "county_indicators": ("fct_county_indicator", None),
    "school_indicators": ("fct_school_indicator", "survey_year = $year"),
    "school_stages": ("fct_school_stage", "survey_year = $year and in_scope"),
    "school_quality": ("fct_school_quality", "survey_year = $year"),
    "schools": ("dim_school", None),
    "gaps": ("fct_school_gap", "survey_year = $year"),
    "sizes": ("fct_school_size", "survey_year = $year"),
    "quarantine": ("quarantine", "survey_year = $year"),
    "ingest_files": ("ingest_files", "survey_year = $year"),
}
# The tables read for the survey year alone: published from that year's partition only, so
# a run that rebuilds another year leaves their files as they were (hard-linked).
YEAR_TABLES = tuple(name for name, (_, where) in _SOURCES.items() if where)
# The tables of every year (or none): a rebuild of any year may change them.
EVERY_YEAR_TABLES = tuple(name for name in _SOURCES if name not in YEAR_TABLES)


def _read_source(
    warehouse_dir: Path,
    name: str,
    survey_year: int,
    counties: list[str] | None = None,
    columns: list[str] | None = None,
    ordered: bool = True,
) -> pd.DataFrame:
    """WarehouseFigures' table `name` as `load` reads it (in one fixed order); for a table of
    the year alone, `counties` keeps those counties' rows only and `columns` (with
    `distinct`) reads only those columns, each distinct row once."""
    table, where = _SOURCES[name]
    if where is None:
        return read_table(warehouse_dir, table, ordered=True)
    parameters: dict = {"year": survey_year}
    if counties is not None:
        where += " and list_contains($counties, county_code)"
        parameters["counties"] = list(counties)
    return read_table(
        warehouse_dir,
        table,
        where,
        ordered=ordered,
        columns=columns,
        distinct=bool(columns),
        **parameters,
    )


# The tables a county page filters by county_code, and those naming its schools.
_COUNTY_TABLES = (
    "regions",
    "assessments",
    "county_indicators",
    "school_indicators",
    "school_stages",
    "school_quality",
    "gaps",
    "sizes",
    "quarantine",
    "ingest_files",
)
_SCHOOL_TABLES = ("school_indicators", "school_stages", "school_quality", "gaps", "sizes")


def _school_rows(named: list[pd.DataFrame], schools: pd.DataFrame) -> dict[str, np.ndarray]:
    """By county, the positions (sorted) in dim_school (`schools`) of the schools its rows
    name; `named`: frames of (county_code, school_key) pairs, repeats allowed."""
    pairs = pd.concat(named).drop_duplicates()
    positions = schools[["school_key"]].reset_index(drop=True)
    rows = pairs.merge(positions.reset_index(names="_row"), on="school_key")
    return {code: np.sort(part["_row"].to_numpy()) for code, part in rows.groupby("county_code")}


def _names(figures: WarehouseFigures) -> dict[str, str]:
    return dict(zip(figures.schools["school_key"], figures.schools["school_name"]))


def render_county_page(figures: WarehouseFigures, county_code: str, workbook_href: str) -> str:
    """The county page as HTML text (every value escaped)."""
    year = figures.survey_year
    region = figures.regions[figures.regions["county_code"] == county_code]
    region = region.iloc[0] if not region.empty else pd.Series(dtype=object)
    county_name = str(region.get("county_name", county_code))
    names = _names(figures)
    indicator_names = dict(
        zip(figures.indicators["indicator_code"], figures.indicators["indicator_name_zh"])
    )
    gaps = (
        figures.gaps[figures.gaps["county_code"] == county_code]
        if not figures.gaps.empty
        else figures.gaps
    )
    gap_keys = (
        {(row.school_key, row.stage, row.indicator_code) for row in _tuples(gaps)}
        if not gaps.empty
        else set()
    )
    school_indicators = figures.school_indicators[
        figures.school_indicators["county_code"] == county_code
    ]
    # The top contributors of every stage and indicator and the urban/rural means, found
    # for every county of `figures` at once (a worker's chunk of counties, or the nation).
    derived = _derived(figures)
    top_shares = derived.top_shares.get(county_code)

    def school_link(school_key: str, stage: str, code: str | None = None) -> str:
        target = (
            anchor("gap", school_key, stage, code)
            if code and (school_key, stage, code) in gap_keys
            else anchor("school", school_key, stage)
        )
        return f'<a href="#{target}">{escape(str(names.get(school_key, school_key)))}</a>'

    parts = [
        f"<h1>{escape(county_name)} {escape(str(year))} 年义务教育均衡发展报告 "
        f'<span class="en">County report, survey year {escape(str(year))} ({escape(county_code)})</span></h1>',
        f"<p>{escape(str(region.get('province_name', '')))} · {escape(str(region.get('prefecture_name', '')))} · "
        f'<a href="{escape(workbook_href, quote=True)}">一校一册 Excel (gap list workbook)</a> · '
        f'<a href="{VALIDATION_HREF}">数据校验报告 validation report</a></p>',
        _left_out_section(left_out_rows(figures.quarantine, figures.ingest_files, county_code)),
    ]
    parts += _incomplete_note(figures, county_code)
    for stage in STAGES:
        assessment = figures.assessments[
            (figures.assessments["county_code"] == county_code)
            & (figures.assessments["stage"] == stage)
            & (figures.assessments["survey_year"] == year)
        ]
        if assessment.empty:
            continue
        parts.append(
            _stage_section(
                figures,
                county_code,
                stage,
                assessment.iloc[0],
                top_shares,
                school_link,
                indicator_names,
            )
        )
    parts.append(_size_section(figures, county_code, names))
    parts.append(
        _urban_rural_section(
            derived.means.get(county_code, []) if not school_indicators.empty else None,
            indicator_names,
        )
    )
    parts.append(_gap_section(gaps))
    parts.append(_schools_section(figures, county_code, names))
    return _page(f"{county_name} {year} 均衡发展报告", "".join(parts), SORT_SCRIPT)


def _incomplete_note(figures, county_code: str) -> list[str]:
    """The county-year's lost files (fct_county_assessment.is_complete false), first."""
    rows = figures.assessments[
        (figures.assessments["county_code"] == county_code)
        & (figures.assessments["survey_year"] == figures.survey_year)
    ]
    if "is_complete" not in rows.columns or not rows["is_complete"].eq(False).any():
        return []
    reason = rows["incomplete_reason"].dropna()
    return [
        '<p class="fail">数据不完整 incomplete: 以下文件未能使用,结果只含读到的部分 '
        "(these files could not be used; the figures cover only what was read): "
        f"{escape(str(reason.iloc[0]) if not reason.empty else '')}</p>"
    ]


VALIDATION_HREF = "../index.html"  # reports/<year>/index.html, the year's validation report


def left_out_rows(
    quarantine: pd.DataFrame, ingest_files: pd.DataFrame, county_code: str
) -> pd.DataFrame:
    """What of the county's own files the figures were computed without.

    `quarantine`, `ingest_files`: the year's published tables. Returns one row per
    quarantined row and per file or sheet not loaded (skipped or rejected, e.g. a hidden row
    or an unreadable file) of `county_code`, columns kind ('quarantined' | the receipt's
    status), source_file, sheet, source_row (null for a file or sheet), school_name,
    reason_code, reason; sorted by file, sheet and row.
    """
    columns = ["kind", "source_file", "sheet", "source_row", "school_name", "reason_code", "reason"]
    frames = []
    if not quarantine.empty:
        rows = quarantine[quarantine["county_code"] == county_code]
        frames.append(rows.assign(kind="quarantined").reindex(columns=columns))
    if not ingest_files.empty:
        receipts = ingest_files[
            (ingest_files["county_code"] == county_code) & (ingest_files["status"] != "loaded")
        ]
        frames.append(
            receipts.assign(kind=receipts["status"], source_row=None, school_name=None).reindex(
                columns=columns
            )
        )
    frames = [frame for frame in frames if not frame.empty]
    if not frames:
        return pd.DataFrame(columns=columns)
    return (
        pd.concat(frames, ignore_index=True)
        .sort_values(["source_file", "sheet", "source_row"], na_position="first")
        .reset_index(drop=True)
    )


def _left_out_section(left_out: pd.DataFrame) -> str:
    """Told before any verdict: the CVs and verdicts below rest on the rows used only."""
    link = f'<a href="{VALIDATION_HREF}">数据校验报告 validation report</a>'
    if left_out.empty:
        return (
            '<p id="left-out">本县文件的每一行均已计入或计为非数据行 '
            f'<span class="en">(no row of this county\'s files was left out; see the {link})</span></p>'
        )
    quarantined = int((left_out["kind"] == "quarantined").sum())
    other = len(left_out) - quarantined
    rows = [
        "<tr>"
        + _td("隔离 quarantined" if row.kind == "quarantined" else f"未读入 {row.kind}")
        + _td(row.source_file)
        + _td(row.sheet)
        + _td(None if _isna(row.source_row) else int(row.source_row))
        + _td(row.school_name)
        + _td(row.reason_code)
        + _td(row.reason)
        + "</tr>"
        for row in _tuples(left_out)
    ]
    headers = [
        ("处理", "kind"),
        ("文件", "file"),
        ("工作表", "sheet"),
        ("行", "row"),
        ("学校", "school"),
        ("原因代码", "reason code"),
        ("原因", "reason"),
    ]
    return (
        _h("未计入的数据", "rows left out of the figures", 2, id_="left-out")
        + f'<p class="fail">本县文件中有 {quarantined} 行被隔离、{other} 个文件/工作表/行未读入,'
        "以下差异系数和结论均未包含它们 "
        f'<span class="en">({quarantined} rows quarantined and {other} files, sheets or rows '
        "skipped: every CV and verdict below was computed without them; details in the "
        f"{link})</span></p>" + _table(headers, rows)
    )


def _stage_section(
    figures, county_code, stage, assessment, top_shares, school_link, indicator_names
) -> str:
    year = figures.survey_year
    stage_zh = STAGE_ZH[stage]
    cvs = figures.county_indicators[
        (figures.county_indicators["county_code"] == county_code)
        & (figures.county_indicators["stage"] == stage)
    ]
    this_year = cvs[cvs["survey_year"] == year]
    quality = figures.school_quality[
        (figures.school_quality["county_code"] == county_code)
        & (figures.school_quality["stage"] == stage)
    ]
    names = _names(figures)
    indicators = figures.school_indicators[
        (figures.school_indicators["county_code"] == county_code)
        & (figures.school_indicators["stage"] == stage)
    ]
    failing = [
        f"{names.get(row.school_key, row.school_key)} ({failing_reason(row, indicators)})"
        for row in _tuples(quality[quality["passes_quality"].eq(False)])
    ]
    out = [_h(f"{stage_zh}", f"{stage} stage", 2, id_=f"stage-{stage}")]
    history = figures.assessments[
        (figures.assessments["county_code"] == county_code)
        & (figures.assessments["stage"] == stage)
    ]
    cv_by_year = years = None
    for regime, zh, en in (
        ("basic", "基本均衡", "basic balance (2012)"),
        ("quality", "优质均衡", "high-quality balance (2017)"),
    ):
        regime_cvs = this_year[this_year["regime"] == regime].sort_values("indicator_code")
        verdict = (
            basic_verdict(assessment, regime_cvs)
            if regime == "basic"
            else quality_verdict(assessment, regime_cvs, failing)
        )
        out.append(_h(f"{stage_zh}{zh}", en, 3))
        out.append(f'<p class="{verdict.status}">{escape(verdict.summary)}</p>')
        out.append(
            "<ul>" + "".join(f"<li>{escape(reason)}</li>" for reason in verdict.reasons) + "</ul>"
        )
        # By indicator, then year: the chart draws its lines in the order of its rows (the
        # figures come in one fixed order already, WarehouseFigures.load, but not this one).
        trend = cvs[cvs["regime"] == regime][["survey_year", "indicator_code", "cv"]].sort_values(
            ["indicator_code", "survey_year"], kind="stable"
        )
        threshold = regime_cvs["cv_threshold"].dropna()
        threshold_value = float(threshold.iloc[0]) if not threshold.empty else None
        if regime == "basic":
            composite = (
                history[["survey_year", "basic_composite_cv"]]
                .sort_values("survey_year", kind="stable")
                .rename(columns={"basic_composite_cv": "cv"})
            )
            composite["indicator_code"] = COMPOSITE
            trend = pd.concat([trend, composite], ignore_index=True)
        svg = cv_trend_svg(trend, threshold_value, f"{stage} {regime}: CV by survey year")
        out.append(
            f'<figure class="chart" data-chart="{stage}-{regime}">{svg}<figcaption>'
            f"{escape(stage_zh + zh)}差异系数历年走势,虚线为阈值 "
            f'<span class="en">CV trend, dashed line: threshold</span></figcaption></figure>'
        )
        if cv_by_year is None:  # each indicator's CV by survey year: read once a stage
            years = sorted(cvs["survey_year"].unique())
            cv_by_year = {}
            for code, survey_year, cv in zip(
                cvs["indicator_code"].tolist(), cvs["survey_year"].tolist(), cvs["cv"].tolist()
            ):
                cv_by_year.setdefault(code, {})[survey_year] = cv
        rows = []
        for row in _tuples(regime_cvs):
            by_year = cv_by_year.get(row.indicator_code, {})
            within = None if pd.isna(row.cv) else row.cv <= row.cv_threshold
            rows.append(
                "<tr>"
                + _td(row.indicator_code)
                + _td(indicator_names.get(row.indicator_code, ""))
                + _td(row.n_school_stages, numeric=True, digits=0)
                + _td(row.weighted_mean, numeric=True)
                + _td(row.cv, numeric=True)
                + _td(row.cv_threshold, numeric=True, digits=2)
                + (f"<td>{_status(within)}</td>" if regime == "quality" else _td(""))
                + "".join(_td(by_year.get(y), numeric=True) for y in years)
                + _td(CV_REASON_ZH.get(row.cv_reason, row.cv_reason) if row.cv_reason else "")
                + "</tr>"
            )
        headers = [
            ("指标", "code"),
            ("名称", "indicator"),
            ("学段数", "school-stages"),
            ("加权平均", "weighted mean"),
            ("差异系数", "CV"),
            ("阈值", "threshold"),
            ("单项", "within"),
        ]
        headers += [(str(y), "CV") for y in years] + [("说明", "note")]
        out.append(_table(headers, rows))
        out.append(
            _contributors(
                top_shares, stage, regime_cvs["indicator_code"].tolist(), school_link, regime
            )
        )
    return "".join(out)


def _contributors(top_shares, stage, codes, school_link, regime) -> str:
    """`top_shares`: _top_shares of the county's variance_shares (None: no school values)."""
    if top_shares is None:
        return ""
    rows = []
    for code in codes:
        for rank, row in enumerate(top_shares.get((stage, code), []), start=1):
            direction = (
                "高于平均 above mean" if row.value > row.weighted_mean else "低于平均 below mean"
            )
            rows.append(
                "<tr>"
                + _td(code)
                + _td(rank, numeric=True, digits=0)
                + f"<td>{school_link(row.school_key, stage, code)}</td>"
                + _td(row.students, numeric=True, digits=0)
                + _td(row.value, numeric=True)
                + _td(row.weighted_mean, numeric=True)
                + _td(direction)
                + _td(f"{row.variance_share * 100:.1f}%")
                + "</tr>"
            )
    title = _h(
        "拉高差异系数最多的学校",
        "school-stages that raise each CV most (share of the weighted variance)",
        4,
    )
    headers = [
        ("指标", "code"),
        ("名次", "rank"),
        ("学校", "school"),
        ("在校生", "students"),
        ("指标值", "value"),
        ("县平均", "county mean"),
        ("方向", "direction"),
        ("方差占比", "share of variance"),
    ]
    return title + _table(headers, rows)


def _top_shares(shares: pd.DataFrame) -> dict[str, dict[tuple[str, str], list]]:
    """By county_code, the TOP_CONTRIBUTORS rows (itertuples) of largest variance_share per
    (stage, indicator_code), largest first, in the order `sort_values("variance_share",
    ascending=False)` gives each group (ties included): a page asks for 30 groups, one
    grouping of every county's shares instead of a filter and a sort per group. A county
    with shares but none known has an empty dict."""
    tops: dict[str, dict[tuple[str, str], list]] = {
        code: {} for code in shares["county_code"].unique()
    }
    known = shares.dropna(subset=["variance_share"])
    if known.empty:
        return tops
    values = known["variance_share"].to_numpy(dtype=float)
    picked = {}
    keys = ["county_code", "stage", "indicator_code"]
    for key, positions in known.groupby(keys, sort=False).indices.items():
        # pandas' descending sort (pandas.core.sorting.nargsort): argsort the reversed
        # values, then reverse, so equal shares keep the order sort_values gives them.
        reverse = positions[::-1]
        order = reverse[values[reverse].argsort(kind="quicksort")][::-1]
        picked[key] = order[:TOP_CONTRIBUTORS]
    rows = list(_tuples(known.iloc[np.concatenate(list(picked.values()))]))
    start = 0
    for (county_code, stage, code), positions in picked.items():
        tops[county_code][stage, code] = rows[start : start + len(positions)]
        start += len(positions)
    return tops


@dataclass
class _Derived:
    """What a page computes over its county's school-stages, computed for every county of a
    WarehouseFigures at once: `top_shares` (_top_shares; a county without a school-stage
    value is absent) and `means` (urban_rural_means rows as (stage, indicator_code,
    urban_rural, school_stages, weighted_mean) tuples)."""

    top_shares: dict[str, dict[tuple[str, str], list]]
    means: dict[str, list[tuple]]


def _derived(figures: WarehouseFigures) -> _Derived:
    """`figures`' _Derived, computed on first use and kept with them (the tables of a
    WarehouseFigures are not changed once it is drawn from)."""
    derived = figures.__dict__.get("_derived")
    if derived is None:
        rows = figures.school_indicators
        shares = variance_shares(rows) if not rows.empty else rows
        means = urban_rural_means(rows, figures.schools) if not rows.empty else None
        by_county: dict[str, list[tuple]] = {}
        if means is not None:
            columns = ["stage", "indicator_code", "urban_rural", "school_stages", "weighted_mean"]
            for county_code, *values in zip(
                means["county_code"].tolist(), *(means[c].tolist() for c in columns)
            ):
                by_county.setdefault(county_code, []).append(tuple(values))
        derived = _Derived({} if shares.empty else _top_shares(shares), by_county)
        figures.__dict__["_derived"] = derived
    return derived


SIZE_REASON_ZH = {
    "classes_not_reported": "表中无班级数 (no classes column)",
    "classes_only_for_whole_school": "仅有全校班级数 (classes only for the whole school)",
    "zero_classes": "班级数为 0 (zero classes)",
    "no_school_size_standard_for_type": "该办学类型无规模标准 (no limit for this school type)",
}


def _size_heading() -> str:
    """The size section's heading with the limits of contracts/size_standards.csv, written as
    before: `class size (45 primary / 50 junior) and school size (2 000 / 2 500)`."""
    limits = size_standards()

    def number(limit: float) -> str:
        return f"{limit:,.0f}".replace(",", " ")

    school = sorted({limit for (measure, _), limit in limits.items() if measure == "school_size"})
    return (
        f"class size ({number(limits['class_size', 'primary'])} primary / "
        f"{number(limits['class_size', 'junior'])} junior) and school size "
        f"({' / '.join(number(limit) for limit in school)})"
    )


def _size_section(figures, county_code, names) -> str:
    """Class size and school size of every school-stage against contracts/size_standards.csv."""
    sizes = figures.sizes
    if sizes.empty:
        return ""
    sizes = sizes[sizes["county_code"] == county_code]
    out = [
        _h(
            "班额与学校规模",
            _size_heading(),
            2,
            id_="sizes",
        )
    ]
    for stage in STAGES:
        stage_sizes = sizes[sizes["stage"] == stage]
        if stage_sizes.empty:
            continue
        known = stage_sizes["class_size_within_limit"].dropna()
        out.append(
            _h(STAGE_ZH[stage], stage, 3)
            + f"<p>平均班额达标 mean class size within the limit: {int(known.astype(bool).sum())} / {len(known)}"
            f" (无班级数 without classes: {len(stage_sizes) - len(known)}); "
            f"学校规模达标 school size within the limit: "
            f"{int(stage_sizes['school_size_within_limit'].eq(True).sum())} / {len(stage_sizes)}</p>"
        )
        rows = [
            f'<tr><td><a href="#{anchor("school", row.school_key, stage)}">'
            f"{escape(str(names.get(row.school_key, row.school_key)))}</a></td>"
            + _td(row.students, numeric=True, digits=0)
            + _td(row.classes, numeric=True, digits=0)
            + _td(row.mean_class_size, numeric=True, digits=1)
            + _td(row.class_size_limit, numeric=True, digits=0)
            + f"<td>{_status(row.class_size_within_limit)}</td>"
            + _td(
                SIZE_REASON_ZH.get(row.class_size_reason, row.class_size_reason)
                if row.class_size_reason
                else ""
            )
            + _td(row.school_students, numeric=True, digits=0)
            + _td(row.school_size_limit, numeric=True, digits=0)
            + f"<td>{_status(row.school_size_within_limit)}</td></tr>"
            for row in _tuples(stage_sizes.sort_values("school_key"))
        ]
        headers = [
            ("学校", "school"),
            ("在校生", "students"),
            ("班级数", "classes"),
            ("平均班额", "mean class size"),
            ("班额上限", "limit"),
            ("班额", "class size"),
            ("说明", "note"),
            ("学校义务教育规模", "school enrollment"),
            ("规模上限", "limit"),
            ("规模", "school size"),
        ]
        out.append(_table(headers, rows, sortable=True))
    return "".join(out)


def _urban_rural_section(means: list[tuple] | None, indicator_names) -> str:
    """`means`: the county's urban_rural_means rows as (stage, indicator_code, urban_rural,
    school_stages, weighted_mean) tuples (none: the county has no school-stage indicators)."""
    if means is None:
        return ""
    classes = [c for c in ("urban", "town", "rural", "unknown") if c in {m[2] for m in means}]
    out = [_h("城乡对比", "urban, town and rural school-stages (enrollment-weighted means)")]
    for stage in STAGES:
        stage_means = [m for m in means if m[0] == stage]
        if not stage_means:
            continue
        value = {(code, kind): mean for _, code, kind, _, mean in stage_means}
        counts: dict[str, int] = {}
        for _, _, kind, school_stages, _ in stage_means:
            counts[kind] = max(counts.get(kind, school_stages), school_stages)
        rows = [
            "<tr>"
            + _td(code)
            + _td(indicator_names.get(code, ""))
            + "".join(_td(value.get((code, c)), numeric=True) for c in classes)
            + "</tr>"
            for code in sorted({code for _, code, _, _, _ in stage_means})
        ]
        headers = [("指标", "code"), ("名称", "indicator")] + [
            (f"{URBAN_RURAL_ZH[c]} ({int(counts.get(c, 0))})", c) for c in classes
        ]
        out.append(_h(STAGE_ZH[stage], stage, 3) + _table(headers, rows))
    return "".join(out)


def _gap_section(gaps: pd.DataFrame) -> str:
    out = [
        _h(
            "一校一册:未达标项目及估算费用",
            "gap list: standards not met, what reaching them takes, estimated cost",
            2,
            id_="gaps",
        )
    ]
    if gaps.empty:
        return "".join(out) + "<p>无 none.</p>"
    rows = []
    for row in _tuples(gaps.sort_values(["school_name", "stage", "indicator_code"])):
        rows.append(
            f'<tr id="{anchor("gap", row.school_key, row.stage, row.indicator_code)}">'
            + _td(row.school_name)
            + _td(STAGE_ZH.get(row.stage, row.stage))
            + _td(row.indicator_code)
            + _td(row.indicator_name_zh)
            + _td(row.value, numeric=True)
            + _td(row.standard, numeric=True, digits=1)
            + _td(row.shortfall, numeric=True, digits=2)
            + _td(row.addition, numeric=True, digits=1)
            + _td(row.addition_unit_zh)
            + _td(row.estimated_cost_yuan, numeric=True, digits=1)
            + _td("默认假设 default" if row.cost_basis == "default_assumption" else row.cost_basis)
            + f'<td class="source">{escape(str(row.source_rows))}</td></tr>'
        )
    headers = [
        ("学校", "school"),
        ("学段", "stage"),
        ("指标", "code"),
        ("名称", "indicator"),
        ("指标值", "value"),
        ("标准", "standard"),
        ("缺口", "shortfall"),
        ("需增加", "to add"),
        ("单位", "unit"),
        ("估算费用(元)", "cost, yuan"),
        ("成本依据", "cost basis"),
        ("来源", "source rows"),
    ]
    return "".join(out) + _table(headers, rows, sortable=True) + _totals_table(gaps)


def _totals_table(gaps: pd.DataFrame) -> str:
    """Per school and for the county, one-off and yearly costs apart (never one sum)."""
    rows = []
    for row in _tuples(cost_totals(gaps)):
        css = ' class="total"' if row.school_key is None else ""
        rows.append(
            f"<tr{css}>"
            + _td(row.school_name)
            + _td(row.one_off_yuan, numeric=True, digits=1)
            + _td(row.yearly_yuan, numeric=True, digits=1)
            + "</tr>"
        )
    headers = [
        ("学校", "school"),
        ("一次性费用(元)", "one-off cost, yuan"),
        ("每年费用(元,教师人员经费)", "yearly cost, yuan (teachers' pay)"),
    ]
    return (
        _h("费用合计", "cost totals", 3, id_="cost-totals")
        + "<p>一次性费用与每年费用分列,不可相加 "
        '<span class="en">(one-off and yearly costs are kept apart, never added; '
        "one teacher may close several teacher gaps, so the yearly figure is an upper bound)"
        "</span></p>" + _table(headers, rows)
    )


def _schools_section(figures, county_code, names) -> str:
    stages = figures.school_stages[figures.school_stages["county_code"] == county_code]
    quality = figures.school_quality
    # (school_key, stage) -> its fct_school_quality row's figures (one row per key).
    quality = dict(
        zip(
            zip(quality["school_key"].tolist(), quality["stage"].tolist()),
            zip(quality["indicators_met"].tolist(), quality["passes_quality"].tolist()),
        )
    )
    urban = dict(zip(figures.schools["school_key"], figures.schools["urban_rural"]))
    rows = []
    for row in _tuples(stages.sort_values(["stage", "school_key"])):
        met, passes = quality.get((row.school_key, row.stage), (None, None))
        rows.append(
            f'<tr id="{anchor("school", row.school_key, row.stage)}">'
            + _td(names.get(row.school_key, row.school_key))
            + _td(row.school_id)
            + _td(STAGE_ZH.get(row.stage, row.stage))
            + _td(row.school_type)
            + _td(URBAN_RURAL_ZH.get(urban.get(row.school_key) or "unknown"))
            + _td(row.students, numeric=True, digits=0)
            + _td(met, numeric=True, digits=0)
            + f"<td>{_status(passes)}</td>"
            + f'<td class="source">{escape(str(row.source_rows))}</td></tr>'
        )
    headers = [
        ("学校", "school"),
        ("学校标识码", "school_id"),
        ("学段", "stage"),
        ("办学类型", "school_type"),
        ("城乡", "urban/rural"),
        ("在校生", "students"),
        ("达标项数", "standards met"),
        (f"{MIN_MET}/7 规则", f"{MIN_MET}-of-7 rule"),
        ("数据来源(文件 [工作表] 行)", "source file [sheet] row"),
    ]
    return _h(
        "参与测算的学段及数据来源",
        "school-stages and where their figures come from",
        2,
        id_="schools",
    ) + _table(headers, rows, sortable=True)


# ---------------------------------------------------------------------------------------
# Index pages


def render_index_page(
    figures: WarehouseFigures, level: str, region_code: str, county_href: dict[str, str]
) -> str:
    """The counties of one province or prefecture and their verdicts, with the previous year."""
    name_column = "province_name" if level == "province" else "prefecture_name"
    regions, assessments = _region_rows(figures, level, region_code)
    region_name = str(regions[name_column].iloc[0]) if not regions.empty else region_code
    year = figures.survey_year
    county_names = dict(zip(regions["county_code"], regions["county_name"]))
    rows = []
    for row in _tuples(assessments.sort_values(["county_code", "stage"])):
        href = county_href.get(row.county_code)
        name = escape(str(county_names.get(row.county_code, row.county_code)))
        link = f'<a href="{escape(href, quote=True)}">{name}</a>' if href else name
        rows.append(
            f"<tr><td>{link}</td>"
            + _td(row.county_code)
            + _td(STAGE_ZH.get(row.stage, row.stage))
            + f'<td data-sort="{_sort_key(row.basic_pass)}">{_status(row.basic_pass)}</td>'
            + _previous_cell(row.prev_assessable, row.prev_basic_pass)
            + _td(row.basic_composite_cv, numeric=True)
            + f'<td data-sort="{_sort_key(row.quality_pass)}">{_status(row.quality_pass)}</td>'
            + _previous_cell(row.prev_assessable, row.prev_quality_pass)
            + _td(row.quality_max_cv, numeric=True)
            + _fraction_td(row.quality_school_stages_passing, row.quality_school_stages)
            + "</tr>"
        )
    counts = []
    for stage in STAGES:
        stage_rows = assessments[assessments["stage"] == stage]
        counts.append(
            f"<li>{STAGE_ZH[stage]} {stage}: 基本均衡达标 basic pass {int(stage_rows['basic_pass'].eq(True).sum())}"
            f" (上年 previous {previous_count(stage_rows, 'prev_basic_pass')}), "
            f"优质均衡通过 quality pass {int(stage_rows['quality_pass'].eq(True).sum())}"
            f" (上年 previous {previous_count(stage_rows, 'prev_quality_pass')}), 共 of {len(stage_rows)}</li>"
        )
    headers = [
        ("县", "county"),
        ("代码", "code"),
        ("学段", "stage"),
        ("基本均衡", "basic"),
        ("上年", "previous year"),
        ("综合差异系数", "composite CV"),
        ("优质均衡", "quality"),
        ("上年", "previous year"),
        ("最高差异系数", "highest quality CV"),
        ("达标学段", "school-stages passing"),
    ]
    level_zh = "省" if level == "province" else "地市"
    body = (
        f"<h1>{escape(region_name)} {year} 年县域义务教育均衡发展 "
        f'<span class="en">{escape(level)} {escape(region_code)}, survey year {year}</span></h1>'
        f"<p>{level_zh}内各县评估结果,点击表头排序 <span class='en'>(click a heading to sort)</span></p>"
        f"<ul>{''.join(counts)}</ul>" + _table(headers, rows, sortable=True)
    )
    return _page(f"{region_name} {year}", body, SORT_SCRIPT)


def _region_rows(
    figures: WarehouseFigures, level: str, region_code: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The dim_region rows of a province or prefecture, and this year's
    fct_county_assessment rows of its counties, in table order: grouped once for every
    region of the level (about 370 prefectures a national year), kept with `figures`."""
    column = "province_code" if level == "province" else "prefecture_code"
    cache = figures.__dict__.setdefault("_regions", {})
    if level not in cache:
        regions = figures.regions
        assessments = figures.assessments
        this_year = assessments[assessments["survey_year"] == figures.survey_year]
        region_of = regions.drop_duplicates("county_code").set_index("county_code")[column]
        # Each county's region (a county listed twice counts in each: filter, as a reader would).
        if regions["county_code"].is_unique:
            regions_by = regions.groupby(column, sort=False).indices
            rows_by = this_year.groupby(this_year["county_code"].map(region_of), sort=False).indices
            cache[level] = {
                code: (regions.take(positions), this_year.take(rows_by.get(code, _NO_ROWS)))
                for code, positions in regions_by.items()
            }
        else:
            cache[level] = {}
    rows = cache[level].get(region_code)
    if rows is None:
        regions = figures.regions[figures.regions[column] == region_code]
        assessments = figures.assessments
        rows = (
            regions,
            assessments[
                (assessments["survey_year"] == figures.survey_year)
                & assessments["county_code"].isin(regions["county_code"])
            ],
        )
    return rows


def _sort_key(value) -> str:
    return "" if value is None or _isna(value) else ("1" if bool(value) else "0")


NO_PREVIOUS_YEAR = "无上年数据 no previous year"


def previous_count(stage_rows: pd.DataFrame, column: str) -> str:
    """Counties passing in the previous year, of those that have one; a county without a
    previous year adds nothing (null, never a zero), and none at all reads as no previous year.
    """
    has_previous = stage_rows["prev_assessable"].notna()
    if not has_previous.any():
        return NO_PREVIOUS_YEAR
    known = int(has_previous.sum())
    passing = int(stage_rows.loc[has_previous, column].eq(True).sum())
    missing = len(stage_rows) - known
    return f"{passing}" + (f", {missing} 县{NO_PREVIOUS_YEAR}" if missing else "")


def _previous_cell(prev_assessable, prev_pass) -> str:
    """The previous year's verdict; a county-stage absent that year is not "not assessable"."""
    if prev_assessable is None or _isna(prev_assessable):
        return f'<td data-sort=""><span class="na">{NO_PREVIOUS_YEAR}</span></td>'
    return f'<td data-sort="{_sort_key(prev_pass)}">{_status(prev_pass)}</td>'


def _fraction_td(numerator, denominator) -> str:
    """`n/m` shown, sorted by its value (3/4 before 4/4, 1/2 before 2/3)."""
    if _isna(numerator) or _isna(denominator):
        return '<td data-sort=""></td>'
    share = float(numerator) / float(denominator) if float(denominator) else 0.0
    return _td(f"{int(numerator)}/{int(denominator)}", sort=f"{share:.6f}")


# ---------------------------------------------------------------------------------------
# Writing


def county_page_path(reports_dir: Path, survey_year: int, county_code: str) -> Path:
    """Where a county's report page for a survey year is: <reports>/<year>/county/<code>.html."""
    return Path(reports_dir) / str(survey_year) / "county" / f"{county_code}.html"


def write_county_reports(
    warehouse_dir: Path,
    reports_dir: Path,
    exports_dir: Path,
    survey_year: int,
    workers: int | None = None,
) -> list[Path]:
    """Write the year's county pages and the province and prefecture indexes; returns them.

    `workers`: processes drawing county pages (default: JUNHENG_REPORT_WORKERS, else the
    machine's cores); a year of fewer than `POOL_FROM_PAGES` counties, or 1 worker, is
    drawn in this process. Either way every page is the same text.
    """
    return write_bureau_reports(
        warehouse_dir, reports_dir, exports_dir, survey_year, workers, workbooks=False
    ).pages


@dataclass
class BureauReports:
    """What `write_bureau_reports` wrote (or left as it was, its inputs unchanged)."""

    workbooks: list[Path]  # <exports>/<year>/<code>_一校一册.xlsx, by county code
    pages: list[Path]  # county pages by county code, then the province and prefecture indexes
    # Those of `workbooks` and `pages` whose file was written by this call; the others were
    # left as they were (inputs digest unchanged, or the same bytes drawn again).
    written: list[Path]


def write_bureau_reports(
    warehouse_dir: Path,
    reports_dir: Path,
    exports_dir: Path,
    survey_year: int,
    workers: int | None = None,
    workbooks: bool = True,
) -> BureauReports:
    """A year's gap-list workbooks (gap_workbook.write_gap_workbooks' files, one per county
    with in-scope school-stages) and county pages (one per county assessed), drawn together
    by `workers` processes a chunk of counties at a time, then the region indexes.

    The figures are read once and each chunk's rows taken from them (no copy per county of
    the nation's tables is kept); a page or workbook whose inputs digest (its county's rows,
    the code and libraries that draw it) is that of the file on disk is not drawn again.
    Digests are kept in `.inputs.json` beside the pages and beside the workbooks; what
    `refresh_bureau_reports` checks when another year is rebuilt, in `.trend.json`.
    """
    year_files = _year_files(warehouse_dir, survey_year)  # before reading: a later change shows
    figures = WarehouseFigures.load(warehouse_dir, survey_year)
    page_counties = figures.counties()
    book_counties = workbook_counties(figures.school_stages) if workbooks else None
    renderer = _renderer_digest()
    rows = figures.county_rows()
    changed = _draw_counties(
        figures, rows, reports_dir, exports_dir, page_counties, book_counties, renderer, workers
    )
    pages = [county_page_path(reports_dir, survey_year, code) for code in page_counties]
    # A county whose file was withdrawn (or a region left without a county) has no page or
    # workbook this year: the ones an earlier build drew are removed, as a cold build of the
    # same raw folder would not have them.
    _remove_others(Path(reports_dir) / str(survey_year) / "county", "*.html", pages)
    indexes, changed_indexes = _write_indexes(figures, reports_dir, page_counties)
    books = [export_path(exports_dir, survey_year, code) for code in book_counties or []]
    if workbooks:
        _remove_others(Path(exports_dir) / str(survey_year), "*_一校一册.xlsx", books)
    header = _trend_header(renderer, year_files, reports_dir, exports_dir, survey_year)
    record = _trend_record(figures, rows, header)
    _write_json(_trend_path(reports_dir, survey_year), record)
    return BureauReports(books, pages + indexes, changed + changed_indexes)


def refresh_bureau_reports(
    warehouse_dir: Path,
    reports_dir: Path,
    exports_dir: Path,
    survey_years: list[int],
    workers: int | None = None,
) -> dict[int, BureauReports]:
    """Redraw, in `survey_years` (published years a run did not rebuild), the county pages,
    workbooks and region indexes whose inputs changed because another year was rebuilt or
    removed; returns what was written, by year (a year with nothing to redraw is absent).

    A county page plots every survey year's CVs, so a rebuilt year changes the pages of the
    other years of each county whose figures it changed. A year not rebuilt keeps the files
    of its own tables (YEAR_TABLES, hard-linked into each new snapshot), so its pages can
    change only through the tables of every year (EVERY_YEAR_TABLES). Those are read once for
    all `survey_years`; each county's rows of them are digested and compared with the
    year's `.trend.json`; only the counties whose digest moved are read in full and drawn
    again (each page and workbook still skipped when its own inputs digest is unchanged),
    and the indexes only when the year's assessments or dim_region moved. A year whose own
    files, counties, drawing code or folder layout differ from its record (or that has
    none) is drawn as `write_bureau_reports` draws a rebuilt year.
    """
    renderer = _renderer_digest()
    shared: dict[str, pd.DataFrame] = {}
    written = {}
    for survey_year in sorted(survey_years):
        record = _read_inputs(_trend_path(reports_dir, survey_year))
        year_files = _year_files(warehouse_dir, survey_year)
        header = _trend_header(renderer, year_files, reports_dir, exports_dir, survey_year)
        if {key: record.get(key) for key in header} != header or "counties" not in record:
            written[survey_year] = write_bureau_reports(
                warehouse_dir, reports_dir, exports_dir, survey_year, workers
            )
            continue
        if not shared:  # read, hashed and grouped once for every year
            shared.update(
                {name: _read_source(warehouse_dir, name, 0) for name in EVERY_YEAR_TABLES}
            )
            no_year = {name: pd.DataFrame() for name in YEAR_TABLES}
            every_year = WarehouseFigures(survey_year, **shared, **no_year)
            hashes = _row_hashes(every_year)
            by_county = tuple(name for name in EVERY_YEAR_TABLES if name in _COUNTY_TABLES)
            grouped = every_year.county_rows(by_county, schools=False)
        trend = _trend_figures(warehouse_dir, survey_year, shared)
        named = [getattr(trend, name)[["county_code", "school_key"]] for name in _SCHOOL_TABLES]
        rows = {**grouped, "schools": _school_rows(named, trend.schools)}
        now = _trend_record(trend, rows, header, hashes)
        if set(now["counties"]) != set(record["counties"]):
            written[survey_year] = write_bureau_reports(
                warehouse_dir, reports_dir, exports_dir, survey_year, workers
            )
            continue
        stale = sorted(  # a page deleted by hand is drawn again too
            code
            for code, digest in now["counties"].items()
            if record["counties"][code] != digest
            or not county_page_path(reports_dir, survey_year, code).exists()
        )
        pages, books, changed = [], [], []
        if stale:
            figures = WarehouseFigures.load(warehouse_dir, survey_year, stale, shared)
            book_counties = workbook_counties(figures.school_stages)
            changed = _draw_counties(
                figures,
                figures.county_rows(),
                reports_dir,
                exports_dir,
                stale,
                book_counties,
                renderer,
                workers,
                partial=True,
            )
            pages = [county_page_path(reports_dir, survey_year, code) for code in stale]
            books = [export_path(exports_dir, survey_year, code) for code in book_counties]
        if now["index"] != record.get("index"):
            indexes, changed_indexes = _write_indexes(trend, reports_dir, trend.counties())
            pages, changed = pages + indexes, changed + changed_indexes
        if now != record:
            _write_json(_trend_path(reports_dir, survey_year), now)
        if pages:
            written[survey_year] = BureauReports(books, pages, changed)
    return written


def _draw_counties(
    figures: WarehouseFigures,
    rows: dict[str, dict[str, np.ndarray]],
    reports_dir: Path,
    exports_dir: Path,
    page_counties: list[str],
    book_counties: list[str] | None,
    renderer: str,
    workers: int | None,
    partial: bool = False,
) -> list[Path]:
    """Draw the pages of `page_counties` and the workbooks of `book_counties` (None: no
    workbook, their digests left as they are) whose inputs digest changed, and keep their
    digests in `.inputs.json`: theirs only, or with `partial` beside the other counties'.
    Returns the pages and workbooks written (a page drawn again with the same bytes is not)."""
    survey_year = figures.survey_year
    pages_inputs = Path(reports_dir) / str(survey_year) / "county" / INPUTS_FILE
    books_inputs = Path(exports_dir) / str(survey_year) / INPUTS_FILE
    built_pages = _read_inputs(pages_inputs)
    built_books = _read_inputs(books_inputs) if book_counties is not None else {}
    pages, books = set(page_counties), set(book_counties or [])
    jobs = []
    for county_code in sorted(pages | books):
        page = county_page_path(reports_dir, survey_year, county_code)
        workbook = export_path(exports_dir, survey_year, county_code)
        jobs.append(
            _CountyJob(
                county_code,
                page if county_code in pages else None,
                _workbook_href(reports_dir, exports_dir, survey_year, county_code),
                built_pages.get(county_code),
                workbook if county_code in books else None,
                built_books.get(county_code),
            )
        )
    worker_count = report_workers() if workers is None else workers
    page_inputs, book_inputs, changed = _draw(figures, rows, jobs, renderer, worker_count)
    if partial:
        page_inputs = {**built_pages, **page_inputs}
        book_inputs = {**built_books, **book_inputs}
    if page_inputs != built_pages and (page_inputs or built_pages):
        _write_json(pages_inputs, page_inputs)
    if book_counties is not None and book_inputs != built_books:
        _write_json(books_inputs, book_inputs)
    return changed


def _workbook_href(reports_dir: Path, exports_dir: Path, survey_year: int, county_code: str) -> str:
    """The county's workbook, relative to its page."""
    page = county_page_path(reports_dir, survey_year, county_code)
    workbook = export_path(exports_dir, survey_year, county_code)
    return Path(os.path.relpath(workbook, page.parent)).as_posix()


def _write_indexes(
    figures: WarehouseFigures, reports_dir: Path, page_counties: list[str]
) -> tuple[list[Path], list[Path]]:
    """The province and prefecture indexes of the counties with a page (each linked to
    it); the index of a region left without a county is removed. Returns the indexes, and
    those of them written (an index is written only when its bytes change)."""
    hrefs = {code: f"../county/{code}.html" for code in page_counties}
    counties = figures.regions[figures.regions["county_code"].isin(hrefs)]
    year_dir = Path(reports_dir) / str(figures.survey_year)
    indexes, changed = [], []
    for level, column in (("province", "province_code"), ("prefecture", "prefecture_code")):
        for region_code in sorted(counties[column].dropna().unique()):
            page = year_dir / level / f"{region_code}.html"
            indexes.append(page)
            if write_if_changed(page, render_index_page(figures, level, region_code, hrefs)):
                changed.append(page)
        _remove_others(year_dir / level, "*.html", indexes)
    return indexes, changed


def _write_json(path: Path, value: dict) -> None:
    write_if_changed(path, json.dumps(value, indent=0, sort_keys=True))


# Beside the county pages of a year: what `refresh_bureau_reports` compares (_trend_record).
TREND_FILE = ".trend.json"


def _trend_path(reports_dir: Path, survey_year: int) -> Path:
    return Path(reports_dir) / str(survey_year) / "county" / TREND_FILE


def _year_files(warehouse_dir: Path, survey_year: int) -> list[list]:
    """The files of the year's partition of each YEAR_TABLES table, as [table, file, inode,
    size, mtime_ns]. A snapshot's files are never written again and a year not rebuilt is
    hard-linked (the same inode, size and time) into the next snapshot, so equal lists mean
    the same rows; a rebuilt year has new files."""
    entries = []
    for name in YEAR_TABLES:
        table = _SOURCES[name][0]
        for path in partition_files(warehouse_dir, table, survey_year):
            stat = path.stat()
            entries.append([table, path.name, stat.st_ino, stat.st_size, stat.st_mtime_ns])
    return entries


def _trend_header(
    renderer: str, year_files: list, reports_dir: Path, exports_dir: Path, survey_year: int
) -> dict:
    """What a year's pages were drawn with besides the tables of every year: the code, the
    year's own files and where the workbooks are from the pages (the pages link them)."""
    layout = os.path.relpath(
        Path(exports_dir) / str(survey_year), Path(reports_dir) / str(survey_year)
    )
    return {"renderer": renderer, "year_files": year_files, "layout": Path(layout).as_posix()}


def _trend_record(
    figures: WarehouseFigures,
    rows: dict[str, dict[str, np.ndarray]],
    header: dict,
    hashes: dict[str, np.ndarray] | None = None,
) -> dict:
    """`header` (_trend_header) with what a year's pages read from the tables of every year
    (EVERY_YEAR_TABLES): by county, a digest of its rows of them (`_county_digest` over the
    figures less the year's own tables; `rows`: `county_rows()`, whose dim_school rows are
    those its year's rows name), and one of dim_region, the year's assessments and the
    counties with a page, which the indexes show."""
    view = _every_year_view(figures)
    every_year = {name: rows[name] for name in EVERY_YEAR_TABLES if name in rows}
    hashes = hashes or _row_hashes(view)
    types = _column_types(view)
    counties = figures.counties()
    digests = {
        code: _county_digest(view, _county_hashes(hashes, every_year, code), "", "", types)
        for code in counties
    }
    assessments = figures.assessments
    this_year = (
        assessments["survey_year"].eq(figures.survey_year).to_numpy()
        if "survey_year" in assessments.columns
        else np.zeros(len(assessments), dtype=bool)
    )
    index = hashlib.sha256(repr(counties).encode())
    for frame, hashed in (
        (figures.regions, hashes["regions"]),
        (assessments, hashes["assessments"][this_year]),
    ):
        index.update(_table_types(frame))
        index.update(np.sort(hashed).tobytes())
    return {**header, "counties": digests, "index": index.hexdigest()[:32]}


def _every_year_view(figures: WarehouseFigures) -> WarehouseFigures:
    """`figures` with the year's own tables (YEAR_TABLES) left empty."""
    return replace(figures, **{name: pd.DataFrame() for name in YEAR_TABLES})


def _trend_figures(
    warehouse_dir: Path, survey_year: int, shared: dict[str, pd.DataFrame]
) -> WarehouseFigures:
    """The figures `_trend_record` reads, without reading the year's own tables in full:
    the tables of every year (`shared`) and, of the tables naming schools, the distinct
    (county_code, school_key) pairs of the year (the year's other tables left empty)."""
    pairs = ["county_code", "school_key"]
    return WarehouseFigures(
        survey_year=survey_year,
        **shared,
        **{
            name: _read_source(warehouse_dir, name, survey_year, columns=pairs, ordered=False)
            if name in _SCHOOL_TABLES
            else pd.DataFrame()
            for name in YEAR_TABLES
        },
    )


def _remove_others(folder: Path, pattern: str, kept: list[Path]) -> None:
    """Delete the files of `folder` matching `pattern` that are not among `kept`."""
    keep = {Path(path) for path in kept}
    for path in Path(folder).glob(pattern):
        if path not in keep:
            path.unlink(missing_ok=True)


# A year of fewer county pages than this is drawn in-process: starting worker processes
# (importing pandas and altair in each, about 2 s) costs more than it saves.
POOL_FROM_PAGES = 24
# Counties a worker draws per task: large enough that pickling a task and grouping its
# figures are a small part of it, small enough that both workers finish together.
CHUNK_PAGES = 16


@dataclass
class _CountyJob:
    county_code: str
    page: Path | None  # None: the county is not assessed this year (a workbook only)
    href: str  # the county's workbook, relative to its page
    built: str | None  # the inputs digest the page on disk was drawn from
    workbook: Path | None  # None: no in-scope school-stage (a page only)
    built_workbook: str | None


@dataclass
class _Chunk:
    figures: WarehouseFigures  # the chunk's counties' rows of every table
    jobs: list[_CountyJob]
    renderer: str


def report_workers() -> int:
    """Processes drawing county pages: JUNHENG_REPORT_WORKERS, else the machine's cores."""
    from orchestration.settings import report_workers as setting

    workers = setting()
    return (os.cpu_count() or 1) if workers is None else workers


def _draw(
    figures: WarehouseFigures,
    rows: dict[str, dict[str, np.ndarray]],
    jobs: list[_CountyJob],
    renderer: str,
    workers: int,
) -> tuple[dict[str, str], dict[str, str], list[Path]]:
    """Draw the pages and workbooks whose inputs changed; returns every county's page and
    workbook inputs digests, and the files written. `rows`: `figures.county_rows()`."""
    chunks = (
        _Chunk(figures.take_counties([job.county_code for job in part], rows), part, renderer)
        for part in (jobs[i : i + CHUNK_PAGES] for i in range(0, len(jobs), CHUNK_PAGES))
    )
    pages: dict[str, str] = {}
    books: dict[str, str] = {}
    changed: list[Path] = []
    if workers <= 1 or len(jobs) < POOL_FROM_PAGES or os.name != "posix":
        results = map(_draw_chunk, chunks)
    else:
        results = _pooled(chunks, workers)
    for drawn_pages, drawn_books, written in results:
        pages.update(drawn_pages)
        books.update(drawn_books)
        changed += written
    return pages, books, changed


def _pooled(chunks, workers: int):
    """`_draw_chunk` of each chunk in `workers` processes, results in chunk order. Chunks
    are taken from the nation's figures as workers free up (two a worker in flight), so
    the parent never holds more than a few chunks' copies."""
    # forkserver: workers fork from a clean process, never from this one's threads (Dagster's,
    # vl-convert's JavaScript runtime).
    context = multiprocessing.get_context("forkserver")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        pending = deque()
        for chunk in chunks:
            pending.append(pool.submit(_draw_chunk, chunk))
            del chunk
            while len(pending) >= 2 * workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def _draw_chunk(chunk: _Chunk) -> tuple[dict[str, str], dict[str, str], list[Path]]:
    """Draw a chunk's pages and workbooks whose inputs changed; their digests by county,
    and the files written (a page drawn again with the same bytes is left as it is)."""
    figures = chunk.figures.plain()
    rows = figures.county_rows()
    hashes = _row_hashes(figures)
    pages, books, changed = {}, {}, []
    for job in chunk.jobs:
        if job.page is not None:
            county = figures.county(job.county_code, rows)
            # What a page derives from its school-stages, computed for the chunk at once
            # (each county's own rows: the same as from the county alone).
            county.__dict__["_derived"] = _derived(figures)
            pages[job.county_code] = digest = _county_digest(
                county, _county_hashes(hashes, rows, job.county_code), job.href, chunk.renderer
            )
            # A page whose inputs (its county's rows of every table, the code that draws it)
            # are those it was drawn from is left as it is: a change in one county's file
            # redraws that county's page, not the nation's.
            if job.built != digest or not job.page.exists():
                page = render_county_page(county, job.county_code, job.href)
                if write_if_changed(job.page, page):
                    changed.append(job.page)
        if job.workbook is not None:
            if "gaps" in rows:  # the table is published (it may have no row)
                gap_rows = rows["gaps"].get(job.county_code, _NO_ROWS)
                county_gaps = figures.gaps.take(gap_rows)
                hashed = hashes["gaps"][gap_rows]
            else:  # write_gap_workbooks' frame of a year without the table
                county_gaps = empty_gaps()
                hashed = pd.util.hash_pandas_object(county_gaps, index=False).to_numpy()
            books[job.county_code] = digest = _workbook_digest(county_gaps, hashed, chunk.renderer)
            if job.built_workbook != digest or not job.workbook.exists():
                # Always written: an xlsx holds the time it was saved, so its bytes differ.
                write_gap_workbook(job.workbook, county_gaps)
                changed.append(job.workbook)
    return pages, books, changed


# Beside the county pages of a year, and beside its workbooks: each file's inputs digest
# when it was drawn.
INPUTS_FILE = ".inputs.json"


def _read_inputs(path: Path) -> dict[str, str]:
    try:
        return dict(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return {}


def _renderer_digest() -> str:
    """The code that draws a page or workbook: this package's modules, the unit costs a
    workbook lists, and the libraries' versions."""
    from importlib import metadata

    from orchestration.publish.gap_workbook import UNIT_COSTS_CSV

    digest = hashlib.sha256()
    for module in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(module.read_bytes())
    digest.update(UNIT_COSTS_CSV.read_bytes())
    for name in ("altair", "vl-convert-python", "pandas", "openpyxl"):
        try:
            digest.update(f"{name}=={metadata.version(name)}".encode())
        except metadata.PackageNotFoundError:
            digest.update(name.encode())
    return digest.hexdigest()


def _inputs_digest(figures: WarehouseFigures, href: str, renderer: str) -> str:
    """A digest of everything a county page is drawn from: every value of every table of
    the county's figures (columns, types and rows, in any order), the links and the code.
    (The rule; `_draw_chunk` computes the same from row hashes taken once a chunk.)"""
    return _county_digest(figures, _row_hashes(figures), href, renderer)


def _county_digest(
    figures: WarehouseFigures,
    hashes: dict[str, np.ndarray],
    href: str,
    renderer: str,
    types: dict[str, bytes] | None = None,
) -> str:
    """`_inputs_digest` of a county's figures, with `hashes` its tables' row hashes
    (pandas.util.hash_pandas_object, which hashes each row on its own) and `types` the
    tables' `_column_types` when known (a county's rows have their whole table's)."""
    types = types or _column_types(figures)
    digest = hashlib.sha256(f"{renderer}\0{href}\0{VALIDATION_HREF}\0".encode())
    for field in fields(figures):
        value = getattr(figures, field.name)
        if isinstance(value, pd.DataFrame):
            digest.update(types[field.name])
            # Sorted: the rows as a set. The published tables' row order changes when another
            # county's file is added or removed; the page does not (it orders what it shows).
            digest.update(np.sort(hashes[field.name]).tobytes())
        else:
            digest.update(repr(value).encode())
    return digest.hexdigest()[:32]


def _column_types(figures: WarehouseFigures) -> dict[str, bytes]:
    """By table, its column names and types as the digests take them (`_table_types`)."""
    return {
        field.name: _table_types(value)
        for field in fields(figures)
        if isinstance(value := getattr(figures, field.name), pd.DataFrame)
    }


# pandas' nullable types as the type they stand for. DuckDB hands an integer or boolean
# column over as Int64 or boolean when the rows read hold a null, else int64 or bool, and
# text as object when no row is read: the same published column gets another pandas type
# depending on which rows were read (a year in full, or a few counties of it when
# `refresh_bureau_reports` redraws them). The row hashes do not depend on it
# (pandas.util.hash_pandas_object hashes 1 the same as Int64 or int64).
_TYPE_NAMES = {
    **{f"Int{bits}": f"int{bits}" for bits in (8, 16, 32, 64)},
    **{f"UInt{bits}": f"uint{bits}" for bits in (8, 16, 32, 64)},
    **{f"Float{bits}": f"float{bits}" for bits in (32, 64)},
    "boolean": "bool",
    "str": "object",
    "string": "object",
}


def _table_types(frame: pd.DataFrame) -> bytes:
    """A table's column names and types as every digest takes them: the published column's
    type, whatever pandas type the rows read were given (`_TYPE_NAMES`), so a county's
    digest is the same whether its year was read in full or its rows alone."""
    return repr([(c, _TYPE_NAMES.get(str(t), str(t))) for c, t in frame.dtypes.items()]).encode()


def _row_hashes(figures: WarehouseFigures) -> dict[str, np.ndarray]:
    """Each table's row hashes, computed once for every county of `figures`."""
    return {
        field.name: pd.util.hash_pandas_object(value, index=False).to_numpy()
        for field in fields(figures)
        if isinstance(value := getattr(figures, field.name), pd.DataFrame)
    }


def _county_hashes(
    hashes: dict[str, np.ndarray], rows: dict[str, dict[str, np.ndarray]], county_code: str
) -> dict[str, np.ndarray]:
    """The row hashes of `county_code`'s rows (WarehouseFigures.county's rows)."""
    return {
        name: hashed[rows[name].get(county_code, _NO_ROWS)] if name in rows else hashed
        for name, hashed in hashes.items()
    }


def _workbook_digest(gaps: pd.DataFrame, hashes: np.ndarray, renderer: str) -> str:
    """A digest of a county's gap rows (columns, types and `hashes`, their row hashes, as
    `_county_digest` hashes a table) and the code that writes the workbook."""
    digest = hashlib.sha256(f"{renderer}\0workbook\0".encode())
    digest.update(_table_types(gaps))
    digest.update(np.sort(hashes).tobytes())  # as a set, as `_county_digest` does
    return digest.hexdigest()[:32]
