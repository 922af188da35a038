"""Layer warehouse: the public Parquet tables, the BI catalog and the validation reports."""

from dagster import AssetExecutionContext, MaterializeResult, MetadataValue, asset

from orchestration import progress
from orchestration.assets.common import YEARLY, partition_years, path_metadata
from orchestration.assets.dbt import public_model_keys
from orchestration.assets.staging import STAGED_KEYS
from orchestration.checks import load_outcomes
from orchestration.freshness import mark_built
from orchestration.ingest.discover import discover_raw_files, survey_years
from orchestration.reports.county_report import write_county_reports
from orchestration.reports.gap_workbook import write_gap_workbooks
from orchestration.resources import JunhengPaths
from orchestration.staging import read_staged_year
from orchestration.validation.report import write_validation_report
from orchestration.warehouse import publish_tables, remove_dropped_years


@asset(group_name="warehouse", deps=public_model_keys(), **YEARLY)
def warehouse_tables(context: AssetExecutionContext, paths: JunhengPaths) -> MaterializeResult:
    """dbt's public marts split by survey year into a new warehouse snapshot, switched in
    whole with its catalog (orchestration/warehouse.py). Years whose raw folder is gone are
    dropped from the snapshot and listed in the metadata."""
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


@asset(group_name="warehouse", deps=list(STAGED_KEYS.values()), **YEARLY)
def validation_report(context: AssetExecutionContext, paths: JunhengPaths) -> MaterializeResult:
    """An HTML page per survey year: every check's outcome and the receipt of every file."""
    reports = {}
    for year in partition_years(context):
        result = read_staged_year(paths.paths.staging_dir, year)
        outcomes = load_outcomes(paths.paths.state_dir, year)
        page = write_validation_report(paths.paths.reports_dir, year, outcomes, result)
        reports[str(year)] = MetadataValue.path(str(page))
    return MaterializeResult(metadata={f"report {year}": page for year, page in reports.items()})


@asset(group_name="warehouse", deps=[warehouse_tables], **YEARLY)
def bureau_reports(context: AssetExecutionContext, paths: JunhengPaths) -> MaterializeResult:
    """Per county and year: the gap-list workbook (一校一册) and the county report, with the
    province and prefecture indexes, from the published tables."""
    folders = paths.paths
    metadata = {}
    for year in partition_years(context):
        with progress.step("reports", year) as step:
            workbooks = write_gap_workbooks(folders.warehouse_dir, folders.exports_dir, year)
            pages = write_county_reports(
                folders.warehouse_dir, folders.reports_dir, folders.exports_dir, year
            )
            step.add(workbooks=len(workbooks), pages=len(pages))
        metadata[f"{year} workbooks"] = len(workbooks)
        metadata[f"{year} pages"] = len(pages)
        if pages:
            metadata[f"{year} first page"] = MetadataValue.path(str(pages[0]))
    # Published with their reports: a later run with the same inputs skips these years.
    mark_built(folders.state_dir, partition_years(context))
    return MaterializeResult(metadata=metadata)


warehouse_assets = [warehouse_tables, validation_report, bureau_reports]
