"""The validation report of one survey year: a static HTML page beside the warehouse.

School names, sheet names and raw cell values come from county spreadsheets, so every
value on the page goes through `html.escape`; nothing is trusted as markup.
"""

from __future__ import annotations

import json
import os
from html import escape
from pathlib import Path
from typing import Any

import pandas as pd

from orchestration.ingest.regions import region_registry
from orchestration.ingest.result import IngestResult
from orchestration.publish.published import write_if_changed
from orchestration.validation.completeness import lost_files
from orchestration.validation.coverage import missing_base_quantities, row_warnings
from orchestration.validation.outcome import CheckOutcome

STYLE = """
body { font-family: sans-serif; margin: 2em; }
table { border-collapse: collapse; margin-bottom: 2em; }
td, th { border: 1px solid #ccc; padding: 0.25em 0.5em; text-align: left; vertical-align: top; }
.demo { background: #fff8c5; border: 1px solid #9a6700; padding: 0.5em 1em; }
.passed { color: #1a7f37; } .WARN { color: #9a6700; } .ERROR { color: #cf222e; }
code { white-space: pre-wrap; word-break: break-all; }
"""


def _cell(value: Any) -> str:
    if value is None or (not isinstance(value, (dict, list)) and pd.isna(value)):
        return ""
    if isinstance(value, (dict, list)):
        value = json.dumps(value, ensure_ascii=False)
    return escape(str(value))


