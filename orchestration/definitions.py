"""The Junheng code location: `dagster dev -m orchestration.definitions`.

dagster-dbt reads dbt's manifest at import: run `junheng dbt-parse` first (make does).
"""

from dagster import Definitions

from orchestration.defs.dbt import dbt_model_assets
from orchestration.defs.ingest import ingest_assets
from orchestration.defs.publish import warehouse_assets
from orchestration.defs.resources import build_resources
from orchestration.defs.schedules import nightly_refresh, refresh_job
from orchestration.defs.sensors import raw_files_sensor
from orchestration.defs.staging import staging_assets
from orchestration.defs.validation import validation_checks


def build_definitions() -> Definitions:
    """The definitions, with the folders the environment names now (JUNHENG_*_DIR)."""
    return Definitions(
        assets=[*ingest_assets, *staging_assets, *dbt_model_assets, *warehouse_assets],
        asset_checks=validation_checks,
        jobs=[refresh_job],
        schedules=[nightly_refresh],
        sensors=[raw_files_sensor],
        resources=build_resources(),
    )


defs = build_definitions()
