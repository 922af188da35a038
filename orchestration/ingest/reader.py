"""Reading one raw file: its sheets located, their rows classified, staged or quarantined.

Every row of a loaded sheet is counted once: staged, quarantined, or not data (with its
kind). A sheet that is not read says why (hidden, instructions, empty, no table, another
year, no county); a file none of whose sheets is read is rejected with the first reason.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from dataclasses import dataclass, field, replace

from contracts.staging_schema import SCHOOL_SURVEY
from orchestration.ingest.cells import (
    Rejection,
    cell_text,
    is_blank,
    school_id_lost,
    written_text,
)
from orchestration.ingest.demo_files import sha256_of
from orchestration.ingest.discover import RawFile, county_of_path, path_names
from orchestration.ingest.records import (
    RowReader,
    SheetContext,
    raw_values,
    unwritten_raw_values,
)
from orchestration.ingest.regions import RegionRegistry
from orchestration.ingest.rows import DATA, RowKind, classify_row
from orchestration.ingest.table import (
    Table,
    column_letter,
    locate_table,
    merged_down,
    starts_another_table,
    title_lines,
)
from orchestration.ingest.text import compact, normalise_text
from orchestration.ingest.vocabulary import Vocabulary
from orchestration.ingest.workbook import SheetGrid, UnreadableFile, read_workbook
from orchestration.ingest.years import years_in_name, years_in_title

# A title line `label: value` (填报单位:城关镇中心校, 单位:万元) names no school type.
_LABELLED = re.compile(r"[:：]")
# A staged school row's columns: the school_survey table's and its raw values (unwritten).
SCHOOL_ROW_COLUMNS = (*SCHOOL_SURVEY.names, "raw_values")
# When no sheet of a file is read, the file is rejected for the most telling reason.
_FILE_REASONS = ("year_conflict", "county_ambiguous", "county_unknown", "no_table")


@dataclass
class FileReading:
    """What reading one raw file gives: its receipts (ingest_files rows: one per sheet, or one
    for the file when it is rejected or skipped whole), its staged school rows and its
    quarantined rows, as dicts of the staging schema's columns (contracts/staging_schema.py).
    """

    receipts: list[dict] = field(default_factory=list)  # ingest_files rows
    # school_survey rows and their raw_values unwritten (records.unwritten_raw_values):
    # written only for the rows dedupe quarantines, the only ones published
    school_rows: list[dict] = field(default_factory=list)
    quarantine: list[dict] = field(default_factory=list)
    # The school rows column by column once `by_columns` has moved them there.
    school_columns: dict[str, list] | None = None

    def by_columns(self) -> FileReading:
        """This reading with its school rows moved to `school_columns`: SCHOOL_ROW_COLUMNS
        -> one value per row (NaN where a row has none, as pandas gives a list of dicts).

        A reader worker sends this form back: a list per column pickles and unpickles
        several times faster than a dict per row, and the year's frame is built from the
        columns. Columns outside SCHOOL_ROW_COLUMNS are dropped, as the frame drops them.
        """
        if self.school_columns is None:
            rows, missing = self.school_rows, math.nan
            self.school_columns = {
                name: [row.get(name, missing) for row in rows] for name in SCHOOL_ROW_COLUMNS
            }
            self.school_rows = []
        return self


class _SheetSkipped(Exception):
    def __init__(self, reason_code: str, reason: str) -> None:
        super().__init__(reason)
        self.reason_code = reason_code


def file_sha256(raw: RawFile) -> str:
    """The SHA-256 (64 hex digits) of a raw file's bytes, the `file_sha256` of its receipts."""
    return sha256_of(raw.path)


def file_receipt(raw: RawFile, sha256: str | None = None, **fields) -> dict:
    """The ingest_files row of a file read, skipped or rejected as a whole."""
    return {
        "survey_year": raw.survey_year,
        "source_file": raw.source_file,
        "sheet": None,
        "status": raw.status,
        "reason_code": raw.reason_code,
        "reason": raw.reason,
        "file_sha256": sha256,
        # What the path names; a loaded sheet's receipt replaces it with the sheet's county.
        "county_code": county_of_path(raw.source_file),
        **fields,
    }


