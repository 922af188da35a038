"""The validation functions as Dagster asset checks.

Each CheckOutcome (orchestration/validation) becomes an AssetCheckResult on the asset it
guards. A run covers one or more survey years; a check's result covers them all, failing
when any year fails, with each year's figures in its metadata. Every outcome is also kept
as JSON beside the staged data, for the validation report.
"""

import json
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetKey,
    MetadataValue,
    asset_check,
)

from orchestration.defs.common import asset_dir
from orchestration.defs.partitions import survey_year_partitions
from orchestration.defs.resources import JunhengPaths
from orchestration.staging.tables import partition_dir, read_staged_year
from orchestration.validation.completeness import LostFile, lost_files, read_staged_receipts
from orchestration.validation.coverage import (
    check_missing_base_quantities,
    check_row_warnings,
)
from orchestration.validation.outcome import ERROR, CheckOutcome
from orchestration.validation.report import report_page, write_validation_report
from orchestration.validation.rows import (
    check_row_accounting,
    check_school_id_conflicts,
    check_unique_schools,
)

VALIDATED = AssetKey("validated_school_rows")
PUBLISHED = AssetKey("warehouse_tables")
# A run tagged so (`junheng run --strict`, the nightly schedule) fails when a county-year
# lost a file, after publishing what it could build.
STRICT_TAG = "junheng/strict"
STAGED_SCHOOLS = AssetKey(["staging", "school_survey"])

ROW_SCHEMA_CHECK = AssetCheckSpec(
    "row_schema",
    asset=VALIDATED,
    description="Every staged row satisfies the pandera row schema; failing rows are quarantined.",
)
DATASET_EXPECTATIONS_CHECK = AssetCheckSpec(
    "dataset_expectations",
    asset=STAGED_SCHOOLS,
    description="The great-expectations suites over a staged year (and its change from the last).",
)


def outcome_check_result(
    outcomes: Sequence[tuple[int, CheckOutcome]],
    check_name: str | None = None,
    asset_key: AssetKey | None = None,
    reports_dir: Path | None = None,
) -> AssetCheckResult:
    """One result for the (year, outcome) pairs of a run: it fails when any outcome fails.

    With `reports_dir`, each year's metadata links the HTML report the run writes there,
    where the quarantined rows are listed in full.
    """
    failed = [(year, outcome) for year, outcome in outcomes if not outcome.passed]
    severity = (
        AssetCheckSeverity.ERROR
        if any(outcome.severity == ERROR for _, outcome in failed)
        else AssetCheckSeverity.WARN
    )
    metadata = {
        "years": MetadataValue.text(", ".join(sorted({str(year) for year, _ in outcomes}))),
        "failed": MetadataValue.text(
            ", ".join(f"{year} {outcome.name}" for year, outcome in failed) or "none"
        ),
    }
    for year, outcome in outcomes:
        prefix = f"{year} {outcome.name}"
        metadata[prefix] = MetadataValue.text(outcome.description)
        if reports_dir is not None:
            metadata[f"{year} report"] = MetadataValue.path(str(report_page(reports_dir, year)))
        for key, value in outcome.metadata.items():
            metadata[f"{prefix}: {key}"] = _metadata_value(value)
    return AssetCheckResult(
        passed=not failed,
        severity=severity,
        check_name=check_name,
        asset_key=asset_key,
        description="; ".join(f"{year}: {outcome.description}" for year, outcome in failed) or None,
        metadata=metadata,
    )


def _metadata_value(value: object) -> MetadataValue:
    if isinstance(value, bool):
        return MetadataValue.bool(value)
    if isinstance(value, int):
        return MetadataValue.int(value)
    if isinstance(value, float):
        return MetadataValue.float(value)
    if isinstance(value, str):
        return MetadataValue.text(value)
    return MetadataValue.json(json.loads(json.dumps(value, default=str)))


def outcomes_dir(state_dir: Path, year: int) -> Path:
    return partition_dir(state_dir / "outcomes", year)


def reset_outcomes(state_dir: Path, year: int) -> None:
    """Forget the outcomes of an earlier run of `year` (the validated asset, first to check)."""
    for path in outcomes_dir(state_dir, year).glob("*.json"):
        path.unlink()


def save_outcome(state_dir: Path, year: int, outcome: CheckOutcome) -> Path:
    folder = outcomes_dir(state_dir, year)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{outcome.name}.json"
    path.write_text(json.dumps(asdict(outcome), default=str, ensure_ascii=False, indent=1))
    return path


def load_outcomes(state_dir: Path, year: int) -> list[CheckOutcome]:
    """The outcomes the checks of the last run of `year` recorded."""
    folder = outcomes_dir(state_dir, year)
    return [CheckOutcome(**json.loads(path.read_text())) for path in sorted(folder.glob("*.json"))]


