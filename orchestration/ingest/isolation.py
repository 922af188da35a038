"""Every file on its own: each raw file is read in a worker process with limits.

Whatever reading one file does (the spreadsheet library panics or aborts, `csv.Error`,
`OSError`, `MemoryError`, a parse that never ends) rejects that file with a receipt and
lets the others load. Before the reader opens a file, its sizes are checked against
`contracts/read_limits.yaml` from the file's own metadata (file size, zip directory, the
sheet's declared used range), so a zip bomb or a sheet reaching XFD1048576 is refused
before anything is unpacked or laid out.

Workers come from a forkserver (fork from a clean, single-threaded process that has the
vocabulary and region registry loaded) and each serves many files, one at a time: a
process per file cost more than reading most files (forking, and re-importing the
caller's main module). The limits stay per file: the memory limit (RLIMIT_AS) bounds
the worker, which holds one file at a time, and before each file the CPU-time limit
(RLIMIT_CPU, soft) is set to the CPU the worker has used so far plus one file's
allowance. A worker that dies (a crash in the spreadsheet library, over a limit) breaks
the pool for the files in flight, at most two per worker: those are read again one at a
time, each in a worker of its own, to tell the culprit from the bystanders; the files
not yet started go on in a new pool.
"""

from __future__ import annotations

import gc
import math
import multiprocessing
import os
import re
import zipfile
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, fields, replace
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

import yaml

from orchestration.ingest.discover import RawFile
from orchestration.ingest.reader import FileReader, FileReading, file_receipt, file_sha256
from orchestration.ingest.sniff import HTML, OTHER_XML, SPREADSHEETML, TEXT, ZIP, sniff
from orchestration.settings import CONTRACTS_DIR, read_workers

T = TypeVar("T")
LIMITS_FILE = "read_limits.yaml"
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s+ref=[\"']([A-Z]*)(\d*)(?::([A-Z]+)(\d+))?[\"']")
# The sheet's <dimension> comes before its data: the first bytes of the member hold it.
_DIMENSION_WINDOW = 64 * 1024


@dataclass(frozen=True)
class ReadLimits:
    """The limits on reading one raw file, from contracts/read_limits.yaml: sizes in bytes (a
    text file, a workbook, one unpacked zip member), the unpacked/packed ratio of a member, a
    sheet's declared cells (rows x columns), each worker's address space (bytes) and CPU
    seconds, and the number of worker processes (JUNHENG_READ_WORKERS overrides).
    """

    max_csv_bytes: int
    max_workbook_bytes: int
    max_zip_member_bytes: int
    max_zip_ratio: float
    max_sheet_cells: int
    worker_memory_bytes: int
    worker_cpu_seconds: int
    workers: int

    def __post_init__(self) -> None:
        # A limit that is not a positive number (a typo, a quoted value) would fail the
        # first run that reads, minutes in, with a TypeError; `workers` may be 0 (read in
        # the calling process, for debugging). `junheng run` checks this before it starts
        # (settings.setting_problem), whether or not a year needs reading.
        for name, value in vars(self).items():
            minimum = 0 if name == "workers" else 1
            number = float if name == "max_zip_ratio" else int
            if not isinstance(value, number | int) or isinstance(value, bool) or value < minimum:
                kind = "a number" if number is float else "a whole number"
                raise ValueError(f"{name}: {value!r} is not {kind} >= {minimum}")


@lru_cache(maxsize=4)
def read_limits(contracts_dir: Path = CONTRACTS_DIR) -> ReadLimits:
    """contracts/read_limits.yaml, with JUNHENG_READ_WORKERS overriding `workers`.

    Raises ValueError (naming the file and the entry) when an entry is missing, unknown or
    not a number of the kind it needs; SettingError for a bad JUNHENG_READ_WORKERS."""
    path = Path(contracts_dir) / LIMITS_FILE
    values = yaml.safe_load(path.read_text(encoding="utf-8"))
    names = {field.name for field in fields(ReadLimits)}
    if not isinstance(values, dict) or set(values) != names:
        found = set(values) if isinstance(values, dict) else set()
        wrong = sorted(names - found) + sorted(found - names)
        raise ValueError(f"{path}: missing or unknown entries: {', '.join(wrong) or 'all'}")
    try:
        limits = ReadLimits(**values)
    except ValueError as error:
        raise ValueError(f"{path}: {error}") from None
    if (workers := read_workers()) is not None:
        limits = replace(limits, workers=workers)
    return limits


