"""`junheng`: the commands of the README and the operations guide (docs/operations.md)."""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import shutil
import sys
import threading
import warnings
from collections.abc import Sequence
from pathlib import Path

from orchestration.settings import NotACheckoutError, Paths, require_checkout

# Written into a new DAGSTER_HOME (and over the older Junheng default below). The run queue
# (the daemon under `make dev`) starts one run at a time: every run writes the state folder
# and the warehouse. Runs that open dbt's DuckDB database also use the pool `duckdb_build`,
# limited to one at run granularity. Run monitoring marks a run whose process died as failed.
DAGSTER_YAML = """\
telemetry:
  enabled: false
concurrency:
  runs:
    max_concurrent_runs: 1
  pools:
    granularity: run
    default_limit: 1
run_monitoring:
  enabled: true
"""
_OLDER_DAGSTER_YAML = """\
telemetry:
  enabled: false
concurrency:
  pools:
    granularity: run
    default_limit: 1
"""
# Tags of the runs `junheng run` executes in-process: the next one marks them failed if
# they are still STARTED (their process died: it held the run lock, which is free now).
LAUNCHED_BY_TAG = "junheng/launched_by"
STATE_DIR_TAG = "junheng/state_dir"
JOB_NAME = "refresh_warehouse"


def main(argv: Sequence[str] | None = None) -> int:
    """The `junheng` command: parse `argv` (default sys.argv) and run one subcommand.

    Returns the process exit status: 0 done, and the EXIT_* codes of this module otherwise
    (bad input, a failed run, a lost file in a --strict run, another run holding the lock).
    """
    parser = argparse.ArgumentParser(prog="junheng", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    commands.add_parser("dbt-parse", help="write dbt's manifest, which the definitions load")
    docs = commands.add_parser(
        "docs", help="write the dbt documentation of every table and column to warehouse/docs/"
    )
    docs.add_argument(
        "--no-wait",
        dest="wait",
        action="store_false",
        help="exit (code 75) instead of waiting when a run is writing",
    )

    demo = commands.add_parser("demo", help="write the demo province into the raw folder")
    demo.add_argument("--raw", type=Path, help="the folder to write (default: JUNHENG_RAW_DIR)")

    inspect = commands.add_parser(
        "inspect", help="print how the reader reads FILE: each column's field and why, first rows"
    )
    inspect.add_argument("file", type=Path)
    inspect.add_argument("--rows", type=int, default=5, help="data rows to show per sheet")

    run = commands.add_parser(
        "run",
        help="build the warehouse from raw/ (the demo if it is empty): the years whose files, "
        "rules or code changed since their last build",
    )
    run.add_argument("--years", type=year_range, help="a year or a range, e.g. 2019-2021")
    run.add_argument(
        "--force",
        action="store_true",
        help="rebuild every selected year, changed or not (docs/operations.md)",
    )

    backfill = commands.add_parser(
        "backfill", help="rebuild the survey years FIRST to LAST, changed or not"
    )
    backfill.add_argument("first", type=int)
    backfill.add_argument("last", type=int)

    for command in (run, backfill):
        command.epilog = (
            "settings: JUNHENG_RAW_DIR, JUNHENG_WAREHOUSE_DIR, JUNHENG_STATE_DIR (the folders), "
            "JUNHENG_READ_WORKERS, JUNHENG_REPORT_WORKERS, JUNHENG_DUCKDB_MEMORY_LIMIT, "
            "JUNHENG_KEEP_SNAPSHOTS: docs/operations.md"
        )
        command.add_argument(
            "--verbose", action="store_true", help="print Dagster's and dbt's log as the run goes"
        )
        command.add_argument(
            "--lang",
            choices=["both", "zh", "en"],
            default="both",
            help="the language of the summary: Chinese with English beside it (both), zh or en",
        )
        command.add_argument(
            "--reset",
            action="store_true",
            help="clear the state folder when it was built from another raw folder",
        )
        command.add_argument(
            "--no-wait",
            dest="wait",
            action="store_false",
            help="exit (code 75) instead of waiting when another run is writing",
        )
        command.add_argument(
            "--strict",
            action="store_true",
            help="publish what can be built, then exit with status 3 when a county-year lost a "
            "file (a corrupt or unreadable file); for cron and the nightly schedule",
        )

    args = parser.parse_args(argv)
    try:
        require_checkout()
    except NotACheckoutError as error:
        print(f"junheng: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    paths = Paths.from_env()
    if args.command == "dbt-parse":
        return dbt_parse(paths)
    if args.command == "docs":
        return dbt_docs(paths, wait=args.wait)
    if args.command == "demo":
        return demo_command(args.raw or paths.raw_dir)
    if args.command == "inspect":
        return inspect_command(args.file, args.rows)
    if args.command == "run":
        return locked_run(
            paths,
            args.years,
            verbose=args.verbose,
            wait=args.wait,
            reset=args.reset,
            lang=args.lang,
            strict=args.strict,
            force=args.force,
        )
    return locked_run(
        paths,
        (args.first, args.last),
        write_demo=False,
        force=True,
        verbose=args.verbose,
        wait=args.wait,
        reset=args.reset,
        lang=args.lang,
        strict=args.strict,
    )


def inspect_command(path: Path, rows: int) -> int:
    """Print the mapping of one file (orchestration/ingest/inspect.py); 2 when it is missing."""
    from orchestration.ingest.inspect import inspect_file

    if not path.is_file():
        print(f"junheng inspect: {path} is not a file", file=sys.stderr)
        return 2
    print(inspect_file(path, rows))
    return 0


EXIT_BUSY = 75  # EX_TEMPFAIL: try again later (--no-wait, another run holds the lock)


def locked_run(paths: Paths, years, write_demo: bool = True, verbose: bool = False,
               wait: bool = True, reset: bool = False, lang: str = "both",
               strict: bool = False, force: bool = False) -> int:  # fmt: skip
    """run_command under the state folder's run lock: one writer at a time (runlock.py),
    and only for the raw folder the state folder was built from (or after --reset).

    The raw folder is checked (and the demo written into an empty default raw/) under the
    lock and before it is bound, so a mistyped JUNHENG_RAW_DIR is never recorded as the
    state folder's raw folder.
    """
    from orchestration.runlock import RunLocked, StateBelongsElsewhere, bind_raw_folder, writer_lock
    from orchestration.settings import setting_problem

    # Before anything is read: a bad worker count or memory limit would otherwise fail a
    # step minutes into the run (the county pages only after the year is published).
    if (problem := setting_problem()) is not None:
        print(f"not started: {problem}")
        return EXIT_BAD_INPUT
    if (problem := not_a_folder(paths)) is not None:  # the lock lives in the state folder
        print(problem)
        return EXIT_BAD_INPUT
    try:
        with writer_lock(paths.state_dir, "junheng run", wait=None if wait else 0, notice=print):
            if (problem := prepare_raw_dir(paths, write_demo)) is not None:
                print(problem)
                return EXIT_BAD_INPUT
            if bind_raw_folder(paths.state_dir, paths.raw_dir, reset=reset):
                print(f"--reset: cleared what {paths.state_dir} held of another raw folder")
            options = {"force": True} if force else {}
            return run_command(
                paths,
                years,
                write_demo=write_demo,
                verbose=verbose,
                lang=lang,
                strict=strict,
                **options,
            )
    except RunLocked as busy:
        print(f"not started: {busy}; run again when it has finished, or leave out --no-wait")
        return EXIT_BUSY
    except StateBelongsElsewhere as other:
        print(f"not started: {other}")
        return EXIT_BAD_INPUT


def year_range(text: str) -> tuple[int, int]:
    """'2019' or '2019-2021' as (first, last)."""
    match = re.fullmatch(r"(\d{4})(?:-(\d{4}))?", text.strip())
    if match is None:
        raise argparse.ArgumentTypeError(f"not a year or a range of years: {text!r}")
    first, last = int(match[1]), int(match[2] or match[1])
    if first > last:
        raise argparse.ArgumentTypeError(f"the range {text!r} runs backwards")
    return first, last


def dbt_parse(paths: Paths) -> int:
    """Parse the dbt project, and ready DAGSTER_HOME for `dagster dev` (make runs it first)."""
    from orchestration.defs.resources import prepare_dbt_manifest

    prepare_dbt_manifest(paths)
    print(f"dbt manifest written; DAGSTER_HOME is {ensure_dagster_home(paths)}")
    return 0


def dbt_docs(paths: Paths, wait: bool = True) -> int:
    """dbt's documentation site as one static page, warehouse/docs/index.html. It reads
    the build database's catalog, so run it after `junheng run`.

    dbt opens the build database (<state>/dbt/build.duckdb), which DuckDB lets one process
    open at a time, so this holds the run lock as a run does (runlock.py): it waits for a
    run that is writing, saying whose (`wait` False: returns EXIT_BUSY at once), and a run
    started meanwhile waits for it. Returns 0, 1 when dbt failed, EXIT_BAD_INPUT when the
    state folder is a file."""
    from orchestration.runlock import RunLocked, writer_lock

    if (problem := not_a_folder(paths)) is not None:  # the lock lives in the state folder
        print(problem)
        return EXIT_BAD_INPUT
    try:
        with writer_lock(paths.state_dir, "junheng docs", wait=None if wait else 0, notice=print):
            return _write_dbt_docs(paths)
    except RunLocked as busy:
        print(f"documentation not written: {busy}; try again when it has finished")
        return EXIT_BUSY


def _write_dbt_docs(paths: Paths) -> int:
    from orchestration.defs.resources import dbt_cli, dbt_environment, environment

    target = paths.dbt_dir / "docs"
    with environment(dbt_environment(paths)):
        invocation = (
            dbt_cli()
            .cli(["docs", "generate", "--static"], target_path=target, raise_on_error=False)
            .wait()
        )
    if not invocation.is_successful():
        print("dbt docs generate failed: see dbt's log above")
        return 1
    page = paths.warehouse_dir / "docs" / "index.html"
    page.parent.mkdir(parents=True, exist_ok=True)
    temporary = page.with_suffix(".html.tmp")
    shutil.copyfile(target / "static_index.html", temporary)
    temporary.replace(page)  # a reader never sees half a page
    print(f"dbt documentation: {page}")
    return 0


def demo_command(raw_dir: Path) -> int:
    """`junheng demo`: write the synthetic demo province into `raw_dir`; returns the exit status.

    Refuses (EXIT_BAD_INPUT) a folder that already holds a file, so demo files never mix with
    real county files.
    """
    from orchestration.ingest.demo_files import holds_no_file

    if (problem := demo_unavailable()) is not None:
        print(problem)
        return EXIT_BAD_INPUT
    from orchestration.demo import generate_demo_province

    if not holds_no_file(raw_dir):
        print(
            f"{raw_dir} already holds files: the demo province is only written into a folder "
            "that does not exist or is empty, never mixed with real county files"
        )
        return EXIT_BAD_INPUT
    generate_demo_province(raw_dir)
    print(f"demo province (synthetic data) written to {raw_dir}")
    return 0


def demo_unavailable() -> str | None:
    """A sentence when the demo's writers (the `demo` extra) are not installed, else None.

    The demo is imported only when it is written: the product runs without it."""
    import importlib

    missing = []
    for name in DEMO_WRITERS:
        try:
            importlib.import_module(name)
        except ImportError:
            missing.append(name)
    if not missing:
        return None
    return (
        f"the demo province needs {', '.join(missing)} (the demo extra): "
        "pip install -e '.[demo]' in the checkout"
    )


# The writers of the demo's workbooks beyond the product's own (pyproject, extra `demo`).
DEMO_WRITERS = ("xlwt",)
# Exit statuses of `junheng run`/`backfill` beyond 0 (done) and 1 (the run failed).
EXIT_BAD_INPUT = 2  # a folder that is not there or not a folder, no readable spreadsheet
EXIT_INCOMPLETE = 3  # --strict: published, but a county-year lost a file


def not_a_folder(paths: Paths) -> str | None:
    """A sentence when a folder setting names a file, or None."""
    raw_variable = "raw/" if paths.raw_dir_is_default else "JUNHENG_RAW_DIR"
    for name, folder in (
        (raw_variable, paths.raw_dir),
        ("JUNHENG_WAREHOUSE_DIR", paths.warehouse_dir),
        ("JUNHENG_STATE_DIR", paths.state_dir),
    ):
        if folder.exists() and not folder.is_dir():
            return f"{name} names {folder}, which is a file, not a folder"
    return None


def folder_problem(paths: Paths) -> str | None:
    """A sentence saying why the folders can not be used, or None."""
    if (problem := not_a_folder(paths)) is not None:
        return problem
    raw_variable = "raw/" if paths.raw_dir_is_default else "JUNHENG_RAW_DIR"
    if not paths.raw_dir.exists():
        return (
            f"{raw_variable} names {paths.raw_dir}, which does not exist: set JUNHENG_RAW_DIR to "
            "the folder holding the county spreadsheets (below a year folder), or unset it to use "
            "raw/"
        )
    return None


def prepare_raw_dir(paths: Paths, write_demo: bool) -> str | None:
    """Write the demo into the default raw/ when it is missing or holds no file at all; then
    say why the folders can not be used (a sentence), or None when they can.

    The demo never goes into a folder named by JUNHENG_RAW_DIR, nor beside any file.
    """
    from orchestration.ingest.demo_files import holds_no_file

    if write_demo and paths.raw_dir_is_default and holds_no_file(paths.raw_dir):
        if (problem := demo_unavailable()) is not None:
            return f"raw/ holds no file, and {problem}"
        from orchestration.demo import generate_demo_province

        generate_demo_province(paths.raw_dir)
        print(f"raw/ held no file: wrote the demo province (synthetic data) to {paths.raw_dir}")
    problem = folder_problem(paths)
    if problem is None and holds_no_file(paths.raw_dir):
        return (
            f"{paths.raw_dir} holds no file: put the county spreadsheets below a year folder "
            f"({paths.raw_dir / '2023' / '正定县2023年均衡数据.xlsx'})"
        )
    return problem


def no_readable_file(raw_dir: Path, files: list) -> str | None:
    """A sentence when no file of the raw folder is one the reader will open, else None."""
    if any(file.status is None for file in files):
        return None
    examples = "; ".join(f"{file.source_file}: {file.reason}" for file in files[:5])
    more = f" (and {len(files) - 5} more)" if len(files) > 5 else ""
    return (
        f"no readable spreadsheet in {raw_dir}: {len(files)} files, none the reader can "
        f"read ({examples}{more}); the demo is not written into a folder that holds files"
    )


def ensure_dagster_home(paths: Paths) -> Path:
    """DAGSTER_HOME (default <state>/dagster), created with Junheng's dagster.yaml if new."""
    home = Path(os.environ.get("DAGSTER_HOME") or paths.state_dir / "dagster").resolve()
    os.environ["DAGSTER_HOME"] = str(home)
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists() or config.read_text() == _OLDER_DAGSTER_YAML:
        config.write_text(DAGSTER_YAML)
    return home


_EVENT_LOG_RELAXED = False
# The SQLite files of Dagster's storage this process holds open, each on an idle connection
# of its own (file -> connection): relax_event_log_sync, release_event_log.
_HELD: dict = {}
_HELD_LOCK = threading.Lock()


def relax_event_log_sync() -> None:
    """Let this process's SQLite connections (Dagster's run and event-log storage under
    DAGSTER_HOME) commit without waiting for the disk.

    Dagster stores each event (every dbt model, test and asset check is several) in a commit
    of its own, on a connection it opens and closes for that event. With SQLite's default
    (FULL) each commit waits for the disk; and closing the last connection to a WAL database
    checkpoints it (two fsyncs) and deletes its WAL, which the next event creates again: about
    7 ms of waiting an event, a thousand events and more a national year
    (docs/performance-run.md). So the connections run `PRAGMA synchronous=NORMAL`, and each
    database file is held open by one idle connection of this process until
    `release_event_log`, so that no event's connection is the last: its commit is a write to
    the WAL, and SQLite checkpoints as usual when the WAL grows (1 000 pages) and at release.
    Dagster's storage is in WAL mode, where NORMAL keeps the database consistent through a
    crash of the process or the machine; a power cut can lose the last events of the run
    log, never the warehouse, which is published by its own fsync'd rename
    (orchestration/publish/warehouse.py).
    """
    global _EVENT_LOG_RELAXED
    if _EVENT_LOG_RELAXED:
        return
    import sqlite3

    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    @event.listens_for(Engine, "connect")
    def _synchronous_normal(connection, _record) -> None:
        if isinstance(connection, sqlite3.Connection):
            cursor = connection.cursor()
            cursor.execute("PRAGMA synchronous=NORMAL")
            files = [row[2] for row in cursor.execute("PRAGMA database_list") if row[1] == "main"]
            cursor.close()
            for file in files:
                if file:  # not an in-memory database
                    hold_open(file)

    _EVENT_LOG_RELAXED = True


def hold_open(file: str) -> None:
    """Hold the SQLite database `file` open on an idle connection until release_event_log
    (once per file). An optimisation only: a file it can not open is left alone."""
    import sqlite3

    with _HELD_LOCK:
        if file in _HELD:
            return
        try:
            held = sqlite3.connect(file, check_same_thread=False)
            # SQLite opens the file lazily: this read maps the WAL index and takes the shared
            # lock a WAL connection keeps. A file not in WAL mode yet (Dagster sets it after
            # creating it) is left for a later connection: a connection held from before
            # the switch would not count as open.
            wal = held.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        except sqlite3.Error:
            return
        if wal:
            _HELD[file] = held
        else:
            held.close()


def release_event_log() -> None:
    """Close the connections hold_open made; the last close checkpoints each database."""
    with _HELD_LOCK:
        for held in _HELD.values():
            held.close()
        _HELD.clear()


def fail_dead_runs(instance, paths: Paths) -> list[str]:
    """Mark failed the in-process runs of this state folder that are still STARTED.

    Called under the run lock: no other `junheng run` of this state folder is alive, so
    such a run was killed before it could record its end. Returns their run ids.
    """
    from dagster import DagsterRunStatus, RunsFilter

    dead = instance.get_runs(
        RunsFilter(
            statuses=[DagsterRunStatus.STARTED, DagsterRunStatus.STARTING],
            tags={LAUNCHED_BY_TAG: "cli", STATE_DIR_TAG: str(paths.state_dir)},
        )
    )
    for run in dead:
        instance.report_run_failed(run, "its process ended without finishing the run")
    return [run.run_id for run in dead]


def run_command(
    paths: Paths,
    years: tuple[int, int] | None,
    write_demo: bool = True,
    verbose: bool = False,
    lang: str = "both",
    strict: bool = False,
    force: bool = False,
) -> int:
    """Materialize every asset for the stale survey years in one in-process run.

    Of the selected years (`years`, default every year of raw/), only those whose files,
    rules or code changed since their last build are built, with every later year
    (orchestration/freshness.py); `force` builds every selected year. When none is stale,
    nothing is started and nothing written. Unless `verbose`, Dagster's and dbt's log goes to
    `<state>/logs/last_run.log` (the run's events are also in the Dagster UI) and only the
    summary is printed.
    """
    from orchestration.freshness import plan_years, remember_stats
    from orchestration.ingest.discover import discover_raw_files, survey_years
    from orchestration.summary import label

    problem = prepare_raw_dir(paths, write_demo)
    if problem is not None:
        print(problem)
        return EXIT_BAD_INPUT
    files = discover_raw_files(paths.raw_dir)
    if (problem := no_readable_file(paths.raw_dir, files)) is not None:
        print(problem)
        return EXIT_BAD_INPUT
    found = survey_years(files)
    first, last = years or (min(found, default=None), max(found, default=None))
    selected = [year for year in found if first is not None and first <= year <= last]
    if not selected:
        print(f"no survey year to build in {paths.raw_dir} (found: {found or 'none'})")
        return 1
    plan = plan_years(paths, files, selected, force=force)
    if not plan.stale:
        remember_stats(paths.state_dir, plan.stats)
        return up_to_date(paths, plan.current, strict, lang)
    for line in plan.lines():
        print(f"{label('rebuilding', lang)} {line}")
    selected = plan.years
    # freshness.mark_pending marks them as following the rebuilt year: said here, so that a
    # `--years` run does not look as if it left the warehouse consistent (a --force of the
    # same inputs changes nothing they read: freshness.changed_years).
    if plan.changed and (later := [year for year in found if year > selected[-1]]):
        print(f"{label('later_years_stale', lang)}: {', '.join(map(str, later))}")

    from orchestration.dbt_ahead import parse_ahead

    # dbt parses the project for these years on the core the start-up leaves idle
    try:
        with parse_ahead(paths, selected):
            return launch_run(paths, selected, found, files, verbose, lang, strict)
    finally:
        release_event_log()


def launch_run(paths: Paths, selected: list[int], found: list[int], files: list,
               verbose: bool, lang: str, strict: bool) -> int:  # fmt: skip
    """Materialize every asset for the years `selected` in one in-process Dagster run
    (run_command's second half); returns the exit status."""
    from dagster import BetaWarning, DagsterInstance, PreviewWarning

    # Yearly single-run backfills and partitioned asset checks are what Junheng is built
    # on (docs/operations.md); Dagster flags them as beta/preview on every import.
    warnings.filterwarnings("ignore", category=BetaWarning)
    warnings.filterwarnings("ignore", category=PreviewWarning)

    from orchestration.defs.common import STRICT_TAG
    from orchestration.defs.partitions import partition_range_tags, sync_year_partitions

    ensure_dagster_home(paths)
    relax_event_log_sync()
    from orchestration.defs.resources import manifest_is_stale, prepare_dbt_manifest

    if manifest_is_stale():
        print("the dbt project changed since its manifest was written: parsing it again")
        prepare_dbt_manifest(paths)
    from orchestration.definitions import build_definitions

    log_path = paths.state_dir / "logs" / "last_run.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with (
        DagsterInstance.get() as instance,
        log_path.open("w", encoding="utf-8") as log,
        contextlib.redirect_stdout(sys.stdout if verbose else log),
    ):
        dead = fail_dead_runs(instance, paths)
        sync_year_partitions(instance, found)
        result = (
            build_definitions()
            .resolve_job_def(JOB_NAME)
            .execute_in_process(
                instance=instance,
                tags={
                    **partition_range_tags(str(selected[0]), str(selected[-1])),
                    LAUNCHED_BY_TAG: "cli",
                    STATE_DIR_TAG: str(paths.state_dir),
                    **({STRICT_TAG: "true"} if strict else {}),
                },
                run_config={
                    "loggers": {
                        # Unless verbose, a failed step is told in one line each by the
                        # summary (print_step_errors), not by Dagster's stack trace.
                        "console": {"config": {"log_level": "INFO" if verbose else "CRITICAL"}}
                    }
                },
                raise_on_error=False,
            )
        )
    if not verbose:
        print(f"run log: {log_path}")
    for run_id in dead:
        print(f"an earlier run ({run_id}) had died without finishing: marked failed")
    summary = print_summary(paths, selected, files, result, lang)
    print_step_errors(result, log_path)
    return exit_status(result, summary.lost_files, strict, lang)


def up_to_date(paths: Paths, years: list[int], strict: bool, lang: str = "both") -> int:
    """Say that `years` are as their last build left them and start nothing: no run, no
    new snapshot, no report written. With `strict`, the county-years that lost a file in
    those builds still give exit status 3, as every night until the file is replaced."""
    from orchestration.summary import label
    from orchestration.validation.completeness import (
        incomplete_names,
        lost_files,
        read_staged_receipts,
    )

    shown = f"{years[0]}-{years[-1]}" if len(years) > 1 else str(years[0])
    print(f"{label('up_to_date', lang)}: {shown} ({paths.warehouse_dir})")
    receipts = read_staged_receipts(paths.staging_dir, years) if strict else None
    lost = lost_files(receipts) if receipts is not None and not receipts.empty else []
    if lost:
        names = incomplete_names(lost)
        print(f"--strict: {len(names)} {label('incomplete_short', lang)}: " + "; ".join(names))
        return EXIT_INCOMPLETE
    return 0


def print_step_errors(result, log_path: Path | None = None) -> None:
    """One line per failed step: the first line of its root cause (Dagster wraps the step's
    exception in "Error occurred while executing op ...:", which says nothing), and the
    whole chain of tracebacks appended to the run log (`log_path`)."""
    for event in result.all_events:
        if not event.is_step_failure:
            continue
        error = getattr(event.event_specific_data, "error", None)
        root = error
        while root is not None and getattr(root, "cause", None) is not None:
            root = root.cause
        lines = (root.message if root else "").strip().splitlines()
        print(f"  {event.step_key}: {lines[0] if lines else '(no message)'}")
        if error is not None and log_path is not None:
            with log_path.open("a", encoding="utf-8") as log:
                log.write(f"\nstep {event.step_key} failed:\n{error.to_string()}\n")


def exit_status(result, lost: list, strict: bool, lang: str = "both") -> int:
    """0 done; 1 the run failed; 3 (--strict) published, but a county-year lost a file.

    The completeness check never fails the Dagster run (the reports and workbooks of the
    counties that were read are published): `--strict` is this exit status alone.
    """
    from orchestration.summary import label
    from orchestration.validation.completeness import incomplete_names

    if not result.success:
        return 1
    if strict and lost:
        years = incomplete_names(lost)
        print(
            f"--strict: {label('published', lang)}; {len(years)} "
            f"{label('incomplete_short', lang)}: " + "; ".join(years)
        )
        return EXIT_INCOMPLETE
    return 0


def print_summary(paths: Paths, years: list[int], files: list, result, lang: str = "both"):
    """Print this run's summary (orchestration/summary.py) in Chinese, English or both, and
    return it. First the demo warning and the county-years that lost a file (from the
    receipts staged for `years`: what a bureau must chase), then this run's figures."""
    from orchestration.publish.warehouse import CATALOG_FILE
    from orchestration.summary import collect, render
    from orchestration.validation.completeness import read_staged_receipts

    summary = collect(result, years, files, read_staged_receipts(paths.staging_dir, years))
    reports = [paths.reports_dir / str(year) / "index.html" for year in years]
    indexes = [
        index
        for year in years
        for index in sorted((paths.reports_dir / str(year)).glob("province/*.html"))
    ]
    lines = render(
        summary,
        paths.warehouse_dir,
        paths.warehouse_dir / CATALOG_FILE,
        [report for report in reports if report.exists()],
        lang,
        county_indexes=indexes,
        exports_dir=paths.exports_dir,
    )
    print("\n".join(lines))
    return summary


if __name__ == "__main__":
    sys.exit(main())
