"""The same school twice in one year: the stated rule (contracts/reason_codes.csv).

A school is the same when its county and identity match (`identity.school_identity`: the
10-digit id, borrowed by a row without one from the same name key, else the name key); a
part is its `reported_scope`. Copies with the same
quantities and type are exact duplicates: the first (by file, sheet, row) is staged,
the others quarantined `duplicate_exact`. Copies that differ are `duplicate_conflict`,
every copy quarantined: the warehouse can not tell which one is right. A school reported
for the whole school and again by stage in one year is a conflict too (its stages would
count twice): every one of those rows is quarantined `duplicate_conflict`.
"""

from __future__ import annotations

import json

import pandas as pd

from contracts.staging_schema import QUANTITY_COLUMNS
from orchestration.ingest.identity import school_identity

_COMPARED = ["school_type", *QUANTITY_COLUMNS]
_ORDER = ["source_file", "sheet", "source_row"]


def split_duplicates(rows: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(rows to stage, the duplicates), per the rule above.

    The duplicates keep their row's columns (`raw_values` among them) and gain
    `reason_code`, `reason` and `stage`, ready to become quarantine rows.
    """
    if rows.empty:
        return rows, pd.DataFrame()
    rows = rows.sort_values(_ORDER, kind="stable").reset_index(drop=True)
    school = rows["county_code"] + "|" + school_identity(rows)
    key = school + "|" + rows["reported_scope"]
    repeated = key.duplicated(keep=False)
    fingerprint = rows.loc[repeated, _COMPARED].apply(
        lambda row: json.dumps([None if pd.isna(value) else value for value in row], default=str),
        axis=1,
    )
    conflict = repeated & (fingerprint.groupby(key[repeated]).transform("nunique") > 1)
    conflict = conflict.reindex(rows.index, fill_value=False)
    exact_copy = repeated & ~conflict & key.duplicated(keep="first")
    # A school reported whole and again by stage would count its stages twice.
    scopes = rows["reported_scope"].where(~exact_copy)
    reported_whole = (scopes == "school").groupby(school).transform("any")
    whole_and_parts = reported_whole & (scopes.groupby(school).transform("nunique") > 1)
    overlap = whole_and_parts & ~exact_copy & ~conflict
    duplicate = conflict | exact_copy | overlap
    if not duplicate.any():
        return rows, pd.DataFrame()

    first = rows.loc[~key.duplicated(keep="first")].set_index(key[~key.duplicated(keep="first")])
    reasons = pd.Series("the same school and part again with different values", index=rows.index)
    reasons[overlap] = "the same school reported for the whole school and again by stage"
    reasons[exact_copy] = [
        "an exact copy of {source_file} / {sheet} row {source_row}".format(**first.loc[k, _ORDER])
        for k in key[exact_copy]
    ]
    quarantined = rows[duplicate].assign(
        reason_code=exact_copy[duplicate].map(
            {True: "duplicate_exact", False: "duplicate_conflict"}
        ),
        reason=reasons[duplicate],
        stage="dedupe",
    )
    return rows[~duplicate].reset_index(drop=True), quarantined