class FileRefused(Exception):
    """A file not opened because of what its metadata says: `reason_code` (too_large or
    cannot_open, contracts/reason_codes.csv) and the reason in words (the message).
    """

    def __init__(self, reason_code: str, reason: str) -> None:
        super().__init__(reason)
        self.reason_code = reason_code


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - ord("A") + 1
    return number


# Containers read as text (held in memory while parsed): the text size limit applies.
TEXT_CONTAINERS = {TEXT, HTML, SPREADSHEETML, OTHER_XML}


def check_limits(path: Path, limits: ReadLimits) -> None:
    """Refuse (FileRefused) a file over a limit, from its metadata alone.

    Raises FileRefused('cannot_open') when the file can not be opened at all.
    """
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            head = handle.read(4096)
    except OSError as error:
        raise FileRefused("cannot_open", f"can not open the file: {error}") from error
    # By content, as the reader reads it (sniff.py): an .xlsx renamed .xls is still an
    # archive to check, a web system's .xls export is text.
    container = sniff(head)
    if container in TEXT_CONTAINERS:
        if size > limits.max_csv_bytes:
            raise FileRefused(
                "too_large",
                f"{size} bytes, over the limit of {limits.max_csv_bytes} for a text file",
            )
        return
    if size > limits.max_workbook_bytes:
        raise FileRefused(
            "too_large",
            f"{size} bytes, over the limit of {limits.max_workbook_bytes} for a workbook",
        )
    if container == ZIP and zipfile.is_zipfile(path):
        _check_archive(path, limits)


def _check_archive(path: Path, limits: ReadLimits) -> None:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        return  # the reader says what is wrong with it
    with archive:
        for member in archive.infolist():
            ratio = member.file_size / max(member.compress_size, 1)
            if member.file_size > limits.max_zip_member_bytes or ratio > limits.max_zip_ratio:
                raise FileRefused(
                    "too_large",
                    f"archive member {member.filename} unpacks to {member.file_size} bytes "
                    f"from {member.compress_size} (limits: {limits.max_zip_member_bytes} bytes, "
                    f"ratio {limits.max_zip_ratio:g})",
                )
            if member.filename.startswith("xl/worksheets/") and member.filename.endswith(".xml"):
                cells = _declared_cells(archive, member)
                if cells > limits.max_sheet_cells:
                    raise FileRefused(
                        "too_large",
                        f"{member.filename} declares a used range of {cells} cells, over the "
                        f"limit of {limits.max_sheet_cells}",
                    )


