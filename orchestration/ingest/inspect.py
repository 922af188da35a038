"""`junheng inspect FILE`: how the reader reads one county file, as text for a person.

For each sheet: the table found and its header rows; for every column its header path, the
field, stage, unit and scale it is read as and why (the term that matched, the rule that
decided), or why it is left unmatched; the base quantities the sheet has no column for;
then the first rows as they will be staged (or quarantined, with the reason). Nothing is
written anywhere: this is how a bureau's engineer checks a new county's layout.
"""

from __future__ import annotations

import math
from pathlib import Path

from orchestration.ingest.discover import RawFile
from orchestration.ingest.discover import _raw_file as raw_file  # one rule for a file's year
from orchestration.ingest.reader import FileReader
from orchestration.ingest.records import RowReader, SheetContext
from orchestration.ingest.regions import RegionRegistry, region_registry
from orchestration.ingest.table import Column, locate_table
from orchestration.ingest.vocabulary import Vocabulary, vocabulary
from orchestration.ingest.workbook import UnreadableFile, read_workbook

_IDENTITY_SHOWN = ("school_name", "school_type", "reported_scope", "county_code")


def _raw_root(path: Path) -> Path:
    """The raw folder a file sits in (its folders may name the year and the county), else
    the file's own folder."""
    for parent in path.parents:
        if parent.name == "raw":
            return parent
    return path.parent


def _reading(column: Column, vocabulary: Vocabulary) -> str:
    meaning = column.meaning
    if meaning is None:
        return "UNMATCHED"
    if meaning.kind == "ignored":
        return f"set aside ({meaning.field})"
    text = f"{meaning.kind} {meaning.field}"
    if meaning.is_part:
        text = f"part of {meaning.field} (counts for {'+'.join(meaning.counts_for)})"
    if meaning.stage:
        text += f" stage={meaning.stage}"
    if meaning.unit:
        factor = vocabulary.units[meaning.unit][1]
        text += f" unit={meaning.unit} x{factor:g}"
    return text


def _value(value: object) -> str:
    if isinstance(value, float):
        return "" if math.isnan(value) else f"{value:.12g}"
    return "" if value is None else str(value)


def _staged_line(row: dict) -> str:
    shown = [f"row {row['source_row']}"]
    shown += [_value(row.get(name)) for name in _IDENTITY_SHOWN]
    figures = [
        f"{name}={_value(value)}"
        for name, value in row.items()
        if name.endswith(("_primary", "_junior", "_whole", "_m2", "_yuan"))
        or name in ("computers", "books", "multimedia_rooms")
        if _value(value) and not name.startswith(("parent_", "school_"))
    ]
    return "  ".join([*shown, *figures])


def inspect_file(
    path: Path,
    rows: int = 5,
    words: Vocabulary | None = None,
    registry: RegionRegistry | None = None,
) -> str:
    """The mapping of every sheet of `path` and its first `rows` rows as staged, as text.

    For each sheet: where its table is, each column's field, stage and unit and why (or why
    it is left unmatched), the base quantities it lacks, and its first `rows` data rows as
    they would be staged. `words` and `registry` default to those of contracts/. What
    `junheng inspect FILE` prints; a file that can not be read says why instead.
    """
    words = words or vocabulary()
    registry = registry or region_registry()
    path = path.resolve()
    raw: RawFile = raw_file(path, _raw_root(path))
    lines = [f"file {raw.source_file}: survey year {raw.survey_year or 'unknown'}"]
    if raw.status:
        lines.append(f"  {raw.status} at discovery: {raw.reason_code}: {raw.reason}")
    try:
        grids = read_workbook(path)
    except UnreadableFile as error:
        return "\n".join([*lines, f"  unreadable: {error.reason_code}: {error}"])
    reading = FileReader(raw, words, registry).read()
    for grid in grids:
        lines.append("")
        receipt = next((r for r in reading.receipts if r.get("sheet") == grid.name), None)
        status = receipt["status"] if receipt else "not read"
        reason = f" ({receipt['reason_code']}: {receipt['reason']})" if receipt and receipt[
            "reason_code"
        ] else ""  # fmt: skip
        lines.append(f"sheet {grid.name!r}: {status}{reason}")
        table = locate_table(grid, words)
        if table is None:
            lines.append("  no row reads as the header of a school table")
            continue
        lines.append(
            f"  table: header rows {table.header_start + 1}-{table.header_end}, "
            f"{len(table.columns)} columns with a header"
        )
        context = SheetContext(county=None, region_context="", place_type=None)
        row_reader = RowReader(table, context, words, registry)
        for column in table.columns:
            lines.append(
                f"  {column.letter:>3}  {column.header_text}\n"
                f"       -> {_reading(column, words)}: {column.reason}"
            )
            if column.index in row_reader.not_used:
                lines.append(f"       NOT USED: {row_reader.not_used[column.index]}")
        missing = row_reader.missing_fields()
        for entry in missing:
            lines.append(
                f"  missing: {entry['field']} (no column; leaves "
                f"{', '.join(entry['indicators']) or 'no indicator'} uncomputable)"
            )
        staged = [r for r in reading.school_rows if r["sheet"] == grid.name]
        held = [r for r in reading.quarantine if r["sheet"] == grid.name]
        first = sorted(
            [(r["source_row"], _staged_line(r)) for r in staged]
            + [
                (
                    r["source_row"],
                    f"row {r['source_row']} QUARANTINED {r['reason_code']}: {r['reason']}",
                )
                for r in held
            ]  # fmt: skip
        )[:rows]
        lines.append(f"  first rows as staged ({len(staged)} staged, {len(held)} quarantined):")
        lines += [f"    {line}" for _, line in first]
    return "\n".join(lines)
