"""The same school twice in one year: the stated rule (contracts/reason_codes.csv).

A school is the same when its county and identity match (`identity.school_identity`: the
10-digit id, borrowed by a row without one from the same name key, else the name key); a
part is its `reported_scope`. Copies with the same
quantities and type are exact duplicates: the first (by file, sheet, row) is staged,
the others quarantined `duplicate_exact`. Copies that differ are `duplicate_conflict`,
every copy quarantined: the warehouse can not tell which one is right.
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
    key = rows["county_code"] + "|" + school_identity(rows) + "|" + rows["reported_scope"]
    repeated = key.duplicated(keep=False)
    if not repeated.any():
        return rows, pd.DataFrame()
    fingerprint = rows[_COMPARED].apply(
        lambda row: json.dumps([None if pd.isna(value) else value for value in row], default=str),
        axis=1,
    )
    distinct = fingerprint.groupby(key).transform("nunique")
    conflict = repeated & (distinct > 1)
    exact_copy = repeated & ~conflict & key.duplicated(keep="first")
    quarantined = rows[conflict | exact_copy].copy()
    quarantined["reason_code"] = conflict[conflict | exact_copy].map(
        {True: "duplicate_conflict", False: "duplicate_exact"}
    )
    first = rows.loc[~key.duplicated(keep="first")].set_index(key[~key.duplicated(keep="first")])
    quarantined["reason"] = [
        (
            "the same school and part again with different values"
            if code == "duplicate_conflict"
            else "an exact copy of {source_file} / {sheet} row {source_row}".format(
                **first.loc[k, _ORDER]
            )
        )
        for code, k in zip(quarantined["reason_code"], key[conflict | exact_copy])
    ]
    quarantined["stage"] = "dedupe"
    return rows[~(conflict | exact_copy)].reset_index(drop=True), quarantined
