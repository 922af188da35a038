"""Watch raw/: add partitions for new survey years and refresh the years whose files changed."""

from collections import defaultdict

from dagster import (
    DefaultSensorStatus,
    RunRequest,
    SensorEvaluationContext,
    SensorResult,
    sensor,
)

from orchestration.assets.raw_listing import file_listing, fingerprint
from orchestration.ingest.discover import discover_raw_files
from orchestration.partitions import sorted_partition_requests, survey_year_partitions
from orchestration.resources import JunhengPaths
from orchestration.schedules import refresh_job


@sensor(
    job=refresh_job,
    minimum_interval_seconds=120,
    default_status=DefaultSensorStatus.RUNNING,
    description="A year whose files were added or changed is refreshed once.",
)
def raw_files_sensor(context: SensorEvaluationContext, paths: JunhengPaths) -> SensorResult:
    files_by_year = defaultdict(list)
    for file in discover_raw_files(paths.paths.raw_dir):
        if file.survey_year is not None:
            files_by_year[file.survey_year].append(file)

    known = context.instance.get_dynamic_partitions(survey_year_partitions.name)
    # The run key changes exactly when a file of the year is added, removed or modified,
    # so Dagster launches one run per change and skips the years that did not change.
    run_requests = [
        RunRequest(
            partition_key=str(year),
            run_key=f"{year}:{fingerprint(file_listing(files))}",
        )
        for year, files in sorted(files_by_year.items())
    ]
    return SensorResult(
        run_requests=run_requests,
        dynamic_partitions_requests=sorted_partition_requests(known, files_by_year),
    )
