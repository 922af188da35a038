"""Charts of the county report, drawn at build time as SVG (altair + vl-convert).

The SVG goes into the page itself: bureau networks are often closed, so a page must show
its charts with no script, CDN or file beside it. Chart text is codes and numbers only
(indicator codes, years); the Chinese titles are the page's own HTML around the chart.

Speed (national scale, four charts a page): altair builds a chart's Vega-Lite spec once
per shape (title, with or without a threshold) and each chart fills in its data the way
altair does (its data transformer and dataset names), so the spec vl-convert draws is the
one `_cv_trend_chart(...).to_dict(validate=False)` gives, at a small part of the cost
(tests/integration/dbt/test_reports.py checks they are equal).
"""

from __future__ import annotations

import copy
import json
from functools import lru_cache

import altair as alt
import numpy as np
import pandas as pd
import vl_convert
from altair.vegalite.v6.api import _dataset_name

COMPOSITE = "composite"
# One row of each frame: the encodings give every type, so the data never shapes the
# spec, only fills its datasets.
_SAMPLE = pd.DataFrame({"survey_year": [0], "indicator_code": [COMPOSITE], "cv": [0.0]})


def cv_trend_svg(trend: pd.DataFrame, threshold: float | None, title: str) -> str:
    """A line per indicator of its CV over the survey years, with the threshold as a rule.

    `trend`: columns survey_year (int), indicator_code (str, or 'composite'), cv (float,
    null where not computable: that year has no point). Returns the SVG text.
    """
    return vl_convert.vega_to_svg(cv_trend_vega(trend, threshold, title))


def cv_trend_vega(trend: pd.DataFrame, threshold: float | None, title: str) -> dict:
    """The Vega spec vl-convert compiles `cv_trend_spec(...)` to, from the compiled spec of
    the chart's shape with this chart's datasets put in (names and values): compiling
    Vega-Lite is a fifth of drawing a chart, and the data never shapes the compiled spec."""
    spec = cv_trend_spec(trend, threshold, title)
    _, placeholders = _template(title, threshold is not None)
    text = _vega_template(title, threshold is not None)
    for placeholder, name in zip(placeholders, spec["datasets"]):
        text = text.replace(placeholder, name)
    vega = json.loads(text)
    for entry in vega.get("data", []):
        if entry.get("name") in spec["datasets"] and "values" in entry:
            entry["values"] = spec["datasets"][entry["name"]]
    return vega


def cv_trend_spec(trend: pd.DataFrame, threshold: float | None, title: str) -> dict:
    """The Vega-Lite spec (dict) of `cv_trend_svg`'s chart."""
    rows = [_line_values(trend)]
    if threshold is not None:
        rows.append([{"threshold": float(threshold)}])  # _values(_rule_data(threshold))
    template, placeholders = _template(title, threshold is not None)
    names = {}
    datasets = {}
    for placeholder, values in zip(placeholders, rows):
        names[placeholder] = _dataset_name(values)
        datasets[names[placeholder]] = values
    spec = copy.deepcopy(template)
    _rename_data(spec, names)
    spec["datasets"] = datasets
    return spec


@lru_cache(maxsize=64)
def _template(title: str, with_threshold: bool) -> tuple[dict, tuple[str, ...]]:
    """The chart's spec built by altair on one sample row, and its datasets' names (lines,
    then rule). The encodings give every type, so the data never shapes the spec, only
    fills its datasets (altair puts data shared by every layer at the top: found by name)."""
    threshold = 0.0 if with_threshold else None
    spec = _cv_trend_chart(_SAMPLE, threshold, title).to_dict(validate=False)
    frames = [_line_data(_SAMPLE)] + ([_rule_data(threshold)] if with_threshold else [])
    names = tuple(_dataset_name(alt.data_transformers.get()(f)["values"]) for f in frames)
    spec.pop("datasets")
    return spec, names


@lru_cache(maxsize=64)
def _vega_template(title: str, with_threshold: bool) -> str:
    """The Vega spec (JSON text) of the chart's shape, compiled from `_template`'s sample."""
    spec = cv_trend_spec(_SAMPLE, 0.0 if with_threshold else None, title)
    return json.dumps(vl_convert.vegalite_to_vega(spec))


