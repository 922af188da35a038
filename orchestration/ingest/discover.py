"""Listing raw/: every file, its survey year, and whether it is to be read at all."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path, PurePosixPath

from orchestration.ingest.regions import region_registry
from orchestration.ingest.table import locate_table, title_lines
from orchestration.ingest.text import normalise_text
from orchestration.ingest.vocabulary import vocabulary
from orchestration.ingest.workbook import SPREADSHEET_SUFFIXES, UnreadableFile, read_workbook
from orchestration.ingest.years import path_years, years_in_title

LOCK_FILE_PREFIX = "~$"


@dataclass(frozen=True)
class RawFile:
    """One file found below the raw folder: its absolute `path`, `source_file` (posix, relative
    to the raw folder: the name every receipt and quarantine row carries), the survey year it
    belongs to, and, when discovery already decided it, its status (skipped | rejected) with a
    reason code (contracts/reason_codes.csv) and a reason in words.
    """

    path: Path  # absolute
    source_file: str  # posix path relative to raw_dir
    survey_year: int | None  # None when it can not be told
    status: str | None  # None: to be read; 'skipped' | 'rejected' decided at discovery
    reason_code: str | None
    reason: str | None


def path_names(source_file: str) -> tuple[str, list[str]]:
    """The file name (without suffix) and its folders, nearest first, as text to find a
    county in: `2023/石家庄市/正定县.xlsx` -> ('正定县', ['石家庄市', '2023'])."""
    source = PurePosixPath(source_file)
    return normalise_text(source.stem), [normalise_text(p) for p in reversed(source.parts[:-1])]


@lru_cache(maxsize=4096)
def county_of_path(source_file: str) -> str | None:
    """The county_code (行政区划代码) the file's name and folders name, or None.

    What a file's path says without opening it, so that a file that can not be read, or
    is skipped, still belongs to its county (the reader resolves each sheet again, with
    its titles and sheet name first). The region resolution is the reader's own.
    """
    file_name, folders = path_names(source_file)
    levels = [file_name, *folders]
    match = region_registry().resolve(levels, " ".join(levels))
    return match.county.county_code if match.county is not None else None


def _title_years(path: Path) -> set[int]:
    """Years the title lines of a file's visible sheets name (a file outside a year folder)."""
    words = vocabulary()
    years: set[int] = set()
    for grid in read_workbook(path):
        if grid.visible:
            table = locate_table(grid, words)
            for line in title_lines(grid, table):
                years |= years_in_title(line)
    return years


def _raw_file(path: Path, raw_dir: Path) -> RawFile:
    relative = PurePosixPath(path.relative_to(raw_dir).as_posix())
    source_file = str(relative)
    years = path_years(list(relative.parts[:-1]), path.stem)
    year = next(iter(years)) if len(years) == 1 else None

    def receipt(status: str | None, code: str | None = None, reason: str | None = None,
                survey_year: int | None = year) -> RawFile:  # fmt: skip
        return RawFile(path, source_file, survey_year, status, code, reason)

    if path.name.startswith(LOCK_FILE_PREFIX):
        return receipt("skipped", "lock_file", "an office lock file")
    if path.suffix.lower() not in SPREADSHEET_SUFFIXES:
        return receipt(
            "skipped", "not_a_spreadsheet", f"{path.suffix or 'no extension'} is not a spreadsheet"
        )
    if len(years) > 1:
        return receipt(
            "rejected", "year_conflict", f"folder and file name name {sorted(years)}", None
        )
    if year is not None:
        return receipt(None)
    try:
        years = _title_years(path)
    except UnreadableFile as error:
        return receipt("rejected", error.reason_code, str(error))
    if len(years) > 1:
        return receipt("rejected", "year_conflict", f"title rows name {sorted(years)}", None)
    if not years:
        return receipt(
            "rejected", "year_unknown", "no year in the folder, the file name or a title row"
        )
    return receipt(None, survey_year=years.pop())


def discover_raw_files(raw_dir: Path) -> list[RawFile]:
    """Every entry below `raw_dir` (dot-files aside), sorted by path, with its year and status.

    Regular files are classified by _raw_file. Every other entry gets a receipt of its own
    and is never followed: a symbolic link (to a file or a folder, inside raw/ or leading
    out of it, dangling or looping), a FIFO, socket or device, and a folder that can not be
    listed. A link is not read even when it leads to a spreadsheet inside raw/: that file
    is read where it is, and once.
    """
    raw_dir = raw_dir.resolve()
    found: list[RawFile] = []
    unlistable: list[Path] = []

    def note_unlistable(error: OSError) -> None:
        unlistable.append(Path(error.filename))

    for folder, folders, names in os.walk(raw_dir, onerror=note_unlistable, followlinks=False):
        here = Path(folder)
        folders[:] = sorted(name for name in folders if not name.startswith("."))
        for name in [*folders, *names]:
            path = here / name
            if name.startswith("."):
                continue
            if path.is_symlink():
                found.append(_not_regular(path, raw_dir, _link_reason(path, raw_dir)))
            elif name in names and not path.is_file():
                found.append(_not_regular(path, raw_dir, ("not_a_regular_file",
                                                          "a FIFO, socket or device, not a file")))  # fmt: skip
            elif name in names:
                found.append(_raw_file(path, raw_dir))
        folders[:] = [name for name in folders if not (here / name).is_symlink()]
    for path in unlistable:
        if path != raw_dir:
            reason = ("not_a_regular_file", "a folder that can not be listed (no permission?)")
            found.append(_not_regular(path, raw_dir, reason))
    return sorted(found, key=lambda file: file.path)


def _link_reason(path: Path, raw_dir: Path) -> tuple[str, str]:
    """Why a symbolic link is not followed, naming where it leads."""
    target = os.readlink(path)
    try:
        resolved = path.resolve(strict=True)
    except (OSError, RuntimeError):
        return "not_a_regular_file", f"a link to {target} that leads nowhere (dangling or a loop)"
    if not resolved.is_relative_to(raw_dir):
        return "link_outside_raw", f"a link to {resolved}, outside the raw folder: not followed"
    kind = "folder" if resolved.is_dir() else "file"
    return "not_a_regular_file", f"a link to the {kind} {target}: read where it is, not here"


def _not_regular(path: Path, raw_dir: Path, reason: tuple[str, str]) -> RawFile:
    relative = PurePosixPath(path.relative_to(raw_dir).as_posix())
    # A link to a folder is named like one (`2019`): its name counts as a folder's too.
    years = path_years([*relative.parts[:-1], path.name], path.stem)
    year = next(iter(years)) if len(years) == 1 else None
    return RawFile(path, str(relative), year, "skipped", *reason)


def survey_years(files: Iterable[RawFile]) -> list[int]:
    """The distinct known survey years of `files`, sorted."""
    return sorted({file.survey_year for file in files if file.survey_year is not None})
