"""The same school twice in one year: the stated rule (contracts/reason_codes.csv).

A school is the same when its county and identity match (`identity.school_identity`: the
10-digit id, borrowed by a row without one from the same name key, else the name key); a
part is its `reported_scope`. Copies with the same
quantities and type are exact duplicates: the first (by file, sheet, row) is staged,
the others quarantined `duplicate_exact`. Copies that differ are `duplicate_conflict`,
every copy quarantined: the warehouse can not tell which one is right. A school reported
for the whole school and again by stage in one year is a conflict too (its stages would
count twice): the whole-school row and each row of a stage its type teaches are quarantined
`duplicate_conflict`. A stage-scoped row of a stage the whole-school row's type does not
teach (a 附设普通初中班 319 filed under the 学校标识码 of its host 小学 211, as the statistics
system's per-stage exports do) is no overlap: it is the host's part of that stage, staged
beside the host's row (issue 10; docs/ingest.md "Attached classes").

Copies that differ are settled by a stated precedence before all are given up: a file in
a year folder (`2023/…`) beats a loose file that names its year only in its name; then a
copy that carries a field the others lack (and agrees with them wherever both have a
value) beats them. The winner is staged; each other copy is quarantined
`duplicate_conflict` with the reason naming the winner and the rule that chose it
(`SUPERSEDED`: nothing of the school is lost, as with `duplicate_exact`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import PurePosixPath

import pandas as pd

from contracts.staging_schema import QUANTITY_COLUMNS
from orchestration.ingest.identity import school_identity
from orchestration.ingest.vocabulary import vocabulary
from orchestration.ingest.years import years_of_folder

_COMPARED = ["school_type", *QUANTITY_COLUMNS]
# How the reason of a copy the precedence beat begins: its winner is staged.
SUPERSEDED = "another copy differs; "


def winner_staged(quarantine: pd.DataFrame) -> pd.Series:
    """Whether each quarantined row is a copy of a school another copy of which is staged
    (an exact copy, or one the stated precedence beat): nothing of the school was lost."""
    reason = quarantine["reason"].fillna("").astype(str)
    return quarantine["reason_code"].eq("duplicate_exact") | (
        quarantine["reason_code"].eq("duplicate_conflict") & reason.str.startswith(SUPERSEDED)
    )


_ORDER = ["source_file", "sheet", "source_row"]


def split_duplicates(rows: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(rows to stage, the duplicates), per the rule above.

    The duplicates keep their row's columns (`raw_values` among them) and gain
    `reason_code`, `reason` and `caught_by`, ready to become quarantine rows.
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
    winners, won_over = _decided(rows, key, conflict)
    conflict &= ~rows.index.isin(winners)
    exact_copy = repeated & ~conflict & key.duplicated(keep="first")
    exact_copy &= ~rows.index.isin(winners)  # a winner of a conflict is staged
    overlap, overlap_reasons = _whole_and_parts(rows, school, ~exact_copy & ~conflict)
    duplicate = conflict | exact_copy | overlap
    if not duplicate.any():
        return rows, pd.DataFrame()

    # key -> (file, sheet, row) of its first copy, for the keys copied exactly (a missing
    # key, were there one, as one key)
    lookup = key.fillna("\0")
    firsts = ~key.duplicated(keep="first") & lookup.isin(lookup[exact_copy])
    first = dict(
        zip(
            lookup[firsts].tolist(),
            rows.loc[firsts, _ORDER].itertuples(index=False, name=None),
        )
    )
    reasons = pd.Series("the same school and part again with different values", index=rows.index)
    reasons[overlap] = overlap_reasons
    for index, why in won_over.items():
        reasons[index] = why
    reasons[exact_copy] = [
        "an exact copy of {} / {} row {}".format(*first[k]) for k in lookup[exact_copy].tolist()
    ]
    quarantined = rows[duplicate].assign(
        reason_code=exact_copy[duplicate].map(
            {True: "duplicate_exact", False: "duplicate_conflict"}
        ),
        reason=reasons[duplicate],
        caught_by="dedupe",
    )
    return rows[~duplicate].reset_index(drop=True), quarantined


def _where(row: pd.Series) -> str:
    return "{source_file} / {sheet} row {source_row}".format(**row[_ORDER])


def _whole_and_parts(
    rows: pd.DataFrame, school: pd.Series, candidate: pd.Series
) -> tuple[pd.Series, pd.Series]:
    """(rows in a whole-and-by-stage overlap, the reason of each) among `candidate` rows.

    A row scoped to one stage overlaps a whole-school row of its school only when the
    whole row's type teaches that stage (contracts/school_type_stages.csv): then that
    stage would count twice. Otherwise the scoped row is the school's part of a stage
    its whole row does not report (an attached class under its host's id)."""
    stages_of = vocabulary().type_stages
    scope = rows["reported_scope"]
    whole = candidate & (scope == "school")
    scoped = candidate & (scope != "school")
    overlap = pd.Series(False, index=rows.index)
    reasons = pd.Series("", index=rows.index)
    # school -> its whole-school rows, in row order (a plain dict: Index.groupby builds one
    # Index per school, slow for a national year); a school without a key is none
    whole_rows: dict[str, list[int]] = {}
    keys = school[whole]
    # only the schools that also have a scoped row (`isin` of two Series hashes in C)
    keys = keys[keys.notna() & keys.isin(school[scoped])]
    # (as Python lists: iterating a Series of pyarrow strings makes a scalar per value)
    for index, key in zip(keys.index.tolist(), keys.tolist()):
        whole_rows.setdefault(key, []).append(index)
    # each scoped row of such a school looked up in the dict
    scoped &= school.isin(keys)
    for index, key in zip(rows.index[scoped].tolist(), school[scoped].tolist()):
        if key not in whole_rows:
            continue
        hosts = whole_rows[key]
        hosts = [h for h in hosts if scope[index] in stages_of.get(rows.at[h, "school_type"], ())]
        if not hosts:
            continue
        stage = scope[index]
        overlap[index] = True
        whole_ref = _where(rows.loc[hosts[0]])
        reasons[index] = (
            f"its {stage} part is also in the row for the whole school ({whole_ref}, "
            f"a {rows.at[hosts[0], 'school_type']} school): the {stage} part would count twice"
        )
        for host in hosts:
            overlap[host] = True
            reasons[host] = (
                f"a row for the whole school (a {rows.at[host, 'school_type']} school), and its "
                f"{stage} part again in {_where(rows.loc[index])}: that part would count twice"
            )
    return overlap, reasons


def _in_year_folder(source_file: str) -> bool:
    return any(years_of_folder(part) for part in PurePosixPath(source_file).parts[:-1])


def _agrees(row: Sequence, other: Sequence) -> bool:
    """Whether two copies (their values in the same order) hold the same value wherever
    both hold one."""
    return all(bool(a == b) for a, b in zip(row, other) if not (pd.isna(a) or pd.isna(b)))


def _decided(
    rows: pd.DataFrame, key: pd.Series, conflict: pd.Series
) -> tuple[list[int], dict[int, str]]:
    """(index of each conflict group's winner, reason of each copy it beat) where the
    precedence decides; groups it does not decide are left out."""
    winners, won_over = [], {}
    for _, group in rows[conflict].groupby(key[conflict], sort=False):
        candidates, why = group, []
        in_folder = group["source_file"].map(_in_year_folder)
        if in_folder.any() and not in_folder.all():
            candidates, why = group[in_folder], ["the file in a year folder beats a loose file"]
        values = candidates[_COMPARED]
        if len(candidates) > 1:
            copies = values.to_numpy(dtype=object).tolist()  # plain values, compared pairwise
            if not all(_agrees(copy, other) for copy in copies for other in copies):
                continue
            filled = values.notna().sum(axis=1)
            if (filled == filled.max()).sum() > 1 and values.drop_duplicates().shape[0] > 1:
                continue
            why.append("the copy that carries the field beats the one lacking it")
            winner = filled.idxmax()
        else:
            winner = candidates.index[0]
        winners.append(winner)
        where = "{source_file} / {sheet} row {source_row}".format(**rows.loc[winner, _ORDER])
        for index in group.index.drop(winner):
            won_over[index] = f"{SUPERSEDED}{where} is staged: {'; '.join(why)}"
    return winners, won_over