def _declared_cells(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> int:
    """Rows x columns from A1 to the end of the sheet's <dimension ref> (0 without one)."""
    with archive.open(member) as stream:
        head = stream.read(_DIMENSION_WINDOW)
    match = _DIMENSION.search(head)
    if match is None:
        return 0
    letters, row = (match[3], match[4]) if match[3] else (match[1], match[2])
    if not letters or not row:
        return 0
    return _column_number(letters) * int(row)


# Reading allocates millions of short-lived containers (a row's cells, a record's dict)
# that it frees itself; Python's collector, run every 700 allocations by default, spent
# about a tenth of the reading's CPU walking them (and, in the parent, the year's rows)
# without finding garbage. Collections made rarer while reading, never turned off.
READ_GC_THRESHOLD = (100_000, 10, 10)


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Python's collector at READ_GC_THRESHOLD for the block, as it was after."""
    before = gc.get_threshold()
    gc.set_threshold(*READ_GC_THRESHOLD)
    try:
        yield
    finally:
        gc.set_threshold(*before)


def _limit_worker(memory_bytes: int, cpu_seconds: int) -> None:
    """Pool initializer: the memory limit of the worker (it holds one file at a time).

    The CPU limit is set per file (`_read_limited`); its hard limit stays where it was, so
    that the soft limit can be raised again for the next file (an unprivileged process
    can lower a hard limit, never raise it).
    """
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    gc.set_threshold(*READ_GC_THRESHOLD)  # a reader process only reads (see the constant)


def cpu_limit(used_seconds: float, allowance: int, hard: int) -> int:
    """The soft RLIMIT_CPU that gives a worker which has used `used_seconds` of CPU
    `allowance` more seconds (whole seconds, rounded up so no file gets less), capped at
    the hard limit (`hard` < 0: none, RLIM_INFINITY)."""
    soft = math.ceil(used_seconds) + allowance
    return soft if hard < 0 else min(soft, hard)


def _read_limited(raw: RawFile, limits: ReadLimits) -> FileReading:
    """In a pool worker: one file, with one file's CPU allowance from now (SIGXCPU past it)."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    soft = cpu_limit(usage.ru_utime + usage.ru_stime, limits.worker_cpu_seconds, hard)
    resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))
    return _read_one(raw, limits)


def _read_one(raw: RawFile, limits: ReadLimits) -> FileReading:
    """In the worker: check one file's sizes (`check_limits`), then read it; a file over a
    limit is refused, an exception is the file's, and either becomes its receipt. The
    check runs in the worker too: it opens every archive, and runs on both cores so."""
    from orchestration.ingest.regions import region_registry
    from orchestration.ingest.vocabulary import vocabulary

    try:
        check_limits(raw.path, limits)
        return FileReader(raw, vocabulary(), region_registry()).read().by_columns()
    except FileRefused as refused:
        return rejected(raw, refused.reason_code, str(refused))
    except OSError as error:
        return rejected(raw, "cannot_open", f"can not read the file: {error}")
    except (Exception, MemoryError, RecursionError) as error:  # noqa: BLE001 - any failure is the file's
        return rejected(raw, "read_failed", f"reading failed: {type(error).__name__}: {error}")


def rejected(raw: RawFile, reason_code: str, reason: str) -> FileReading:
    """The reading of a file rejected as a whole, with its sha256 where it can be read."""
    try:
        sha256 = file_sha256(raw)
    except OSError:
        sha256 = None
    refused = replace(raw, status="rejected", reason_code=reason_code, reason=reason)
    return FileReading([file_receipt(refused, sha256)])


def in_own_process(function: Callable[..., T], *args: Any, what: str = "") -> T:
    """`function(*args)` in a process started for this call, which ends with it.

    Whatever memory the call takes goes back to the system when it returns: Python keeps
    the arenas of a year's millions of small objects after they are freed, so a run that
    reads ten years in its own process would hold the largest year's high-water mark
    through the dbt build (docs/performance.md, "Memory"). The process comes from the
    forkserver of the readers (no copy of the caller's threads or memory); `function` and
    `args` must pickle, and so must the result. An exception in `function` is raised
    here; a process that dies (killed, out of memory) raises ProcessStopped, a
    RuntimeError whose message names `what` it was doing. Where the readers run in the
    caller's process (`workers: 0` in contracts/read_limits.yaml, or not POSIX), so does
    `function`.
    """
    if _in_calling_process(read_limits()):
        return function(*args)
    try:
        with ProcessPoolExecutor(max_workers=1, mp_context=_forkserver()) as pool:
            return pool.submit(function, *args).result()
    except BrokenProcessPool as error:
        raise ProcessStopped(
            f"the process {what or function.__name__} stopped before it finished (killed by a "
            "signal, or out of memory)"
        ) from error


class ProcessStopped(RuntimeError):
    """The process of `in_own_process` died before its call returned."""


def _in_calling_process(limits: ReadLimits) -> bool:
    """Whether reading happens in the calling process: `workers: 0` (debugging, without the
    per-file limits) or no POSIX (no forkserver)."""
    return limits.workers <= 0 or os.name != "posix"


def _forkserver() -> multiprocessing.context.ForkServerContext:
    """The forkserver context, its server preloaded with the reader's contracts."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["orchestration.ingest.isolation_preload"])
    return context


def _warm_caches() -> None:
    """Run in the forkserver before it forks workers: they inherit the loaded contracts."""
    from orchestration.ingest.regions import region_registry
    from orchestration.ingest.vocabulary import vocabulary

    vocabulary()
    region_registry()


def read_files(files: list[RawFile], limits: ReadLimits | None = None) -> list[FileReading]:
    """Read every file, each on its own; the readings come back in the order of `files`.

    A file over a limit of `limits` (contracts/read_limits.yaml when None) is rejected
    `too_large` from its metadata without being opened; the others are read by
    FileReader in a pool of `limits.workers` processes (in this process when 0 or not on
    POSIX), each under the memory and CPU limits. A worker that dies (a crash of the
    spreadsheet library, memory or CPU over the limit) costs only its file, rejected
    `read_failed`. Never raises for a bad file: one FileReading per file.
    """
    limits = limits or read_limits()
    readings: dict[int, FileReading] = {}
    to_read = list(range(len(files)))
    if _in_calling_process(limits):
        for index in to_read:
            readings[index] = _read_one(files[index], limits)
        return [readings[index] for index in range(len(files))]
    crashed = _read_in_pool(files, to_read, limits, limits.workers, readings)
    # A worker that died broke the pool for every file in flight: read those again alone.
    for index in crashed:
        if _read_in_pool(files, [index], limits, 1, readings):
            readings[index] = rejected(
                files[index],
                "read_failed",
                "the reader process stopped while reading it (a crash in the spreadsheet "
                f"library, or over the limit of {limits.worker_memory_bytes} bytes of memory "
                f"or {limits.worker_cpu_seconds} s of CPU)",
            )
    return [readings[index] for index in range(len(files))]


def _read_in_pool(
    files: list[RawFile],
    indexes: list[int],
    limits: ReadLimits,
    workers: int,
    readings: dict[int, FileReading],
) -> list[int]:
    """Read `indexes` into `readings`; returns those whose worker (or pool) broke.

    At most two files per worker are in flight, so that a worker dying breaks the pool
    for a few files only; the files not yet submitted go on in a new pool.
    """
    pending = list(reversed(indexes))  # popped from the end: in order
    broken: list[int] = []
    while pending:
        broken += _pool_round(files, pending, limits, min(workers, len(pending)), readings)
    return broken


def _pool_round(
    files: list[RawFile],
    pending: list[int],
    limits: ReadLimits,
    workers: int,
    readings: dict[int, FileReading],
) -> list[int]:
    """One pool reading from `pending` (consumed) until it is empty or the pool breaks;
    returns the files in flight when it broke."""
    context = _forkserver()
    in_flight: dict[Future, int] = {}
    broken: list[int] = []
    with ProcessPoolExecutor(
        max_workers=workers,
        mp_context=context,
        initializer=_limit_worker,
        initargs=(limits.worker_memory_bytes, limits.worker_cpu_seconds),
    ) as pool:
        while pending or in_flight:
            while pending and len(in_flight) < 2 * workers:
                index = pending.pop()
                try:
                    future = pool.submit(_read_limited, files[index], limits)
                except BrokenProcessPool:
                    broken.append(index)
                    break
                in_flight[future] = index
            if not in_flight:
                break
            done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
            for future in done:
                index = in_flight.pop(future)
                try:
                    readings[index] = future.result()
                except BrokenProcessPool:
                    broken.append(index)
            if broken:
                break
        # The pool is broken: whatever else was in flight fails with it.
        for future, index in in_flight.items():
            try:
                readings[index] = future.result()
            except BrokenProcessPool:
                broken.append(index)
    return broken
