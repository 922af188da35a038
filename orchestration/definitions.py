"""The Junheng code location: `dagster dev -m orchestration.definitions`.

One module of orchestration/defs/ per layer holds the assets and checks wrapping that
layer's calls (docs/architecture.md). Importing this module builds nothing: `defs` is
Dagster's lazy definitions (`@dagster.definitions`), which Dagster's loaders (`dagster dev`,
`dagster definitions validate`, the code server) call when they load the location. Only then
are the layer modules imported and the dbt assets built from dbt's manifest: run
`junheng dbt-parse` first (make does).
"""

import dagster


def build_definitions() -> dagster.Definitions:
    """The definitions, with the folders the environment names now (JUNHENG_*_DIR).

    Reads dbt_project/target/manifest.json; raises FileNotFoundError when it is missing
    (`junheng dbt-parse` writes it)."""
    from orchestration.defs.dbt import build_dbt_assets, public_model_keys
    from orchestration.defs.ingest import ingest_assets
    from orchestration.defs.publish import build_warehouse_tables, publish_assets, publish_checks
    from orchestration.defs.resources import build_resources
    from orchestration.defs.schedules import nightly_refresh, refresh_job
    from orchestration.defs.sensors import raw_files_sensor
    from orchestration.defs.staging import staging_assets
    from orchestration.defs.validation import validation_assets, validation_checks

    return dagster.Definitions(
        assets=[
            *ingest_assets,
            *validation_assets,
            *staging_assets,
            *build_dbt_assets(),
            build_warehouse_tables(public_model_keys()),
            *publish_assets,
        ],
        asset_checks=[*validation_checks, *publish_checks],
        jobs=[refresh_job],
        schedules=[nightly_refresh],
        sensors=[raw_files_sensor],
        resources=build_resources(),
    )


@dagster.definitions
def defs() -> dagster.Definitions:
    """The code location's definitions, built when Dagster loads them (build_definitions)."""
    return build_definitions()
