"""Row-level validation: the pandera school-row schema, quarantine, and the receipts' invariants.

One quarantine row per failing source row: `reason` lists every failed check
(lazy validation), `reason_code` is the failed code that comes first in
contracts/reason_codes.csv, whose order is therefore the priority (identity problems
before negative values before implausible ratios).
"""

from __future__ import annotations

import csv
import json

import pandas as pd
import pandera.pandas as pa

from contracts.school_row_schema import CONTRACT, NULL_REASONS, SCHOOL_ROW_SCHEMA
from contracts.staging_schema import QUARANTINE
from orchestration.ingest.identity import school_identity
from orchestration.ingest.result import IngestResult
from orchestration.settings import CONTRACTS_DIR
from orchestration.validation.outcome import ERROR, MAX_EXAMPLES, WARN, CheckOutcome, examples

SHEET_KEY = ["survey_year", "source_file", "sheet"]
SOURCE_ROW = [*SHEET_KEY, "source_row"]


def _reason_priority() -> dict[str, int]:
    with (CONTRACTS_DIR / "reason_codes.csv").open(encoding="utf-8", newline="") as handle:
        codes = [row["reason_code"] for row in csv.DictReader(handle) if row["applies_to"] == "row"]
    return {code: rank for rank, code in enumerate(dict.fromkeys(codes))}


REASON_PRIORITY = _reason_priority()


def _reason_code(kind: dict, schema: pa.DataFrameSchema) -> str:
    """The reason code of one kind of pandera failure: the name of the check that failed."""
    if not kind["locates_a_row"]:
        return CONTRACT  # a missing column, or a check that could not run: the frame is broken
    if kind["schema_context"] == "DataFrameSchema":
        return schema.checks[int(kind["check_number"])].name
    if kind["check"] == "not_nullable":
        return NULL_REASONS.get(kind["column"], CONTRACT)
    if pd.isna(kind["check_number"]):
        return CONTRACT  # a value of the wrong type: the ingest staged what it could not parse
    return schema.columns[kind["column"]].checks[int(kind["check_number"])].name


def _failures(school_rows: pd.DataFrame, schema: pa.DataFrameSchema) -> pd.DataFrame:
    """One row per (row position, failed check): index, reason_code, detail."""
    try:
        schema.validate(school_rows, lazy=True)
    except pa.errors.SchemaErrors as errors:
        cases = errors.failure_cases
    else:
        return pd.DataFrame(columns=["index", "reason_code", "detail"])
    frame_level = cases["schema_context"] == "DataFrameSchema"
    # A data-frame check is reported once per column of the failing row: keep one.
    cases = pd.concat(
        [cases[frame_level].drop_duplicates(["index", "check_number"]), cases[~frame_level]]
    )
    cases = cases.assign(locates_a_row=cases["index"].notna())
    # Few distinct kinds of failure, many rows: name each kind once.
    kind_columns = ["schema_context", "column", "check", "check_number", "locates_a_row"]
    kinds = cases[kind_columns].drop_duplicates()
    kinds = kinds.assign(
        reason_code=[_reason_code(kind, schema) for kind in kinds.to_dict("records")]
    )
    cases = cases.merge(kinds, on=kind_columns, how="left")
    detail = [
        str(check) if context == "DataFrameSchema" else f"{column}={value!s} {check}"
        for context, column, value, check in zip(
            cases["schema_context"], cases["column"], cases["failure_case"], cases["check"]
        )
    ]
    return cases.assign(detail=detail)[["index", "reason_code", "detail"]]


def _staged_row_json(rows: pd.DataFrame) -> list[str]:
    return [
        json.dumps(record, ensure_ascii=False, default=str)
        for record in rows.astype(object).where(rows.notna(), None).to_dict(orient="records")
    ]


