"""Charts of the county report, drawn at build time as SVG (altair + vl-convert).

The SVG goes into the page itself: bureau networks are often closed, so a page must show
its charts with no script, CDN or file beside it. Chart text is codes and numbers only
(indicator codes, years); the Chinese titles are the page's own HTML around the chart.
"""

from __future__ import annotations

import altair as alt
import pandas as pd
import vl_convert

COMPOSITE = "composite"


def cv_trend_svg(trend: pd.DataFrame, threshold: float | None, title: str) -> str:
    """A line per indicator of its CV over the survey years, with the threshold as a rule.

    `trend`: columns survey_year (int), indicator_code (str, or 'composite'), cv (float,
    null where not computable: that year has no point).
    """
    data = trend.dropna(subset=["cv"]).astype({"survey_year": int, "cv": float})
    lines = (
        alt.Chart(data)
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
        rule = pd.DataFrame({"threshold": [float(threshold)]})
        layers.append(
            alt.Chart(rule)
            .mark_rule(color="#cf222e", strokeDash=[6, 4])
            .encode(y=alt.Y("threshold:Q"))
        )
    chart = alt.layer(*layers).properties(width=360, height=220, title=title)
    return vl_convert.vegalite_to_svg(chart.to_dict(validate=False))
