"""The job that refreshes the whole graph, and its nightly schedule."""

from dagster import (
    AssetSelection,
    RunRequest,
    ScheduleEvaluationContext,
    SkipReason,
    define_asset_job,
    schedule,
)

from orchestration.defs.common import STRICT_TAG
from orchestration.defs.partitions import partition_range_tags, survey_year_partitions

refresh_job = define_asset_job(
    "refresh_warehouse",
    selection=AssetSelection.all(),
    description="raw/ to the warehouse for the run's survey years.",
)


@schedule(
    job=refresh_job,
    cron_schedule="0 2 * * *",
    execution_timezone="Asia/Shanghai",
    description=(
        "Every night, rebuild every known survey year in one run (one dbt build). Strict: the "
        "run fails, after publishing, when a county-year lost a file (check county_years_complete)."
    ),
)
def nightly_refresh(context: ScheduleEvaluationContext):
    """The nightly schedule (02:00 Asia/Shanghai): one strict run rebuilding every known survey
    year, or a skip while no year is known yet.
    """
    years = context.instance.get_dynamic_partitions(survey_year_partitions.name)
    if not years:
        return SkipReason("No survey year yet: the raw/ sensor adds them as files arrive.")
    return [RunRequest(tags={**partition_range_tags(years[0], years[-1]), STRICT_TAG: "true"})]