def _quarantine(rows: pd.DataFrame, failures: pd.DataFrame) -> pd.DataFrame:
    if failures.empty:
        return pd.DataFrame({name: pd.Series(dtype=object) for name in QUARANTINE.names})
    ranked = failures.assign(
        rank=failures["reason_code"].map(REASON_PRIORITY).fillna(len(REASON_PRIORITY)),
        line=failures["reason_code"] + ": " + failures["detail"],
    ).sort_values(["index", "rank"], kind="stable")
    per_row = ranked.groupby("index", sort=True).agg(
        reason_code=("reason_code", "first"), reason=("line", "; ".join)
    )
    failed = rows.loc[per_row.index]
    quarantine = failed[[*SOURCE_ROW, "county_code", "school_name"]].assign(
        caught_by="validation",
        reason_code=per_row["reason_code"].to_numpy(),
        reason=per_row["reason"].to_numpy(),
        raw_values=_staged_row_json(failed),
    )
    return quarantine[QUARANTINE.names]


def _move_to_quarantined(ingest_files: pd.DataFrame, quarantined: pd.DataFrame) -> pd.DataFrame:
    moved = quarantined.groupby(SHEET_KEY).size().rename("moved").reset_index()
    files = ingest_files.merge(moved, on=SHEET_KEY, how="left", validate="many_to_one")
    loaded = (files["status"] == "loaded").to_numpy()
    moved_here = files["moved"].fillna(0).astype("int64").to_numpy() * loaded
    updated = ingest_files.copy()
    updated["rows_staged"] = updated["rows_staged"] - moved_here
    updated["rows_quarantined"] = updated["rows_quarantined"] + moved_here
    return updated


def validate_school_rows(result: IngestResult) -> tuple[IngestResult, CheckOutcome]:
    """Quarantine the staged rows that fail the school-row schema, keeping the receipts exact.

    The outcome fails with WARN when rows were quarantined (the year is still consistent),
    with ERROR when rows break the staging contract itself (an ingest bug: left staged).
    """
    rows = result.school_rows.reset_index(drop=True)
    failures = _failures(rows, SCHOOL_ROW_SCHEMA)
    contract = failures[failures["reason_code"] == CONTRACT]
    row_failures = failures[failures["reason_code"] != CONTRACT]
    row_failures = row_failures[~row_failures["index"].isin(contract["index"])]
    quarantined = _quarantine(rows, row_failures)

    validated = IngestResult(
        school_rows=rows.drop(index=quarantined.index).reset_index(drop=True),
        quarantine=pd.concat(
            [result.quarantine, quarantined.reset_index(drop=True)], ignore_index=True
        )
        if len(quarantined)
        else result.quarantine,
        ingest_files=_move_to_quarantined(result.ingest_files, quarantined),
    )
    by_code = quarantined["reason_code"].value_counts().to_dict()
    metadata = {
        "rows_checked": len(rows),
        "rows_quarantined": len(quarantined),
        "quarantined_by_reason": {code: int(count) for code, count in by_code.items()},
        "contract_failures": len(contract),
        "examples": examples(
            quarantined.rename(columns={"source_file": "file", "source_row": "row"}),
            ["file", "sheet", "row", "reason_code", "reason"],
        ),
        "contract_examples": [
            {"row": None if pd.isna(index) else int(index), "detail": detail}
            for index, detail in contract[["index", "detail"]]
            .head(MAX_EXAMPLES)
            .itertuples(index=False)
        ],
    }
    if len(contract):
        return validated, CheckOutcome(
            "row_schema",
            False,
            ERROR,
            f"{len(contract)} failures break the staging contract (an ingest bug); "
            f"{len(quarantined)} rows quarantined",
            metadata,
        )
    return validated, CheckOutcome(
        "row_schema",
        quarantined.empty,
        WARN,
        f"{len(quarantined)} of {len(rows)} staged rows quarantined by the school-row schema",
        metadata,
    )


def check_row_accounting(ingest_files: pd.DataFrame) -> CheckOutcome:
    """ERROR unless every loaded sheet has rows_read = staged + quarantined + not data."""
    loaded = ingest_files[ingest_files["status"] == "loaded"]
    counts = loaded[["rows_read", "rows_staged", "rows_quarantined", "rows_not_data"]]
    accounted = counts["rows_staged"] + counts["rows_quarantined"] + counts["rows_not_data"]
    broken = loaded[
        (accounted != counts["rows_read"]) | (counts < 0).any(axis=1) | counts.isna().any(axis=1)
    ]
    return CheckOutcome(
        name="row_accounting",
        passed=broken.empty,
        severity=ERROR,
        description="every loaded sheet: rows_read = rows_staged + rows_quarantined + rows_not_data",
        metadata={
            "sheets_checked": len(loaded),
            "sheets_failing": len(broken),
            "examples": examples(
                broken.rename(columns={"source_file": "file"}),
                ["file", "sheet", "rows_read", "rows_staged", "rows_quarantined", "rows_not_data"],
            ),
        },
    )


