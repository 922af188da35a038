"""Layer publish as assets: the public Parquet tables and the BI catalog, the validation
reports, the bureaus' workbooks and county reports, and the check that no county-year lost
a file. Logic: orchestration/publish/ and orchestration/validation/."""

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    MaterializeResult,
    MetadataValue,
    asset,
    asset_check,
)

from orchestration import progress
from orchestration.defs.common import (
    PUBLISH_PATH,
    STRICT_TAG,
    YEARLY,
    partition_years,
    path_metadata,
)
from orchestration.defs.partitions import survey_year_partitions
from orchestration.defs.resources import JunhengPaths
from orchestration.defs.staging import STAGED_KEYS

if TYPE_CHECKING:
    from orchestration.validation.completeness import LostFile

PUBLISHED = AssetKey("warehouse_tables")


def build_warehouse_tables(public_model_keys: Sequence[AssetKey]) -> AssetsDefinition:
    """The publish asset, downstream of dbt's public models (known once the manifest is read)."""

    @asset(
        name=PUBLISHED.path[-1],
        group_name="warehouse",
        deps=public_model_keys,
        **YEARLY,
        **PUBLISH_PATH,
    )
    def warehouse_tables(context: AssetExecutionContext, paths: JunhengPaths) -> MaterializeResult:
        """dbt's public marts split by survey year into a new warehouse snapshot, switched in
        whole with its catalog (orchestration/publish/warehouse.py). Years whose raw folder is gone are
        dropped from the snapshot and listed in the metadata."""
        from orchestration.ingest.discover import discover_raw_files, survey_years
        from orchestration.publish.warehouse import publish_tables, remove_dropped_years

        warehouse_dir = paths.paths.warehouse_dir
        marts_dir = paths.paths.dbt_dir / "marts"
        raw_years = survey_years(discover_raw_files(paths.paths.raw_dir))
        with progress.step("publish") as step:
            publication = publish_tables(
                marts_dir, warehouse_dir, partition_years(context), raw_years=raw_years
            )
            step.add(tables=len(publication.tables), snapshot=publication.snapshot.name)
        folders = paths.paths
        remove_dropped_years([folders.reports_dir, folders.exports_dir], publication.dropped_years)
        published = publication.tables
        return MaterializeResult(
            metadata={
                "tables": MetadataValue.md(
                    "| table | rows written |\n| --- | --- |\n"
                    + "\n".join(f"| {table.name} | {table.rows} |" for table in published)
                ),
                "rows_by_table": MetadataValue.json(
                    {table.name: table.rows_by_partition for table in published}
                ),
                "dropped_years": MetadataValue.json(publication.dropped_years),
                "snapshot": path_metadata(publication.snapshot),
                "catalog": path_metadata(publication.catalog),
                "warehouse_dir": path_metadata(warehouse_dir),
            }
        )

    return warehouse_tables


@asset(group_name="warehouse", deps=list(STAGED_KEYS.values()), **YEARLY)
def validation_report(context: AssetExecutionContext, paths: JunhengPaths) -> MaterializeResult:
    """An HTML page per survey year: every check's outcome and the receipt of every file."""
    from orchestration.staging.tables import read_staged_year
    from orchestration.validation.outcome import load_outcomes
    from orchestration.validation.report import write_validation_report

    reports = {}
    for year in partition_years(context):
        result = read_staged_year(paths.paths.staging_dir, year)
        outcomes = load_outcomes(paths.paths.state_dir, year)
        page = write_validation_report(paths.paths.reports_dir, year, outcomes, result)
        reports[str(year)] = MetadataValue.path(str(page))
    return MaterializeResult(metadata={f"report {year}": page for year, page in reports.items()})


# After the validation report too: this step marks the years built (freshness.mark_built),
# and a year whose report failed must be built again by the next run, not skipped as done.
@asset(group_name="warehouse", deps=[PUBLISHED, validation_report], **YEARLY)
def bureau_reports(context: AssetExecutionContext, paths: JunhengPaths) -> MaterializeResult:
    """Per county and year: the gap-list workbook (一校一册) and the county report, with the
    province and prefecture indexes, from the published tables. Then, in the published
    years the run did not build, the pages whose figures the run changed (a county page
    plots every year's CVs): county_report.refresh_bureau_reports."""
    from orchestration.publish.county_report import refresh_bureau_reports, write_bureau_reports
    from orchestration.publish.warehouse import published_years

    folders = paths.paths
    metadata = {}
    for year in partition_years(context):
        with progress.step("reports", year) as step:
            written = write_bureau_reports(
                folders.warehouse_dir, folders.reports_dir, folders.exports_dir, year
            )
            workbooks, pages = written.workbooks, written.pages
            # What the year has, then how many of those files this run wrote and how many it
            # kept as they were (inputs unchanged, or drawn again to the same bytes).
            kept = len(workbooks) + len(pages) - len(written.written)
            step.add(
                workbooks=len(workbooks), pages=len(pages), written=len(written.written), kept=kept
            )
        metadata[f"{year} workbooks"] = len(workbooks)
        metadata[f"{year} pages"] = len(pages)
        metadata[f"{year} files written"] = len(written.written)
        if pages:
            metadata[f"{year} first page"] = MetadataValue.path(str(pages[0]))
    others = sorted(published_years(folders.warehouse_dir) - set(partition_years(context)))
    if others:
        with progress.step("reports of other years") as step:
            redrawn = refresh_bureau_reports(
                folders.warehouse_dir, folders.reports_dir, folders.exports_dir, others
            )
            step.add(
                years=len(others),
                redrawn=sum(len(r.pages) for r in redrawn.values()),
                written=sum(len(r.written) for r in redrawn.values()),
            )
        for year, written in redrawn.items():
            metadata[f"{year} pages redrawn"] = len(written.pages)
            metadata[f"{year} workbooks redrawn"] = len(written.workbooks)
    # Published with their reports: a later run with the same inputs skips these years.
    from orchestration.freshness import mark_built

    mark_built(folders.state_dir, partition_years(context))
    return MaterializeResult(metadata=metadata)


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
    """Whether any file of the run's county-years was lost (validation/completeness.py).

    Reads the staged ingest_files receipts of the run's years; a lost file is one rejected as a
    whole, or one county-year with a file and no staged row. ERROR in strict runs, else WARN,
    never blocking. Its metadata names the lost files and links each year's validation report.
    """
    from orchestration.validation.completeness import lost_files, read_staged_receipts

    years = sorted(map(int, context.partition_keys))
    return completeness_check_result(
        lost_files(read_staged_receipts(paths.paths.staging_dir, years)),
        years,
        strict=context.run.tags.get(STRICT_TAG) == "true",
        reports_dir=paths.paths.reports_dir,
    )


def completeness_check_result(
    lost: Sequence["LostFile"], years: Sequence[int], strict: bool, reports_dir: Path
) -> AssetCheckResult:
    """Fails when a file was lost: ERROR in a strict run, else WARN; the description names
    every incomplete county-year. It blocks nothing (the reports are still built)."""
    from orchestration.validation.report import report_page

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


publish_assets = [validation_report, bureau_reports]
publish_checks = [county_years_complete]
