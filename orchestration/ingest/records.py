"""One data row of a located table -> one staged school row, or a Rejection.

Where a count goes (docs/spec/balance-indicators.md §1, staging_schema.py):
- the row's part (`reported_scope`): a multi-stage school on a sheet, section or file
  that lists one stage (a nine-year school on the 小学 sheet), or whose type cell or name
  names one (`九年一贯制学校(初中部)`, `实验学校小学部`), reports that stage only;
- a count given for a stage goes to that stage; a count given without one goes to the
  row's part, else to the stage of a single-stage school type
  (contracts/school_type_stages.csv), else: students -> `stage_enrollment_missing`,
  teachers and classes -> `<field>_whole`;
- resources belong to the row's part.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from contracts.staging_schema import STAGE_COUNT_FIELDS
from orchestration.ingest.cells import (
    Rejection,
    cell_text,
    is_blank,
    is_excel_error,
    known_quantities,
    parse_quantity,
    parse_school_id,
    written_text,
)
from orchestration.ingest.regions import County, RegionRegistry
from orchestration.ingest.table import Column, Table, column_letter
from orchestration.ingest.text import compact, school_name_key
from orchestration.ingest.vocabulary import Vocabulary

COMPULSORY_STAGES = ("primary", "junior")
# What a value column gives a record (`RowReader._whole_plan`).
_STUDENTS, _STAGE_COUNT, _RESOURCE = "students", "stage_count", "resource"


@dataclass
class SheetContext:
    """What a sheet's surroundings say about each of its rows."""

    county: County | None  # the county of the sheet, None when rows carry their own
    region_context: str  # folder, file, sheet and title text that may name a prefecture
    place_type: str | None  # the school type the sheet or file name names
    unit_factors: dict[str, float] = field(default_factory=dict)  # dimension -> factor
    error_cells: frozenset[tuple[int, int]] = frozenset()
    uncached_cells: frozenset[tuple[int, int]] = frozenset()  # formulas saved without a value


UNCACHED_FORMULA = "(公式无缓存值 a formula saved without a cached value)"


# A row's raw values before they are written: (the row's cells, the table's header texts
# by column, the columns holding a formula saved without a value).
UnwrittenRawValues = tuple[list, dict[int, str], frozenset[int]]


def raw_values(
    row: list,
    table: Table,
    uncached: frozenset[tuple[int, int]] = frozenset(),
    row_index: int | None = None,
) -> str:
    """The row as read, header text -> cell, as a JSON object (filled cells only). A cell
    of `uncached` ((row, column) of formulas saved without a value) is kept, marked so."""
    return written_raw_values(unwritten_raw_values(row, table, uncached, row_index))


def unwritten_raw_values(
    row: list,
    table: Table,
    uncached: frozenset[tuple[int, int]] = frozenset(),
    row_index: int | None = None,
) -> UnwrittenRawValues:
    """What `raw_values` writes, kept unwritten: a staged row's raw values are published
    only if dedupe quarantines it, so they are written then (`written_raw_values`)."""
    marked = (
        frozenset(index for index in range(len(row)) if (row_index, index) in uncached)
        if uncached
        else frozenset()
    )
    return row, table.header_texts, marked


def written_raw_values(unwritten: UnwrittenRawValues) -> str:
    """`raw_values`' JSON object of a row kept by `unwritten_raw_values`."""
    row, headers, marked = unwritten
    values = {}
    for index, cell in enumerate(row):
        if is_blank(cell):
            if index not in marked:
                continue
            cell = UNCACHED_FORMULA
        key = headers.get(index) or column_letter(index)
        if key in values:  # two columns under the same header text
            key = f"{key} ({column_letter(index)})"
        values[key] = cell if isinstance(cell, (int, float, str)) else str(cell)
    return json.dumps(values, ensure_ascii=False, default=str)


def _label_in(table: dict[str, str], value: str) -> str | None:
    """The label of `table` that `value` is, else the longest label it contains."""
    key = compact(value)
    if key in table:
        return key
    found = [label for label in table if label and label in key]
    return max(found, key=len) if found else None


