"""A teaching point's parent school, as written, linked to a school of the same county-year.

Counties write the parent (所属学校 / 所属中心校) by hand: `城关东街小学` for the school
listed as `城关镇东街小学`. dbt joins `parent_school_name_key` to `school_name_key`, so
the parent's key is replaced by the key of the county's school it most nearly names:
exact first, else the single best rapidfuzz ratio of at least `MIN_SCORE` (a tie, or
nothing close enough, leaves the key as written).
"""

from __future__ import annotations

import pandas as pd
from rapidfuzz import fuzz, process

# High enough that schools differing in one character of a short name (城关一小 / 城关二小,
# ratio 75) are never taken for each other.
MIN_SCORE = 85.0


def _nearest(key: str, candidates: list[str]) -> str:
    if key in candidates:
        return key
    found = process.extract(key, candidates, scorer=fuzz.ratio, limit=2, score_cutoff=MIN_SCORE)
    if len(found) == 1 or (len(found) == 2 and found[0][1] > found[1][1]):
        return found[0][0]
    return key


def link_parent_keys(rows: pd.DataFrame) -> pd.DataFrame:
    """`rows` with each parent_school_name_key set to the county school it most nearly names."""
    with_parent = rows["parent_school_name_key"].notna()
    if not with_parent.any():
        return rows
    schools = rows[rows["school_type"] != "teaching_point"]
    # `tolist`, not `list`: iterating an Arrow-backed string array one value at a time is
    # about 40 times slower (pandas 3), and a national year has 200 000 keys
    candidates = {
        county: keys.tolist()
        for county, keys in schools.groupby("county_code")["school_name_key"].unique().items()
    }
    rows = rows.copy()
    rows.loc[with_parent, "parent_school_name_key"] = [
        _nearest(key, candidates.get(county, []))
        for key, county in zip(
            rows.loc[with_parent, "parent_school_name_key"].tolist(),
            rows.loc[with_parent, "county_code"].tolist(),
        )
    ]
    return rows
