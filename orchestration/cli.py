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
    parser = argparse.ArgumentParser(prog="junheng", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    commands.add_parser("dbt-parse", help="write dbt's manifest, which the definitions load")
    commands.add_parser(
        "docs", help="write the dbt documentation of every table and column to warehouse/docs/"
    )

    demo = commands.add_parser("demo", help="write the demo province into the raw folder")
    demo.add_argument("--raw", type=Path, help="the folder to write (default: JUNHENG_RAW_DIR)")

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

    args = parser.parse_args(argv)
    paths = Paths.from_env()
    if args.command == "dbt-parse":
        return dbt_parse(paths)
    if args.command == "docs":
        return dbt_docs(paths)
    if args.command == "demo":
        return demo_command(args.raw or paths.raw_dir)
    if args.command == "run":
        return locked_run(
            paths,
            args.years,
            verbose=args.verbose,
            wait=args.wait,
            reset=args.reset,
            lang=args.lang,
        )
    return locked_run(
        paths,
        (args.first, args.last),
        write_demo=False,
        verbose=args.verbose,
        wait=args.wait,
        reset=args.reset,
        lang=args.lang,
    )


EXIT_BUSY = 75  # EX_TEMPFAIL: try again later


def locked_run(paths: Paths, years, write_demo: bool = True, verbose: bool = False,
               wait: bool = True, reset: bool = False, lang: str = "both") -> int:  # fmt: skip
    """run_command under the state folder's run lock: one writer at a time (runlock.py),
    and only for the raw folder the state folder was built from (or after --reset)."""
    from orchestration.runlock import RunLocked, StateBelongsElsewhere, bind_raw_folder, writer_lock

    try:
        with writer_lock(paths.state_dir, "junheng run", wait=None if wait else 0, notice=print):
            if bind_raw_folder(paths.state_dir, paths.raw_dir, reset=reset):
                print(f"--reset: cleared what {paths.state_dir} held of another raw folder")
            return run_command(paths, years, write_demo=write_demo, verbose=verbose, lang=lang)
    except RunLocked as busy:
        print(f"not started: {busy}; run again when it has finished, or leave out --no-wait")
        return EXIT_BUSY
    except StateBelongsElsewhere as other:
        print(f"not started: {other}")
        return 2


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

    generate_demo_province(raw_dir)
    print(f"demo province written to {raw_dir}")
    return 0


def ensure_dagster_home(paths: Paths) -> Path:
    """DAGSTER_HOME (default <state>/dagster), created with Junheng's dagster.yaml if new."""
    home = Path(os.environ.get("DAGSTER_HOME") or paths.state_dir / "dagster").resolve()
    os.environ["DAGSTER_HOME"] = str(home)
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists() or config.read_text() == _OLDER_DAGSTER_YAML:
        config.write_text(DAGSTER_YAML)
    return home


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

    from orchestration.ingest.discover import discover_raw_files, survey_years
    from orchestration.partitions import partition_range_tags, sync_year_partitions

    if write_demo:
        from orchestration.demo import write_demo_if_empty

        if write_demo_if_empty(paths.raw_dir) is not None:
            print(f"raw/ held no spreadsheet: wrote the demo province to {paths.raw_dir}")

    files = discover_raw_files(paths.raw_dir)
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
                },
                run_config={
                    "loggers": {
                        "console": {"config": {"log_level": "INFO" if verbose else "ERROR"}}
                    }
                },
                raise_on_error=False,
            )
        )
    if not verbose:
        print(f"run log: {log_path}")
    for run_id in dead:
        print(f"an earlier run ({run_id}) had died without finishing: marked failed")
    print_summary(paths, selected, files, result, lang)
    return 0 if result.success else 1


def print_summary(paths: Paths, years: list[int], files: list, result, lang: str = "both") -> None:
    """This run's figures only (orchestration/summary.py), in Chinese, English or both."""
    from orchestration.summary import collect, render
    from orchestration.warehouse import CATALOG_FILE

    reports = [paths.reports_dir / str(year) / "index.html" for year in years]
    lines = render(
        collect(result, years, files),
        paths.warehouse_dir,
        paths.warehouse_dir / CATALOG_FILE,
        [report for report in reports if report.exists()],
        lang,
    )
    print("\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())
