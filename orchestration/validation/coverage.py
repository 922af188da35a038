"""Whether the loaded sheets give every base quantity, and figures that disagree within a row.

Both are WARN: the data still flows, but a county-year without, say, a backbone-teacher
column gets no Q2, and a bureau's engineer must hear of it where they look (the asset check,
the validation report), not only as a `no_values` reason deep in `fct_county_assessment`.
"""

from __future__ import annotations

import json

import pandas as pd

from orchestration.validation.outcome import MAX_EXAMPLES, WARN, CheckOutcome


def _json_list(value: object) -> list:
    """A JSON list cell of the receipts; null (a receipt written before the column) is []."""
    return json.loads(value) if isinstance(value, str) and value else []


def _loaded_sheets(ingest_files: pd.DataFrame, school_rows: pd.DataFrame) -> pd.DataFrame:
    """(survey_year, county_code, source_file, sheet, missing_fields) of each loaded sheet, a
    sheet whose rows carry their own county once per county of its staged rows."""
    loaded = ingest_files[ingest_files["status"] == "loaded"]
    counties = school_rows[["source_file", "sheet", "county_code"]].drop_duplicates()
    named = loaded[loaded["county_code"].notna()]
    unnamed = loaded[loaded["county_code"].isna()].drop(columns=["county_code"])
    unnamed = unnamed.merge(counties, on=["source_file", "sheet"], how="inner")
    return pd.concat([named, unnamed], ignore_index=True)


def missing_base_quantities(ingest_files: pd.DataFrame, school_rows: pd.DataFrame) -> list[dict]:
    """Per county-year, the base quantities none of its loaded sheets has a column for:
    [{"survey_year", "county_code", "field", "indicators", "files"}], sorted."""
    found: dict[tuple, dict] = {}
    sheets = _loaded_sheets(ingest_files, school_rows)
    if "missing_fields" not in sheets:
        return []
    for (year, county), group in sheets.groupby(["survey_year", "county_code"]):
        missing = [
            {entry["field"]: entry for entry in _json_list(text)}
            for text in group["missing_fields"]
        ]
        for field_name, entry in missing[0].items():
            if all(field_name in other for other in missing):
                found[(int(year), county, field_name)] = {
                    "survey_year": int(year),
                    "county_code": county,
                    "field": field_name,
                    "indicators": ", ".join(entry["indicators"]),
                    "files": ", ".join(sorted(set(group["source_file"]))),
                }
    return [found[key] for key in sorted(found)]


def check_missing_base_quantities(
    ingest_files: pd.DataFrame, school_rows: pd.DataFrame
) -> CheckOutcome:
    """WARN for every county-year whose sheets have no column for a base quantity, naming
    the field and the indicators it leaves uncomputable."""
    missing = missing_base_quantities(ingest_files, school_rows)
    by_county: dict[str, list[str]] = {}
    for entry in missing:
        key = f"{entry['survey_year']} {entry['county_code']}"
        by_county.setdefault(key, []).append(f"{entry['field']} ({entry['indicators']})")
    named = "; ".join(f"{key}: {', '.join(fields)}" for key, fields in sorted(by_county.items()))
    return CheckOutcome(
        name="missing_base_quantities",
        passed=not missing,
        severity=WARN,
        description=f"base quantities without a column, per county-year (indicators left "
        f"uncomputable): {named}"
        if missing
        else "every county-year's sheets have a column for each base quantity",
        metadata={
            "county_years_missing": len(by_county),
            "missing": {key: "; ".join(fields) for key, fields in sorted(by_county.items())},
            "examples": missing[:MAX_EXAMPLES],
        },
    )


def row_warnings(ingest_files: pd.DataFrame) -> list[dict]:
    """Each row warning of the receipts: [{"file", "sheet", "warning"}]."""
    loaded = ingest_files[ingest_files["status"] == "loaded"]
    return [
        {"file": receipt.source_file, "sheet": receipt.sheet, "warning": warning}
        for receipt in loaded.itertuples()
        for warning in _json_list(getattr(receipt, "row_warnings", None))
    ]


def check_row_warnings(ingest_files: pd.DataFrame) -> CheckOutcome:
    """WARN when a row's figures disagree (a students total unlike the sum of its grades) or
    may hold another part's (a complete middle school's junior row with resources and no
    senior enrollment: the reader's row warnings, docs/ingest.md)."""
    warnings = row_warnings(ingest_files)
    return CheckOutcome(
        name="row_figures_agree",
        passed=not warnings,
        severity=WARN,
        description=(
            "a row's students total equals the sum of its grades, where both are given, and a"
            " part of a school with a senior part gives the senior enrollment to split by"
        ),
        metadata={"rows_warned": len(warnings), "examples": warnings[:MAX_EXAMPLES]},
    )
