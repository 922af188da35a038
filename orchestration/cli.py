"""`junheng`: the commands of the README and the operations guide (docs/operations.md)."""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import shutil
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path

from orchestration.settings import Paths

# Written into a new DAGSTER_HOME. Runs that open dbt's DuckDB database use the pool
# `duckdb_build`; with run granularity the run queue starts one such run at a time.
DAGSTER_YAML = """\
telemetry:
  enabled: false
concurrency:
  pools:
    granularity: run
    default_limit: 1
"""
JOB_NAME = "refresh_warehouse"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="junheng", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    commands.add_parser("dbt-parse", help="write dbt's manifest, which the definitions load")
    commands.add_parser(
        "docs", help="write the dbt documentation of every table and column to warehouse/docs/"
    )

    demo = commands.add_parser("demo", help="write the demo province into the raw folder")
    demo.add_argument("--raw", type=Path, help="the folder to write (default: JUNHENG_RAW_DIR)")

    inspect = commands.add_parser(
        "inspect", help="print how the reader reads FILE: each column's field and why, first rows"
    )
    inspect.add_argument("file", type=Path)
    inspect.add_argument("--rows", type=int, default=5, help="data rows to show per sheet")

    run = commands.add_parser("run", help="build the warehouse from raw/ (the demo if it is empty)")
    run.add_argument("--years", type=year_range, help="a year or a range, e.g. 2019-2021")

    backfill = commands.add_parser("backfill", help="rebuild the survey years FIRST to LAST")
    backfill.add_argument("first", type=int)
    backfill.add_argument("last", type=int)

    for command in (run, backfill):
        command.add_argument(
            "--verbose", action="store_true", help="print Dagster's and dbt's log as the run goes"
        )
        command.add_argument(
            "--strict",
            action="store_true",
            help="publish what can be built, then exit with status 3 when a county-year lost a "
            "file (a corrupt or unreadable file); for cron and the nightly schedule",
        )

    args = parser.parse_args(argv)
    paths = Paths.from_env()
    if args.command == "dbt-parse":
        return dbt_parse(paths)
    if args.command == "docs":
        return dbt_docs(paths)
    if args.command == "demo":
        return demo_command(args.raw or paths.raw_dir)
    if args.command == "inspect":
        return inspect_command(args.file, args.rows)
    if args.command == "run":
        return run_command(paths, args.years, verbose=args.verbose, strict=args.strict)
    return run_command(
        paths, (args.first, args.last), write_demo=False, verbose=args.verbose, strict=args.strict
    )


def inspect_command(path: Path, rows: int) -> int:
    """Print the mapping of one file (orchestration/ingest/inspect.py); 2 when it is missing."""
    from orchestration.ingest.inspect import inspect_file

    if not path.is_file():
        print(f"junheng inspect: {path} is not a file", file=sys.stderr)
        return 2
    print(inspect_file(path, rows))
    return 0


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
    from orchestration.resources import prepare_dbt_manifest

    prepare_dbt_manifest(paths)
    print(f"dbt manifest written; DAGSTER_HOME is {ensure_dagster_home(paths)}")
    return 0


def dbt_docs(paths: Paths) -> int:
    """dbt's documentation site as one static page, warehouse/docs/index.html. It reads
    the build database's catalog, so run it after `junheng run`."""
    from orchestration.resources import dbt_cli, dbt_environment, environment

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
    from orchestration.demo import generate_demo_province
    from orchestration.ingest.demo_files import holds_no_file

    if not holds_no_file(raw_dir):
        print(
            f"{raw_dir} already holds files: the demo province is only written into a folder "
            "that does not exist or is empty, never mixed with real county files"
        )
        return EXIT_BAD_INPUT
    generate_demo_province(raw_dir)
    print(f"demo province (synthetic data) written to {raw_dir}")
    return 0


# Exit statuses of `junheng run`/`backfill` beyond 0 (done) and 1 (the run failed).
EXIT_BAD_INPUT = 2  # a folder that is not there or not a folder, no readable spreadsheet
EXIT_INCOMPLETE = 3  # --strict: published, but a county-year lost a file


def folder_problem(paths: Paths) -> str | None:
    """A sentence saying why the folders can not be used, or None."""
    raw_variable = "raw/" if paths.raw_dir_is_default else "JUNHENG_RAW_DIR"
    for name, folder in (
        (raw_variable, paths.raw_dir),
        ("JUNHENG_WAREHOUSE_DIR", paths.warehouse_dir),
        ("JUNHENG_STATE_DIR", paths.state_dir),
    ):
        if folder.exists() and not folder.is_dir():
            return f"{name} names {folder}, which is a file, not a folder"
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
    if not config.exists():
        config.write_text(DAGSTER_YAML)
    return home


