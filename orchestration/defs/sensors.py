"""Watch raw/: add partitions for new survey years and refresh the years whose files changed
(by content: orchestration/freshness.py)."""

from collections import defaultdict

from dagster import (
    DefaultSensorStatus,
    RunRequest,
    SensorEvaluationContext,
    SensorResult,
    sensor,
)

from orchestration.defs.partitions import (
    partition_range_tags,
    sorted_partition_requests,
    survey_year_partitions,
)
from orchestration.defs.resources import JunhengPaths
from orchestration.defs.schedules import refresh_job


@sensor(
    job=refresh_job,
    minimum_interval_seconds=120,
    default_status=DefaultSensorStatus.RUNNING,
    description="The years whose files were added, changed or removed are refreshed once.",
)
def raw_files_sensor(context: SensorEvaluationContext, paths: JunhengPaths) -> SensorResult:
    """Watches the raw folder: adds each new survey year as a partition, and requests one run
    of the years whose files, rules or code changed since their last build (by content).
    """
    # The layer's modules load when the sensor ticks, not with the code location.
    from orchestration.freshness import plan_years
    from orchestration.ingest.discover import discover_raw_files

    files = discover_raw_files(paths.paths.raw_dir)
    files_by_year = defaultdict(list)
    for file in files:
        if file.survey_year is not None:
            files_by_year[file.survey_year].append(file)

    known = context.instance.get_dynamic_partitions(survey_year_partitions.name)
    # The years whose files, rules or code differ from those their last build read (and the
    # years after them), as one run; the run key makes each change one run, however often
    # the sensor looks (orchestration/freshness.py).
    plan = plan_years(paths.paths, files)
    run_requests = []
    if plan.stale:
        first, last = str(plan.years[0]), str(plan.years[-1])
        run_requests.append(
            RunRequest(tags=partition_range_tags(first, last), run_key=f"{first}-{last}:{plan.key}")
        )
    return SensorResult(
        run_requests=run_requests,
        dynamic_partitions_requests=sorted_partition_requests(known, files_by_year),
    )
