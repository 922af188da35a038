"""What a column holds: a header path looked up in the header dictionary.

A header of one to three rows reaches here flattened into a path of cell texts, top
first (`专任教师 > 其中:本科及以上`). The deepest part that names a field decides the
field; a part naming a stage (小学/初中/高中, alone or as a prefix) decides the stage; a
unit in brackets (or trailing) decides the scale.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from orchestration.ingest.text import BRACKETS, compact, normalise_text
from orchestration.ingest.vocabulary import Vocabulary

_LEADING_WORDS = ("其中", "含")


@dataclass(frozen=True)
class ColumnMeaning:
    kind: str  # 'identity' | 'quantity' | 'ignored'
    field: str
    stage: str | None = None  # 'primary' | 'junior' | 'senior'; None: not said
    unit: str | None = None  # the unit the header names, a key of Vocabulary.units
    stage_of_label: str | None = None  # the stage the label is the rule of (专科及以上: primary)


@dataclass(frozen=True)
class _Part:
    key: str
    unit: str | None
    bare: str = ""  # the key without its bracketed asides (`学校名称(全称)` -> 学校名称)


def _strip_leading_words(key: str) -> str:
    for word in _LEADING_WORDS:
        if key.startswith(word) and len(key) > len(word):
            return key[len(word) :]
    return key


def _part(text: str, vocabulary: Vocabulary) -> _Part:
    """A header cell as a compact key plus the unit it names, if any.

    A bracket holding a unit (`(万元)`, `(单位:㎡)`) is taken out; any other bracket
    keeps its words in place (`体育艺术(音乐、美术)教师数`); `bare` is the key without them.
    """
    units = []

    def take_unit(match: re.Match[str]) -> str:
        candidate = compact(match.group(1)).removeprefix("单位")
        if candidate in vocabulary.units:
            units.append(candidate)
            return ""
        return match.group(1)

    text = normalise_text(text)
    key = compact(BRACKETS.sub(take_unit, text))
    if key.removeprefix("单位") in vocabulary.units:  # a units row under the header: `人`, `万册`
        return _Part("", key.removeprefix("单位"))
    bare = _strip_leading_words(compact(BRACKETS.sub("", text)))
    return _Part(_strip_leading_words(key), units[-1] if units else None, bare)


def _field(key: str, vocabulary: Vocabulary) -> tuple[str, str] | None:
    if key in vocabulary.quantities:
        return "quantity", vocabulary.quantities[key]
    if key in vocabulary.identity:
        return "identity", vocabulary.identity[key]
    return None


def _field_with_stage(
    part: _Part, vocabulary: Vocabulary
) -> tuple[str, str, str | None, str | None, str] | None:
    """(kind, field, stage, unit, label) for `小学在校生数`, `小学其中:本科及以上`, `图书册数册`."""
    candidates = [(part.key, None)]
    for label, stage in vocabulary.stages.items():
        if part.key.startswith(label):
            candidates.append((_strip_leading_words(part.key[len(label) :]), stage))
        if part.key.endswith(label):
            candidates.append((part.key[: -len(label)], stage))
    for key, stage in candidates:
        found = _field(key, vocabulary)
        if found:
            return (*found, stage, part.unit, key)
        for unit in vocabulary.units:
            if key.endswith(unit) and (found := _field(key[: -len(unit)], vocabulary)):
                return (*found, stage, part.unit or unit, key[: -len(unit)])
    return None


def _identity_with_aside(
    part: _Part, vocabulary: Vocabulary
) -> tuple[str, str, str | None, str | None, str] | None:
    """An identity column whose header carries an aside: `学校名称(全称)`, `学校标识码(10位)`.

    Only identity columns: an aside on a quantity may be a breakdown (`在校生数(女)`), which
    must never read as the field itself.
    """
    found = _field_with_stage(_Part(part.bare, part.unit), vocabulary)
    return found if found and found[0] == "identity" else None


def match_header(path: Sequence[str], vocabulary: Vocabulary) -> ColumnMeaning | None:
    """The meaning of a column whose header reads `path` (top first); None when unknown."""
    parts = [_part(text, vocabulary) for text in path]
    parts = [part for part in parts if part.key or part.unit]
    found = None
    for depth in range(len(parts) - 1, -1, -1):
        if found := _field_with_stage(parts[depth], vocabulary) or _identity_with_aside(
            parts[depth], vocabulary
        ):
            break
    if found is None:
        if any(
            part.key in vocabulary.ignored or part.key.startswith(vocabulary.ignored_prefixes)
            for part in parts
        ):
            return ColumnMeaning("ignored", "ignored")
        return None
    kind, field, stage, unit, label = found
    for below in parts[depth + 1 :]:
        if below.key in vocabulary.stages:
            stage = stage or vocabulary.stages[below.key]
        elif below.key and below.key not in vocabulary.totals:
            return None  # a breakdown of the field (其中:女), not the field itself
        unit = below.unit or unit
    for above in parts[:depth]:
        stage = stage or vocabulary.stages.get(above.key)
        unit = unit or above.unit
    return ColumnMeaning(kind, field, stage, unit, vocabulary.stage_of_label.get(label))