def _lookup(table: dict[str, str], value: str) -> str | None:
    """The value of an exact label, else of the longest label the value contains."""
    label = _label_in(table, value)
    return None if label is None else table[label]


# A statistics-system 办学类型 code (three digits) at the start of a type cell, typed as a
# number (`211`, `211.0`) or beside its label (`211 小学`, `211-小学`, `211小学`).
_TYPE_CODE = re.compile(r"\s*(\d{3})(?:\.0+)?(?!\d)")


class RowReader:
    """Reads the data rows of one located table."""

    def __init__(
        self, table: Table, context: SheetContext, vocabulary: Vocabulary, registry: RegionRegistry
    ) -> None:
        self.table = table
        self.context = context
        self.vocabulary = vocabulary
        self.registry = registry
        self.identity: dict[str, Column] = {}
        # Columns under one identity header merged across them (学校名称 over 乡镇 | 学校):
        # together they hold the value, read left to right.
        self.identity_spans: dict[str, list[Column]] = {}
        self.quantities: list[Column] = []
        # Columns read and not used, with why: second columns of a field, parts not summed.
        self.not_used: dict[int, str] = {}
        # rows whose figures disagree (a total vs its grades) or need a look (senior part)
        self.warnings: list[str] = []
        # Parts of a base quantity (专任教师 > 按学历分 > 本科, 在校生数 > 一年级): summed per row
        self.parts: list[Column] = []
        # Formulas saved without a cached value: unknown, never the 0 of an empty cell.
        self.unknown_cells: list[tuple[int, int]] = []
        self._unknown_columns: set[int] = set()
        columns_of: dict[tuple[str, str | None], list[Column]] = {}
        for column in table.columns:
            meaning = column.meaning
            if meaning is None or meaning.kind == "ignored":
                continue
            if meaning.is_part:
                self.parts.append(column)
                continue
            same = columns_of.setdefault((meaning.field, meaning.stage), [])
            span = self.identity_spans.get(meaning.field, [])
            if meaning.field in _SPANNING_FIELDS and span and _continues(span[-1], column):
                span.append(column)
                continue
            if same and self._yields(same[0], column):
                self._set_apart(
                    same[0], f"{column.letter} ({column.header_text}) is the type column"
                )
                same.clear()
            rules = {other.meaning.stage_of_label for other in same}
            if same and (meaning.stage_of_label is None or rules & {None, meaning.stage_of_label}):
                self._set_apart(column, "a second column of the same field")
                continue
            if self._second_of_another_stage(column, columns_of):
                self._set_apart(column, "a second column of the same field (one names a stage,"
                                " the other none)")  # fmt: skip
                continue
            same.append(column)
            if meaning.kind == "identity":
                self.identity[meaning.field] = column
                self.identity_spans[meaning.field] = [column]
            else:
                self.quantities.append(column)
        # 专科及以上 | 本科及以上 side by side: each the rule of one stage
        self.stage_rule_columns = {key: same for key, same in columns_of.items() if len(same) > 1}
        self._drop_incomplete_parts()
        # A type column named by a `values_decide` term (办学层次) is the type only where its
        # cell is a type label; elsewhere the row is read as if it were not there.
        type_column = self.identity.get("school_type")
        self._type_by_values = type_column is not None and self._values_decide(type_column)
        # Fixed from here on; listed once rather than for every row.
        self._error_checked = [
            *(c for span in self.identity_spans.values() for c in span),
            *self.quantities,
        ]
        self._valued = [*self.quantities, *self.parts]
        self._direct_fields = {column.meaning.field for column in self.quantities}  # `_add_parts`
        self._parts_of_cells: dict[tuple[str, str], str | None] = {}  # see `_part_named`
        self._written_types: dict[str, tuple[str, str | None] | Rejection] = {}
        self._plans: dict[str | None, list] = {}  # see `_whole_plan`
        self._part_endings = tuple(vocabulary.part_names)  # see `_part_named`
        # Each valued column with its factor for a cell that names no unit (the column's
        # unit, else the sheet's unit line), worked out once rather than per cell.
        self._valued_plan = [(column, column.index, self._column_factor(column))
                             for column in self._valued]  # fmt: skip
        # Where in a row's values (`quantities_of`, in `_valued` order) `read` finds the parts,
        # and the other columns, those naming their stage first (a stable order).
        self._part_positions = [i for i, c in enumerate(self._valued) if c.meaning.is_part]
        self._whole_positions = sorted(
            (i for i, c in enumerate(self._valued) if not c.meaning.is_part),
            key=lambda i: self._valued[i].meaning.stage is None,
        )

    def _values_decide(self, column: Column) -> bool:
        """Whether `column` is the type only where its cells are type labels (办学层次)."""
        rule = self.vocabulary.fields[column.meaning.field]
        return any(term in compact(column.header_text) for term in rule.values_decide)

    def _yields(self, first: Column, column: Column) -> bool:
        """Whether `first` gives way to `column` of the same field: a 办学层次 column to a
        学校类型 one, whichever comes first."""
        return self._values_decide(first) and not self._values_decide(column)

    def _set_apart(self, column: Column, note: str) -> None:
        self.not_used[column.index] = note  # the first column of a field counts

    @staticmethod
    def _second_of_another_stage(
        column: Column, columns_of: dict[tuple[str, str | None], list[Column]]
    ) -> bool:
        """Whether a teacher or class column comes after one of the same field that names a
        stage while it names none (or the reverse): `专任教师 > 小学` then a `教师` column
        elsewhere. The count without a stage would go to the row's stage and replace the
        stage's own; so the second is not used, as a second column of the same field is. A
        total under the same group header (`专任教师 > 合计 | 小学 | 初中`) is the group's total
        and kept: the stage columns win over it (see `read`)."""
        meaning = column.meaning
        if meaning.kind != "quantity" or meaning.field not in STAGE_COUNT_FIELDS:
            return False
        others = [
            other
            for (field_name, stage), same in columns_of.items()
            if field_name == meaning.field and (stage is None) != (meaning.stage is None)
            for other in same
        ]
        return any(
            not (len(other.path) > 1 and len(column.path) > 1 and other.path[0] == column.path[0])
            for other in others
        )

    def _drop_incomplete_parts(self) -> None:
        """Parts of a field whose rule `requires` a part of each group the sheet lacks one
        of (高级 without 中级): a subset, never the field; not summed, and said so."""
        direct = {column.meaning.field for column in self.quantities}
        for column in [c for c in self.parts if c.meaning.field in direct]:
            if column.meaning.field != "students":  # grades check the total (see read)
                self.parts.remove(column)
                self.not_used[column.index] = (
                    f"a part of {column.meaning.field}: the sheet's column of the field is used"
                )
        for rule in self.vocabulary.components.values():
            if not rule.requires:
                continue
            columns = [c for c in self.parts if c.meaning.field == rule.field]
            given = {c.meaning.part for c in columns}
            lacking = [group for group in rule.requires if not given & set(group)]
            if columns and lacking:
                note = (
                    f"a part of {rule.field} without a column of "
                    + " or ".join("/".join(group) for group in lacking)
                    + ": a subset, not summed"
                )
                for column in columns:
                    self.parts.remove(column)
                    self.not_used[column.index] = note

    def missing_fields(self) -> list[dict]:
        """The base quantities this table has no column (nor parts) for, each with the
        indicators it leaves uncomputable: [{"field": ..., "indicators": [...]}]."""
        given = {column.meaning.field for column in [*self.quantities, *self.parts]}
        return [
            {"field": name, "indicators": list(self.vocabulary.indicators_of[name])}
            for name, fields in self.vocabulary.base_quantities.items()
            if not given & set(fields)
        ]

    def _is_for(self, column: Column, part: str | None) -> bool:
        """Whether `column` gives its field to a row of `part`: of columns that are each the
        rule of one stage (专科及以上 | 本科及以上), the one of the row's stage, else the first."""
        meaning = column.meaning
        group = self.stage_rule_columns.get((meaning.field, meaning.stage))
        if not group:
            return True
        stage = meaning.stage or part
        return column is next((c for c in group if c.meaning.stage_of_label == stage), group[0])

    def _text(self, row: list, field_name: str, as_written: bool = False) -> str:
        """A field's text (its cells joined), normalised for comparing, or `as_written`
        (only trimmed) for a text that is published: a school's name."""
        read = written_text if as_written else cell_text
        columns = self.identity_spans.get(field_name)
        if not columns:
            return ""
        if len(columns) == 1:  # the usual field: one column, nothing to join
            index = columns[0].index
            return read(row[index]).strip() if index < len(row) else ""
        return "".join(
            read(row[column.index]) for column in columns if column.index < len(row)
        ).strip()

    def _factor(self, column: Column, cell_unit: str | None) -> float:
        dimension = self.vocabulary.dimensions[column.meaning.field]
        for unit in (cell_unit, column.meaning.unit):
            if unit and self.vocabulary.units[unit][0] == dimension:
                return self.vocabulary.units[unit][1]
        return self.context.unit_factors.get(dimension, 1.0)

    def _column_factor(self, column: Column) -> float | None:
        """`_factor` of a cell naming no unit; None when it can not be worked out before a
        cell needs it (a field without a dimension: `_factor` then says so for that cell)."""
        try:
            return self._factor(column, None)
        except KeyError:
            return None

    def quantities_of(self, row: list, row_index: int) -> list[tuple[Column, float | None]]:
        """Every quantity column's value in base units; raises Rejection for a bad cell."""
        errors = self.context.error_cells
        width = len(row)
        for column in self._error_checked:
            cell = row[column.index] if column.index < width else None
            kind = cell.__class__
            if (errors and (row_index, column.index) in errors) or (
                # every Excel error text holds `#`: most texts are told by that alone
                ("#" in cell and is_excel_error(cell))
                if kind is str
                else (kind is not float and cell is not None and is_excel_error(cell))
            ):
                raise Rejection(
                    "formula_error", f"Excel error in {column.letter} ({column.header_text})"
                )
        values = []
        self._unknown_columns = set()
        uncached = self.context.uncached_cells
        known = known_quantities(self.vocabulary)
        for column, index, factor in self._valued_plan:
            cell = row[index] if index < width else None
            kind = cell.__class__
            if factor is not None:  # most cells: what parse_quantity gives them, without it
                if kind is float:
                    values.append((column, None if cell != cell else cell * factor))  # NaN: blank
                    continue
                if kind is int:
                    values.append((column, float(cell) * factor))
                    continue
                if kind is str and (found := known.get(cell)).__class__ is tuple:
                    number, cell_unit = found  # a text parsed before (never a blank one)
                    if number is not None:
                        number *= factor if cell_unit is None else self._factor(column, cell_unit)
                    values.append((column, number))
                    continue
            if cell is None and not (uncached and (row_index, index) in uncached):
                values.append((column, None))  # an empty cell: what parse_quantity gives it
                continue
            if uncached and (row_index, index) in uncached and is_blank(cell):
                self._unknown_columns.add(index)
                self.unknown_cells.append((row_index, index))
                values.append((column, None))
                continue
            try:
                number, cell_unit = parse_quantity(cell, self.vocabulary)
            except Rejection as error:
                raise Rejection(
                    error.reason_code, f"{column.letter} ({column.header_text}): {error}"
                ) from error
            if number is not None:
                number *= (
                    factor if cell_unit is None and factor is not None
                    else self._factor(column, cell_unit)
                )  # fmt: skip
            values.append((column, number))
        return values

    def has_quantities(self, row: list) -> bool:
        """Whether any quantity column (or part) of the table has a value in `row`."""
        return any(c.index < len(row) and not is_blank(row[c.index]) for c in self._valued)

    def students_total(self, row: list, row_index: int) -> float | None:
        """The students a total row declares: its generic column, else its stages summed."""
        try:
            values = self.quantities_of(row, row_index)
        except Rejection:
            return None
        students = [(c.meaning.stage, v) for c, v in values if c.meaning.field == "students"]
        generic = [value for stage, value in students if stage is None and value is not None]
        if generic:
            return generic[0]
        staged = [value for _, value in students if value is not None]
        return sum(staged) if staged else None

    def _add_parts(
        self,
        parts: list[tuple[Column, float | None]],
        part: str | None,
        record: dict,
        blank: set[str],
    ) -> dict[str, float]:
        """Sum the parts of a base quantity the sheet gives instead of the figure itself.

        Degree and subject parts of the teachers go to the stage of the column, else of the
        row (a school reported as a whole: `_whole`, by the first stage's rule, as for
        `stage_of` columns); each counts only for the stages whose rule includes it
        (研究生 + 本科 + 专科 for primary, 研究生 + 本科 for junior). A field the sheet has a
        column of is never replaced. Grades of the students are returned per stage
        (stage -> sum) for the caller to fill or check the enrollment with. An empty part
        cell is 0 like any empty cell; a part the sheet lacks adds nothing; a part that is a
        formula without a cached value leaves the sum unknown (null).
        """
        direct = self._direct_fields
        sums: dict[str, list[float | None]] = {}
        grades: dict[str, list[float | None]] = {}
        unknown: set[str] = set()
        for column, value in parts:
            meaning = column.meaning
            if column.index in self._unknown_columns:
                unknown.add(f"{meaning.field}_{meaning.stage or part}")
                unknown.add(f"{meaning.field}_{meaning.stage or part or 'whole'}")
            if meaning.field == "students":
                grades.setdefault(meaning.stage or part or "", []).append(value)
                continue
            if meaning.field in direct:
                continue
            stage = meaning.stage or (part if part in COMPULSORY_STAGES else None)
            rule_stage = stage or next(iter(meaning.counts_for), None)
            if rule_stage not in meaning.counts_for:
                continue
            target = (
                f"{meaning.field}_{stage or 'whole'}"
                if meaning.field in STAGE_COUNT_FIELDS
                else meaning.field  # a resource (计算机 > 教学用) belongs to the row's part
            )
            sums.setdefault(target, []).append(value)
        for target, found in sums.items():
            if target in unknown:
                continue
            if any(value is not None for value in found):
                record[target] = sum(value for value in found if value is not None)
            else:
                blank.add(target)
        return {
            stage: sum(value for value in found if value is not None)
            for stage, found in grades.items()
            if stage in COMPULSORY_STAGES
            and f"students_{stage}" not in unknown
            and any(value is not None for value in found)
        }

    def _warn_grades(
        self, row_index: int, name: str, target: str, total: float, grades: float
    ) -> None:
        self.warnings.append(
            f"row {row_index + 1} ({name}): {target} {total:g} is not the sum of its grades,"
            f" {grades:g}"
        )

    def _county(self, row: list) -> County:
        code = self._text(row, "county_code")
        if code:
            county = self.registry.by_county_code(parse_school_id(code) or "")
            if county is None:
                raise Rejection(
                    "county_unknown", f"county code {code!r} is not in the region registry"
                )
            return county
        name = self._text(row, "county_name")
        if name:
            context = f"{self.context.region_context} {self._text(row, 'prefecture_name')}"
            match = self.registry.resolve([name], context)
            if match.county is None:
                raise Rejection("county_unknown", f"county {name!r}: {match.reason}")
            return match.county
        if self.context.county is None:
            raise Rejection("county_unknown", "the row names no county and the sheet none either")
        return self.context.county

    def _school_type(self, row: list, section_type: str | None, name: str) -> tuple[str, str]:
        """(school type, reported scope) of a row."""
        place_type = section_type or self.context.place_type
        written = self._text(row, "school_type")
        if written and self._type_by_values:
            try:
                self._written_type(written)
            except Rejection:
                written = ""  # 办学层次 = 义务教育: not a type label, so no type column
        if written:
            school_type, type_part = self._written_type(written)
            if type_part:  # 附设小学班, 职业初中: the row is that one part, never a teaching point
                return school_type, type_part
        else:
            school_type = place_type or self.vocabulary.school_type_in(name)
            if school_type is None:
                raise Rejection(
                    "unknown_school_type",
                    "no type column, section, sheet or file name says the school type",
                )
        counts = self._text(row, "counts_as_school")
        if counts and _lookup(self.vocabulary.values["counts_as_school"], counts) == "false":
            school_type = "teaching_point"
        stages = self.vocabulary.type_stages[school_type]
        scope = self._part_named(written, self._text(row, "school_part"), name) or place_type
        if scope == "senior" and len(stages) > 1:
            raise Rejection(
                "stage_enrollment_missing",
                f"the row reports only the senior part of a {school_type} school",
            )
        if scope in COMPULSORY_STAGES and len(stages) > 1 and scope in stages:
            return school_type, scope
        return school_type, "school"

    def _written_type(self, written: str) -> tuple[str, str | None]:
        """`_type_of_cell` once per distinct type text of the table (they repeat down it)."""
        found = self._written_types.get(written)
        if found is None:
            try:
                found = self._type_of_cell(written)
            except Rejection as rejection:
                found = rejection
            self._written_types[written] = found
        if isinstance(found, Rejection):
            raise Rejection(found.reason_code, str(found))
        return found

    def _type_of_cell(self, written: str) -> tuple[str, str | None]:
        """(school type, the one part a row of that type reports, else None) of a type cell:
        a statistics-system code at the start of the cell (`312`, `312.0`, `312 九年一贯制学校`,
        `312-九年一贯制学校`), else a label (contracts/school_types.csv).

        A label that makes the row one part (附设小学班) counts only as the whole cell: inside
        a longer one (`小学(附设初中班)`, a primary school with attached junior classes) it
        would take the row's other stage away, so the cell is read by its other labels."""
        words = self.vocabulary
        code = _TYPE_CODE.match(written)
        if code and code.group(1) in words.school_type_codes:
            return words.school_type_codes[code.group(1)], words.type_parts.get(code.group(1))
        key = compact(written)
        if key in words.school_types:
            return words.school_types[key], words.type_parts.get(key)
        whole_types = {k: v for k, v in words.school_types.items() if k not in words.type_parts}
        label = _label_in(whole_types, written)
        if label is None:
            raise Rejection(
                "unknown_school_type", f"school type {written!r} is not in school_types.csv"
            )
        return whole_types[label], None

    def _may_include_senior_part(
        self, school_type: str, scope: str, record: dict, resources: dict
    ) -> bool:
        """Whether a row of one compulsory part of a school with a senior part (完全中学 341,
        十二年一贯制 345 in a per-stage export) reports resources without the senior
        enrollment the national split needs (docs/spec/balance-indicators.md §1)."""
        return (
            scope in COMPULSORY_STAGES
            and "senior" in self.vocabulary.type_stages[school_type]
            and not (record.get("students_senior") or 0) > 0
            and any((record.get(field_name) or 0) > 0 for field_name in resources)
        )

    def _is_attached_class(self, school_type: str, scope: str) -> bool:
        """Whether a row is an attached class (附设小学班 219, 附设普通初中班 319): one part of a
        one-stage type, which only a type of `part` in school_types.csv gives."""
        return scope in COMPULSORY_STAGES and self.vocabulary.type_stages[school_type] == (scope,)

    def _host_named(self, name: str) -> str | None:
        """The host school an attached class's name names when no parent column does: the
        name before its attached-class label (`内丘县第二中学附设小学班` -> `内丘县第二中学`;
        the labels are the school_types.csv rows whose `part` is their own type)."""
        words = self.vocabulary
        key = compact(name)
        labels = [
            label
            for label, stage in words.type_parts.items()
            if words.school_types.get(label) == stage and label in key[1:]
        ]
        if not labels:
            return None
        host = key[: key.rfind(max(labels, key=len))]
        return host or None

    def _part_of_cells(self, written: str, part: str) -> str | None:
        """`_part_named` of the type and 学段 cells alone."""
        key = compact(written)
        labels = [label for label in self.vocabulary.school_types if label and label in key]
        if labels:
            key = key.replace(max(labels, key=len), "", 1)
        for text in (key, compact(part)):
            stages = {stage for label, stage in self.vocabulary.stages.items() if label in text}
            if len(stages) == 1:
                return stages.pop()
        return None

    def _part_named(self, written: str, part: str, name: str) -> str | None:
        """The one stage a type cell names beside its type (`九年一贯制学校(小学部)`), else a
        学段 cell (`初中部`), else the part a school name ends with (`实验学校初中部`)."""
        cells = (written, part)  # the same few type and 学段 texts on every row: read once
        if cells not in self._parts_of_cells:
            self._parts_of_cells[cells] = self._part_of_cells(written, part)
        if (found := self._parts_of_cells[cells]) is not None:
            return found
        name_key = compact(name)
        if not name_key.endswith(self._part_endings):  # most names: one test for all endings
            return None
        return next(
            (
                stage
                for label, stage in self.vocabulary.part_names.items()
                if name_key.endswith(label)
            ),
            None,
        )

    def _whole_plan(self, part: str | None) -> list[tuple[int, str, str | None, str | None, int]]:
        """What `read` does with each value column that is not a part, for a row of `part`,
        worked out once per part: (place in `quantities_of`'s values, _STUDENTS,
        _STAGE_COUNT or _RESOURCE, the record column it fills or None, the stage the
        column names, the column's index). A column of another stage's rule (`_is_for`)
        is left out; the order is `_whole_positions`'."""
        plan = self._plans.get(part)
        if plan is not None:
            return plan
        plan = []
        for position in self._whole_positions:
            column = self._valued[position]
            if self.stage_rule_columns and not self._is_for(column, part):
                continue
            field_name, stage = column.meaning.field, column.meaning.stage
            if field_name == "students":
                kind = _STUDENTS
                target = f"students_{stage or part}" if (stage or part) else None
            elif field_name in STAGE_COUNT_FIELDS:
                kind = _STAGE_COUNT
                target = stage or (part if part in COMPULSORY_STAGES else "whole")
                # no senior column
                target = None if target == "senior" else f"{field_name}_{target}"
            else:
                kind, target = _RESOURCE, field_name
            plan.append((position, kind, target, stage, column.index))
        self._plans[part] = plan
        return plan

    def read(self, row: list, row_index: int, section_type: str | None) -> dict:
        """The staged record of a data row; raises Rejection when it can not be staged."""
        values = self.quantities_of(row, row_index)
        name = self._text(row, "school_name", as_written=True)
        if not name:
            formula = [
                column
                for column in self.identity_spans.get("school_name", [])
                if (row_index, column.index) in self.context.uncached_cells
            ]
            if formula:
                column = formula[0]
                raise Rejection(
                    "formula_error",
                    f"the school name in {column.letter} ({column.header_text}) is a formula "
                    "saved without a cached value",
                )
            raise Rejection("missing_school_name", "a data row without a school name")
        county = self._county(row)
        school_type, scope = self._school_type(row, section_type, name)
        part = scope if scope != "school" else self.vocabulary.generic_stage[school_type]
        record: dict = {}
        blank: set[str] = set()  # columns of the sheet left empty for this row
        generic_students = None
        from_stage: set[str] = (
            set()
        )  # targets a column naming the stage gave: a total never replaces
        resources: dict[str, list[tuple[str | None, float]]] = {}
        parts = [values[i] for i in self._part_positions]
        # Columns naming their stage first, so that a group's total never replaces them.
        unknown_columns = self._unknown_columns
        for position, kind, target, stage, index in self._whole_plan(part):
            value = values[position][1]
            if kind is _STUDENTS:
                if stage is None and value is not None:
                    generic_students = value
                elif stage is not None and value is not None:
                    record[target] = value
            elif kind is _STAGE_COUNT:
                if stage is not None and target:
                    from_stage.add(target)
                if target and value is not None and (stage is not None or target not in from_stage):
                    record[target] = value
            elif value is not None:  # a resource
                resources.setdefault(target, []).append((stage, value))
            if value is None and target and index not in unknown_columns:
                blank.add(target)
        for field_name, found in resources.items():
            whole = [value for stage, value in found if stage is None]
            record[field_name] = whole[0] if whole else sum(value for _, value in found)
        grades = self._add_parts(parts, part, record, blank)
        from_grades: dict[str, float] = {}
        for stage, total in grades.items():  # grades give a stage's students, or check them
            target = f"students_{stage}"
            if record.get(target) is None:
                record[target] = from_grades[target] = total
                blank.discard(target)
            elif record[target] != total:
                self._warn_grades(row_index, name, target, record[target], total)
        if generic_students is not None:
            target = f"students_{part}"
            given = [record.get(f"students_{stage}") for stage in ("primary", "junior", "senior")]
            if part is not None and (record.get(target) is None or target in from_grades):
                if target in from_grades and from_grades[target] != generic_students:
                    self._warn_grades(
                        row_index, name, target, generic_students, from_grades[target]
                    )
                record[target] = generic_students  # the total as reported
            elif part is None and not any(value is not None for value in given):
                raise Rejection(
                    "stage_enrollment_missing",
                    f"a {school_type} school reported as a whole with only a total enrollment",
                )
            elif part is None and from_grades and sum(from_grades.values()) != generic_students:
                self._warn_grades(
                    row_index, name, "students", generic_students, sum(from_grades.values())
                )
        if not any(key.startswith("students_") for key in record):
            unknown = [c for c, _ in values if c.index in self._unknown_columns]
            if any(column.meaning.field == "students" for column in unknown):
                raise Rejection(
                    "formula_error", "the enrollment is a formula without a cached value"
                )
            raise Rejection("missing_students", "no enrollment in any students column")
        # an empty cell of a column the sheet has: none (docs/spec/raw-sheets.md)
        for target in blank:
            record.setdefault(target, 0.0)
        if self._may_include_senior_part(school_type, scope, record, resources):
            self.warnings.append(
                f"row {row_index + 1} ({name}): the {scope} part of a {school_type} school"
                " reports resources but no senior enrollment to split them by; if they are the"
                " whole school's, the senior part is inside them (fct_school_stage"
                ".includes_senior_part)"
            )
        counts = self._text(row, "counts_as_school")
        parent = self._text(row, "parent_school_name", as_written=True) or None
        attached = self._is_attached_class(school_type, scope)
        host = parent or (self._host_named(name) if attached else None)
        ownership = self._text(row, "ownership")
        urban_rural = self._text(row, "urban_rural")
        return {
            **record,
            "county_code": county.county_code,
            "school_id": parse_school_id(self._text(row, "school_id")),
            "school_name": name,
            "school_name_key": school_name_key(name, county.county_name),
            "school_type": school_type,
            "reported_scope": scope,
            "ownership": _lookup(self.vocabulary.values["ownership"], ownership)
            if ownership
            else None,
            "urban_rural": _lookup(self.vocabulary.values["urban_rural"], urban_rural)
            if urban_rural
            else None,
            "counts_as_school": (
                None
                if not counts
                else _lookup(self.vocabulary.values["counts_as_school"], counts) == "true"
            ),
            "parent_school_name": parent,
            "parent_school_name_key": school_name_key(host, county.county_name) if host else None,
        }


# Names may be split across columns under one header; codes and labels never are.
_SPANNING_FIELDS = frozenset({"school_name", "parent_school_name"})


def _continues(previous: Column, column: Column) -> bool:
    """Whether `column` sits right of `previous` under the same header cell (a header merged
    across both), rather than being a second column of the same field."""
    return column.index == previous.index + 1 and column.path == previous.path
