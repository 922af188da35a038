"""The reader's in-memory seam: sheets held as grids (lists of rows) read the way the reader
reads the sheets of a file, with no file, no sniffing and no worker process.

A layout test (or a tool) builds `grid(rows, merges)` and calls `read_sheets`; what the
reader does with a file's bytes (containers, encodings, cached formulas) is tested through
files, and everything after the grid through this seam.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from orchestration.ingest.discover import RawFile
from orchestration.ingest.grid import Cell, MergedRange, SheetGrid
from orchestration.ingest.reader import FileReader, FileReading, _SheetSkipped, file_receipt
from orchestration.ingest.regions import region_registry
from orchestration.ingest.vocabulary import vocabulary


def grid(
    rows: list[list[Cell]], name: str = "学校", merges: Sequence[MergedRange] = ()
) -> SheetGrid:
    """A visible sheet `name` of `rows` (`rows[0]` is row 1), merges 0-based inclusive."""
    return SheetGrid(name, True, rows, list(merges))


def read_sheets(
    grids: Iterable[SheetGrid],
    source_file: str = "2019/石家庄市/正定县均衡数据.xlsx",
    survey_year: int = 2019,
) -> FileReading:
    """Read `grids` as the sheets of the file `source_file` (a raw/-relative path, which
    tells the county as a real path would) of `survey_year`.

    Returns the reader's FileReading: school rows, quarantined rows and one receipt per
    sheet (a sheet the reader skips gets a `skipped` receipt with its reason code), before
    the year's dedupe (orchestration/ingest/pipeline.py).
    """
    raw = RawFile(Path(source_file), source_file, survey_year, None, None, None)
    reader = FileReader(raw, vocabulary(), region_registry())
    reading = FileReading()
    for sheet in grids:
        try:
            reader._read_sheet(sheet, reading)
        except _SheetSkipped as skip:
            reading.receipts.append(
                {
                    **file_receipt(raw),
                    "sheet": sheet.name,
                    "status": "skipped",
                    "reason_code": skip.reason_code,
                    "reason": str(skip),
                }  # fmt: skip
            )
    return reading