def _table(frame: pd.DataFrame, code_columns: tuple[str, ...] = ()) -> str:
    if frame.empty:
        return "<p>None.</p>"
    head = "".join(f"<th>{escape(str(column))}</th>" for column in frame.columns)
    body = "".join(
        "<tr>"
        + "".join(
            f"<td><code>{_cell(value)}</code></td>"
            if column in code_columns
            else f"<td>{_cell(value)}</td>"
            for column, value in zip(frame.columns, row)
        )
        + "</tr>"
        for row in frame.itertuples(index=False)
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _outcomes_table(outcomes: list[CheckOutcome]) -> str:
    rows = "".join(
        f"<tr><td>{escape(outcome.name)}</td>"
        f'<td class="{"passed" if outcome.passed else escape(outcome.severity)}">'
        f"{'passed' if outcome.passed else 'failed'}</td>"
        f"<td>{escape(outcome.severity)}</td><td>{escape(outcome.description)}</td>"
        f"<td><code>{_cell(outcome.metadata)}</code></td></tr>"
        for outcome in outcomes
    )
    return (
        "<table><thead><tr><th>check</th><th>result</th><th>severity</th><th>what it checks</th>"
        f"<th>details</th></tr></thead><tbody>{rows}</tbody></table>"
    )


def _data_docs_link(outcomes: list[CheckOutcome], page_dir: Path) -> str:
    docs = {outcome.metadata.get("data_docs") for outcome in outcomes} - {None}
    if not docs:
        return ""
    links = "".join(
        f'<li><a href="{escape(Path(os.path.relpath(path, page_dir)).as_posix(), quote=True)}">'
        f"{escape(str(path))}</a></li>"
        for path in sorted(docs)
    )
    return f"<h2>great-expectations Data Docs</h2><ul>{links}</ul>"


def _incomplete_section(receipts: pd.DataFrame) -> str:
    """The county-years that lost a file, first on the page: what a bureau must chase."""
    lost = lost_files(receipts)
    if not lost:
        return "<h2>Incomplete county-years</h2><p>None: every file was read.</p>"
    table = pd.DataFrame(
        [(f.county, f.year, f.source_file, f.reason_code, f.reason) for f in lost],
        columns=["county", "survey year", "file", "reason code", "reason"],
    )
    county_years = len({(f.survey_year, f.county_code) for f in lost})
    return (
        f'<h2 class="ERROR">Incomplete county-years ({county_years})</h2>'
        "<p>A file of these counties could not be used: their figures cover only the schools "
        "that were read (fct_county_assessment.is_complete is false).</p>" + _table(table)
    )


def _demo_banner(receipts: pd.DataFrame) -> str:
    if "is_demo" not in receipts.columns or not receipts["is_demo"].fillna(False).any():
        return ""
    return (
        '<p class="demo"><strong>DEMO</strong>: built from the synthetic demo province '
        "(ingest_files.is_demo). Its schools are invented: this is not real data.</p>"
    )


def report_page(report_dir: Path, survey_year: int) -> Path:
    """Where the report of `survey_year` is written."""
    return report_dir / str(survey_year) / "index.html"


def write_validation_report(
    report_dir: Path, survey_year: int, outcomes: list[CheckOutcome], result: IngestResult
) -> Path:
    """Write report_dir/<year>/index.html: outcomes, quarantine by county and reason, every
    quarantined row, and links to the GE Data Docs named in the outcomes' metadata.

    Returns the page's path. Raises OSError when the report folder can not be written (the
    page is written to a temporary file and renamed, so a reader never sees half a page) and
    FileNotFoundError when contracts/region_registry.csv is missing."""
    path = report_page(report_dir, survey_year)
    page_dir = path.parent
    page_dir.mkdir(parents=True, exist_ok=True)
    county_names = {code: county.county_name for code, county in region_registry().by_code.items()}
    quarantine = result.quarantine[result.quarantine["survey_year"] == survey_year]
    quarantine = quarantine.assign(county_name=quarantine["county_code"].map(county_names))
    year_receipts = result.ingest_files[result.ingest_files["survey_year"] == survey_year]
    receipts = year_receipts.assign(county_name=year_receipts["county_code"].map(county_names))[
        [
            "source_file",
            "sheet",
            "county_name",
            "status",
            "reason_code",
            "reason",
            "county_incomplete",
            "rows_read",
            "rows_staged",
            "rows_quarantined",
            "rows_not_data",
        ]
    ].sort_values(["source_file", "sheet"], na_position="first")
    year_files = result.ingest_files[result.ingest_files["survey_year"] == survey_year]
    missing = pd.DataFrame(
        missing_base_quantities(year_files, result.school_rows),
        columns=["survey_year", "county_code", "field", "indicators", "files"],
    )
    missing = missing.assign(county_name=missing["county_code"].map(county_names))
    warnings = pd.DataFrame(row_warnings(year_files), columns=["file", "sheet", "warning"])
    summary = (
        quarantine.groupby(["county_code", "county_name", "caught_by", "reason_code"], dropna=False)
        .size()
        .rename("rows")
        .reset_index()
        .sort_values(["county_code", "rows"], ascending=[True, False])
    )
    rows = quarantine.sort_values(["source_file", "sheet", "source_row"])[
        [
            "source_file",
            "sheet",
            "source_row",
            "county_name",
            "school_name",
            "caught_by",
            "reason_code",
            "reason",
            "raw_values",
        ]
    ]
    title = f"Junheng validation report, survey year {survey_year}"
    page = (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
        f"<style>{STYLE}</style></head><body><h1>{escape(title)}</h1>"
        f"{_demo_banner(year_receipts)}{_incomplete_section(year_receipts)}"
        f"<h2>Checks</h2>{_outcomes_table(outcomes)}"
        f"{_data_docs_link(outcomes, page_dir)}"
        f"<h2>Files and sheets: every row accounted for</h2>{_table(receipts)}"
        f"<h2>Base quantities without a column ({len(missing)} per county and field)</h2>"
        f"{_table(missing)}"
        f"<h2>Rows whose figures disagree ({len(warnings)})</h2>{_table(warnings)}"
        f"<h2>Quarantine by county and reason ({len(quarantine)} rows)</h2>{_table(summary)}"
        f"<h2>Quarantined rows</h2>{_table(rows, code_columns=('raw_values',))}"
        "</body></html>"
    )
    # a reader never sees half a page, a failed write leaves no temporary file, and a page
    # whose bytes did not change keeps its file and time (a copy synced by time stays put)
    write_if_changed(path, page)
    return path