def check_unique_schools(school_rows: pd.DataFrame) -> CheckOutcome:
    """ERROR when a school and reported part is staged twice in a year and county (after dedupe)."""
    # A year whose every file was lost stages no row (and pandas can not join empty Arrow keys).
    identity = (
        school_identity(school_rows)
        if len(school_rows)
        else pd.Series([], index=school_rows.index, dtype="string")
    )
    keyed = school_rows.assign(school_identity=identity)
    key = ["survey_year", "county_code", "school_identity", "reported_scope"]
    duplicated = keyed[keyed.duplicated(key, keep=False)].sort_values(
        [*key, "source_file", "source_row"]
    )
    return CheckOutcome(
        name="unique_schools",
        passed=duplicated.empty,
        severity=ERROR,
        description="one staged row per (survey_year, county_code, school identity, reported_scope)",
        metadata={
            "rows_checked": len(school_rows),
            "duplicate_rows": len(duplicated),
            "duplicate_keys": int(duplicated[key].drop_duplicates().shape[0]),
            "examples": examples(
                duplicated.rename(columns={"source_file": "file", "source_row": "row"}),
                ["file", "sheet", "row", "county_code", "school_identity", "reported_scope"],
            ),
        },
    )


def check_school_id_conflicts(school_rows: pd.DataFrame) -> CheckOutcome:
    """WARN when schools of two counties hold one 10-digit id in a survey year (reason code
    `school_id_conflict`); every row stays staged.

    The id is national, so the warehouse can not tell whose it is: dbt's int_school_rows tells
    each county's school of that id apart by its county (`<county_code>:<id>`) in every year,
    and every county is published. Rows without an id count with the id they borrow by name
    within their county (`identity.school_identity`), as dbt counts them. Each example is a
    row that claims the id, with `other_rows`: the file / sheet / row of the other counties'
    claims. Shape: metadata counts ids and rows; examples list up to MAX_EXAMPLES rows.
    """
    identity = (
        school_identity(school_rows)
        if len(school_rows)
        else pd.Series([], index=school_rows.index, dtype="string")
    )
    keyed = school_rows.assign(
        claimed_id=identity.str.removeprefix("id:").where(identity.str.startswith("id:"))
    )
    keyed = keyed.dropna(subset=["claimed_id"])
    counties = keyed.groupby(["survey_year", "claimed_id"])["county_code"].transform("nunique")
    claims = keyed[counties > 1].sort_values(["claimed_id", "county_code", *SOURCE_ROW[1:]])
    where = (
        claims["source_file"] + " / " + claims["sheet"] + " row " + claims["source_row"].astype(str)
    )
    shown = claims.head(MAX_EXAMPLES)  # the other claims are looked up for the examples only
    shown = shown.assign(
        other_rows=[
            "; ".join(
                where[
                    (claims["survey_year"] == year)
                    & (claims["claimed_id"] == school_id)
                    & (claims["county_code"] != county)
                ]
            )
            for year, school_id, county in zip(
                shown["survey_year"], shown["claimed_id"], shown["county_code"]
            )
        ],
        reason_code="school_id_conflict",
    )
    return CheckOutcome(
        name="school_id_conflicts",
        passed=claims.empty,
        severity=WARN,
        description=(
            "no 10-digit school id held by schools of two counties in one survey year "
            "(school_id_conflict: both are staged and published, each told apart by its county)"
        ),
        metadata={
            "rows_checked": len(school_rows),
            "conflicting_ids": int(
                claims[["survey_year", "claimed_id"]].drop_duplicates().shape[0]
            ),
            "conflicting_rows": len(claims),
            "examples": examples(
                shown.drop(columns="school_id").rename(
                    columns={"source_file": "file", "source_row": "row", "claimed_id": "school_id"}
                ),
                [
                    "reason_code",
                    "school_id",
                    "county_code",
                    "file",
                    "sheet",
                    "row",
                    "school_name",
                    "other_rows",
                ],
            ),
        },
    )
