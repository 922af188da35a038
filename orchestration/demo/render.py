"""Lay one county-year of the true province out as messy sheets, recording the truth of every row.

Each written row carries what the pipeline should make of it: a staged school row (in
the columns of contracts/staging_schema.SCHOOL_SURVEY), a quarantined row with its
reason code, or a row that is not data (title, header, section, total, note, blank).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import opencc
import pandas as pd

from contracts.staging_schema import QUANTITY_COLUMNS
from orchestration.demo.layouts import (
    AREA_KEYS,
    EQUIPMENT_UNITS,
    GROUP_LABELS,
    HEADERS,
    OWNERSHIP_LABELS,
    RESOURCE_KEYS,
    SECTION_NUMERALS,
    STAGE_LABELS,
    TEACHER_KEYS,
    TYPE_LABELS,
    URBAN_RURAL_LABELS,
    Layout,
)
from orchestration.demo.writers import ExcelError, Formula, ScientificNumber

TO_TRADITIONAL = opencc.OpenCC("s2t")
SINGLE_STAGE = {"primary": "primary", "teaching_point": "primary", "junior": "junior"}
NONE_MARKERS = ("", "-", "—", "/", "无", 0)
FULL_WIDTH = str.maketrans("0123456789.,", "０１２３４５６７８９．，")
# Row defects injected into a file, and the reason code the pipeline must give them.
DEFECTS = {
    "formula_error": "formula_error",
    "negative_value": "negative_value",
    "teachers_exceed": "teachers_exceed_students",
    "area_slip": "implausible_area",
    "equipment_slip": "implausible_value",
    "zero_students": "no_students",
    "duplicate_exact": "duplicate_exact",
    "duplicate_conflict": "duplicate_conflict",
    "missing_school_name": "missing_school_name",
    "missing_students": "missing_students",
    "unknown_school_type": "unknown_school_type",
    "unparseable_number": "unparseable_number",
    "invalid_school_id": "invalid_school_id",
    "non_integer_count": "non_integer_count",
    "county_unknown": "county_unknown",
}
# The column a defect is written into, when the sheet must have it.
DEFECT_COLUMNS = {
    "unknown_school_type": "school_type",
    "invalid_school_id": "school_id",
    "county_unknown": "county_code",
}
# Types no entry of contracts/school_types.csv names.
UNKNOWN_TYPE_LABELS = ("其他", "工读学校")
# What a county types where it has no number at hand.
UNPARSEABLE_TEXTS = ("约{value}", "见附表", "{value}册(估)")


@dataclass(frozen=True)
class Column:
    """One column of a rendered table: its `key` (a staging field, or a layout-only key such as
    `computed`), the school stage (primary/junior) of a quantity split per stage, and the top
    header cell of a three-row header.
    """

    key: str
    stage: str | None = None  # for a quantity column split per stage
    group: str | None = None  # the top header row of a three-row header


@dataclass
class RowTruth:
    """What the pipeline should make of one written row."""

    outcome: str  # staged | quarantined | not_data
    kind: str | None = None  # not-data kind, or the reason code of a quarantined row
    record: dict | None = None  # the staged values (also kept for quarantined rows)


@dataclass
class Sheet:
    """One sheet as it is written: its cell rows, the truth of each row (staged, quarantined or
    not data), merged cells, whether it is hidden, and the reason code of a sheet the pipeline
    must skip.
    """

    name: str
    rows: list[list[object]] = field(default_factory=list)
    truth: list[RowTruth] = field(default_factory=list)
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)  # 0-based, inclusive
    hidden: bool = False
    skip_reason: str | None = None  # reason code of a sheet the pipeline skips
    declared_total_students: float | None = None  # the students of its 合计 row

    def add(self, cells: list[object], truth: RowTruth) -> int:
        """Append a row with its truth; returns its 1-based spreadsheet row number."""
        self.rows.append(cells)
        self.truth.append(truth)
        return len(self.rows)  # the spreadsheet's 1-based row number


@dataclass
class Workbook:
    """One demo file: `path` relative to the raw folder (posix), format (xlsx, xlsm, xls, csv),
    text encoding of a CSV, its sheets, and the survey year it belongs to (None: undated).
    """

    path: str  # posix, relative to the output folder
    fmt: str
    encoding: str
    sheets: list[Sheet]
    survey_year: int | None


def not_data(kind: str) -> RowTruth:
    """The truth of a row that is not data, of kind `kind` (title, header, section, total, note,
    blank).
    """
    return RowTruth("not_data", kind)


def columns_for(layout: Layout, sheet_kind: str) -> list[Column]:
    """The columns of a sheet. sheet_kind: whole (one row per school), stage (one row per
    school part, a 办学类型 column telling multi-stage schools), or single_type (a sheet of
    one single-stage school type)."""
    columns = [Column("serial")] if layout.serial else []
    if layout.county_columns:
        columns += [Column("county_code"), Column("county_name")]
    columns.append(Column("school_name"))
    if layout.with_ids:
        columns.append(Column("school_id"))
    if sheet_kind in ("whole", "stage") and not layout.type_from_section:
        columns.append(Column("school_type"))
    if layout.with_ownership:
        columns += [Column("ownership"), Column("urban_rural")]
    if layout.with_counts_column:
        columns.append(Column("counts_as_school"))
    if layout.with_parent:
        columns.append(Column("parent_school_name"))
    if sheet_kind == "whole" and layout.students_by_stage:
        columns += [
            Column("students", stage, "students") for stage in ("primary", "junior", "senior")
        ]
    else:
        columns.append(Column("students", None, "students"))
    if sheet_kind == "whole":
        if layout.teacher_split:
            columns += [
                Column(key, stage, "teachers")
                for key in TEACHER_KEYS
                for stage in ("primary", "junior")
            ]
        else:
            columns += [Column(key, None, "teachers") for key in TEACHER_KEYS]
    else:
        columns += [Column(key, None, "teachers") for key in TEACHER_KEYS]
    if layout.statistics_floor:
        floor = ["teaching_area_m2", "sports_ground_m2", "indoor_sports_m2"]
    else:
        floor = ["teaching_area_m2", "sports_area_m2"]
    columns += [Column(key, None, "resources") for key in (*floor, *RESOURCE_KEYS)]
    if layout.computed_column:
        columns.append(Column("computed", None, "resources"))
    if layout.blank_column:
        columns.insert(3, Column("blank"))
    columns.append(Column("remark"))
    return columns


def header_text(column: Column, layout: Layout) -> str:
    """The header cell text of `column` in `layout`: its synonym, the unit the layout writes
    (m² or 平方米, 元 or 万元), line breaks, spacing, and traditional characters when asked.
    """
    text = HEADERS[column.key][layout.synonym]
    if column.key in AREA_KEYS or column.key == "computed":
        text += layout.area_unit
    elif column.key == "equipment_value_yuan":
        text += EQUIPMENT_UNITS[layout.equipment_unit]
    if layout.line_breaks and len(text) > 6:
        text = text[:4] + "\n" + text[4:]
    if layout.synonym == 1 and column.key == "students":
        text = " ".join(text)  # 学 生 数: spaced out to centre it
    return TO_TRADITIONAL.convert(text) if layout.traditional else text


def write_header(sheet: Sheet, columns: list[Column], layout: Layout) -> None:
    """One, two or three header rows; a label over its stages, and a group over its
    columns, are merged across them (in formats that merge)."""
    depth = layout.header_rows
    if depth > 1 and not any(column.stage for column in columns):
        depth -= 1  # no stage row under the labels: a row less, rather than a blank one
    # Two rows without stages: the group labels over the column labels.
    grouped = depth == 2 and layout.header_rows == 3
    first = len(sheet.rows)
    grid = [["" for _ in columns] for _ in range(depth)]
    merges = []

    def runs(key_of):
        start = 0
        while start < len(columns):
            end = start
            while (
                end + 1 < len(columns)
                and key_of(start) is not None
                and key_of(end + 1) == key_of(start)
            ):
                end += 1
            yield start, end
            start = end + 1

    translate = TO_TRADITIONAL.convert if layout.traditional else (lambda text: text)
    for index, column in enumerate(columns):
        label = header_text(column, layout)
        stage = translate(STAGE_LABELS[column.stage]) if column.stage else None
        if depth == 1:
            grid[0][index] = f"{stage}{label}" if stage else label
        elif stage:
            grid[depth - 1][index] = stage
        else:
            top = 1 if column.group and (depth == 3 or grouped) else 0
            grid[top][index] = label
            if top < depth - 1:
                merges.append((first + top, index, first + depth - 1, index))
    if depth > 1 and not grouped:
        for start, end in runs(
            lambda i: (columns[i].key, columns[i].group) if columns[i].stage else None
        ):
            if columns[start].stage:
                grid[depth - 2][start] = header_text(columns[start], layout)
                merges.append((first + depth - 2, start, first + depth - 2, end))
    if depth == 3 or grouped:
        for start, end in runs(lambda i: columns[i].group):
            if columns[start].group:
                grid[0][start] = translate(GROUP_LABELS[columns[start].group])
                merges.append((first, start, first, end))
    if layout.fmt != "csv":
        sheet.merges += [m for m in merges if (m[0], m[1]) != (m[2], m[3])]
    for cells in grid:
        sheet.add(list(cells), not_data("header"))


class CountyYearRenderer:
    """Renders one county-year of the master into a Workbook with its truth."""

    def __init__(
        self, layout: Layout, issuer: str, year: int, source_file: str, rng: np.random.Generator
    ):
        self.layout = layout
        self.issuer = issuer  # the county (or prefecture) that fills the sheet in
        self.year = year
        self.source_file = source_file
        self.rng = rng
        self.scale = 10_000.0 if layout.equipment_unit in ("万元", "file") else 1.0

    # ---- values -------------------------------------------------------------------------
    def quantities(
        self, school: dict, scope: str, columns: list[Column]
    ) -> dict[int, tuple[str, float]]:
        """Per column index: the staging column it feeds and its value in base units."""
        school_type = school["school_type"]
        values = {}
        for index, column in enumerate(columns):
            key, stage = column.key, column.stage
            if key == "students" or key in TEACHER_KEYS:
                if stage is None:
                    stage = scope if scope != "school" else SINGLE_STAGE.get(school_type)
                if stage is None:  # a whole-school count the type does not settle
                    value = sum(
                        school.get(f"{key}_{part}", 0.0) for part in ("primary", "junior", "senior")
                    )
                    values[index] = (f"{key}_whole", value)
                else:
                    values[index] = (f"{key}_{stage}", school[f"{key}_{stage}"])
            elif key in AREA_KEYS or key in RESOURCE_KEYS:
                suffix = "" if scope == "school" else f"_{scope}"
                value = school[f"{key}{suffix}"]
                if key == "teaching_area_m2" and self.layout.statistics_floor:
                    value += school[f"indoor_sports_m2{suffix}"]  # the form counts it inside
                values[index] = (key, value)
        return values

    def apply_defect(
        self, defect: str, values: dict[int, tuple[str, float]]
    ) -> dict[int, tuple[str, float]]:
        """The row's quantity cells (column index -> (staged name, value)) with `defect` applied
        (a negative value, more teachers than students, ...), as the quarantine must catch it.
        """
        values = dict(values)
        by_name = {name: index for index, (name, _) in values.items()}
        students = sum(v for name, v in values.values() if name.startswith("students_"))
        teacher_index = next(
            i for n, i in by_name.items() if n.startswith("teachers_") and n.count("_") == 1
        )
        if defect == "negative_value":
            name, value = values[teacher_index]
            values[teacher_index] = (name, -value)
        elif defect == "teachers_exceed":
            name, _ = values[teacher_index]
            values[teacher_index] = (name, float(students * 8))
        elif defect == "area_slip":
            index = by_name["teaching_area_m2"]
            values[index] = ("teaching_area_m2", values[index][1] * 1000)
        elif defect == "equipment_slip":
            # 元 typed into a 万元 column (or the 万元 figure scaled twice): 10 000 times too much
            index = by_name["equipment_value_yuan"]
            values[index] = ("equipment_value_yuan", values[index][1] * 10_000)
        elif defect == "zero_students":
            # A suspended school: no students and no teachers, so that no other check fires first.
            for index, (name, _) in list(values.items()):
                if name.startswith(("students_", "teachers_")):
                    values[index] = (name, 0.0)
        elif defect == "non_integer_count":
            name, value = values[teacher_index]
            values[teacher_index] = (name, value + 0.5)
        elif defect == "duplicate_conflict":
            index = next(
                i for n, i in by_name.items() if n.startswith("students_") and values[i][1] > 0
            )
            values[index] = (values[index][0], values[index][1] + 37)
        return values

    def display(self, column: Column, value: float, plain: bool = False) -> object:
        """The cell as the county typed it: numbers, text, separators, units, none markers."""
        rng, layout = self.rng, self.layout
        if column.key == "equipment_value_yuan":
            value = round(value / self.scale, 4)
        if plain:
            return int(value) if float(value).is_integer() else value
        if value == 0:
            return NONE_MARKERS[int(rng.integers(len(NONE_MARKERS)))] if layout.cell_mess else 0
        number = int(value) if float(value).is_integer() else value
        if not layout.cell_mess or rng.random() < 0.6:
            if (
                layout.formulas
                and value > 100
                and rng.random() < 0.15
                and float(value).is_integer()
            ):
                part = int(value) // 3
                return Formula(f"={part}+{int(value) - part}", float(value))
            return number
        style = rng.integers(5)
        if style == 0 and abs(value) >= 1000:
            return f"{number:,}"
        if style == 1:
            return str(number).translate(FULL_WIDTH)
        if style == 2:
            return f" {number} "
        if style == 3 and column.key in AREA_KEYS:
            return f"{number}㎡"
        return str(number)

    def id_cell(self, school_id: str | None) -> object:
        """How the layout writes a 10-digit school_id: as text, as a number, in scientific format,
        or spaced; empty for a school without one.
        """
        if pd.isna(school_id):
            return ""  # a county of a merged file that keeps no ids
        style = self.layout.id_style
        if self.layout.fmt != "csv" and style == "number":
            return int(school_id)
        if self.layout.fmt != "csv" and style == "scientific":
            return ScientificNumber(int(school_id))
        if style == "spaced":
            return f"{school_id[:4]} {school_id[4:]} "
        return school_id

    def label_cells(self, school: dict, column: Column) -> object:
        """The cell of a label column (name, county, school type, ownership, urban/rural, parent,
        是否计校数, ...) for `school`, in the layout's wording.
        """
        pick = self.layout.synonym % 2
        key = column.key
        if key == "school_name":
            return school["school_name"]
        if key == "county_code":
            return school["county_code"]
        if key == "county_name":
            return school["county_name"]
        if key == "school_type":
            return TYPE_LABELS[school["school_type"]][pick]
        if key == "ownership":
            return OWNERSHIP_LABELS[school["ownership"]][pick]
        if key == "urban_rural":
            return URBAN_RURAL_LABELS[school["urban_rural"]][pick]
        if key == "counts_as_school":
            return 0 if school["school_type"] == "teaching_point" else 1
        if key == "parent_school_name":
            return parent_name(school) or ""
        if key == "remark":
            return (
                "布局调整保留校点"
                if school["school_type"] == "teaching_point" and self.rng.random() < 0.3
                else ""
            )
        return ""

    # ---- rows ---------------------------------------------------------------------------
    def school_row(
        self,
        sheet: Sheet,
        columns: list[Column],
        school: dict,
        scope: str,
        serial: int,
        defect: str | None = None,
        repeat_of: list[object] | None = None,
    ) -> list[object]:
        """Add one school's row (its `scope`: the whole school or one stage part) to `sheet`,
        with its defect if any, or as a copy of `repeat_of` (a duplicate); returns the cells.
        """
        values = self.quantities(school, scope, columns)
        if defect:
            values = self.apply_defect(defect, values)
        cells: list[object] = []
        for index, column in enumerate(columns):
            if index in values:
                cells.append(self.display(column, values[index][1], plain=defect is not None))
            elif column.key == "serial":
                cells.append(serial)
            elif column.key == "school_id":
                cells.append(self.id_cell(school["school_id"]))
            elif column.key == "computed":
                cells.append(self.computed_cell(values, len(sheet.rows) + 1))
            else:
                cells.append(self.label_cells(school, column))
        if defect:
            self.damage_cells(defect, cells, columns, values, school)
        if repeat_of is not None:
            cells = list(repeat_of)
        record = self.staged_record(school, scope, columns, values)
        # A multi-stage school with only a total enrollment column: no stage to put it in.
        reason = (
            "stage_enrollment_missing" if record.pop("students_whole", None) is not None else None
        )
        if defect is not None:
            reason = DEFECTS[defect]
        if defect == "missing_school_name":
            record["school_name"] = None
        elif defect == "county_unknown":
            record["county_code"] = None
        truth = RowTruth("staged" if reason is None else "quarantined", reason, record)
        row = sheet.add(cells, truth)
        record["source_row"] = row
        return cells

    def damage_cells(
        self,
        defect: str,
        cells: list[object],
        columns: list[Column],
        values: dict[int, tuple[str, float]],
        school: dict,
    ) -> None:
        """Write a cell-level defect into a row's cells."""
        pick = int(self.rng.integers(1 << 16))
        for index, column in enumerate(columns):
            name = values[index][0] if index in values else None
            if defect == "formula_error" and name == "teaching_area_m2":
                cells[index] = (
                    "#DIV/0!"  # typed as text: python-calamine reads true error cells as ""
                )
            elif defect == "missing_students" and column.key == "students":
                cells[index] = ""
            elif defect == "missing_school_name" and column.key == "school_name":
                cells[index] = ""
            elif defect == "unknown_school_type" and column.key == "school_type":
                cells[index] = UNKNOWN_TYPE_LABELS[pick % len(UNKNOWN_TYPE_LABELS)]
            elif defect == "unparseable_number" and name == "books":
                text = UNPARSEABLE_TEXTS[pick % len(UNPARSEABLE_TEXTS)]
                cells[index] = text.format(value=int(values[index][1]))
            elif defect == "invalid_school_id" and column.key == "school_id":
                cells[index] = self.id_cell(school["school_id"][:-1])  # a digit lost in typing
            elif defect == "county_unknown" and column.key == "county_code":
                cells[index] = school["prefecture_code"]  # the prefecture's code, not the county's

    def computed_cell(self, values: dict[int, tuple[str, float]], row: int) -> object:
        """An unused ratio column; a broken one (#DIV/0!) must not cost the row."""
        students = sum(v for name, v in values.values() if name.startswith("students_"))
        area_index = next(i for i, (name, _) in values.items() if name == "teaching_area_m2")
        if students == 0 or self.rng.random() < 0.08:
            return ExcelError("#DIV/0!") if self.layout.fmt in ("xlsx", "xlsm") else "#DIV/0!"
        ratio = round(values[area_index][1] / students, 2)
        if self.layout.formulas:
            enrollment = "+".join(
                f"{column_letter(i)}{row}"
                for i, (name, _) in values.items()
                if name.startswith("students_")
            )
            return Formula(f"=ROUND({column_letter(area_index)}{row}/({enrollment}),2)", ratio)
        return ratio

    def staged_record(
        self, school: dict, scope: str, columns: list[Column], values: dict[int, tuple[str, float]]
    ) -> dict:
        """The staged row (contracts/staging_schema.SCHOOL_SURVEY columns, base units) the pipeline
        must make of this school's row, from the quantity `values` as written.
        """
        keys = {column.key for column in columns}
        record = dict.fromkeys(QUANTITY_COLUMNS)
        for index, (name, value) in values.items():
            column = columns[index]
            if column.key == "equipment_value_yuan":
                value = round(round(value / self.scale, 4) * self.scale, 6)
            record[name] = float(value)
        is_point = school["school_type"] == "teaching_point"
        record.update(
            survey_year=self.year,
            source_file=self.source_file,
            county_code=school["county_code"],
            school_id=school["school_id"] if "school_id" in keys else None,
            school_name=school["school_name"],
            school_name_key=None,
            school_type=school["school_type"],
            reported_scope=scope,
            ownership=school["ownership"] if "ownership" in keys else None,
            urban_rural=school["urban_rural"] if "urban_rural" in keys else None,
            counts_as_school=(not is_point) if "counts_as_school" in keys else None,
            parent_school_name=parent_name(school) if "parent_school_name" in keys else None,
            parent_school_name_key=None,
        )
        return record

    def total_row(
        self,
        sheet: Sheet,
        columns: list[Column],
        label: str,
        data_rows: list[list[object]],
        first_row: int,
        last_row: int,
    ) -> float:
        """A total row; returns the students it declares."""
        cells: list[object] = []
        students = 0.0
        for index, column in enumerate(columns):
            if column.key == "school_name":
                cells.append(label)
            elif (
                column.key == "students"
                or column.key in TEACHER_KEYS
                or column.key in AREA_KEYS
                or column.key in RESOURCE_KEYS
            ):
                total = sum(numeric(row[index]) for row in data_rows)
                total = round(total, 4)
                if column.key == "students":
                    students += total
                if self.layout.formulas:
                    letter = column_letter(index)
                    cells.append(Formula(f"=SUM({letter}{first_row}:{letter}{last_row})", total))
                else:
                    cells.append(total)
            else:
                cells.append("")
        sheet.add(cells, not_data("total"))
        return students

    def title_block(self, sheet: Sheet, width: int) -> None:
        """Add the layout's title rows (the table's title, the issuing bureau and the unit line)
        above the header of a sheet `width` columns wide; nothing when the layout has none.
        """
        if not self.layout.title_lines:
            return
        sheet.add(
            self.pad([f"{self.issuer}{self.year}年义务教育学校基本情况统计表"], width),
            not_data("title"),
        )
        if width > 1 and self.layout.fmt != "csv":
            sheet.merges.append((len(sheet.rows) - 1, 0, len(sheet.rows) - 1, min(width - 1, 12)))
        unit = "单位:平方米、万元" if self.layout.equipment_unit == "file" else "单位:人、平方米"
        sheet.add(
            self.pad(
                [
                    f"填报单位:{self.issuer}教育局",
                    "",
                    "",
                    unit,
                    "",
                    "",
                    f"统计时间:{self.year}年9月30日",
                ],
                width,
            ),
            not_data("title"),
        )
        if self.layout.blank_rows:
            sheet.add(self.pad([], width), not_data("blank"))

    def footer_block(self, sheet: Sheet, width: int) -> None:
        """Add the layout's footer notes (data date, who filled and checked the form) below the
        table; nothing when the layout has none.
        """
        if self.layout.footer:
            sheet.add(
                self.pad([f"注:本表数据截至{self.year}年9月30日,在校生数不含附设幼儿班。"], width),
                not_data("note"),
            )
            sheet.add(
                self.pad(
                    ["填表人:王××", "", "审核人:李××", "", f"填报日期:{self.year}年10月15日"], width
                ),
                not_data("note"),
            )

    @staticmethod
    def pad(cells: list[object], width: int) -> list[object]:
        """`cells` padded with empty cells to `width`."""
        return list(cells) + [""] * (width - len(cells))

    def table_sheet(
        self,
        name: str,
        sheet_kind: str,
        groups: list[tuple[str | None, list[tuple[dict, str]]]],
        defects: dict[int, str],
    ) -> Sheet:
        """A sheet holding groups of (school, scope) rows, each group under an optional section row."""
        layout = self.layout
        sheet = Sheet(name)
        columns = columns_for(layout, sheet_kind)
        width = len(columns)
        self.title_block(sheet, width)
        if layout.equipment_unit == "file" and not layout.title_lines:
            sheet.add(self.pad(["单位:万元"], width), not_data("title"))
        write_header(sheet, columns, layout)
        data_start = len(sheet.rows) + 1
        serial = 0
        all_rows: list[list[object]] = []
        name_column = next(i for i, c in enumerate(columns) if c.key == "school_name")
        for section_index, (section_type, members) in enumerate(groups):
            if section_type:
                label = f"{SECTION_NUMERALS[section_index]}、{TYPE_LABELS[section_type][0]}"
                cells = [""] * width
                cells[name_column] = label
                sheet.add(cells, not_data("section"))
            first = len(sheet.rows) + 1
            section_rows = []
            for school, scope in members:
                serial += 1
                if layout.blank_rows and section_rows and self.rng.random() < 0.04:
                    sheet.add([""] * width, not_data("blank"))
                defect = defects.get(school["school_uid"]) if scope == "school" else None
                duplicated = defect in ("duplicate_exact", "duplicate_conflict")
                cells = self.school_row(
                    sheet, columns, school, scope, serial, None if duplicated else defect
                )
                section_rows.append(cells)
                if defect == "duplicate_exact":
                    self.school_row(sheet, columns, school, scope, serial, defect, repeat_of=cells)
                    section_rows.append(cells)
                elif defect == "duplicate_conflict":
                    sheet.truth[-1].outcome, sheet.truth[-1].kind = "quarantined", DEFECTS[defect]
                    section_rows.append(
                        self.school_row(sheet, columns, school, scope, serial, defect)
                    )
            if section_type and layout.totals and section_rows:
                self.total_row(sheet, columns, "小计", section_rows, first, len(sheet.rows))
            all_rows += section_rows
        if layout.totals:
            label = (
                "全县合计" if any(g[0] for g in groups) else ("合计", "总计")[layout.synonym % 2]
            )
            sheet.declared_total_students = self.total_row(
                sheet, columns, label, all_rows, data_start, len(sheet.rows)
            )
        self.footer_block(sheet, width)
        return sheet


def parent_name(school: dict) -> str | None:
    """The 所属学校 of a teaching point, when it has one."""
    parent = school["parent_school_name"]
    if (
        school["school_type"] != "teaching_point"
        or parent is None
        or parent is pd.NA
        or parent != parent
    ):
        return None
    return parent


def numeric(cell: object) -> float:
    """The number a cell shows (a formula's cached value; full-width digits, thousands commas
    and ㎡ removed); 0.0 for anything that is not a number.
    """
    if isinstance(cell, Formula):
        return float(cell.cached) if isinstance(cell.cached, (int, float)) else 0.0
    if isinstance(cell, (int, float)):
        return float(cell)
    text = (
        str(cell)
        .translate(str.maketrans("０１２３４５６７８９．，", "0123456789.,"))
        .replace(",", "")
    )
    text = text.replace("㎡", "").strip()
    try:
        return float(text)
    except ValueError:
        return 0.0


def column_letter(index: int) -> str:
    """The spreadsheet letters of a 0-based column index (0 -> A, 26 -> AA)."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters
