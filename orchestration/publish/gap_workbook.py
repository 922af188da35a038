"""The gap list of one county and year as an Excel workbook (一校一册), one row per school-indicator.

`warehouse/exports/<year>/<county_code>_一校一册.xlsx`, written with openpyxl from the
published `fct_school_gap`: sheet 一校一册 holds one row per school-stage and quality
standard not met (Chinese headers, the columns of GAP_COLUMNS, numbers shown rounded by
cell number formats, an autofilter), sheet 费用合计 one row per school and a county total
with one-off and yearly costs apart (cost_totals), sheet 单位成本 the unit costs used with
their sources. School names come from county spreadsheets: every text cell
is written as text (never a formula), and text starting with `=`, `+`, `-` or `@` also
carries Excel's quote prefix, so editing the cell in Excel keeps it text.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from orchestration.publish.published import read_table, write_atomically
from orchestration.settings import CONTRACTS_DIR

UNIT_COSTS_CSV = CONTRACTS_DIR / "unit_costs.csv"
GAP_SHEET = "一校一册"
COSTS_SHEET = "单位成本"
TOTALS_SHEET = "费用合计"
COUNTY_TOTAL_ZH = "全县合计 county total"
FORMULA_PREFIXES = ("=", "+", "-", "@")

# fct_school_gap column -> the workbook's Chinese header, in sheet order.
GAP_COLUMNS: dict[str, str] = {
    "survey_year": "调查年度",
    "county_code": "县代码",
    "school_id": "学校标识码",
    "school_name": "学校名称",
    "stage_zh": "学段",
    "indicator_code": "指标代码",
    "indicator_name_zh": "指标名称",
    "students": "在校生数",
    "amount": "现有数量",
    "value": "指标值",
    "standard": "标准值",
    "ratio_to_standard": "达标比例",
    "shortfall": "缺口(原单位)",
    "addition": "需增加量",
    "addition_unit_zh": "单位",
    "cost_item_zh": "费用项目",
    "yuan_per_unit": "单位成本(元)",
    "estimated_cost_yuan": "估算费用(元)",
    "cost_basis_zh": "成本依据",
    "school_stage_passes_quality_zh": "学段是否仍通过6/7规则",
    "source_rows": "数据来源(文件、工作表、行)",
}
# Display formats only: the stored values keep their precision.
NUMBER_FORMATS: dict[str, str] = {
    "students": "#,##0",
    "amount": "#,##0.00",
    "value": "0.00",
    "standard": "0.00",
    "ratio_to_standard": "0.0%",
    "shortfall": "#,##0.00",
    "addition": "#,##0.0",
    "yuan_per_unit": "#,##0.0",
    "estimated_cost_yuan": "#,##0.0",
}
# cost_totals column -> header; one-off and yearly yuan are never added together.
TOTAL_COLUMNS: dict[str, str] = {
    "school_id": "学校标识码",
    "school_name": "学校名称",
    "one_off_yuan": "一次性费用(元)",
    "yearly_yuan": "每年费用(元,教师人员经费)",
}
STAGE_ZH = {"primary": "小学", "junior": "初中"}
BASIS_ZH = {
    "source": "有出处",
    "definition": "按定义",
    "default_assumption": "默认假设(请按本省标准替换)",
}
YES_NO_ZH = {True: "是", False: "否"}


def export_path(exports_dir: Path, survey_year: int, county_code: str) -> Path:
    """Where a county-year's gap-list workbook (一校一册) is: <exports>/<year>/<code>_一校一册.xlsx."""
    return Path(exports_dir) / str(survey_year) / f"{county_code}_一校一册.xlsx"


def gap_rows(gaps: pd.DataFrame) -> pd.DataFrame:
    """fct_school_gap rows as the workbook shows them: GAP_COLUMNS' keys, sorted by school."""
    frame = gaps.copy()
    frame["stage_zh"] = frame["stage"].map(STAGE_ZH)
    frame["cost_basis_zh"] = frame["cost_basis"].map(BASIS_ZH)
    frame["school_stage_passes_quality_zh"] = frame["school_stage_passes_quality"].map(YES_NO_ZH)
    frame = frame.sort_values(["school_name", "school_key", "stage", "indicator_code"])
    return frame[list(GAP_COLUMNS)].reset_index(drop=True)


def cost_totals(gaps: pd.DataFrame) -> pd.DataFrame:
    """Estimated cost per school and for the county, one-off and yearly yuan apart.

    `gaps`: fct_school_gap rows of one county-year (estimated_cost_yuan, cost_recurrence
    'one_off' | 'yearly'). Returns one row per school (school_key, school_id, school_name,
    one_off_yuan, yearly_yuan, sorted by name), then a county row (school_key null,
    school_name COUNTY_TOTAL_ZH). A cost with no unit cost (null) adds nothing; a school
    with no yearly cost has 0.0. Teachers' costs are yearly and may overlap across
    standards (one teacher can close a Q1 and a Q3 gap).
    """
    columns = ["school_key", "school_id", "school_name", "one_off_yuan", "yearly_yuan"]
    if gaps.empty:
        return pd.DataFrame(columns=columns)
    frame = gaps.assign(
        one_off_yuan=gaps["estimated_cost_yuan"].where(gaps["cost_recurrence"] == "one_off"),
        yearly_yuan=gaps["estimated_cost_yuan"].where(gaps["cost_recurrence"] == "yearly"),
    )
    schools = (
        frame.groupby(["school_name", "school_key"], dropna=False, sort=True)
        .agg(
            school_id=("school_id", "first"),
            one_off_yuan=("one_off_yuan", lambda v: round(v.sum(), 1)),
            yearly_yuan=("yearly_yuan", lambda v: round(v.sum(), 1)),
        )
        .reset_index()
    )
    county = {
        "school_key": None,
        "school_id": None,
        "school_name": COUNTY_TOTAL_ZH,
        "one_off_yuan": round(schools["one_off_yuan"].sum(), 1),
        "yearly_yuan": round(schools["yearly_yuan"].sum(), 1),
    }
    return pd.concat([schools[columns], pd.DataFrame([county])], ignore_index=True)