def _check_validated_years(context: AssetCheckExecutionContext, paths: JunhengPaths, check):
    """Run `check(result)` on each year of the run's validated rows.

    A failing blocking check stops every step after it, the report among them, so the check
    writes that year's report itself: the bureau still sees what broke, and where.
    """
    state_dir = paths.paths.state_dir
    outcomes = []
    for year in sorted(map(int, context.partition_keys)):
        validated = read_staged_year(asset_dir(state_dir, VALIDATED.path[-1]), year)
        outcome = check(validated)
        save_outcome(state_dir, year, outcome)
        outcomes.append((year, outcome))
        if not outcome.passed and outcome.severity == ERROR:
            outcomes_so_far = load_outcomes(state_dir, year)
            write_validation_report(paths.paths.reports_dir, year, outcomes_so_far, validated)
    return outcome_check_result(outcomes, reports_dir=paths.paths.reports_dir)


@asset_check(
    asset=VALIDATED,
    blocking=True,
    partitions_def=survey_year_partitions,
    description="For every loaded sheet: rows read = staged + quarantined + not data.",
)
def row_accounting(context: AssetCheckExecutionContext, paths: JunhengPaths) -> AssetCheckResult:
    return _check_validated_years(
        context, paths, lambda result: check_row_accounting(result.ingest_files)
    )


@asset_check(
    asset=VALIDATED,
    blocking=True,
    partitions_def=survey_year_partitions,
    description="No school and reported part is staged twice in a year.",
)
def unique_schools(context: AssetCheckExecutionContext, paths: JunhengPaths) -> AssetCheckResult:
    return _check_validated_years(
        context, paths, lambda result: check_unique_schools(result.school_rows)
    )


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
    lambda result: check_missing_base_quantities(result.ingest_files, result.school_rows),
)
row_figures_agree = _warning_check(
    "row_figures_agree",
    "WARN for rows whose students total is not the sum of their grades, and for one part of a "
    "complete middle or twelve-year school reporting resources without its senior enrollment.",
    lambda result: check_row_warnings(result.ingest_files),
)


school_id_conflicts = _warning_check(
    "school_id_conflicts",
    "No 10-digit school id held by schools of two counties in a year (WARN, never blocking: "
    "both are published, each told apart by its county; reason code school_id_conflict).",
    lambda result: check_school_id_conflicts(result.school_rows),
)


@asset_check(
    asset=PUBLISHED,
    # Never blocking: the county reports and workbooks of the counties that were read are
    # built all the same; `junheng run --strict` exits 3 on its own (cli.exit_status).
    blocking=False,
    partitions_def=survey_year_partitions,
    description=(
        "No file of the run's county-years was lost (rejected as a whole, or a county-year "
        "with a file and no staged row). ERROR in strict runs (tag "
        f"{STRICT_TAG}=true: `junheng run --strict`, the nightly schedule), else WARN; "
        "never blocking, so the county reports and workbooks are still published."
    ),
)
def county_years_complete(
    context: AssetCheckExecutionContext, paths: JunhengPaths
) -> AssetCheckResult:
    years = sorted(map(int, context.partition_keys))
    return completeness_check_result(
        lost_files(read_staged_receipts(paths.paths.staging_dir, years)),
        years,
        strict=context.run.tags.get(STRICT_TAG) == "true",
        reports_dir=paths.paths.reports_dir,
    )


def completeness_check_result(
    lost: Sequence[LostFile], years: Sequence[int], strict: bool, reports_dir: Path
) -> AssetCheckResult:
    """Fails when a file was lost: ERROR in a strict run, else WARN; the description names
    every incomplete county-year. It blocks nothing (the reports are still built)."""
    county_years = sorted({(f.year, f.county) for f in lost})
    table = "\n".join(
        f"| {f.year} | {f.county} | {f.source_file} | {f.reason_code}: {f.reason} |" for f in lost
    )
    return AssetCheckResult(
        passed=not lost,
        severity=AssetCheckSeverity.ERROR if strict else AssetCheckSeverity.WARN,
        description=(
            "incomplete: " + "; ".join(f"{year} {county}" for year, county in county_years)
            if lost
            else None
        ),
        metadata={
            "years": MetadataValue.text(", ".join(map(str, years))),
            "strict": MetadataValue.bool(strict),
            "incomplete county-years": MetadataValue.int(len(county_years)),
            "lost files": MetadataValue.md(
                "| year | county | file | reason |\n| --- | --- | --- | --- |\n" + table
            ),
            **{
                f"{year} report": MetadataValue.path(str(report_page(reports_dir, year)))
                for year in years
            },
        },
    )


validation_checks = [
    row_accounting,
    unique_schools,
    school_id_conflicts,
    county_years_complete,
    missing_base_quantities,
    row_figures_agree,
]
