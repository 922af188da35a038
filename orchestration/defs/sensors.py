"""Watch raw/: add partitions for new survey years and refresh the years whose files changed."""

from collections import defaultdict

from dagster import (
    AssetRecordsFilter,
    DagsterInstance,
    DefaultSensorStatus,
    RunRequest,
    SensorEvaluationContext,
    SensorResult,
    sensor,
)

from orchestration.defs.ingest import raw_survey_files
from orchestration.defs.partitions import sorted_partition_requests, survey_year_partitions
from orchestration.defs.resources import JunhengPaths
from orchestration.defs.schedules import refresh_job


def built_fingerprint(instance: DagsterInstance, year: int) -> str | None:
    """The fingerprint of the files the last materialization of `year` read, if any."""
    from orchestration.ingest.raw_listing import FINGERPRINTS

    records = instance.fetch_materializations(
        AssetRecordsFilter(asset_key=raw_survey_files.key, asset_partitions=[str(year)]), limit=1
    ).records
    if not records:
        return None
    recorded = records[0].asset_materialization.metadata.get(FINGERPRINTS)
    return recorded.value.get(str(year)) if recorded else None


@sensor(
    job=refresh_job,
    minimum_interval_seconds=120,
    default_status=DefaultSensorStatus.RUNNING,
    description="A year whose files were added or changed is refreshed once.",
)
def raw_files_sensor(context: SensorEvaluationContext, paths: JunhengPaths) -> SensorResult:
    """Watches the raw folder: adds each new survey year as a partition, and requests one run
    of a year whose files changed (added, removed or modified) since its last build.

    The run key is the year and the fingerprint of its file listing, so each change gives one
    run however often the sensor looks (every 2 minutes).
    """
    from orchestration.ingest.discover import discover_raw_files
    from orchestration.ingest.raw_listing import file_listing, fingerprint

    files_by_year = defaultdict(list)
    for file in discover_raw_files(paths.paths.raw_dir):
        if file.survey_year is not None:
            files_by_year[file.survey_year].append(file)

    known = context.instance.get_dynamic_partitions(survey_year_partitions.name)
    # A year runs when its files differ from those its last build read (added, removed or
    # modified); the run key makes each change one run, however often the sensor looks.
    current = {year: fingerprint(file_listing(files)) for year, files in files_by_year.items()}
    run_requests = [
        RunRequest(partition_key=str(year), run_key=f"{year}:{digest}")
        for year, digest in sorted(current.items())
        if digest != built_fingerprint(context.instance, year)
    ]
    return SensorResult(
        run_requests=run_requests,
        dynamic_partitions_requests=sorted_partition_requests(known, files_by_year),
    )
