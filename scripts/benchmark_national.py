"""Junheng at national scale: a generated corpus of N counties x Y years, timed step by step.

    python scripts/benchmark_national.py                        # every county, one year
    python scripts/benchmark_national.py --counties 30 --years 1
    python scripts/benchmark_national.py --counties 300 --steps c d --json out.json
    make benchmark-national ARGS="--counties 300"

The corpus uses the real county list of contracts/region_registry.csv (its 2 849 mainland
county-level units; --counties N takes N of them spread over every province) and the demo
province's generator (orchestration/demo: schools grown by ProvinceBuilder, laid out by
layouts.layout_for and written by writers.py), so the files vary as the demo's do: xlsx,
xlsm, xls and csv in GBK, UTF-8 and UTF-8 with BOM; one- to three-row headers; one to a
dozen sheets; titles, totals, notes, hidden and instruction sheets, teaching points.

Steps (each in its own process, so that its peak RSS is its own):
    a  calamine   bare python-calamine read of every sheet (stdlib csv for csv)
    b  openpyxl   what county staff's scripts do: openpyxl over every cell (xlrd for .xls)
    c  ingest     Junheng's `ingest_year` for every year, discovery included
    d  run        `junheng run` end to end, cold (own state and warehouse folders)
    e  nightly    `junheng run` again with no file changed
    f  startup    a fresh interpreter importing orchestration.definitions and loading it
    g  nightly10  `junheng run` with nothing changed over ten years (a built state simulated)
    h  backfill   a cold `junheng run` over ten years of the corpus's counties, stopped once
                  the warehouse and catalog are published (--until-published does the same
                  for d)
    i  one file   `junheng run` again after one county's file of the last year changed

Before each reading step (a to d) every file of the corpus is read once, untimed, so
that no step pays for the disk. rows/s divides the corpus's sheet rows (every row of every sheet, as written) by a
step's seconds, so that every step is measured against the same work. CPU s is the user +
system time of the step's processes (those it waited for, or every process sampled in its
tree, whichever is larger; on a shared machine the wall clock measures the load too). After step d it prints each Dagster step's seconds and the run's peak RSS while the
step ran (from the run's event log and the /proc samples), and when the warehouse and
catalog were published (the end of the step warehouse_tables, from the command's start):
the issue's "raw files to published warehouse and catalog" goal is measured on that, and
the whole `junheng run` (county pages and gap-list workbooks included) is printed on a
line of its own beside it, with no goal. Peak RSS is the
larger of the step's process tree sampled from /proc (resident memory summed over the
tree) and getrusage's maximum of any one process in it. The goals of issue 13 are
printed beside the figures, each with the corpus it was measured on when that is not the
goal's own (a national year, or ten): such a figure gets no PASS, only a MISS when it
already misses (a larger corpus takes no less time), else n/a; the ten-year backfill of
fewer years is the cold run scaled by 10 / years and marked "est.".

The corpus is cached by its parameters in --out (default: a temporary folder), and
deleted at the end unless --keep.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import importlib
import io
import json
import os
import platform
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from orchestration.settings import CONTRACTS_DIR  # noqa: E402

NATIONAL_COUNTIES = 2849  # mainland county-level units of the registry
# Taiwan, Hong Kong and Macau are in the registry but send no survey.
OUTSIDE_SURVEY = ("71", "81", "82")
LAST_YEAR = 2024
CORPUS_VERSION = 1  # bump when the corpus a given set of parameters writes changes
STEPS = {
    "a": "calamine read",
    "b": "openpyxl loop",
    "c": "ingest_year",
    "d": "junheng run (cold)",
    "e": "junheng run (nightly)",
    "f": "startup",
    "g": "nightly, ten years",
    "h": "ten-year backfill (cold)",
    "i": "nightly, one file changed",
}
SPREADSHEETS = (".xlsx", ".xlsm", ".xls", ".csv")
MB = 1024 * 1024


# ---- the corpus -------------------------------------------------------------------------
def national_counties(count: int | None):
    """`count` mainland counties of the registry, spread evenly over it (so over every
    province), in registry order; all 2 849 when count is None or larger."""
    import pandas as pd

    registry = pd.read_csv(CONTRACTS_DIR / "region_registry.csv", dtype=str)
    mainland = registry[~registry["province_code"].str[:2].isin(OUTSIDE_SURVEY)]
    mainland = mainland.reset_index(drop=True)
    if count is None or count >= len(mainland):
        return mainland
    step = len(mainland) / count
    return mainland.iloc[[int(i * step) for i in range(count)]].reset_index(drop=True)


def write_counties(task: tuple[list[dict], list[int], int, int, str]) -> dict:
    """Write every year of some counties (registry rows, the first of them the
    `first_index`th of the corpus); the files, sheet rows and school-years written."""
    import numpy as np
    import pandas as pd

    from orchestration.demo.generate import (
        DefectRotation,
        file_path,
        layout_sheets,
        pick_defects,
    )
    from orchestration.demo.layouts import layout_for
    from orchestration.demo.province import build_province
    from orchestration.demo.render import CountyYearRenderer, Workbook
    from orchestration.demo.writers import write_workbook

    counties, years, first_index, seed, out_dir = task
    stats = {"files": 0, "sheet_rows": 0, "schools": 0, "formats": {}}
    rotation = DefectRotation()
    for offset, county in enumerate(counties):
        index = first_index + offset
        rng = np.random.default_rng([seed, index])
        frame = pd.DataFrame([county])
        master = build_province(rng, years, counties=frame)
        # The demo numbers schools within a province; a 学校标识码 is unique nationally.
        master["school_id"] = county["county_code"] + master["school_id"].str[-4:]
        for year_index, year in enumerate(years):
            layout = layout_for(index, year_index, with_ids=True)
            schools = master[master["survey_year"] == year]
            path = file_path(frame.iloc[0], year, year_index, layout, index)
            if not path.startswith(f"{year}/"):  # the demo's two files outside a year folder
                path = f"{year}/{path}"
            try:
                defects = pick_defects(schools, layout, rotation, rng)
            except ValueError:  # too few large primary schools to damage two
                defects = {}
            renderer = CountyYearRenderer(layout, county["county_name"], year, path, rng)
            sheets = layout_sheets(renderer, schools, defects, year)
            workbook = Workbook(path, layout.fmt, layout.encoding, sheets, year)
            write_workbook(Path(out_dir), workbook)
            label = f"{layout.fmt} {layout.encoding}".strip()
            stats["formats"][label] = stats["formats"].get(label, 0) + 1
            stats["files"] += 1
            stats["schools"] += len(schools)
            stats["sheet_rows"] += sum(len(sheet.rows) for sheet in workbook.sheets)
    return stats


class CorpusRefused(Exception):
    """--out holds a raw/ folder this call did not write, or --work a folder of the steps'
    names that this script did not make: it is left as it is."""


# The folders the steps make under --work, each marked as the benchmark's: only a marked
# folder is ever emptied or removed (a user's own `run/` under --work is refused, never
# deleted).
WORK_FOLDERS = ("run", "startup", "decade", "backfill")
MARKER = ".made-by-benchmark_national"


def fresh_folder(folder: Path) -> Path:
    """`folder`, emptied if the benchmark made it, else made, and marked as the benchmark's.
    Raises CorpusRefused for a folder there that it did not make."""
    if folder.exists():
        if not made_by_benchmark(folder):
            raise CorpusRefused(f"{folder} was not made by this benchmark: it is left alone")
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    (folder / MARKER).write_text("made by scripts/benchmark_national.py; removed by it\n")
    return folder


def foreign_work_folders(work_dir: Path) -> list[Path]:
    """The folders of WORK_FOLDERS under `work_dir` that the benchmark did not make."""
    folders = [work_dir / name for name in WORK_FOLDERS]
    return [folder for folder in folders if folder.exists() and not made_by_benchmark(folder)]


def made_by_benchmark(folder: Path) -> bool:
    """Whether `folder` carries the benchmark's MARKER (fresh_folder made it)."""
    return (folder / MARKER).exists()


