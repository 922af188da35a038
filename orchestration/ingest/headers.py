"""What a column holds: a header path read by meaning, with the rules of contracts/headers.yaml.

A header of one to three rows reaches here flattened into a path of cell texts, top first
(`专任教师 > 其中:县骨干`). Each cell is scored against every field's terms (`骨干`,
`中级+以上`, `=学校`) after the field's exclusions (`unless`) are applied; the best score
names the field, a tie between two fields leaves the column unmatched as ambiguous. The
deepest cell that names a field (or a part of a base quantity: `专任教师 > 按学历分 > 本科`)
decides; a cell naming a stage (小学/初中/高中, alone or inside a cell) decides the stage; a
unit in brackets (or trailing) decides the scale. Every reading carries the reason it was
made, for `junheng inspect` and the receipt's unmatched headers.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from orchestration.ingest.text import BRACKETS, compact, normalise_text
from orchestration.ingest.vocabulary import Term, Vocabulary

_LEADING_WORDS = ("其中", "含")
# A bracket opening with one of these says what the figure includes or leaves out
# (`专任教师数(不含代课)`, `教学用房面积(不含危房)`): a qualifier of the field's scope, never
# another field, so its words are not read (the staged value is the column's as written).
_SCOPE_ASIDES = ("不含", "不包括", "不包含", "不计", "含", "包括", "包含", "除")
# A trailing bracket holding one character (`(亩)`, `(套)`), Latin letters (`(ha)`),
# `单位:...`, or up to four characters ending like a known unit (`(美元)`, `(千平方米)`, the
# last characters of contracts/units.csv) that is not in units.csv is a unit the reader
# does not know: the column is left unmatched rather than read on the wrong scale.
_UNIT_LIKE = re.compile(r"^(?:单位.+|[^\W\d_]|[a-z][a-z0-9]{0,5})$", re.IGNORECASE)


def _unit_like(candidate: str, vocabulary: Vocabulary) -> bool:
    """Whether a bracket's words look like a unit (see `_UNIT_LIKE`). A character some
    field's terms use (县 of `骨干教师(县)`, 市) is a qualifier, not a unit."""
    endings = {unit[-1] for unit in vocabulary.units}
    if len(candidate) == 1 and any(
        candidate in word
        for rule in vocabulary.fields.values()
        for t in rule.terms
        for word in t.words
    ):
        return False
    return bool(_UNIT_LIKE.match(candidate)) or (len(candidate) <= 4 and candidate[-1:] in endings)


@dataclass(frozen=True)
class ColumnMeaning:
    """What a column holds.

    kind: 'identity' | 'quantity' | 'ignored' (recognised and set aside). A quantity column
    with `counts_for` set is a part of its field (a degree or subject column of the teachers,
    or a grade of the students): its values add up to the field for those stages.
    """

    kind: str
    field: str
    stage: str | None = None  # 'primary' | 'junior' | 'senior'; None: not said
    unit: str | None = None  # the unit the header names, a key of Vocabulary.units
    stage_of_label: str | None = None  # the stage the term is the rule of (专科及以上: primary)
    counts_for: tuple[str, ...] | None = None  # a part of `field`: the stages it counts in
    why: str = ""  # which terms matched, which rule decided
    part: str | None = None  # the part's term (`本科`, `高级`) when `counts_for` is set

    @property
    def is_part(self) -> bool:
        """Whether the column is a part that adds up to a base quantity (a degree, subject or grade
        breakdown), not the quantity itself.
        """
        return self.counts_for is not None


@dataclass(frozen=True)
class HeaderReading:
    """A header path read: its meaning, or None with the reason it is left unmatched."""

    meaning: ColumnMeaning | None
    reason: str  # why the meaning, or why none
    breakdown: bool = False  # unmatched because it is a breakdown of a field (其中:女)


@dataclass(frozen=True)
class _Part:
    text: str  # the cell as written, normalised
    key: str  # compacted, a bracketed unit taken out, a leading 其中/含 dropped
    unit: str | None
    bare: str = ""  # the key without its bracketed asides (`学校名称(全称)` -> 学校名称)
    unknown_unit: str | None = None  # a bracketed unit not in contracts/units.csv (`(亩)`)