def run_command(
    paths: Paths,
    years: tuple[int, int] | None,
    write_demo: bool = True,
    verbose: bool = False,
    strict: bool = False,
) -> int:
    """Materialize every asset for the survey years in one in-process run.

    Unless `verbose`, Dagster's and dbt's log goes to `<state>/logs/last_run.log` (the run's
    events are also in the Dagster UI) and only the summary is printed.
    """
    from dagster import BetaWarning, DagsterInstance, PreviewWarning

    # Yearly single-run backfills and partitioned asset checks are what Junheng is built
    # on (docs/operations.md); Dagster flags them as beta/preview on every import.
    warnings.filterwarnings("ignore", category=BetaWarning)
    warnings.filterwarnings("ignore", category=PreviewWarning)

    from orchestration.checks import STRICT_TAG
    from orchestration.ingest.discover import discover_raw_files, survey_years
    from orchestration.partitions import partition_range_tags, sync_year_partitions

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

    ensure_dagster_home(paths)
    from orchestration.resources import manifest_is_stale, prepare_dbt_manifest

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
        sync_year_partitions(instance, found)
        result = (
            build_definitions()
            .resolve_job_def(JOB_NAME)
            .execute_in_process(
                instance=instance,
                tags={
                    **partition_range_tags(str(selected[0]), str(selected[-1])),
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
    lost = print_lost_files(paths, selected)
    print_summary(paths, selected, files, result)
    print_step_errors(result)
    return exit_status(result, lost, strict)


def print_step_errors(result) -> None:
    """One line per failed step: its error's first line (the whole trace is in the run log
    and the Dagster UI)."""
    for event in result.all_events:
        if event.is_step_failure:
            error = getattr(event.event_specific_data, "error", None)
            message = (error.message if error else "").strip().splitlines() or ["(no message)"]
            print(f"  {event.step_key}: {message[0]}")


def print_lost_files(paths: Paths, years: list[int]) -> list:
    """Print the county-years that lost a file (first: what a bureau must chase), and the
    demo warning; returns the lost files."""
    from orchestration.validation.completeness import (
        lost_files,
        lost_files_summary,
        read_staged_receipts,
    )

    receipts = read_staged_receipts(paths.staging_dir, years)
    if "is_demo" in receipts.columns:
        demo = receipts.loc[receipts["is_demo"].fillna(False).astype(bool), "source_file"]
        if demo.nunique():
            print(
                f"DEMO: {demo.nunique()} files are the synthetic demo province's "
                "(ingest_files.is_demo): the warehouse holds invented schools, not real data"
            )
    lost = lost_files(receipts)
    for line in lost_files_summary(lost):
        print(line)
    return lost


def exit_status(result, lost: list, strict: bool) -> int:
    """0 done; 1 the run failed; 3 (--strict) published, but a county-year lost a file."""
    from orchestration.validation.completeness import incomplete_names

    failed = {event.step_key for event in result.all_events if event.is_step_failure}
    if strict and lost and all("county_years_complete" in step for step in failed):
        years = incomplete_names(lost)
        print(
            f"--strict: the warehouse was published, but {len(years)} county-years are "
            "incomplete: " + "; ".join(years)
        )
        return EXIT_INCOMPLETE
    return 0 if result.success else 1


def print_summary(paths: Paths, years: list[int], files: list, result) -> None:
    from orchestration.staging import read_staged_year
    from orchestration.warehouse import CATALOG_FILE

    print(f"survey years: {', '.join(map(str, years))}")
    for year in years:
        year_files = sum(file.survey_year == year for file in files)
        try:
            staged = read_staged_year(paths.staging_dir, year)
        except FileNotFoundError:
            print(f"  {year}: {year_files} files, nothing staged")
            continue
        print(
            f"  {year}: {year_files} files, {len(staged.school_rows)} rows staged, "
            f"{len(staged.quarantine)} quarantined"
        )
    undated = sum(file.survey_year is None for file in files)
    if undated:
        print(f"  {undated} files without a survey year (see ingest_files)")

    published = [
        event
        for event in result.get_asset_materialization_events()
        if event.asset_key.to_user_string() == "warehouse_tables"
    ]
    if published:
        rows = published[0].materialization.metadata["rows_by_table"].value
        print(f"tables written to {paths.warehouse_dir}:")
        for table, partitions in rows.items():
            print(f"  {table}: {sum(partitions.values())} rows")
        print(f"BI catalog: {paths.warehouse_dir / CATALOG_FILE}")
    print_check_summary(result)
    reports = [paths.reports_dir / str(year) / "index.html" for year in years]
    print("validation reports: " + ", ".join(str(r) for r in reports if r.exists()))
    indexes = [
        i for y in years for i in sorted((paths.reports_dir / str(y)).glob("province/*.html"))
    ]
    if indexes:
        print("county reports (province indexes): " + ", ".join(str(i) for i in indexes))
        print(
            f"gap-list workbooks (一校一册): {paths.exports_dir}/<year>/<county_code>_一校一册.xlsx"
        )
    if not result.success:
        failed = [event.step_key for event in result.all_events if event.is_step_failure]
        print(f"the run failed (run id {result.run_id}); failed steps: {', '.join(failed)}")
        print("see the run log named above, or the run in the Dagster UI (make dev)")


def print_check_summary(result) -> None:
    """How many checks passed, and which failed with what severity."""
    evaluations = result.get_asset_check_evaluations()
    failed = sorted(
        f"{e.asset_check_key.name} ({e.severity.value})" for e in evaluations if not e.passed
    )
    print(f"checks: {len(evaluations) - len(failed)} passed, {len(failed)} failed")
    for name in failed:
        print(f"  failed: {name}")


if __name__ == "__main__":
    sys.exit(main())
