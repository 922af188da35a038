"""Property tests: what counties add to a header never changes the field it names.

Filler words (其中, 数, 合计, 专任 ...), a bracketed unit, spaces and line breaks, full-width
forms and traditional characters, alone or together, added to any single-cell header of the
corpus (tests/unit/ingest/header_corpus.csv), leave its field as the corpus says.
"""

from __future__ import annotations

import opencc
from hypothesis import given, settings
from hypothesis import strategies as st

from orchestration.ingest.headers import read_header
from orchestration.ingest.vocabulary import vocabulary
from tests.unit.ingest.test_header_corpus import corpus

_TRADITIONAL = opencc.OpenCC("s2t")
_FULL_WIDTH = {ord(c): ord(c) + 0xFEE0 for c in "()[]0123456789:,"}

KNOWN = sorted(
    {
        (entry["path"], entry["field"])
        for entry in corpus()
        if entry["variant"] == "as written"
        and " > " not in entry["path"]
        and entry["field"] not in ("unmatched", "set_aside", "classes")
    }
)
UNITS = {
    "persons": ["人", "名"],
    "area": ["平方米", "m2", "㎡"],
    "money": ["万元", "元", "千元"],
    "units": ["台"],
    "volumes": ["册", "万册"],
    "rooms": ["间", "个"],
}
TEACHER_FIELDS = {"teachers_above_degree", "teachers_senior_title", "teachers_backbone",
                  "teachers_pe_arts"}  # fmt: skip


def field_of(text: str) -> str | None:
    meaning = read_header([text], vocabulary()).meaning
    return meaning.field if meaning else None


@st.composite
def dressed(draw) -> tuple[str, str, str]:
    """(header as known, its field, the header with what counties add)."""
    text, field_name = draw(st.sampled_from(KNOWN))
    words = vocabulary()
    dressed_text = text
    if field_name in words.dimensions:  # a quantity: fillers around it and a unit
        dressed_text = draw(st.sampled_from(["", "其中:", "其中", "含", "#"])) + dressed_text
        suffixes = ["", "数", "合计", "总数", "(合计)"]
        if field_name in TEACHER_FIELDS:
            suffixes += ["教师数", "专任教师数", "专任教师人数"]
        dressed_text += draw(st.sampled_from(suffixes))
        unit = draw(st.sampled_from(["", *UNITS[words.dimensions[field_name]]]))
        if unit:
            dressed_text += draw(st.sampled_from([f"({unit})", f"（{unit}）", f"[{unit}]"]))
    if draw(st.booleans()):  # spaces and line breaks where the cell wraps
        at = draw(st.integers(0, len(dressed_text)))
        dressed_text = (
            dressed_text[:at]
            + draw(st.sampled_from([" ", "\n", "\r\n", "　"]))
            + (dressed_text[at:])
        )
    if draw(st.booleans()):
        dressed_text = dressed_text.translate(_FULL_WIDTH)
    if draw(st.booleans()):
        dressed_text = _TRADITIONAL.convert(dressed_text)
    return text, field_name, dressed_text


@settings(max_examples=400, deadline=None)
@given(dressed())
def test_what_counties_add_never_changes_the_field(case):
    text, field_name, dressed_text = case
    assert field_of(text) == field_name
    assert field_of(dressed_text) == field_name, f"{text!r} -> {dressed_text!r}"


@settings(max_examples=200, deadline=None)
@given(dressed(), st.sampled_from(["女", "少数民族", "寄宿"]))
def test_a_breakdown_word_never_reads_as_the_field(case, word):
    _, field_name, dressed_text = case
    if field_name not in vocabulary().dimensions:
        return  # identity columns have no breakdowns
    assert field_of(f"{dressed_text}(其中{word})") is None