def _unit_factors(rows: list[list], vocabulary: Vocabulary) -> dict[str, float]:
    """Dimension -> factor from unit lines above the header (`单位:平方米、万元`,
    `金额单位:万元 面积单位:平方米`): every unit named after the first `单位:`, longest
    first (万平方米 before 平方米); the first named of a dimension counts."""
    by_length = sorted(vocabulary.units, key=len, reverse=True)
    factors: dict[str, float] = {}
    for cell in (cell for row in rows for cell in row if isinstance(cell, str)):
        for pattern in vocabulary.unit_line:
            if match := pattern.match(normalise_text(cell).replace(" ", "")):
                named = compact(match.group(match.lastindex))
                for unit in by_length:
                    if unit in named:
                        dimension, factor = vocabulary.units[unit]
                        factors.setdefault(dimension, factor)
                        named = named.replace(unit, " ")
    return factors


def _missing_fields(readers: list[RowReader]) -> list[dict]:
    """The base quantities none of a sheet's tables has a column for."""
    missing = [{entry["field"]: entry for entry in one.missing_fields()} for one in readers]
    return [
        entry for field_name, entry in missing[0].items() if all(field_name in m for m in missing)
    ]


class FileReader:
    """Reads one raw file (a RawFile) with the header vocabulary (contracts/) and the region
    registry: `read()` returns a FileReading.

    Every sheet is located (title, header rows, columns matched to fields), its rows are
    classified as data or not, and each data row is staged or quarantined with its reason
    code. A sheet not read (hidden, instructions, empty, no table, another year, no county)
    gets a `skipped` receipt with its reason; a file none of whose sheets is read, a file the
    spreadsheet library can not open and a comparison of several years are rejected whole.
    Nothing raises for bad input: the receipt says what happened.
    """

    def __init__(self, raw: RawFile, vocabulary: Vocabulary, registry: RegionRegistry) -> None:
        self.raw = raw
        self.vocabulary = vocabulary
        self.registry = registry
        self.file_name, self.folders = path_names(raw.source_file)

    def read(self) -> FileReading:
        """Read the file: its receipts, staged rows and quarantined rows (see the class).

        Never raises for bad input: an unreadable or encrypted file, one without a table or a
        comparison of years comes back as one `rejected` (or `skipped`) receipt with its reason
        code. The file's SHA-256 is on every receipt.
        """
        sha256 = file_sha256(self.raw)
        try:
            grids = read_workbook(self.raw.path)
        except UnreadableFile as error:
            rejected = replace(
                self.raw, status="rejected", reason_code=error.reason_code, reason=str(error)
            )
            return FileReading([file_receipt(rejected, sha256)])
        reading = FileReading()
        skipped: list[tuple[str, str, str]] = []
        for grid in grids:
            try:
                self._read_sheet(grid, reading)
            except _SheetSkipped as skip:
                skipped.append((grid.name, skip.reason_code, str(skip)))
        for receipt in reading.receipts:
            receipt["file_sha256"] = sha256
        named = years_in_name(self.file_name)
        other_year = [(sheet, why) for sheet, code, why in skipped if code == "year_conflict"]
        if len(named) > 1 and other_year:
            # A file naming several years is one year's only when each sheet is that year's;
            # else it compares years, and none of its sheets is the county's figures.
            sheet, why = other_year[0]
            rejected = replace(self.raw, status="rejected", reason_code="year_conflict",
                               reason=f"a comparison of {sorted(named)}: sheet {sheet!r}: {why}; "
                               "no sheet of it is read")  # fmt: skip
            return FileReading([file_receipt(rejected, sha256)])
        if not reading.receipts:
            telling = [code for _, code, _ in skipped if code in _FILE_REASONS]
            code = min(telling, key=_FILE_REASONS.index, default="no_table")
            reason = next(
                (why for _, c, why in skipped if c == code), "no sheet holds a school table"
            )
            rejected = replace(self.raw, status="rejected", reason_code=code, reason=reason)
            if code == "no_table" and all(grid.container == "text" for grid in grids):
                # Text is a table or nothing: a note.txt is no spreadsheet, a text file
                # named .xls or .csv without a table is no file the reader can read.
                if self.raw.path.suffix.lower() == ".txt":
                    rejected = replace(rejected, status="skipped", reason_code="not_a_spreadsheet",
                                       reason="a text file without a table")  # fmt: skip
                else:
                    rejected = replace(rejected, reason_code="unreadable",
                                       reason="a text file without a school table")  # fmt: skip
            return FileReading([file_receipt(rejected, sha256)])
        for sheet, code, reason in skipped:
            reading.receipts.append(
                {
                    **file_receipt(self.raw, sha256),
                    "sheet": sheet,
                    "status": "skipped",
                    "reason_code": code,
                    "reason": reason,
                }  # fmt: skip
            )
        return reading

    def _read_sheet(self, grid: SheetGrid, reading: FileReading) -> None:
        words = self.vocabulary
        if not grid.visible:
            raise _SheetSkipped("hidden_sheet", "a hidden sheet")
        if any(label in compact(grid.name) for label in words.instructions_sheets):
            raise _SheetSkipped("instructions_sheet", "an instructions sheet")
        if not any(not is_blank(cell) for row in grid.rows for cell in row):
            raise _SheetSkipped("empty_sheet", "no cell filled")
        shown = _shown(grid)
        table = locate_table(shown, words)
        if table is None:
            raise _SheetSkipped("no_table", "no row reads as the header of a school table")
        titles = title_lines(grid, table)
        named_years = years_in_name(grid.name) | {
            y for line in titles for y in years_in_title(line)
        }
        if not named_years and len(years_in_name(self.file_name)) > 1:
            raise _SheetSkipped(
                "year_conflict",
                f"the file name names {sorted(years_in_name(self.file_name))} and the sheet no year",
            )
        if named_years - {self.raw.survey_year}:
            raise _SheetSkipped(
                "year_conflict",
                f"the sheet names {sorted(named_years)}, the file is {self.raw.survey_year}",
            )
        sheet_name = normalise_text(grid.name)
        region_context = " ".join([*titles, sheet_name, self.file_name, *self.folders])
        county = self.registry.resolve([" ".join(titles), sheet_name, self.file_name, *self.folders],
                                       region_context)  # fmt: skip
        rows_name_county = table.used("identity", "county_code") or table.used(
            "identity", "county_name"
        )
        if county.county is None and not rows_name_county:
            raise _SheetSkipped(county.reason_code, county.reason)
        context = SheetContext(
            county=county.county,
            region_context=region_context,
            place_type=words.school_type_in(sheet_name)
            or words.school_type_in(" ".join(line for line in titles if not _LABELLED.search(line)))
            or words.school_type_in(self.file_name),
            unit_factors=_unit_factors(grid.rows[: table.header_start], words),
            error_cells=grid.error_cells,
            uncached_cells=grid.uncached_cells,
        )
        reading.receipts.append(
            self._read_rows(shown, table, context, reading, _hidden_filled(grid))
        )
        reading.receipts += [
            {**file_receipt(self.raw), "sheet": grid.name, "status": "skipped",
             "reason_code": code, "reason": reason}
            for code, reason in _hidden_parts(grid, table)
        ]  # fmt: skip

    def _read_rows(
        self,
        grid: SheetGrid,
        table: Table,
        context: SheetContext,
        reading: FileReading,
        hidden_filled: frozenset[int] = frozenset(),
    ) -> dict:
        reader = RowReader(table, context, self.vocabulary, self.registry)
        readers = [reader]
        kinds: Counter[str] = Counter()
        for row in grid.rows[: table.header_start]:
            kinds["blank" if all(is_blank(cell) for cell in row) else "title"] += 1
        kinds["header"] += table.header_end - table.header_start
        where = {"survey_year": self.raw.survey_year, "source_file": self.raw.source_file,
                 "sheet": grid.name}  # fmt: skip
        staged = quarantined = 0
        first_staged = len(reading.school_rows)
        lost_ids: list[int] = []  # rows whose id cell lost its digits
        section_type = None
        declared_totals = []
        after_footer = False
        index = table.header_end
        merged = merged_down(grid, table)
        while index < len(grid.rows):
            row_index, row = index, grid.rows[index]
            if row_index in grid.hidden_rows:  # read as empty by _shown; never data
                index += 1
                kinds["hidden_row" if row_index in hidden_filled else "blank"] += 1
                continue
            if row_index in merged:
                row = [*row, *[None] * (max(merged[row_index]) + 1 - len(row))]
                for column, value in merged[row_index].items():
                    row[column] = value
            if starts_another_table(row, table, self.vocabulary):
                below = locate_table(grid, self.vocabulary, index)
                table = replace(below, title_keys=table.title_keys | below.title_keys)
                reader = RowReader(table, context, self.vocabulary, self.registry)
                readers.append(reader)
                merged = merged_down(grid, table)
                kinds["header"] += table.header_end - table.header_start
                index, section_type, after_footer = table.header_end, None, False
                continue
            index += 1
            kind = classify_row(row, table, self.vocabulary)
            if kind.kind == "footer":
                after_footer = True
            elif after_footer and kind.kind == DATA and not reader.has_quantities(row):
                kind = RowKind("footer")  # signatures and dates under a footer line
            if kind.kind == "section" and kind.section_type:
                section_type = kind.section_type
            if (
                kind.kind == "total"
                and (students := reader.students_total(row, row_index)) is not None
            ):
                declared_totals.append(students)
            if kind.kind != DATA:
                kinds[kind.kind] += 1
                continue
            try:
                record = reader.read(row, row_index, section_type)
            except Rejection as rejection:
                quarantined += 1
                name_column = reader.identity.get("school_name")
                name = (
                    row[name_column.index] if name_column and name_column.index < len(row) else None
                )
                reading.quarantine.append({
                    **where, "source_row": row_index + 1,
                    "county_code": context.county.county_code if context.county else None,
                    "school_name": None if is_blank(name) else written_text(name),
                    "caught_by": "ingest", "reason_code": rejection.reason_code, "reason": str(rejection),
                    "raw_values": raw_values(row, table, context.uncached_cells, row_index),
                })  # fmt: skip
                continue
            staged += 1
            id_column = reader.identity.get("school_id")
            if id_column and school_id_lost(
                row[id_column.index] if id_column.index < len(row) else None
            ):
                lost_ids.append(row_index)
            reading.school_rows.append(
                {
                    **where,
                    "source_row": row_index + 1,
                    **record,
                    "raw_values": unwritten_raw_values(
                        row, table, context.uncached_cells, row_index
                    ),
                }
            )
        unknown = sorted({cell for one in readers for cell in one.unknown_cells})
        notes = [_unknown_reason(unknown)] if unknown else []
        notes += _id_notes(reading.school_rows[first_staged:], lost_ids)
        unmatched = []
        for one in readers:
            unmatched += [
                {"column": c.letter, "text": c.header_text, "reason": c.reason}
                for c in one.table.columns
                if c.meaning is None
            ]
            unmatched += [
                {"column": c.letter, "text": c.header_text, "note": one.not_used[c.index]}
                for c in one.table.columns
                if c.index in one.not_used
            ]
        return {
            **file_receipt(self.raw), "sheet": grid.name, "status": "loaded",
            # rows naming their own county: the sheet is the path's county, if it names one
            "county_code": context.county.county_code if context.county
            else county_of_path(self.raw.source_file),
            "rows_read": len(grid.rows), "rows_staged": staged, "rows_quarantined": quarantined,
            "rows_not_data": sum(kinds.values()),
            "not_data_kinds": json.dumps(dict(sorted(kinds.items())), ensure_ascii=False),
            "unmatched_headers": json.dumps(unmatched, ensure_ascii=False),
            "missing_fields": json.dumps(_missing_fields(readers), ensure_ascii=False),
            "row_warnings": json.dumps([w for one in readers for w in one.warnings],
                                       ensure_ascii=False),
            "declared_total_students": max(declared_totals) if declared_totals else None,
            "reason": "; ".join(notes) or None,
        }  # fmt: skip