def write_corpus(out_dir: Path, counties: int | None, years: list[int], seed: int, jobs: int):
    """The corpus in out_dir/raw, written unless a corpus of the same parameters is there."""
    chosen = national_counties(counties)
    key = {
        "version": CORPUS_VERSION,
        "counties": len(chosen),
        "years": years,
        "seed": seed,
    }
    manifest_path = out_dir / "corpus.json"
    manifest = None
    if manifest_path.exists():
        manifest = json.loads(manifest_path.read_text())
        if manifest.get("key") == key:
            print(f"the corpus in {out_dir}, written before", file=sys.stderr, flush=True)
            return manifest
    raw_dir = out_dir / "raw"
    if raw_dir.exists() and any(raw_dir.iterdir()):
        # Never write over a raw/ folder: it may be a bureau's landing folder (`--out .` in a
        # checkout) or a corpus of other parameters someone keeps.
        held = (
            f"a corpus of other parameters ({manifest.get('key')})"
            if manifest
            else "files that are not a corpus of this script"
        )
        raise CorpusRefused(
            f"{raw_dir} holds {held}; give --out an empty or new folder, or the same "
            "--counties, --years and --seed as that corpus"
        )
    raw_dir.mkdir(parents=True, exist_ok=True)
    print(f"writing the corpus into {out_dir} ...", file=sys.stderr, flush=True)
    records = chosen.to_dict("records")
    chunk = max(1, min(50, len(records) // (jobs * 4) or 1))
    tasks = [
        (records[i : i + chunk], years, i, seed, str(raw_dir))
        for i in range(0, len(records), chunk)
    ]
    started = time.perf_counter()
    totals = {"files": 0, "sheet_rows": 0, "schools": 0, "formats": {}}
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        for stats in pool.map(write_counties, tasks):
            for name in ("files", "sheet_rows", "schools"):
                totals[name] += stats[name]
            for label, number in stats["formats"].items():
                totals["formats"][label] = totals["formats"].get(label, 0) + number
    manifest = {
        "key": key,
        **totals,
        "bytes": sum(p.stat().st_size for p in raw_dir.rglob("*") if p.is_file()),
        "generation_seconds": round(time.perf_counter() - started, 1),
    }
    manifest_path.write_text(json.dumps(manifest, ensure_ascii=False, indent=1))
    return manifest


# ---- the steps, each run in a child process ---------------------------------------------
def spreadsheet_files(raw_dir: Path) -> list[Path]:
    return sorted(p for p in raw_dir.rglob("*") if p.suffix.lower() in SPREADSHEETS)


def csv_rows(path: Path) -> list[list[str]]:
    """A csv file's rows, in UTF-8 (with or without BOM) or else GB18030 (a superset of GBK)."""
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("gb18030")
    return list(csv.reader(io.StringIO(text, newline="")))


def step_calamine(raw_dir: Path, years: list[int], work_dir: Path) -> int:
    import python_calamine

    rows = 0
    for path in spreadsheet_files(raw_dir):
        if path.suffix.lower() == ".csv":
            rows += len(csv_rows(path))
            continue
        with python_calamine.CalamineWorkbook.from_path(str(path)) as book:
            for name in book.sheet_names:
                rows += len(book.get_sheet_by_name(name).to_python(skip_empty_area=False))
    return rows


def step_openpyxl(raw_dir: Path, years: list[int], work_dir: Path) -> int:
    """Every cell's value, the way a county's own script walks a workbook."""
    import openpyxl
    import xlrd

    rows = 0
    for path in spreadsheet_files(raw_dir):
        suffix = path.suffix.lower()
        if suffix == ".csv":
            for row in csv_rows(path):
                rows += 1
                for _value in row:
                    pass
        elif suffix == ".xls":
            book = xlrd.open_workbook(str(path))
            for sheet in book.sheets():
                for number in range(sheet.nrows):
                    rows += 1
                    for _value in sheet.row_values(number):
                        pass
        else:
            book = openpyxl.load_workbook(path, data_only=True)
            for sheet in book.worksheets:
                for row in sheet.iter_rows():
                    rows += 1
                    for cell in row:
                        _value = cell.value
            book.close()
    return rows


def step_ingest(raw_dir: Path, years: list[int], work_dir: Path) -> int:
    from orchestration.ingest.discover import discover_raw_files
    from orchestration.ingest.pipeline import ingest_year

    files = discover_raw_files(raw_dir)
    staged = 0
    for year in years:
        staged += len(ingest_year(raw_dir, year, files).school_rows)
    return staged


def run_environment(raw_dir: Path, work_dir: Path) -> dict[str, str]:
    """JUNHENG_* folders of the benchmark's own, and a Dagster instance inside them."""
    state = work_dir / "state"
    return {
        **os.environ,
        "JUNHENG_RAW_DIR": str(raw_dir),
        "JUNHENG_WAREHOUSE_DIR": str(work_dir / "warehouse"),
        "JUNHENG_STATE_DIR": str(state),
        "DAGSTER_HOME": str(state / "dagster"),
        "GX_ANALYTICS_ENABLED": "false",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DAGSTER_DISABLE_TELEMETRY": "true",
    }


# When the run of this step (d or h) published its warehouse, as a Unix time, if it was
# stopped there (`--until-published`; always for h): child() reports it.
PUBLISHED_AT: float | None = None


def junheng_run(
    raw_dir: Path, work_dir: Path, until_published: bool = False, command: list[str] | None = None
) -> None:
    """`junheng run` on `raw_dir` with the state and warehouse folders of `work_dir`.

    With `until_published` (a cold run only: `work_dir` has no warehouse yet), the run is
    stopped as soon as the warehouse's `current` pointer appears, which is the moment the
    tables and catalog are published (orchestration/publish/warehouse.py switches it last,
    in one rename); the county pages and gap-list workbooks drawn after it are not. The
    moment is kept in PUBLISHED_AT. `command` replaces `junheng run` (tests). Raises
    RuntimeError when the run fails, or ends without publishing.
    """
    global PUBLISHED_AT
    command = command or [str(Path(sys.executable).with_name("junheng")), "run"]
    pointer = work_dir / "warehouse" / "current"
    with open(work_dir / "last_run.out", "w") as output:
        # A session of its own, so that stopping it stops its pool workers too.
        process = subprocess.Popen(
            command,
            env=run_environment(raw_dir, work_dir),
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        while until_published and process.poll() is None:
            if pointer.is_symlink():
                PUBLISHED_AT = time.time()
                os.killpg(process.pid, signal.SIGKILL)
                break
            time.sleep(0.2)
        returncode = process.wait()
    if PUBLISHED_AT is not None:
        return
    if returncode or until_published:
        # A run that quarantines rows still succeeds; a failure here is the pipeline's.
        tail = (work_dir / "last_run.out").read_text().strip().splitlines()[-15:]
        what = f"exited {returncode}" if returncode else "ended without publishing"
        raise RuntimeError(f"`junheng run` {what}:\n" + "\n".join(tail))


# Set by --until-published: step d stops its run once the warehouse is published.
UNTIL_PUBLISHED = "JUNHENG_BENCHMARK_UNTIL_PUBLISHED"


def prepare_cold(raw_dir: Path, years: list[int], work_dir: Path) -> None:
    """Before step d's clock: an empty run folder with a copy of the corpus's raw files in
    it (51 MB for a national year), so that step i can change one file without touching
    the corpus, which may be read only."""
    run_dir = fresh_folder(work_dir / "run")
    shutil.copytree(raw_dir, run_dir / "raw")
    warm_cache(run_dir / "raw", years, work_dir)


def step_run_cold(raw_dir: Path, years: list[int], work_dir: Path) -> int:
    work_dir = work_dir / "run"
    until_published = os.environ.get(UNTIL_PUBLISHED) == "1"
    junheng_run(work_dir / "raw", work_dir, until_published=until_published)
    return 0


def run_steps(work_dir: Path) -> dict[str, tuple[float, float]]:
    """Each step (asset or check) of the last Dagster run in `work_dir`'s state, from its
    event log: its (start, end) as Unix times, so where a `junheng run` spent its time and
    when the warehouse was published."""
    from dagster import DagsterInstance

    home = work_dir / "state" / "dagster"
    if not (home / "dagster.yaml").exists():
        return {}
    previous = os.environ.get("DAGSTER_HOME")
    os.environ["DAGSTER_HOME"] = str(home)
    try:
        with DagsterInstance.get() as instance:
            runs = instance.get_runs(limit=1)
            if not runs:
                return {}
            stats = instance.get_run_step_stats(runs[0].run_id)
            return {
                stat.step_key: (stat.start_time, stat.end_time)
                for stat in stats
                if stat.start_time and stat.end_time
            }
    finally:
        if previous is None:
            os.environ.pop("DAGSTER_HOME", None)
        else:
            os.environ["DAGSTER_HOME"] = previous


# The steps that run `junheng run` cold: where their state is under --work, and the key of
# their per-Dagster-step figures in the report's data.
RUN_FOLDERS = {"d": "run", "h": "backfill/run"}
BREAKDOWN_KEYS = {"d": "run_steps", "h": "backfill_steps"}

# The step that publishes the warehouse's Parquet tables and its DuckDB catalog: the end of
# the "raw files to published warehouse and catalog". The county pages and gap-list
# workbooks (bureau_reports) come after it in the same run.
PUBLISH_STEP = "warehouse_tables"


def run_breakdown(
    steps: dict[str, tuple[float, float]],
    started_at: float,
    samples: list[tuple[float, int]],
    published_seconds: float | None = None,
) -> dict:
    """Per Dagster step of a `junheng run`: seconds, and the peak resident memory of the
    run's process tree while the step ran (the tree's /proc samples taken within the step's
    span; the run executes its steps one at a time, in one process and the processes it
    starts). `published_seconds`: the end of PUBLISH_STEP, in seconds from the command's
    start (`started_at`, a Unix time), so start-up and discovery count (or the one given, when
    the benchmark saw the warehouse's pointer appear and stopped the run); None when the run
    published nothing. `peak_to_published_bytes`: the tree's peak up to that moment (None
    when nothing was published), what a one-year and a ten-year run are compared on."""
    by_step = {}
    for key, (start, end) in steps.items():
        peaks = [rss for at, rss in samples if start <= at <= end]
        by_step[key] = {
            "seconds": round(end - start, 1),
            "peak_rss_bytes": max(peaks) if peaks else None,
        }
    published = steps.get(PUBLISH_STEP)
    if published_seconds is None and published:
        published_seconds = round(published[1] - started_at, 1)
    until = None if published_seconds is None else started_at + published_seconds
    before = [rss for at, rss in samples if until is not None and at <= until]
    return {
        "steps": by_step,
        "published_seconds": published_seconds,
        "peak_to_published_bytes": max(before) if before else None,
    }


def step_run_nightly(raw_dir: Path, years: list[int], work_dir: Path) -> int:
    work_dir = work_dir / "run"
    if not (work_dir / "warehouse").exists():
        raise RuntimeError("step e (nightly) needs step d (cold) first")
    junheng_run(work_dir / "raw", work_dir)
    return 0


# Which years the last `junheng run` rebuilt, from its "rebuilding 2024: ..." lines.
REBUILT_YEAR = re.compile(r"rebuilding (\d{4}):")


def change_one_file(raw_dir: Path, years: list[int], work_dir: Path) -> None:
    """Before step i's clock: one county's file of the last year changed in step d's copy
    of raw/. The first csv file (in path order) gets a blank line at its end: its content
    digest changes, but the reader skips blank rows, so the figures are the same and step
    i measures the rebuild of one year. That county's page is redrawn (its inputs include
    its file's receipt) with the year's region indexes, as for a real correction."""
    run_raw = work_dir / "run" / "raw"
    if not (work_dir / "run" / "warehouse").exists():
        raise RuntimeError("step i (one file changed) needs step d (cold, not stopped) first")
    csv_files = sorted((run_raw / str(years[-1])).rglob("*.csv"))
    if not csv_files:
        raise RuntimeError(f"step i: no csv file in {run_raw / str(years[-1])} to change")
    with csv_files[0].open("ab") as handle:
        handle.write(b"\r\n")
    (work_dir / "run" / "changed_file.txt").write_text(str(csv_files[0]))


def step_one_file_changed(raw_dir: Path, years: list[int], work_dir: Path) -> int:
    """`junheng run` after one county's file of the last year changed: returns how many
    years it rebuilt (kept in `rebuilt.txt` beside the run's output)."""
    run_dir = work_dir / "run"
    junheng_run(run_dir / "raw", run_dir)
    rebuilt = sorted(set(REBUILT_YEAR.findall((run_dir / "last_run.out").read_text())))
    (run_dir / "rebuilt.txt").write_text(",".join(rebuilt))
    return len(rebuilt)


DECADE = 10


def decade_of(raw_dir: Path, years: list[int], target: Path) -> list[int]:
    """Ten survey years of the corpus's files in `target`: the files of its last year under
    each year's folder, the year changed in their names and in their contents (copy_as_year).
    Copies, not hard links: a link changes the corpus files' inode (link count, ctime), and
    --out may be read-only. Returns the ten years."""
    last = years[-1]
    decade = list(range(last - DECADE + 1, last + 1))
    for source in sorted((raw_dir / str(last)).rglob("*")):
        if not source.is_file():
            continue
        relative = source.relative_to(raw_dir / str(last)).as_posix()
        for year in decade:
            copy = target / str(year) / relative.replace(str(last), str(year))
            copy.parent.mkdir(parents=True, exist_ok=True)
            copy_as_year(source, copy, last, year)
    return decade


OLE_MAGIC = bytes.fromhex("d0cf11e0a1b11ae1")  # an .xls (BIFF in an OLE container)


def copy_as_year(source: Path, copy: Path, year: int, new_year: int) -> None:
    """`source`, a file of survey year `year`, copied as a file of `new_year`: every
    free-standing `year` in its text (titles, 统计时间, sheet names, dates) becomes
    `new_year`, which has as many digits. Without it the reader rejects the copy
    (year_conflict: the sheet names 2024, the file is 2015) and a "ten-year" run reads
    one year and a fraction. Told by content: a zip (xlsx, xlsm) has each XML member
    rewritten; an OLE file (xls) has the year replaced in place, as 8-bit and UTF-16LE
    text, so no record changes length; anything else (csv in any encoding, HTML) is
    bytes whose ASCII digits are single bytes. A figure that happens to equal the year
    changes too, which changes no row. step_backfill checks every copied year reads as
    many rows as the source."""
    if new_year == year:
        shutil.copyfile(source, copy)
        return
    old, new = str(year).encode(), str(new_year).encode()
    narrow = re.compile(rb"(?<![0-9])" + old + rb"(?![0-9])")
    if zipfile.is_zipfile(source):
        with zipfile.ZipFile(source) as packed, zipfile.ZipFile(copy, "w") as written:
            for member in packed.infolist():
                data = packed.read(member)
                if member.filename.endswith((".xml", ".rels")):
                    data = narrow.sub(new, data)
                written.writestr(member, data, compress_type=zipfile.ZIP_DEFLATED)
        return
    data = source.read_bytes()
    if data.startswith(OLE_MAGIC):
        wide = re.compile(rb"(?<![0-9]\x00)" + re.escape(old.decode().encode("utf-16-le"))
                          + rb"(?![0-9]\x00)")  # fmt: skip
        data = wide.sub(new.decode().encode("utf-16-le"), data)
    copy.write_bytes(narrow.sub(new, data))


def built_state(raw_dir: Path, work_dir: Path, years: list[int]) -> None:
    """The state folder and warehouse a finished build of `years` leaves, as far as a run
    with nothing changed reads them (orchestration/freshness.py): the record of every
    file's digest, a staged and a published partition per year (placeholders)."""
    from orchestration.freshness import mark_built, mark_pending
    from orchestration.ingest.discover import discover_raw_files

    state, warehouse = work_dir / "state", work_dir / "warehouse"
    mark_pending(state, discover_raw_files(raw_dir), years)
    mark_built(state, years)
    snapshot = warehouse / "snapshots" / "simulated"
    for year in years:
        for folder in (
            state / "staging" / "school_survey" / f"survey_year={year}",
            snapshot / "fct_school_indicator" / f"survey_year={year}",
        ):
            folder.mkdir(parents=True, exist_ok=True)
            (folder / "part.parquet").write_bytes(b"")
    if not (warehouse / "current").is_symlink():
        os.symlink(Path("snapshots") / "simulated", warehouse / "current")


def prepare_decade(raw_dir: Path, years: list[int], work_dir: Path) -> None:
    """Before step g's clock: ten years of the corpus's files, recorded as built."""
    decade_dir = fresh_folder(work_dir / "decade")
    decade = decade_of(raw_dir, years, decade_dir / "raw")
    built_state(decade_dir / "raw", decade_dir / "run", decade)


def step_nightly_decade(raw_dir: Path, years: list[int], work_dir: Path) -> int:
    """`junheng run` with nothing changed over ten years of the corpus's counties: the real
    command on ten years of real files, the state a finished build leaves simulated
    (building ten national years first takes hours on 2 cores)."""
    decade_dir = work_dir / "decade"
    junheng_run(decade_dir / "raw", decade_dir / "run")
    if "nothing changed" not in (decade_dir / "run" / "last_run.out").read_text():
        raise RuntimeError("step g: the ten-year run rebuilt something")
    return 0


def prepare_backfill(raw_dir: Path, years: list[int], work_dir: Path) -> None:
    """Before step h's clock: ten years of the corpus's files, and nothing built."""
    backfill_dir = fresh_folder(work_dir / "backfill")
    decade_of(raw_dir, years, backfill_dir / "raw")
    (backfill_dir / "run").mkdir()
    warm_cache(backfill_dir / "raw", years, work_dir)


# The reading step's line for a year in a run's output: `read 2015: 20 files read, 1,382 rows`.
READ_LINE = re.compile(r"read (\d{4}): (?:.*?)([\d,]+) rows")


def step_backfill(raw_dir: Path, years: list[int], work_dir: Path) -> int:
    """A cold `junheng run` over ten years of the corpus's counties (each county's file of
    the last year under ten year folders): one single-run backfill, stopped once the ten
    years' warehouse and catalog are published. Their county pages (ten times step d's)
    would take about an hour at national size on 2 cores; the goal ends at publishing.

    Raises RuntimeError unless every year read as many rows as the others: a copy the
    reader rejected would make the figure a backfill of less than ten years' work."""
    backfill_dir = work_dir / "backfill"
    junheng_run(backfill_dir / "raw", backfill_dir / "run", until_published=True)
    output = (backfill_dir / "run" / "last_run.out").read_text()
    rows = {year: int(n.replace(",", "")) for year, n in READ_LINE.findall(output)}
    if len(rows) != DECADE or len(set(rows.values())) != 1:
        raise RuntimeError(f"step h: the ten years did not read the same rows: {rows}")
    return sum(rows.values())


STARTUP = """
from orchestration.definitions import build_definitions
build_definitions().get_repository_def()  # resolves assets, checks, jobs and resources
"""


def step_startup(raw_dir: Path, years: list[int], work_dir: Path) -> int:
    work_dir = fresh_folder(work_dir / "startup")
    subprocess.run(
        [sys.executable, "-W", "ignore", "-c", STARTUP],
        env=run_environment(raw_dir, work_dir),
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    return 0


STEP_FUNCTIONS = {
    "a": step_calamine,
    "b": step_openpyxl,
    "c": step_ingest,
    "d": step_run_cold,
    "e": step_run_nightly,
    "f": step_startup,
    "g": step_nightly_decade,
    "h": step_backfill,
    "i": step_one_file_changed,
}


# What a step needs before its clock starts (not timed).
def warm_cache(raw_dir: Path, years: list[int], work_dir: Path) -> None:
    """Before a reading step's clock: every file's bytes read once, so that no step pays
    for the disk and the ratios between steps compare their work (the first step to read
    a corpus written or copied long ago otherwise waits for the disk: seen, a calamine
    read of 10.1 s wall for 2.6 s of CPU)."""
    for path in sorted(raw_dir.rglob("*")):
        if path.is_file():
            path.read_bytes()


STEP_SETUP = {"a": warm_cache, "b": warm_cache, "c": warm_cache, "d": prepare_cold,
              "g": prepare_decade, "h": prepare_backfill, "i": change_one_file}  # fmt: skip


# The modules a step imports before its clock starts: import time is step f's.
STEP_IMPORTS = {
    "a": ["python_calamine"],
    "b": ["openpyxl", "xlrd"],
    "c": ["orchestration.ingest.pipeline", "orchestration.ingest.discover"],
}


def child(step: str, raw_dir: Path, years: list[int], work_dir: Path) -> None:
    """Run one step in this process and print its figures as the last line of stdout."""
    for module in STEP_IMPORTS.get(step, []):
        importlib.import_module(module)
    if step in STEP_SETUP:
        STEP_SETUP[step](raw_dir, years, work_dir)
    started_at, started = time.time(), time.perf_counter()
    cpu_before = cpu_seconds()
    count = STEP_FUNCTIONS[step](raw_dir, years, work_dir)
    seconds = time.perf_counter() - started
    cpu = cpu_seconds() - cpu_before
    # Not RUSAGE_SELF: Linux keeps ru_maxrss across exec, so it would count the parent's
    # memory at fork. VmHWM starts afresh with the exec'd image.
    peak_kb = max(own_peak_kb(), resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    figures = {"seconds": seconds, "cpu_seconds": round(cpu, 2), "count": count}
    figures["cpu_before_clock"] = round(cpu_before, 2)  # imports and setup, not the step's
    figures |= {"max_process_rss_kb": peak_kb, "started_at": started_at}
    figures["stopped_at_publish"] = PUBLISHED_AT is not None
    if PUBLISHED_AT is not None:
        figures["published_seconds"] = round(PUBLISHED_AT - started_at, 1)
    print(json.dumps(figures))


def cpu_seconds() -> float:
    """User + system CPU seconds of this process and the children it has waited for: on a
    shared machine the wall clock measures the load too, CPU time less so."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def own_peak_kb() -> int:
    """This process's peak resident memory (VmHWM of /proc/self/status), 0 if unknown."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


# ---- measuring a child ------------------------------------------------------------------
def tree_rss(pid: int, cpu: dict[int, float] | None = None) -> int:
    """Resident bytes of a process and all its descendants, from /proc (0 where unreadable).

    With `cpu`, also records each process's own user + system seconds so far (the largest
    seen for its pid): pool workers started by a forkserver are never waited for by the
    step, so getrusage(RUSAGE_CHILDREN) misses their CPU time.
    """
    total, pending = 0, [pid]
    page, tick = os.sysconf("SC_PAGE_SIZE"), os.sysconf("SC_CLK_TCK")
    while pending:
        current = pending.pop()
        try:
            with open(f"/proc/{current}/statm") as handle:
                total += int(handle.read().split()[1]) * page
            if cpu is not None:
                with open(f"/proc/{current}/stat") as handle:
                    fields = handle.read().rsplit(")", 1)[1].split()
                seconds = (int(fields[11]) + int(fields[12])) / tick
                cpu[current] = max(cpu.get(current, 0.0), seconds)
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as handle:
                    pending += [int(c) for c in handle.read().split()]
        except (OSError, ValueError, IndexError):
            continue
    return total


def measure(
    step: str, raw_dir: Path, years: list[int], work_dir: Path
) -> tuple[dict, list[tuple[float, int]]]:
    """Run `step` in a child process: its figures, and the (Unix time, tree RSS) samples."""
    command = [sys.executable, __file__, "--child", step, "--raw", str(raw_dir)]
    command += ["--child-years", ",".join(map(str, years)), "--work", str(work_dir)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    samples: list[tuple[float, int]] = []
    process_cpu: dict[int, float] = {}
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            samples.append((time.time(), tree_rss(process.pid, process_cpu)))
            stop.wait(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, stderr = process.communicate()
    stop.set()
    sampler.join()
    if process.returncode:
        raise SystemExit(f"step {step} ({STEPS[step]}) failed:\n{stderr[-3000:]}")
    figures = json.loads(stdout.strip().splitlines()[-1])
    peak = max((rss for _, rss in samples), default=0)
    figures["peak_rss_bytes"] = max(peak, figures["max_process_rss_kb"] * 1024)
    # The CPU of the processes the step waited for, or of every process seen in its tree
    # (sampled, so a little short), whichever is larger.
    sampled_cpu = round(sum(process_cpu.values()) - figures["cpu_before_clock"], 2)
    figures["cpu_seconds"] = max(figures["cpu_seconds"], sampled_cpu)
    return figures, samples


# ---- the report -------------------------------------------------------------------------
def machine() -> dict:
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    return {
        "nproc": os.cpu_count(),
        "usable_cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "memory_gb": round(memory / 1024**3, 1),
        "cpu": model,
        "python": platform.python_version(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


# The most a ten-year backfill's peak memory (up to publishing) may exceed a one-year run's
# and still count as "not growing with the number of years" (docs/performance.md).
MEMORY_GROWTH = 1.25


def goals(results: dict, counties: int, years: int) -> list[dict]:
    """Each goal of issue 13 beside its figure.

    A goal about a national year (or ten) measured on a smaller corpus has no verdict
    unless the figure already misses: a larger corpus takes no less time. The ten-year
    backfill measured on fewer years of every county is estimated as the cold run times
    10 / years (an upper bound: one backfill run pays the fixed costs once) and marked est.
    """
    seconds = {step: figures["seconds"] for step, figures in results.items()}
    peak = {step: figures["peak_rss_bytes"] / 1024**3 for step, figures in results.items()}
    rows = []

    def goal(text: str, target: str, value: float, unit: str, ok: bool,
             scale: tuple[int, int] = (0, 0), estimated: bool = False,
             informative: bool = False, measured_years: int | None = None,
             comparable: bool = True) -> None:  # fmt: skip
        # (counties, years) the goal speaks of: 300 counties x 10 years is about a national
        # year's rows, but not a national year
        on_years = years if measured_years is None else measured_years
        at_scale = counties >= scale[0] and on_years >= scale[1]
        if scale != (0, 0) and (counties, on_years) != scale and not informative:
            text += f" [measured: {counties} counties x {on_years} year(s)]"
        verdict = "PASS" if ok and at_scale else ("MISS" if not ok else "n/a")
        if not comparable:  # measured on other work than the goal's (more years than one)
            verdict = "n/a"
        if informative:  # a figure beside a goal, with no goal of its own
            verdict = "-"
        rows.append(
            {
                "goal": text,
                "target": target,
                "measured": round(value, 2),
                "unit": unit,
                "at_scale": at_scale,
                "estimated": estimated,
                "informative": informative,
                "verdict": f"{verdict} est."
                if estimated and verdict not in ("n/a", "-")
                else verdict,
            }
        )

    if "a" in seconds and "c" in seconds:
        ratio = seconds["a"] / seconds["c"]
        goal("ingestion throughput / bare calamine", ">= 0.50", ratio, "x", ratio >= 0.5)
    if "b" in seconds and "c" in seconds:
        ratio = seconds["b"] / seconds["c"]
        goal("ingestion speed / openpyxl approach", ">= 5", ratio, "x", ratio >= 5)
    national, decade = (NATIONAL_COUNTIES, 1), (NATIONAL_COUNTIES, DECADE)
    if "d" in seconds:
        # The goal is "raw files to published warehouse and catalog": the end of the publish
        # step. The whole `junheng run` also draws the county pages and gap-list workbooks
        # after it; it is shown on a line of its own, with no goal, so that neither is
        # mistaken for the other (and not at all when the run was stopped at publishing).
        published = results["d"].get("published_seconds")
        whole = None if results["d"].get("stopped_at_publish") else seconds["d"]
        if published is None:  # no event log (the run failed before publishing)
            published, label = seconds["d"], "(whole run: no publish step found)"
        else:
            label = "to published warehouse + catalog"
        # d on several years builds them all: more work than one year of the same counties,
        # less than a national year, so no verdict either way (tester 13d)
        goal(f"one national year, cold, {label}", "<= 60 s", published, "s",
             published <= 60, national, comparable=years == 1)  # fmt: skip
        if whole is not None:
            goal("  the whole `junheng run` incl. county pages", "-", whole, "s", True,
                 national, informative=True)  # fmt: skip
        if "h" in seconds:
            pass  # the backfill is measured: below
        elif years >= DECADE or counties < NATIONAL_COUNTIES:
            goal(f"ten-year national backfill, {label}", "<= 600 s", published, "s",
                 published <= 600, decade)  # fmt: skip
            if whole is not None:
                goal("  the whole `junheng run` incl. county pages", "-", whole, "s", True,
                     decade, informative=True)  # fmt: skip
        else:
            scaled = published * DECADE / years
            goal(f"ten-year national backfill, {label} (x 10 / years)", "<= 600 s", scaled,
                 "s", scaled <= 600, national, estimated=True)  # fmt: skip
            if whole is not None:
                goal("  the whole `junheng run` incl. county pages (x 10 / years)", "-",
                     whole * DECADE / years, "s", True, national, estimated=True,
                     informative=True)  # fmt: skip
        gb = peak["d"]
        stopped = " (to published: stopped there)" if whole is None else ""
        goal(f"peak memory of a run{stopped}", "<= 4 GB", gb, "GB", gb <= 4, national)
    if "h" in seconds:
        published = results["h"].get("published_seconds") or seconds["h"]
        goal("ten-year national backfill, cold, to published warehouse + catalog", "<= 600 s",
             published, "s", published <= 600, decade, measured_years=DECADE)  # fmt: skip
        gb = peak["h"]
        goal("peak memory of the ten-year backfill (to published)", "<= 4 GB", gb, "GB",
             gb <= 4, decade, measured_years=DECADE)  # fmt: skip
        one, ten = (results.get(s, {}).get("peak_to_published_bytes") for s in ("d", "h"))
        if one and ten and years == 1:
            # "Years stream through": ten years may hold a little more than one (dbt's
            # DuckDB buffers, the run's records of ten years), not ten years' rows.
            growth = ten / one
            goal("memory growth with years: peak to published, ten years / one",
                 f"<= {MEMORY_GROWTH:.2f}", growth, "x", growth <= MEMORY_GROWTH, decade,
                 measured_years=DECADE)  # fmt: skip
        elif one and ten:  # d built every year of the corpus: not one year's peak
            goal(f"  memory, peak to published, ten years / {years} (d's years; no goal)",
                 "-", ten / one, "x", True, decade, informative=True)  # fmt: skip
    if "g" in seconds:
        value = seconds["g"]
        goal("nightly run, nothing changed (10 years)", "<= 30 s", value, "s", value <= 30,
             decade, measured_years=DECADE)  # fmt: skip
    elif "e" in seconds:
        value = seconds["e"]
        goal(f"nightly run, nothing changed ({years} year(s))", "<= 30 s", value, "s",
             value <= 30, decade)  # fmt: skip
    if "i" in seconds:
        # "a change in one county's file rebuilds that year only"
        rebuilt = results["i"].get("rebuilt_years") or []
        last = str(results["i"].get("changed_year", ""))
        goal("one county's file changed (last year): years rebuilt", "its year", len(rebuilt),
             "rebuilt: " + (",".join(rebuilt) or "none"), rebuilt == [last])  # fmt: skip
    if "f" in seconds:
        value = seconds["f"]
        goal("startup (imports, manifest, definitions)", "<= 5 s", value, "s", value <= 5)
    return rows


def run_lines(step: str, by_step: dict, figures: dict) -> list[str]:
    """Where a `junheng run` step (d or h) spent its time, and when it published."""
    lines = [
        f"{step} by Dagster step, slowest first (seconds; peak RSS of the run's process tree "
        "while the step ran):"
    ]
    slowest = sorted(by_step.items(), key=lambda item: -item[1]["seconds"])
    for key, stats in slowest[:10]:
        rss = stats["peak_rss_bytes"]
        rss = f"{rss / MB:8.0f} MB" if rss else f"{'-':>11}"
        lines.append(f"  {key:<48}{stats['seconds']:>9.1f}{rss}")
    published = figures.get("published_seconds")
    if published is None:
        return lines
    text = f"{step} published the warehouse and catalog {published:g} s after the command started"
    if figures.get("stopped_at_publish"):
        text += (
            " (the warehouse's `current` pointer appeared); the run was stopped there, before "
            "the county pages and gap-list workbooks"
        )
    else:
        text += (
            f" (end of {PUBLISH_STEP}); the whole `junheng run`, county pages and gap-list "
            f"workbooks included, took {figures['seconds']:.1f} s"
        )
    peak = figures.get("peak_to_published_bytes")
    if peak:
        text += f"; peak RSS up to publishing {peak / MB:.0f} MB"
    return lines + [text]


def report(data: dict) -> str:
    corpus, lines = data["corpus"], []
    m = data["machine"]
    lines.append(f"date:    {data['date']}")
    lines.append(
        f"machine: {m['nproc']} CPUs ({m['usable_cpus']} usable), {m['memory_gb']} GB, {m['cpu']}, "
        f"Python {m['python']}, load average at start {m['load_average']}"
    )
    lines.append(f"command: {data['command']}")
    formats = ", ".join(f"{n} {label}" for label, n in sorted(corpus["formats"].items()))
    lines.append(
        f"corpus:  {corpus['key']['counties']} counties x {len(corpus['key']['years'])} year(s) "
        f"{corpus['key']['years'][0]}-{corpus['key']['years'][-1]}: {corpus['files']} files "
        f"({formats}), {corpus['sheet_rows']:,} sheet rows, {corpus['schools']:,} school-years, "
        f"{corpus['bytes'] / MB:.1f} MB (written in {corpus['generation_seconds']} s)"
    )
    lines.append("")
    lines.append(
        f"{'step':<26}{'seconds':>9}{'CPU s':>9}{'rows/s':>12}{'peak RSS':>11}{'vs calamine':>13}"
    )
    calamine = data["steps"].get("a", {}).get("seconds")
    for step, figures in data["steps"].items():
        seconds = figures["seconds"]
        # e reads nothing (no file changed): a rate or a ratio would mean nothing
        rows = corpus["sheet_rows"]
        if step == "h":  # ten copies of the corpus's last year
            rows = rows * DECADE // len(corpus["key"]["years"])
        rate = f"{rows / seconds:,.0f}" if step in "abcdh" else "-"
        share = f"{calamine / seconds:.2f}" if calamine and step in "bcd" else "-"
        cpu = figures.get("cpu_seconds")
        cpu = f"{cpu:.1f}" if cpu is not None else "-"
        lines.append(
            f"{step} {STEPS[step]:<24}{seconds:>9.2f}{cpu:>9}{rate:>12}"
            f"{figures['peak_rss_bytes'] / MB:>8.0f} MB{share:>13}"
        )
    for step, key in BREAKDOWN_KEYS.items():
        if data.get(key):
            lines += [""] + run_lines(step, data[key], data["steps"][step])
    if data["goals"]:
        width = max(44, *(len(row["goal"]) + 2 for row in data["goals"]))
        values = [f"{row['measured']:g} {row['unit']}" for row in data["goals"]]
        measured = max(14, *(len(value) + 2 for value in values))
        lines.append("")
        lines.append(f"{'goal (issue 13)':<{width}}{'target':>10}{'measured':>{measured}}  verdict")
        for row, value in zip(data["goals"], values, strict=True):
            lines.append(
                f"{row['goal']:<{width}}{row['target']:>10}{value:>{measured}}  {row['verdict']}"
            )
        if any(row.get("estimated") for row in data["goals"]):
            lines.append(
                "est.: the ten-year backfill is the cold run of fewer years scaled to ten, not "
                "measured"
            )
        if any(row["informative"] for row in data["goals"]):
            lines.append(
                "-: no goal of its own; the whole run, beside the goal's figure (which ends when "
                "the warehouse and catalog are published)"
            )
        if "g" in data["steps"]:
            lines.append(
                "g: the real `junheng run` over ten years of the corpus's files (each county's "
                "file under ten year folders), the state a finished build leaves simulated "
                "(its record, staged and published year folders): building ten years first "
                "takes hours here"
            )
        if "h" in data["steps"]:
            lines.append(
                "h: a cold `junheng run` over ten years of the corpus's files (each county's "
                "file of the last year under ten year folders), stopped once the warehouse "
                "and catalog are published; memory growth compares its peak up to publishing "
                "with step d's"
            )
        if not all(row["at_scale"] or row["informative"] for row in data["goals"]):
            lines.append(
                "n/a: measured on a smaller corpus than the goal names (2 849 counties, or ten "
                "years of them); a miss there is a miss at scale too"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        epilog="steps: "
        + "; ".join(f"{step} {what}" for step, what in STEPS.items())
        + ". Without --counties the corpus is every county of the registry (2 849): writing "
        "it takes minutes; on 2 cores step d takes about six minutes (five of them the "
        "county pages, after publishing), i about as long, and h about ten "
        "(docs/performance.md).",
    )
    parser.add_argument("--counties", type=int, help="how many counties (default: all 2 849)")
    parser.add_argument("--years", type=int, default=1, help="how many survey years (default 1)")
    parser.add_argument(
        "--out",
        type=Path,
        help="the corpus folder (default: a temporary one); a raw/ folder in it that is not a "
        "corpus of the same parameters is never written over",
    )
    parser.add_argument(
        "--work",
        type=Path,
        help="where the runs write their state and warehouse (default: --out); give one of "
        "your own when --out is a corpus you may only read",
    )
    parser.add_argument("--keep", action="store_true", help="keep the corpus and warehouse")
    parser.add_argument(
        "--steps",
        nargs="+",
        default=list(STEPS),
        choices=list(STEPS),
        help="steps to time (default: all; see below)",
    )
    parser.add_argument(
        "--seed", type=int, default=2019, help="the corpus generator's seed (default 2019)"
    )
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="writer processes")
    parser.add_argument(
        "--until-published",
        action="store_true",
        help="stop step d's run once the warehouse and catalog are published, before the "
        "county pages (step h always does)",
    )
    parser.add_argument("--json", type=Path, help="also write the figures as JSON to this file")
    parser.add_argument("--child", choices=list(STEPS), help=argparse.SUPPRESS)
    parser.add_argument("--raw", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--child-years", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child:
        child(args.child, args.raw, [int(y) for y in args.child_years.split(",")], args.work)
        return 0
    if args.years < 1 or (args.counties is not None and args.counties < 1):
        parser.error("--counties and --years must be at least 1")
    steps = [step for step in STEPS if step in args.steps]
    if args.until_published:
        os.environ[UNTIL_PUBLISHED] = "1"  # read by step d's child process
    for later in ("e", "i"):
        if later in steps and "d" not in steps:
            parser.error(f"step {later} runs on the warehouse step d builds: give d too")
        if later in steps and args.until_published:
            parser.error(f"step {later} needs step d's run to finish: drop --until-published")

    years = list(range(LAST_YEAR - args.years + 1, LAST_YEAR + 1))
    out_dir = args.out or Path(tempfile.mkdtemp(prefix="junheng-national-"))
    work_dir = args.work or out_dir
    work_dir.mkdir(parents=True, exist_ok=True)
    out_dir.mkdir(parents=True, exist_ok=True)
    try:
        cached_key = json.loads((out_dir / "corpus.json").read_text())["key"]
    except (OSError, ValueError, KeyError):
        cached_key = None
    # Only what the benchmark writes is removed from a folder the user named.
    if foreign := foreign_work_folders(work_dir):
        names = ", ".join(f"{path.name}/" for path in foreign)
        print(
            f"benchmark_national: not started: --work {work_dir} holds {names} that this "
            "benchmark did not make (it would write there): give another --work",
            file=sys.stderr,
        )
        return 2
    written = [work_dir / name for name in WORK_FOLDERS]
    if args.out is None:
        written.append(out_dir)
    try:
        try:
            corpus = write_corpus(out_dir, args.counties, years, args.seed, max(1, args.jobs))
        except CorpusRefused as refused:
            print(f"benchmark_national: not started: {refused}", file=sys.stderr)
            return 2
        # A corpus found in --out was not written here: it is never deleted.
        if args.out is not None and corpus["key"] != cached_key:
            written.append(out_dir / "raw")
        data = {
            "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "machine": machine(),
            "command": " ".join(["python scripts/benchmark_national.py", *sys.argv[1:]]),
            "corpus": corpus,
            "steps": {},
        }
        for step in steps:
            print(f"step {step}: {STEPS[step]} ...", file=sys.stderr, flush=True)
            data["steps"][step], samples = measure(step, out_dir / "raw", years, work_dir)
            if step == "i":
                run_dir = work_dir / "run"
                text = (run_dir / "rebuilt.txt").read_text()
                data["steps"][step]["rebuilt_years"] = text.split(",") if text else []
                data["steps"][step]["changed_year"] = years[-1]
                data["steps"][step]["changed_file"] = (run_dir / "changed_file.txt").read_text()
            if step in RUN_FOLDERS:
                figures = data["steps"][step]
                breakdown = run_breakdown(
                    run_steps(work_dir / RUN_FOLDERS[step]),
                    figures["started_at"],
                    samples,
                    figures.get("published_seconds"),
                )
                data[BREAKDOWN_KEYS[step]] = breakdown["steps"]
                figures["published_seconds"] = breakdown["published_seconds"]
                figures["peak_to_published_bytes"] = breakdown["peak_to_published_bytes"]
        data["goals"] = goals(data["steps"], corpus["key"]["counties"], len(years))
        print(report(data))
        if args.json:
            args.json.write_text(json.dumps(data, ensure_ascii=False, indent=1))
    finally:
        if not args.keep:
            for path in written:
                shutil.rmtree(path, ignore_errors=True)
            if out_dir / "raw" in written or args.out is None:
                (out_dir / "corpus.json").unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
