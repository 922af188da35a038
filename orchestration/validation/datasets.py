"""Data-set level validation: the great-expectations suites of contracts/expectations/.

Each suite is a JSON file naming the frame it runs on (`meta.frame`), its severity and why
it holds; thresholds live in the suite, so tuning one is a data edit. This module only
builds the three frames the suites read (schools, counties, sheets) and turns each
suite's validation result into a `CheckOutcome`.
"""

from __future__ import annotations

import gc
import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from contracts.school_row_schema import load_bands, per_student, row_students
from contracts.staging_schema import STUDENT_COLUMNS
from orchestration.ingest.dedupe import winner_staged
from orchestration.ingest.result import IngestResult
from orchestration.settings import CONTRACTS_DIR
from orchestration.validation.outcome import MAX_EXAMPLES, CheckOutcome
from orchestration.validation.rows import SHEET_KEY

EXPECTATIONS_DIR = CONTRACTS_DIR / "expectations"
DATA_DOCS_SITE = "junheng"
COUNTY_KEY = ["survey_year", "county_code"]


def school_frame(result: IngestResult, previous_school_rows: pd.DataFrame | None) -> pd.DataFrame:
    """Staged rows with every per-student measure of contracts/plausibility_bands.csv."""
    rows = result.school_rows.reset_index(drop=True)
    measures = {band.measure: per_student(rows, band).astype("float64") for band in load_bands()}
    return rows.assign(**measures)


def _enrollment(school_rows: pd.DataFrame, keys: list[str]) -> pd.Series:
    return row_students(school_rows).groupby([school_rows[key] for key in keys]).sum()


def county_frame(result: IngestResult, previous_school_rows: pd.DataFrame | None) -> pd.DataFrame:
    """One row per county that sent anything this year: staged schools, enrollment, quarantine.

    `quarantine_share` leaves out the copies of a school quarantined while another copy is
    staged (`dedupe.winner_staged`): nothing was lost, the county's figures are whole.
    """
    files = result.ingest_files
    rows = result.school_rows
    counties = pd.concat([files[COUNTY_KEY], rows[COUNTY_KEY]]).dropna().drop_duplicates()
    staged = rows.groupby(COUNTY_KEY).size().rename("staged_schools")
    enrollment = _enrollment(rows, COUNTY_KEY).rename("enrollment")
    sheet_key = ["survey_year", "source_file", "sheet"]
    quarantine = result.quarantine
    superseded = (
        quarantine[winner_staged(quarantine)].groupby(sheet_key).size()
        if not quarantine.empty
        else pd.Series(dtype="int64")
    )
    loaded = files[files["status"] == "loaded"]
    lost = loaded["rows_quarantined"] - (
        superseded.reindex(pd.MultiIndex.from_frame(loaded[sheet_key])).fillna(0).to_numpy()
    )
    loaded = loaded.assign(rows_quarantined=lost)
    receipts = loaded.groupby(COUNTY_KEY)[["rows_staged", "rows_quarantined"]].sum()
    frame = (
        counties.merge(staged.reset_index(), on=COUNTY_KEY, how="left")
        .merge(enrollment.reset_index(), on=COUNTY_KEY, how="left")
        .merge(receipts.reset_index(), on=COUNTY_KEY, how="left")
    )
    frame["staged_schools"] = frame["staged_schools"].fillna(0).astype("int64")
    data_rows = frame["rows_staged"] + frame["rows_quarantined"]
    frame["quarantine_share"] = (frame["rows_quarantined"] / data_rows.where(data_rows > 0)).astype(
        "float64"
    )
    previous = (
        _enrollment(previous_school_rows, ["county_code"])
        if previous_school_rows is not None and len(previous_school_rows)
        else pd.Series(dtype="float64")
    )
    frame["previous_enrollment"] = frame["county_code"].map(previous).astype("float64")
    ratio = frame["enrollment"] / frame["previous_enrollment"].where(
        frame["previous_enrollment"] > 0
    )
    frame["enrollment_ratio"] = ratio.astype("float64")
    return frame.reset_index(drop=True)


def readable_students(raw_values: str | None) -> float | None:
    """Students of a quarantined row whose raw values carry the staged student columns, else None.

    Rows quarantined by validation hold the staged row; rows the ingest could not stage
    hold the sheet's own headers, whose students are not known here.
    """
    try:
        values = json.loads(raw_values) if raw_values else None
    except ValueError:
        return None
    if not isinstance(values, dict) or not any(column in values for column in STUDENT_COLUMNS):
        return None
    try:
        return sum(float(values.get(column) or 0) for column in STUDENT_COLUMNS)
    except (TypeError, ValueError):
        return None


def sheet_frame(result: IngestResult, previous_school_rows: pd.DataFrame | None) -> pd.DataFrame:
    """Sheets with a declared total, against the students of the rows they list."""
    files = result.ingest_files
    declared = files[(files["status"] == "loaded") & files["declared_total_students"].notna()]
    rows = result.school_rows
    staged = (
        rows[list(STUDENT_COLUMNS)]
        .fillna(0)
        .sum(axis=1)
        .groupby([rows[key] for key in SHEET_KEY])
        .sum()
        .rename("staged_students")
    )
    held = result.quarantine.merge(declared[SHEET_KEY], on=SHEET_KEY)
    held = held.assign(students=held["raw_values"].map(readable_students).astype("float64"))
    quarantined = held.groupby(SHEET_KEY).agg(
        readable_quarantined_students=("students", "sum"),
        unreadable_quarantined_rows=("students", lambda students: int(students.isna().sum())),
    )
    frame = (
        declared[[*SHEET_KEY, "county_code", "declared_total_students"]]
        .merge(staged.reset_index(), on=SHEET_KEY, how="left")
        .merge(quarantined.reset_index(), on=SHEET_KEY, how="left")
        .fillna(
            {
                "staged_students": 0,
                "readable_quarantined_students": 0,
                "unreadable_quarantined_rows": 0,
            }
        )
    )
    known = frame["staged_students"] + frame["readable_quarantined_students"]
    frame["students_over_declared"] = (known - frame["declared_total_students"]).astype("float64")
    all_readable = frame["unreadable_quarantined_rows"] == 0
    frame["students_missing_when_all_readable"] = (
        (frame["declared_total_students"] - known).where(all_readable).astype("float64")
    )
    return frame.reset_index(drop=True)