def _hidden_filled(grid: SheetGrid) -> frozenset[int]:
    """The hidden rows that hold something (a hidden empty row is just blank)."""
    return frozenset(
        index
        for index in grid.hidden_rows
        if index < len(grid.rows) and any(not is_blank(cell) for cell in grid.rows[index])
    )


def _shown(grid: SheetGrid) -> SheetGrid:
    """The sheet as Excel shows it: hidden rows empty, cells of hidden columns empty.

    Counties hide last year's figures and closed schools; a hidden cell is never a value.
    """
    if not grid.hidden_rows and not grid.hidden_columns:
        return grid
    rows = []
    for index, row in enumerate(grid.rows):
        if index in grid.hidden_rows:
            rows.append([])
        elif grid.hidden_columns.intersection(range(len(row))):
            rows.append([None if c in grid.hidden_columns else cell for c, cell in enumerate(row)])
        else:
            rows.append(row)
    return replace(grid, rows=rows)


def _cells_text(cells) -> str:
    return " | ".join(cell_text(cell) for cell in cells if not is_blank(cell))


def _hidden_parts(grid: SheetGrid, table: Table) -> list[tuple[str, str]]:
    """(reason code, reason) for the hidden rows and hidden columns of a read sheet that
    hold something: skipped, and reported like a hidden sheet."""
    found = []
    rows = sorted(_hidden_filled(grid))
    if rows:
        listed = "; ".join(f"row {r + 1}: {_cells_text(grid.rows[r][:6])}" for r in rows[:20])
        more = f" and {len(rows) - 20} more" if len(rows) > 20 else ""
        found.append(("hidden_row", f"hidden rows not read ({listed}{more})"))
    header = grid.rows[table.header_start : table.header_end]
    shown_headers = {
        compact(_cells_text(row[c] for row in header if c < len(row))): c
        for c in {column.index for column in table.columns}
    }
    for column in sorted(grid.hidden_columns):
        cells = [row[column] for row in grid.rows if column < len(row)]
        if all(is_blank(cell) for cell in cells):
            continue
        text = _cells_text(row[column] for row in header if column < len(row))
        same = shown_headers.get(compact(text)) if text else None
        instead = (
            f"; the visible column {column_letter(same)} of the same header is read"
            if same is not None
            else ""
        )
        found.append(
            (
                "hidden_column",
                f"hidden column {column_letter(column)} ({text or 'no header'}) not read{instead}",
            )
        )
    return found


