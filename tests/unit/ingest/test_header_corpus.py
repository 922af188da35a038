"""The header corpus: realistic header paths with the field each must be read as.

tests/unit/ingest/header_corpus.csv holds header paths written from the statistics system's forms
(教育事业统计基层表), the 2012 and 2017 assessment forms and what counties send, each as
written, in traditional characters and with a line break, plus near misses that must stay
unmatched (issue 8). Precision and recall are reported per field; anything below 100% fails.
"""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest

from orchestration.ingest.headers import read_header
from orchestration.ingest.vocabulary import vocabulary

CORPUS = Path(__file__).with_name("header_corpus.csv")


def corpus() -> list[dict]:
    with CORPUS.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def reading(path_text: str) -> tuple[str, str, str, str]:
    """(field, stage, unit, counts_for) as the reader reads `a > b > c`; set-aside columns
    other than `classes` as 'set_aside', unread ones as 'unmatched'."""
    path = [cell.replace("\\n", "\n") for cell in path_text.split(" > ")]
    meaning = read_header(path, vocabulary()).meaning
    if meaning is None:
        return "unmatched", "", "", ""
    if meaning.kind == "ignored":
        return ("classes" if meaning.field == "classes" else "set_aside"), "", "", ""
    counts_for = "+".join(meaning.counts_for) if meaning.is_part else ""
    return meaning.field, meaning.stage or "", meaning.unit or "", counts_for


def test_the_corpus_is_large_and_varied():
    entries = corpus()
    assert len(entries) >= 400
    assert {entry["variant"] for entry in entries} == {"as written", "traditional", "line break"}
    assert sum(" > " in entry["path"] for entry in entries) >= 100  # multi-row headers
    assert Counter(entry["field"] for entry in entries)["unmatched"] >= 50


def test_precision_and_recall_per_field_are_100_percent():
    entries = corpus()
    expected = [entry["field"] for entry in entries]
    got = [reading(entry["path"])[0] for entry in entries]
    report, failing = [], []
    for field_name in sorted(set(expected) | set(got)):
        true_positive = sum(e == g == field_name for e, g in zip(expected, got))
        predicted = sum(g == field_name for g in got)
        actual = sum(e == field_name for e in expected)
        precision = true_positive / predicted if predicted else 1.0
        recall = true_positive / actual if actual else 1.0
        report.append(f"{field_name:24} precision {precision:7.2%} recall {recall:7.2%}")
        if precision < 1 or recall < 1:
            failing += [
                f"{entry['path']!r}: expected {e}, read {g}"
                for entry, e, g in zip(entries, expected, got)
                if field_name in (e, g) and e != g
            ]
    print("\n".join(report))
    assert not failing, "\n".join(["\n".join(report), *sorted(set(failing))])


@pytest.mark.parametrize("entry", [e for e in corpus() if e["field"] not in ("unmatched",
                                                                               "set_aside")],
                         ids=lambda e: e["path"])  # fmt: skip
def test_stage_unit_and_parts_as_the_corpus_says(entry):
    field_name, stage, unit, counts_for = reading(entry["path"])
    assert field_name == entry["field"]
    assert (stage, unit, counts_for) == (entry["stage"], entry["unit"], entry["counts_for"])
