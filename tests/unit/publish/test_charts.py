"""The chart data as altair's data transformer gives it, read without altair."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd
import pytest

from orchestration.publish.charts import COMPOSITE, _line_data, _line_values, _values

TREND = pd.DataFrame(
    {
        "survey_year": [2022, 2023, 2024, 2023, 2024, 2022, 2021],
        "indicator_code": ["B1", "B1", "B1", COMPOSITE, COMPOSITE, "B2", None],
        "cv": [0.41, 0.385, None, 0.3, np.inf, 0.5, 1 / 3],
    }
)


def altair_values(frame: pd.DataFrame) -> list[dict]:
    return alt.data_transformers.get()(frame)["values"]


@pytest.mark.parametrize(
    "trend",
    [
        TREND,
        TREND.astype({"indicator_code": "object"}),
        TREND.astype({"indicator_code": "string"}),
        TREND[["cv", "indicator_code", "survey_year"]],  # column order kept
        TREND.head(1),
        TREND.iloc[0:0],
        TREND[TREND["cv"].isna()],
        TREND.set_index(pd.Index([9, 8, 7, 6, 5, 4, 3])),
    ],
)
def test_chart_rows_are_those_altair_gives(trend):
    expected = altair_values(_line_data(trend))
    assert _line_values(trend) == expected
    assert _values(_line_data(trend)) == expected
    # Same types too (a float 1.0 and an int 1 are equal, but not the same JSON).
    assert [list(map(type, row.values())) for row in _line_values(trend)] == [
        list(map(type, row.values())) for row in expected
    ]


def test_columns_altair_alone_knows_go_through_altair():
    frame = pd.DataFrame({"when": pd.to_datetime(["2024-01-01"]), "flag": [True]})
    assert _values(frame) == altair_values(frame)
