"""Who a staged school row is, within its survey year and county."""

from __future__ import annotations

import pandas as pd

_SAME_PLACE = ["survey_year", "county_code", "school_name_key"]


def school_identity(rows: pd.DataFrame) -> pd.Series:
    """'id:<10 digits>' for a row with a school id; for one without, the id of the one
    school of its year and county with the same name key, else 'name:<name key>'.

    Borrowing the id makes a school listed with its id in one file and by name in another
    one school, as dbt's int_school_rows does across years; a name key shared by several
    ids borrows none.
    """
    # (only the columns read: a national year's rows carry some forty more)
    place = rows[[*_SAME_PLACE, "school_id"]]
    with_id = place.dropna(subset=["school_id"]).drop_duplicates([*_SAME_PLACE, "school_id"])
    only_id = with_id.drop_duplicates(_SAME_PLACE, keep=False).set_index(_SAME_PLACE)["school_id"]
    borrowed = place[_SAME_PLACE].join(only_id.rename("borrowed_id"), on=_SAME_PLACE)["borrowed_id"]
    school_id = rows["school_id"].astype("string").fillna(borrowed.astype("string"))
    return ("id:" + school_id).fillna("name:" + rows["school_name_key"].astype("string"))
