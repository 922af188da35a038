"""The layout data of contracts/: header rules, units, school types, row patterns.

Everything a county's layout can vary in is listed in these files, so that a new
layout is a data edit (see docs/ingest.md), never a new branch in code.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from orchestration.ingest.text import bracketed, compact, normalise_text
from orchestration.settings import CONTRACTS_DIR


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _patterns(values: list[str]) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(value) for value in values)


@dataclass(frozen=True)
class Term:
    """One way a header cell names a field: words that must all stand in the cell
    (`中级+以上`), or, `exact`, the whole cell once its filler is trimmed (`=学校`)."""

    text: str  # as written in headers.yaml
    words: tuple[str, ...]
    exact: bool

    @property
    def score(self) -> int:
        """How specific the term is: the characters it matches (exact terms rank first)."""
        return sum(map(len, self.words)) + (100 if self.exact else 0)


@dataclass(frozen=True)
class FieldRule:
    """How headers.yaml recognises one field (see its comments)."""

    field: str
    kind: str  # 'identity' | 'quantity' | 'ignored' (set aside)
    terms: tuple[Term, ...]
    unless: tuple[str, ...]
    stage_of: dict[str, str]  # term text -> the stage whose rule the term is
    values_decide: tuple[str, ...] = ()  # terms naming the field only when cells are its labels


@dataclass(frozen=True)
class ComponentRule:
    """Columns that add up to a base quantity (`专任教师 > 按学历分 > 本科`)."""

    field: str
    under: tuple[str, ...]  # a cell of the path must hold one of these
    not_under: tuple[str, ...]  # ... and none of these
    parts: dict[str, tuple[tuple[str, ...], str | None]]  # term -> (counts_for, stage)
    unless: tuple[str, ...]
    # Groups of part terms the sheet must each give one of for the parts to be summed
    # (高级 and 中级 titles: 高级 alone is a subset, never the field); () = no condition.
    requires: tuple[tuple[str, ...], ...] = ()


def _indicators_of(contracts_dir: Path, base_quantities: dict) -> dict[str, tuple[str, ...]]:
    """Base quantity -> the indicators of contracts/indicators.csv that need it: those it is
    the numerator of, and every indicator for the students (each is per student)."""
    rows = _read_csv(contracts_dir / "indicators.csv")
    every = tuple(row["indicator_code"] for row in rows)
    return {
        name: every
        if name == "students"
        else tuple(row["indicator_code"] for row in rows if row["numerator"] == name)
        for name in base_quantities
    }


def _term(text: str) -> Term:
    text = str(text)
    exact = text.startswith("=")
    return Term(text, tuple(compact(word) for word in text.removeprefix("=").split("+")), exact)


def _field_rules(fields: dict[str, dict]) -> dict[str, FieldRule]:
    kinds = {"identity": "identity", "quantity": "quantity", "set_aside": "ignored"}
    return {
        name: FieldRule(
            field=name,
            kind=kinds[spec["kind"]],
            terms=tuple(_term(term) for term in spec["terms"]),
            unless=tuple(compact(str(word)) for word in spec.get("unless", [])),
            stage_of={str(term): stage for term, stage in spec.get("stage_of", {}).items()},
            values_decide=tuple(compact(str(term)) for term in spec.get("values_decide", [])),
        )
        for name, spec in fields.items()
    }


def _component_rules(components: dict[str, dict]) -> dict[str, ComponentRule]:
    return {
        name: ComponentRule(
            field=name,
            under=tuple(compact(word) for word in spec["under"]),
            not_under=tuple(compact(word) for word in spec.get("not_under", [])),
            parts={
                compact(str(term)): (tuple(part.get("counts_for", ())), part.get("stage"))
                for term, part in spec["parts"].items()
            },
            unless=tuple(compact(str(word)) for word in spec.get("unless", [])),
            requires=tuple(
                tuple(compact(str(term)) for term in group) for group in spec.get("requires", [])
            ),
        )
        for name, spec in components.items()
    }


@dataclass(frozen=True)
class Vocabulary:
    """Every lookup table of contracts/, keyed by compacted text (see text.compact)."""

    fields: dict[str, FieldRule]  # field -> how a header names it
    components: dict[str, ComponentRule]  # base quantity -> the columns that add up to it
    filler: tuple[str, ...]  # words that never change a field, longest first
    breakdowns: tuple[str, ...]  # words that make a cell a breakdown of its field (女)
    derived: tuple[str, ...]  # words of columns computed from others (生均)
    dimensions: dict[str, str]  # quantity field -> dimension
    base_quantities: dict[str, tuple[str, ...]]  # base quantity -> the fields that give it
    indicators_of: dict[str, tuple[str, ...]]  # base quantity -> indicators it is needed by
    stages: dict[str, str]  # label -> 'primary' | 'junior' | 'senior'
    part_names: dict[str, str]  # name ending -> the stage a school's row then reports
    totals: frozenset[str]
    values: dict[str, dict[str, str]]  # identity field -> cell label -> canonical value
    units: dict[str, tuple[str, float]]  # unit -> (dimension, factor)
    school_types: dict[str, str]  # label -> school type code
    school_type_codes: dict[str, str]  # statistics-system code (`312`) -> school type
    type_parts: dict[str, str]  # label or code of a type whose row reports one part -> stage
    type_stages: dict[str, tuple[str, ...]]  # school type -> the stages it teaches
    generic_stage: dict[str, str | None]  # school type -> stage of a count given without one
    total_rows: tuple[re.Pattern[str], ...]
    subtotal_rows: tuple[re.Pattern[str], ...]
    footer_rows: tuple[re.Pattern[str], ...]
    section_rows: tuple[re.Pattern[str], ...]
    unit_line: tuple[re.Pattern[str], ...]
    column_index_labels: frozenset[str]
    instructions_sheets: frozenset[str]
    none_values: frozenset[str]
    mixed_stage_words: tuple[str, ...]

    @classmethod
    def load(cls, contracts_dir: Path = CONTRACTS_DIR) -> Vocabulary:
        """Every lookup table of `contracts_dir`: headers.yaml, row_kinds.yaml, school_types.csv,
        school_type_stages.csv, units.csv and indicators.csv, keyed by compacted text.

        Raises OSError for a missing file and KeyError for a missing section.
        """
        headers = yaml.safe_load((contracts_dir / "headers.yaml").read_text(encoding="utf-8"))
        rows = yaml.safe_load((contracts_dir / "row_kinds.yaml").read_text(encoding="utf-8"))

        def by_label(groups: dict[str, list]) -> dict[str, str]:
            return {compact(str(label)): key for key, labels in groups.items() for label in labels}

        fields = headers["fields"]
        # One row per school type x stage it teaches, in the file's order; dbt reads the
        # same file for the split weights (dbt_project/models/staging/stg_school_type_stages.sql).
        type_stages: dict[str, tuple[str, ...]] = {}
        for row in _read_csv(contracts_dir / "school_type_stages.csv"):
            type_stages[row["school_type"]] = (
                *type_stages.get(row["school_type"], ()),
                row["stage"],
            )
        type_rows = _read_csv(contracts_dir / "school_types.csv")
        # A code is matched only as the whole cell (`211`, `211 小学`), never inside free
        # text: dates and ids in titles and file names hold the same digits (2023年12月).
        codes = {row["label"]: row for row in type_rows if row["label"].isdigit()}
        return cls(
            fields=_field_rules(fields),
            components=_component_rules(headers["components"]),
            filler=tuple(sorted((compact(word) for word in headers["filler"]), key=len)[::-1]),
            breakdowns=tuple(compact(word) for word in headers["breakdowns"]),
            derived=tuple(compact(word) for word in headers["derived"]),
            dimensions={
                field: spec["dimension"] for field, spec in fields.items() if "dimension" in spec
            },
            base_quantities={
                name: tuple(given) for name, given in headers["base_quantities"].items()
            },
            indicators_of=_indicators_of(contracts_dir, headers["base_quantities"]),
            stages=by_label(headers["stages"]),
            part_names=by_label(headers["part_names"]),
            totals=frozenset(compact(label) for label in headers["totals"]),
            values={field: by_label(groups) for field, groups in headers["values"].items()},
            units={
                row["unit"]: (row["dimension"], float(row["factor"]))
                for row in _read_csv(contracts_dir / "units.csv")
            }
            | {
                compact(row["unit"]): (row["dimension"], float(row["factor"]))
                for row in _read_csv(contracts_dir / "units.csv")
            },
            school_types={
                compact(row["label"]): row["school_type"]
                for row in type_rows
                if row["label"] not in codes
            },
            school_type_codes={code: row["school_type"] for code, row in codes.items()},
            type_parts={compact(row["label"]): row["part"] for row in type_rows if row["part"]},
            type_stages=type_stages,
            # A count given without a stage goes to the stage of a one-stage type.
            generic_stage={
                school_type: stages[0] if len(stages) == 1 else None
                for school_type, stages in type_stages.items()
            },
            total_rows=_patterns(rows["total"]),
            subtotal_rows=_patterns(rows["subtotal"]),
            footer_rows=_patterns(rows["footer"]),
            section_rows=_patterns(rows["section"]),
            unit_line=_patterns(rows["unit_line"]),
            column_index_labels=frozenset(rows["column_index_labels"]),
            instructions_sheets=frozenset(compact(name) for name in rows["instructions_sheet"]),
            none_values=frozenset(rows["none_values"]),
            mixed_stage_words=tuple(rows["mixed_stage_words"]),
        )

    def school_type_in(self, text: str) -> str | None:
        """The school type a sheet, section, title or file name names, if any: the longest
        labels found (完全小学 over 小学); None when they name two types (`小学、初中`).

        Words naming several stages at once (中小学) and bracketed asides (`小学(含教学点)`)
        are removed first, so that a file called 中小学基本情况 does not read as a
        primary-school list.
        """
        key = compact(bracketed(normalise_text(text))[0])
        for word in self.mixed_stage_words:
            key = key.replace(word, "")
        found = [label for label in self.school_types if label and label in key]
        longest = [
            label
            for label in found
            if not any(label != other and label in other for other in found)
        ]
        types = {self.school_types[label] for label in longest}
        return types.pop() if len(types) == 1 else None


@lru_cache(maxsize=4)
def vocabulary(contracts_dir: Path = CONTRACTS_DIR) -> Vocabulary:
    """The Vocabulary (header terms, units, school types, row kinds) of a contracts folder,
    loaded once per process (cached).
    """
    return Vocabulary.load(contracts_dir)