@dataclass(frozen=True)
class _Cell:
    """One header cell read on its own."""

    field: str | None = None
    kind: str | None = None
    stage_of_label: str | None = None
    counts_for: tuple[str, ...] | None = None
    part_stage: str | None = None  # the stage a part reports (a grade)
    part: str | None = None  # the part's term
    why: str = ""
    ambiguous: str = ""  # the fields tied, when two are equally likely


def _strip_leading_words(key: str) -> str:
    for word in _LEADING_WORDS:
        if key.startswith(word) and len(key) > len(word):
            return key[len(word) :]
    return key


def _part(text: str, vocabulary: Vocabulary) -> _Part:
    """A header cell as a compact key plus the unit it names, if any.

    A bracket holding a unit (`(万元)`, `(单位:㎡)`) is taken out; so is a bracketed scope
    aside (`(不含代课)`, `_SCOPE_ASIDES`); any other bracket keeps its words in place
    (`体育艺术(音乐、美术)教师数`); `bare` is the key without them. A trailing bracket that
    looks like a unit (`_UNIT_LIKE`) but is not one is kept as `unknown_unit`.
    """
    units = []
    unknown = []
    text = normalise_text(text)
    stripped = text.rstrip()

    def take_unit(match: re.Match[str]) -> str:
        candidate = compact(match.group(1)).removeprefix("单位")
        if candidate in vocabulary.units:
            units.append(candidate)
            return ""
        if compact(match.group(1)).startswith(_SCOPE_ASIDES):
            return ""
        trailing = match.end() == len(stripped)
        words = (*vocabulary.breakdowns, *vocabulary.stages, *vocabulary.totals)
        if (
            (trailing or compact(match.group(1)).startswith("单位"))
            and _unit_like(compact(match.group(1)), vocabulary)
            and candidate not in words
        ):
            unknown.append(candidate)
            return ""
        return match.group(1)

    key = compact(BRACKETS.sub(take_unit, stripped))
    if key.removeprefix("单位") in vocabulary.units:  # a units row under the header: `人`, `万册`
        return _Part(text, "", key.removeprefix("单位"))
    bare = _strip_leading_words(compact(BRACKETS.sub("", text)))
    return _Part(
        text,
        _strip_leading_words(key),
        units[-1] if units else None,
        bare,
        unknown[-1] if unknown else None,
    )


def _trimmed(key: str, vocabulary: Vocabulary) -> str:
    """`key` with filler words (其中, 数, 合计, 名称 ...) trimmed from both ends."""
    changed = True
    while changed and key:
        changed = False
        for word in vocabulary.filler:
            if key.startswith(word):
                key, changed = key[len(word) :], True
            if key.endswith(word):
                key, changed = key[: -len(word)], True
    return key


def _without_stages(key: str, vocabulary: Vocabulary) -> str:
    for word in vocabulary.mixed_stage_words:
        key = key.replace(word, "")
    for label in sorted(vocabulary.stages, key=len, reverse=True):
        key = key.replace(label, "")
    return key


def stage_in(key: str, vocabulary: Vocabulary) -> str | None:
    """The one stage a cell names (`小学在校生数`, `在校生数(初中)`); None for none or two
    (中小学 and 义务教育 name several)."""
    for word in vocabulary.mixed_stage_words:
        key = key.replace(word, "")
    stages = {stage for label, stage in vocabulary.stages.items() if label in key}
    return stages.pop() if len(stages) == 1 else None


