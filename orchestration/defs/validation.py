"""Layer validation as an asset and its checks: the parsed rows that pass the row schema,
and the checks that guard them. Logic: orchestration/validation/ (each check returns a
CheckOutcome; defs/common.py makes it an AssetCheckResult). A run covers one or more
survey years; a check's result covers them all, failing when any year fails, with each
year's figures in its metadata. Every outcome is also kept as JSON beside the staged data,
for the validation report.
"""

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetKey,
    MaterializeResult,
    MetadataValue,
    asset,
    asset_check,
)

from contracts.staging_schema import STAGED_TABLES
from orchestration import progress
from orchestration.defs.common import (
    PUBLISH_PATH,
    YEARLY,
    asset_dir,
    outcome_check_result,
    partition_years,
    path_metadata,
)
from orchestration.defs.ingest import parsed_school_rows
from orchestration.defs.partitions import survey_year_partitions
from orchestration.defs.resources import JunhengPaths

VALIDATED = AssetKey("validated_school_rows")

ROW_SCHEMA_CHECK = AssetCheckSpec(
    "row_schema",
    asset=VALIDATED,
    description="Every staged row satisfies the pandera row schema; failing rows are quarantined.",
)


@asset(
    group_name="validation",
    deps=[parsed_school_rows],
    check_specs=[ROW_SCHEMA_CHECK],
    **YEARLY,
    **PUBLISH_PATH,
)
def validated_school_rows(context: AssetExecutionContext, paths: JunhengPaths) -> MaterializeResult:
    """The parsed rows that pass the row schema; the others move to the quarantine."""
    from orchestration.staging.tables import read_staged_year, write_staged_year
    from orchestration.validation.outcome import reset_outcomes, save_outcome
    from orchestration.validation.rows import validate_school_rows

    state_dir = paths.paths.state_dir
    output = asset_dir(state_dir, "validated_school_rows")
    summary, outcomes = {}, []
    for year in partition_years(context):
        with progress.step("validate", year) as step:
            parsed = read_staged_year(asset_dir(state_dir, "parsed_school_rows"), year)
            result, outcome = validate_school_rows(parsed)
            step.add(rows=len(result.school_rows), quarantined=len(result.quarantine))
        write_staged_year(output, year, result)
        reset_outcomes(state_dir, year)
        save_outcome(state_dir, year, outcome)
        outcomes.append((year, outcome))
        summary[str(year)] = result.counts()
    return MaterializeResult(
        metadata={"rows_by_year": MetadataValue.json(summary), "path": path_metadata(output)},
        check_results=[
            outcome_check_result(
                outcomes, check_name=ROW_SCHEMA_CHECK.name, reports_dir=paths.paths.reports_dir
            )
        ],
    )


def _check_validated_years(context: AssetCheckExecutionContext, paths: JunhengPaths, check):
    """Run `check(result)` on each year of the run's validated rows.

    A failing blocking check stops every step after it, the report among them, so the check
    writes that year's report itself: the bureau still sees what broke, and where.
    """
    from orchestration.validation.outcome import ERROR, load_outcomes, save_outcome
    from orchestration.validation.report import write_validation_report

    state_dir = paths.paths.state_dir
    outcomes = []
    for year in sorted(map(int, context.partition_keys)):
        validated = _read_validated_year(asset_dir(state_dir, VALIDATED.path[-1]), year)
        outcome = check(validated)
        save_outcome(state_dir, year, outcome)
        outcomes.append((year, outcome))
        if not outcome.passed and outcome.severity == ERROR:
            outcomes_so_far = load_outcomes(state_dir, year)
            write_validation_report(paths.paths.reports_dir, year, outcomes_so_far, validated)
    return outcome_check_result(outcomes, reports_dir=paths.paths.reports_dir)


# The validated year the checks read last: (folder, year, the files' (path, inode,
# mtime_ns, size)) and its frames. The five checks of a one-year run read the same year one after the
# other; one entry keeps memory at one year whatever the years of the run.
_LAST_READ: list = []