def _rename_data(node, names: dict[str, str]) -> None:
    """Point every {"data": {"name": placeholder}} of the spec at its dataset's name."""
    if isinstance(node, dict):
        data = node.get("data")
        if isinstance(data, dict) and data.get("name") in names:
            node["data"] = {**data, "name": names[data["name"]]}
        for key, value in node.items():
            if key != "data":
                _rename_data(value, names)
    elif isinstance(node, list):
        for value in node:
            _rename_data(value, names)


def _line_values(trend: pd.DataFrame) -> list[dict] | None:
    """`_values(_line_data(trend))` read straight from the columns (no frame is built): the
    rows with a CV, survey_year as int, cv as float, text as text."""
    cv = trend["cv"].to_numpy(dtype=float, na_value=np.nan)
    keep = ~np.isnan(cv)
    columns = []
    for name, column in trend.items():
        if name == "cv":
            columns.append(_floats(cv[keep]))
        elif name == "survey_year":
            columns.append(column.to_numpy()[keep].astype(int).tolist())
        elif (values := _texts(column)) is not None:
            columns.append([value for value, kept in zip(values, keep.tolist()) if kept])
        else:
            return _values(_line_data(trend))
    return _records(list(trend.columns), columns)


def _values(frame: pd.DataFrame) -> list[dict]:
    """The rows of a chart's frame as altair's default data transformer gives them
    (`alt.data_transformers.get()(frame)["values"]`: ints and floats as Python numbers,
    null, NaN and infinite as None, text as str), without its copy and sanitising of the
    frame per chart (about a tenth of a county page). Columns of another type go through
    altair itself (tests/unit/publish/test_charts.py checks both give the same)."""
    columns = []
    for _, column in frame.items():
        if column.dtype.kind in "iu":
            columns.append(column.to_numpy().tolist())
        elif column.dtype.kind == "f":
            columns.append(_floats(column.to_numpy()))
        elif (values := _texts(column)) is not None:
            columns.append(values)
        else:
            return alt.data_transformers.get()(frame)["values"]
    return _records(list(frame.columns), columns)


def _records(names: list, columns: list[list]) -> list[dict]:
    return [dict(zip(names, row)) for row in zip(*columns)]


def _floats(array: np.ndarray) -> list:
    values = array.tolist()
    finite = np.isfinite(array)
    if finite.all():
        return values
    return [value if ok else None for value, ok in zip(values, finite.tolist())]


def _texts(column: pd.Series) -> list | None:
    """A text column's values, missing ones as None; None when the column is not text."""
    values = column.tolist()
    if str(column.dtype) in ("str", "string"):  # altair: missing as None
        return [value if isinstance(value, str) else None for value in values]
    if column.dtype.kind == "O" and all(isinstance(value, str) for value in values):
        return values  # altair leaves object columns as they are
    return None


def _line_data(trend: pd.DataFrame) -> pd.DataFrame:
    return trend.dropna(subset=["cv"]).astype({"survey_year": int, "cv": float})


def _rule_data(threshold: float) -> pd.DataFrame:
    return pd.DataFrame({"threshold": [float(threshold)]})


def _cv_trend_chart(trend: pd.DataFrame, threshold: float | None, title: str) -> alt.LayerChart:
    """The chart as altair builds it (the library of record for the spec)."""
    lines = (
        alt.Chart(_line_data(trend))
        .mark_line(point=True)
        .encode(
            x=alt.X("survey_year:O", title="survey year"),
            y=alt.Y("cv:Q", title="CV"),
            color=alt.Color("indicator_code:N", title=None),
            strokeWidth=alt.condition(
                alt.datum.indicator_code == COMPOSITE, alt.value(3.5), alt.value(1.5)
            ),
        )
    )
    layers = [lines]
    if threshold is not None:
        layers.append(
            alt.Chart(_rule_data(threshold))
            .mark_rule(color="#cf222e", strokeDash=[6, 4])
            .encode(y=alt.Y("threshold:Q"))
        )
    return alt.layer(*layers).properties(width=360, height=220, title=title)