# Builders share one signature (this year, the previous year's rows) so suites pick them by name.
FrameBuilder = Callable[[IngestResult, pd.DataFrame | None], pd.DataFrame]
FRAMES: dict[str, tuple[FrameBuilder, list[str]]] = {
    # frame name -> (builder, the columns that locate a failing row in the examples)
    "schools": (
        school_frame,
        ["source_file", "sheet", "source_row", "county_code", "school_id", "school_name"],
    ),
    "counties": (county_frame, COUNTY_KEY),
    "sheets": (sheet_frame, [*SHEET_KEY, "county_code"]),
}


def load_suites(directory: Path = EXPECTATIONS_DIR) -> list[dict[str, Any]]:
    """The great-expectations suites of contracts/expectations/ (or `directory`): one dict per
    *.json file, in file-name order. Raises ValueError (JSONDecodeError) on a malformed file.
    """
    return [
        json.loads(path.read_text(encoding="utf-8")) for path in sorted(directory.glob("*.json"))
    ]


def _context(gx: Any, docs_dir: Path | None) -> Any:
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    # The default site writes to a temporary folder on every run; only ours is built.
    for site in list(context.variables.data_docs_sites or {}):
        context.delete_data_docs_site(site)
    if docs_dir is not None:
        context.add_data_docs_site(
            DATA_DOCS_SITE,
            {
                "class_name": "SiteBuilder",
                "store_backend": {
                    "class_name": "TupleFilesystemStoreBackend",
                    "base_directory": str(docs_dir),
                },
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            },
        )
    return context


def _json_scalar(value: Any) -> Any:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    return value.item() if hasattr(value, "item") else value


def _outcome(
    suite: dict[str, Any],
    validation: Any,
    frame: pd.DataFrame,
    locators: list[str],
    data_docs: Path | None,
) -> CheckOutcome:
    failures, examples = [], []
    for result in validation.results:
        column = result.expectation_config.kwargs.get("column")
        details = result.result or {}
        if result.success:
            continue
        failures.append(
            {
                "expectation": result.expectation_config.type,
                "column": column,
                "unexpected_count": details.get("unexpected_count"),
                "error": (result.exception_info or {}).get("exception_message"),
            }
        )
        for index in details.get("partial_unexpected_index_list") or []:
            if len(examples) >= MAX_EXAMPLES:
                break
            row = frame.loc[index]
            example = {name: _json_scalar(row[name]) for name in locators}
            if column:
                example[column] = _json_scalar(row[column])
            examples.append(example)
    meta = suite["meta"]
    metadata: dict[str, Any] = {
        "rows_checked": len(frame),
        "failures": failures,
        "examples": examples,
    }
    if data_docs is not None:
        metadata["data_docs"] = str(data_docs)
    return CheckOutcome(
        suite["name"], bool(validation.success), meta["severity"], meta["description"], metadata
    )


def run_dataset_suites(
    result: IngestResult, previous_school_rows: pd.DataFrame | None, docs_dir: Path | None = None
) -> list[CheckOutcome]:
    """Every suite of contracts/expectations/ over this year's staged data, one outcome each.

    `previous_school_rows`: the previous survey year's staged rows (for enrollment drift),
    None when there is none. `docs_dir`: where the GE Data Docs are built, when given.
    """
    os.environ["GX_ANALYTICS_ENABLED"] = "false"
    import great_expectations as gx  # ~4 s: only when a validation actually runs

    context = _context(gx, docs_dir)
    datasource = context.data_sources.add_pandas("junheng")
    frames = {name: builder(result, previous_school_rows) for name, (builder, _) in FRAMES.items()}
    batches = {
        name: datasource.add_dataframe_asset(name).add_batch_definition_whole_dataframe(name)
        for name in frames
    }
    data_docs = docs_dir / "index.html" if docs_dir is not None else None
    outcomes = []
    for definition in load_suites():
        frame_name = definition["meta"]["frame"]
        suite = context.suites.add(gx.ExpectationSuite(**definition))
        validation_definition = context.validation_definitions.add(
            gx.ValidationDefinition(name=suite.name, data=batches[frame_name], suite=suite)
        )
        validation = validation_definition.run(
            batch_parameters={"dataframe": frames[frame_name]},
            result_format={"result_format": "SUMMARY", "partial_unexpected_count": MAX_EXAMPLES},
        )
        outcomes.append(
            _outcome(definition, validation, frames[frame_name], FRAMES[frame_name][1], data_docs)
        )
    if docs_dir is not None:
        # The pages of this year's earlier builds: the index links this build's only, and
        # without this every rebuild of the year added five pages to the published reports.
        shutil.rmtree(docs_dir / "validations", ignore_errors=True)
        context.build_data_docs(site_names=[DATA_DOCS_SITE])
    # great-expectations' context keeps the year's frames in reference cycles (its batch
    # data), which only a full collection frees: without one now, a ten-year backfill's
    # process held every year's frames (about 0.15 GB a national year) until Python
    # happened to collect, well into the dbt build (docs/performance.md, "Memory").
    del context, datasource, batches, frames
    gc.collect()
    return outcomes