def _unknown_reason(cells: list[tuple[int, int]]) -> str:
    """The note on a sheet's receipt for formulas saved without a cached value."""
    listed = ", ".join(f"{column_letter(c)}{r + 1}" for r, c in cells[:20])
    more = f" and {len(cells) - 20} more" if len(cells) > 20 else ""
    return f"formula without a cached value, read as unknown (not 0): {listed}{more}"


def _rows_listed(rows: list[int]) -> str:
    listed = ", ".join(str(r) for r in rows[:20])
    return listed + (f" and {len(rows) - 20} more" if len(rows) > 20 else "")


def _id_notes(records: list[dict], lost: list[int]) -> list[str]:
    """Ids that are not ids, on the staged records of one sheet: the school is then
    identified by its name within its county, and the sheet's receipt says so.

    An id shared by differently named schools of a sheet (`2130180000` for every school,
    the digits a scientific display kept) would merge them into one school: it is dropped.
    """
    notes = []
    if lost:
        notes.append(
            "school ids shown in scientific notation lost their digits, not valid ids: rows "
            f"{_rows_listed([r + 1 for r in lost])} identified by name within the county"
        )
    names_of: dict[str, set[str]] = {}
    for record in records:
        if record["school_id"]:
            names_of.setdefault(record["school_id"], set()).add(record["school_name_key"])
    shared = {school_id for school_id, names in names_of.items() if len(names) > 1}
    if shared:
        rows = [record["source_row"] for record in records if record["school_id"] in shared]
        for record in records:
            if record["school_id"] in shared:
                record["school_id"] = None
        notes.append(
            f"school ids {', '.join(sorted(shared))} each given to differently named schools, "
            f"not valid ids: rows {_rows_listed(rows)} identified by name within the county"
        )
    return notes