def _read_cell(part: _Part, vocabulary: Vocabulary) -> _Cell:
    """The field one cell names by itself, with the terms that decided it."""
    key = part.key
    if not key:
        return _Cell()
    derived = next((word for word in vocabulary.derived if word in key), None)
    if derived:
        return _Cell("derived", "ignored", why=f"derived column ({derived}): set aside")
    plain = _without_stages(key, vocabulary)
    bare = _without_stages(part.bare, vocabulary)
    exact_keys = {plain, bare, _trimmed(plain, vocabulary), _trimmed(bare, vocabulary)}
    best: dict[str, Term] = {}
    for rule in vocabulary.fields.values():
        if _ruled_out(rule.unless, key, plain, vocabulary):
            continue
        if not _fits(part.unit, rule.field, vocabulary):
            continue  # `专任教师(台)`: a unit of another dimension rules the field out
        for term in rule.terms:
            found = term.words[0] in exact_keys if term.exact else all(w in key for w in term.words)
            if found and term.score > (best[rule.field].score if rule.field in best else -1):
                best[rule.field] = term
    # A field set aside counts only when no staged field is named beside it.
    named = {f: t for f, t in best.items() if vocabulary.fields[f].kind != "ignored"} or best
    if not named:
        return _Cell()
    field = max(named, key=lambda name: named[name].score)
    winner = named[field]
    # Another field is named too, by words the winner's do not cover (图书 and 计算机, not
    # 运动场 inside 运动场地): the cell names two things, and neither is safe to pick.
    rivals = sorted(
        other
        for other, term in named.items()
        if other != field and (term.score == winner.score or not _covered(term, winner))
    )
    if rivals:
        tied = " or ".join([field, *rivals])
        return _Cell(ambiguous=tied, why=f"ambiguous: {tied}")
    rule = vocabulary.fields[field]
    return _Cell(
        field,
        rule.kind,
        stage_of_label=rule.stage_of.get(winner.text),
        why=f"term {winner.text!r} of {field}",
    )


def _fits(unit: str | None, field: str, vocabulary: Vocabulary) -> bool:
    """Whether a header's unit can measure `field`: no unit, a field without a dimension
    (identity), a dimension with no unit in contracts/units.csv (classes: 个 counts them),
    or a unit of the field's dimension. 台 never measures persons, 册 never an area."""
    dimension = vocabulary.dimensions.get(field)
    if unit is None or dimension is None:
        return True
    if not any(dim == dimension for dim, _ in vocabulary.units.values()):
        return True
    return vocabulary.units[unit][0] == dimension


def _ruled_out(unless: Sequence[str], key: str, plain: str, vocabulary: Vocabulary) -> bool:
    """Whether an `unless` word stands in the cell. A word that is part of a stage label
    (高级 of 高级中学, 初级 of 初级中学) is looked for outside the stage labels only, so that
    a title word rules out `高级教师` but not `高级中学专任教师`."""
    return any(
        word in plain or (word in key and not any(word in label for label in vocabulary.stages))
        for word in unless
    )


def _covered(term: Term, by: Term) -> bool:
    """Whether every word of `term` stands inside a word of `by` (运动场 in 运动场地)."""
    return all(any(word in other for other in by.words) for word in term.words)


def _read_part_of(parts: Sequence[_Part], depth: int, vocabulary: Vocabulary) -> _Cell:
    """The cell at `depth` as a part of a base quantity (`本科` under `专任教师`)."""
    key = parts[depth].key
    context = [part.key for part in parts[: depth + 1]]
    plain = _without_stages(key, vocabulary)
    for rule in vocabulary.components.values():
        if _ruled_out(rule.unless, key, plain, vocabulary):
            continue
        if not any(word in text for text in context for word in rule.under):
            continue
        if any(word in text for text in context for word in rule.not_under):
            continue
        found = [term for term in rule.parts if term in key]
        if found:
            term = max(found, key=len)
            counts_for, stage = rule.parts[term]
            return _Cell(
                rule.field,
                "quantity",
                counts_for=counts_for or ((stage,) if stage else ()),
                part_stage=stage,
                why=f"part {term!r} of {rule.field}",
                part=term,
            )
    return _Cell()


def _is_plain(part: _Part, vocabulary: Vocabulary) -> bool:
    """A cell under a field that leaves it the field: a stage, a total, filler, a unit."""
    key = _without_stages(part.key, vocabulary)
    return not key or key in vocabulary.totals or not _trimmed(key, vocabulary)


def _unit_of(part: _Part, field: str, vocabulary: Vocabulary) -> str | None:
    """A unit written at the end of a cell without brackets (`图书册数册`, `面积m2`)."""
    dimension = vocabulary.dimensions.get(field)
    for unit in sorted(vocabulary.units, key=len, reverse=True):
        if part.key.endswith(unit) and vocabulary.units[unit][0] == dimension:
            return unit
    return None


