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
from orchestration.defs.resources import JunhengPaths

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
        "Every night, rebuild in one run (one dbt build) the known survey years whose files, "
        "rules or code changed since their last build, with the years after them; skip when "
        "none did (orchestration/freshness.py). Strict: the run fails, after publishing, when "
        "a county-year lost a file (check county_years_complete)."
    ),
)
def nightly_refresh(context: ScheduleEvaluationContext, paths: JunhengPaths):
    """The nightly schedule (02:00 Asia/Shanghai): one strict run rebuilding the known survey
    years that are stale (orchestration/freshness.py plan_years), or a skip saying why none is.
    """
    from orchestration.freshness import plan_years
    from orchestration.ingest.discover import discover_raw_files

    years = context.instance.get_dynamic_partitions(survey_year_partitions.name)
    if not years:
        return SkipReason("No survey year yet: the raw/ sensor adds them as files arrive.")
    if not paths.paths.raw_dir.is_dir():
        return SkipReason(f"The raw folder {paths.paths.raw_dir} is not there (unmounted?).")
    files = discover_raw_files(paths.paths.raw_dir)
    plan = plan_years(paths.paths, files, [int(year) for year in years])
    if not plan.stale:
        return SkipReason(
            f"Nothing changed since the last build of {years[0]}-{years[-1]} (raw files by "
            "content, contracts/, the dbt project, the code): nothing to rebuild."
        )
    first, last = str(plan.years[0]), str(plan.years[-1])
    return [RunRequest(tags={**partition_range_tags(first, last), STRICT_TAG: "true"})]