def _put(sheet, row: int, column: int, value, number_format: str | None = None) -> None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return
    if hasattr(value, "item"):  # numpy scalars
        value = value.item()
    cell = sheet.cell(row=row, column=column, value=value)
    if number_format and isinstance(value, (int, float)) and not isinstance(value, bool):
        cell.number_format = number_format
    if isinstance(value, str):
        cell.data_type = "s"  # openpyxl would store a leading '=' as a formula
        if value.startswith(FORMULA_PREFIXES):
            cell.quotePrefix = True


def _write_sheet(
    sheet, headers: list[str], rows: list[list], formats: list[str | None] | None = None
) -> None:
    formats = formats or [None] * len(headers)
    for column, header in enumerate(headers, start=1):
        _put(sheet, 1, column, header)
        sheet.column_dimensions[get_column_letter(column)].width = max(10, 2 * len(header) + 2)
    for row_number, values in enumerate(rows, start=2):
        for column, value in enumerate(values, start=1):
            _put(sheet, row_number, column, value, formats[column - 1])
    sheet.freeze_panes = "A2"
    if rows:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{len(rows) + 1}"


def unit_cost_rows(path: Path = UNIT_COSTS_CSV) -> list[dict[str, str]]:
    """The rows of contracts/unit_costs.csv (or `path`) as dicts of text: per base quantity,
    the cost of one unit in 元 (yuan_per_unit), once or yearly, with its basis and source.
    """
    with Path(path).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def write_gap_workbook(path: Path, gaps: pd.DataFrame) -> Path:
    """Write one county-year's fct_school_gap rows to `path` (replaced atomically)."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = GAP_SHEET
    shown = gap_rows(gaps)
    _write_sheet(
        sheet,
        list(GAP_COLUMNS.values()),
        shown.values.tolist(),
        [NUMBER_FORMATS.get(column) for column in GAP_COLUMNS],
    )
    totals = workbook.create_sheet(TOTALS_SHEET)
    _write_sheet(
        totals,
        list(TOTAL_COLUMNS.values()),
        cost_totals(gaps)[list(TOTAL_COLUMNS)].values.tolist(),
        [None, None, "#,##0.0", "#,##0.0"],
    )
    costs = workbook.create_sheet(COSTS_SHEET)
    cost_headers = {
        "quantity": "数量字段",
        "cost_item_zh": "费用项目",
        "unit_zh": "单位",
        "addition_step": "最小增加单位",
        "yuan_per_unit": "单位成本(元)",
        "basis": "依据",
        "source": "来源或假设",
    }
    _write_sheet(
        costs,
        list(cost_headers.values()),
        [
            [
                BASIS_ZH.get(row[key], row[key])
                if key == "basis"
                else float(row[key])
                if key in ("addition_step", "yuan_per_unit")
                else row[key]
                for key in cost_headers
            ]
            for row in unit_cost_rows()
        ],
    )
    return write_atomically(Path(path), workbook.save)


def write_gap_workbooks(warehouse_dir: Path, exports_dir: Path, survey_year: int) -> list[Path]:
    """One workbook per county with in-scope school-stages that year (an empty list when none
    falls short is still written, so a county can tell 'nothing to add' from 'not run')."""
    gaps = read_table(warehouse_dir, "fct_school_gap", "survey_year = $year", year=survey_year)
    stages = read_table(
        warehouse_dir, "fct_school_stage", "survey_year = $year and in_scope", year=survey_year
    )
    written = []
    for county_code in workbook_counties(stages):
        county_gaps = gaps[gaps["county_code"] == county_code] if not gaps.empty else empty_gaps()
        written.append(
            write_gap_workbook(export_path(exports_dir, survey_year, county_code), county_gaps)
        )
    return written


def workbook_counties(stages: pd.DataFrame) -> list[str]:
    """The counties that get a workbook, sorted: those with an in-scope school-stage in the
    year (`stages`: fct_school_stage's in-scope rows of the year; an empty frame, or one
    without county_code, gives none)."""
    return sorted(set(stages.get("county_code", pd.Series(dtype=str)).dropna()))


def empty_gaps() -> pd.DataFrame:
    """The gap rows of a year without fct_school_gap: no row, the columns a workbook reads."""
    source_columns = set(GAP_COLUMNS) - {
        "stage_zh",
        "cost_basis_zh",
        "school_stage_passes_quality_zh",
    }
    extra = ["stage", "cost_basis", "school_stage_passes_quality", "school_key", "cost_recurrence"]
    return pd.DataFrame(columns=sorted(source_columns) + extra)