# Header texts repeat across sheets and files (every county's 学校名称, 在校生数 > 小学), and
# the table search reads every text cell of the top rows: a path is read once per
# vocabulary. Readings are immutable, so sharing one is safe. Keyed by the vocabulary's
# identity (it holds dicts, so it is not hashable); the few vocabularies of a process
# (one in production, one per contracts folder in tests) each keep their own table.
_READINGS: dict[int, tuple[Vocabulary, dict[tuple[str, ...], HeaderReading]]] = {}
_VOCABULARIES_KEPT = 8
_READINGS_KEPT = 200_000  # paths per vocabulary (a few MB); past it the table starts again


def read_header(path: Sequence[str], vocabulary: Vocabulary) -> HeaderReading:
    """The meaning of a column whose header reads `path` (top first), with the reason.

    Memoised per vocabulary (`_READINGS`): the same path gives the same reading object.
    """
    held = _READINGS.get(id(vocabulary))
    if held is None or held[0] is not vocabulary:
        if len(_READINGS) >= _VOCABULARIES_KEPT:
            del _READINGS[next(iter(_READINGS))]
        held = _READINGS[id(vocabulary)] = (vocabulary, {})
    readings = held[1]
    key = tuple(path)
    reading = readings.get(key)
    if reading is None:
        if len(readings) >= _READINGS_KEPT:
            readings.clear()
        reading = readings[key] = _read_header(key, vocabulary)
    return reading


def _read_header(path: Sequence[str], vocabulary: Vocabulary) -> HeaderReading:
    parts = [_part(text, vocabulary) for text in path]
    parts = [part for part in parts if part.key or part.unit]
    found, depth = _Cell(), -1
    for depth in range(len(parts) - 1, -1, -1):
        found = _read_cell(parts[depth], vocabulary)
        if found.field is None and not found.ambiguous:
            found = _read_part_of(parts, depth, vocabulary)
        if found.field or found.ambiguous:
            break
    if found.ambiguous:
        return HeaderReading(None, f"{parts[depth].text!r} is ambiguous: {found.ambiguous}")
    if found.field is None:
        return HeaderReading(None, "no field's terms match")
    named = parts[depth]
    breakdown = next((w for w in vocabulary.breakdowns if w in named.key), None)
    if found.kind == "quantity" and breakdown:
        return HeaderReading(
            None, f"a breakdown ({breakdown}) of {found.field}, not the field", breakdown=True
        )
    stage = found.part_stage or stage_in(named.key, vocabulary)
    unit = named.unit or _unit_of(named, found.field, vocabulary)
    for below in parts[depth + 1 :]:
        if not _is_plain(below, vocabulary):
            why = f"{below.text!r} under {named.text!r} is a breakdown of {found.field}"
            if found.kind == "ignored":  # a breakdown of a column set aside is set aside
                return HeaderReading(ColumnMeaning("ignored", "set_aside", why=why), why)
            return HeaderReading(None, why, breakdown=True)
        stage = stage or stage_in(below.key, vocabulary)
        unit = below.unit or unit
    if found.kind == "ignored":
        return HeaderReading(ColumnMeaning("ignored", found.field, why=found.why), found.why)
    for above in parts[:depth]:
        stage = stage or stage_in(above.key, vocabulary)
        unit = unit or above.unit
    if found.kind == "identity":
        stage = None  # a stage word in an identity header (所属中心小学) says nothing of its values
    if found.kind == "quantity":
        unknown = next((part.unknown_unit for part in parts if part.unknown_unit), None)
        if unknown:
            return HeaderReading(
                None,
                f"unit {unknown!r} of {found.field} is not in contracts/units.csv:"
                " not read, so that no value is staged on the wrong scale",
            )
        if not _fits(unit, found.field, vocabulary):
            return HeaderReading(
                None,
                f"unit {unit!r} ({vocabulary.units[unit][0]}) does not fit {found.field}"
                f" ({vocabulary.dimensions[found.field]})",
            )
    why = found.why + (f", stage {stage}" if stage else "") + (f", unit {unit}" if unit else "")
    meaning = ColumnMeaning(
        found.kind,
        found.field,
        stage,
        unit,
        found.stage_of_label,
        found.counts_for,
        why,
        found.part,
    )
    return HeaderReading(meaning, why)


def match_header(path: Sequence[str], vocabulary: Vocabulary) -> ColumnMeaning | None:
    """The meaning of a column whose header reads `path` (top first); None when unknown."""
    return read_header(path, vocabulary).meaning