def _read_validated_year(folder, year: int):
    """read_staged_year of the validated rows, read once for the checks that follow each
    other on the same year (and again whenever its files changed)."""
    from orchestration.staging.tables import PART_FILE, partition_dir, read_staged_year

    files = sorted(partition_dir(folder / name, year) / PART_FILE for name in STAGED_TABLES)
    # each file is replaced by a rename (write_parquet_atomically): a new inode
    stamps = tuple((str(f), *_stamp(f.stat())) for f in files)
    key = (str(folder), year, stamps)
    if not _LAST_READ or _LAST_READ[0] != key:
        _LAST_READ[:] = [key, read_staged_year(folder, year)]
    return _LAST_READ[1]


def release_validated_year() -> None:
    """Let go of the year the checks read last (a national year's frames are about 0.2 GB).

    Called once the blocking checks are done with it (staged_tables runs after them), so
    that the run's process does not hold it through the dbt build; a check that runs
    later reads its year again."""
    _LAST_READ.clear()


def _stamp(stat) -> tuple[int, int, int]:
    return stat.st_ino, stat.st_mtime_ns, stat.st_size


def _row_accounting(result):
    from orchestration.validation.rows import check_row_accounting

    return check_row_accounting(result.ingest_files)


def _unique_schools(result):
    from orchestration.validation.rows import check_unique_schools

    return check_unique_schools(result.school_rows)


def _missing_base_quantities(result):
    from orchestration.validation.coverage import check_missing_base_quantities

    return check_missing_base_quantities(result.ingest_files, result.school_rows)


def _row_figures_agree(result):
    from orchestration.validation.coverage import check_row_warnings

    return check_row_warnings(result.ingest_files)


def _school_id_conflicts(result):
    from orchestration.validation.rows import check_school_id_conflicts

    return check_school_id_conflicts(result.school_rows)


@asset_check(
    asset=VALIDATED,
    blocking=True,
    partitions_def=survey_year_partitions,
    **PUBLISH_PATH,
    description="For every loaded sheet: rows read = staged + quarantined + not data.",
)
def row_accounting(context: AssetCheckExecutionContext, paths: JunhengPaths) -> AssetCheckResult:
    """Blocking check of validated_school_rows: every loaded sheet's rows read = staged +
    quarantined + not data (validation/rows.py check_row_accounting), so no row is lost.
    """
    return _check_validated_years(context, paths, _row_accounting)


@asset_check(
    asset=VALIDATED,
    blocking=True,
    partitions_def=survey_year_partitions,
    **PUBLISH_PATH,
    description="No school and reported part is staged twice in a year.",
)
def unique_schools(context: AssetCheckExecutionContext, paths: JunhengPaths) -> AssetCheckResult:
    """Blocking check of validated_school_rows: no school and reported part (reported_scope) is
    staged twice in one survey year (validation/rows.py check_unique_schools).
    """
    return _check_validated_years(context, paths, _unique_schools)


def _warning_check(name: str, description: str, check) -> object:
    """A non-blocking asset check on the validated rows running `check(result)` per year."""

    @asset_check(
        name=name, asset=VALIDATED, partitions_def=survey_year_partitions, description=description
    )
    def warning_check(context: AssetCheckExecutionContext, paths: JunhengPaths) -> AssetCheckResult:
        return _check_validated_years(context, paths, check)

    return warning_check


missing_base_quantities = _warning_check(
    "missing_base_quantities",
    "WARN per county-year whose sheets have no column for a base quantity, naming the field "
    "and the indicators it leaves uncomputable.",
    _missing_base_quantities,
)
row_figures_agree = _warning_check(
    "row_figures_agree",
    "WARN for rows whose students total is not the sum of their grades, and for one part of a "
    "complete middle or twelve-year school reporting resources without its senior enrollment.",
    _row_figures_agree,
)


school_id_conflicts = _warning_check(
    "school_id_conflicts",
    "No 10-digit school id held by schools of two counties in a year (WARN, never blocking: "
    "both are published, each told apart by its county; reason code school_id_conflict).",
    _school_id_conflicts,
)

validation_assets = [validated_school_rows]
validation_checks = [
    row_accounting,
    unique_schools,
    school_id_conflicts,
    missing_base_quantities,
    row_figures_agree,
]
