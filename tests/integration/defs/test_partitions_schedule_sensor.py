"""Survey-year partitions, the nightly schedule and the raw/ sensor."""

import os

import pytest
from dagster import (
    AddDynamicPartitionsRequest,
    DeleteDynamicPartitionsRequest,
    SkipReason,
    build_schedule_context,
    build_sensor_context,
    instance_for_test,
)

from orchestration.defs.common import STRICT_TAG
from orchestration.defs.partitions import (
    sorted_partition_requests,
    survey_year_partitions,
    sync_year_partitions,
)
from orchestration.defs.resources import JunhengPaths
from orchestration.defs.schedules import nightly_refresh
from orchestration.defs.sensors import raw_files_sensor
from orchestration.freshness import mark_built, mark_pending
from orchestration.ingest.discover import discover_raw_files

NAME = survey_year_partitions.name


@pytest.fixture
def instance():
    with instance_for_test() as instance:
        yield instance


def test_new_years_are_added_in_order():
    [request] = sorted_partition_requests(["2019"], [2020, 2021, 2019])
    assert isinstance(request, AddDynamicPartitionsRequest)
    assert list(request.partition_keys) == ["2020", "2021"]
    assert sorted_partition_requests(["2019", "2020"], [2020]) == []


def test_a_late_year_is_inserted_by_re_adding_the_later_ones():
    delete, add = sorted_partition_requests(["2018", "2020", "2021"], [2019])
    assert isinstance(delete, DeleteDynamicPartitionsRequest)
    assert list(delete.partition_keys) == ["2020", "2021"]
    assert list(add.partition_keys) == ["2019", "2020", "2021"]


def test_sync_keeps_the_instance_sorted_so_ranges_mean_years(instance):
    assert sync_year_partitions(instance, [2021, 2020]) == ["2020", "2021"]
    assert sync_year_partitions(instance, [2019, 2020]) == ["2019"]
    assert sync_year_partitions(instance, [2019]) == []
    assert instance.get_dynamic_partitions(NAME) == ["2019", "2020", "2021"]


def schedule_context(instance, tmp_path):
    paths = JunhengPaths(
        raw_dir=str(tmp_path / "raw"),
        warehouse_dir=str(tmp_path / "w"),
        state_dir=str(tmp_path / "s"),
    )
    return build_schedule_context(instance=instance, resources={"paths": paths})


def test_nightly_schedule_skips_without_years(instance, tmp_path):
    with schedule_context(instance, tmp_path) as context:
        assert isinstance(nightly_refresh(context), SkipReason)


def test_nightly_schedule_rebuilds_every_year_never_built_in_one_run(instance, tmp_path):
    for year in (2019, 2020, 2021):
        put(tmp_path / "raw", f"{year}/a.xlsx")
    sync_year_partitions(instance, [2019, 2020, 2021])
    with schedule_context(instance, tmp_path) as context:
        [request] = nightly_refresh(context)
    assert request.partition_key_range.start == "2019"
    assert request.partition_key_range.end == "2021"
    # Strict: a county-year that lost a file fails the run (after publishing).
    assert request.tags[STRICT_TAG] == "true"


def test_schedule_runs_at_two_in_beijing():
    assert nightly_refresh.cron_schedule == "0 2 * * *"
    assert nightly_refresh.execution_timezone == "Asia/Shanghai"


@pytest.fixture
def raw_dir(tmp_path):
    return tmp_path / "raw"


def put(raw, relative, content=b"x"):
    path = raw / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path


def deployment(raw, tmp_path):
    return JunhengPaths(
        raw_dir=str(raw), warehouse_dir=str(tmp_path / "w"), state_dir=str(tmp_path / "s")
    )


def evaluate(instance, raw, tmp_path):
    # The paths resource takes the run lock in runs (a context manager): open it as the
    # daemon does. A sensor evaluation itself takes no lock.
    with build_sensor_context(
        instance=instance, resources={"paths": deployment(raw, tmp_path)}
    ) as context:
        return raw_files_sensor(context)


def test_sensor_adds_year_partitions_and_requests_one_run_for_the_new_years(
    instance, raw_dir, tmp_path
):
    put(raw_dir, "2020/a.xlsx")
    put(raw_dir, "2019/b.xlsx")
    put(raw_dir, "undated/c.xlsx")

    result = evaluate(instance, raw_dir, tmp_path)

    [add] = result.dynamic_partitions_requests
    assert list(add.partition_keys) == ["2019", "2020"]
    [request] = result.run_requests
    assert (request.partition_key_range.start, request.partition_key_range.end) == (
        "2019",
        "2020",
    )


def run_key(result):
    [request] = result.run_requests
    return request.run_key


def test_sensor_run_key_changes_only_when_a_file_changes_in_content(instance, raw_dir, tmp_path):
    put(raw_dir, "2019/a.xlsx")
    changing = put(raw_dir, "2020/a.xlsx")
    before = run_key(evaluate(instance, raw_dir, tmp_path))
    assert run_key(evaluate(instance, raw_dir, tmp_path)) == before
    os.utime(changing, ns=(1, 1))  # touched, the same content: the same run
    assert run_key(evaluate(instance, raw_dir, tmp_path)) == before

    changing.write_bytes(b"a longer file")
    assert run_key(evaluate(instance, raw_dir, tmp_path)) != before


def test_sensor_leaves_alone_the_years_built_from_the_files_they_have_now(
    instance, raw_dir, tmp_path
):
    changing = put(raw_dir, "2019/a.xlsx")
    put(raw_dir, "2020/a.xlsx")
    paths = deployment(raw_dir, tmp_path).paths
    # What a finished run of 2019 leaves: its record, staged rows and published snapshot.
    put(paths.staging_dir, "school_survey/survey_year=2019/part.parquet")
    put(paths.warehouse_dir, "snapshots/s1/fct_x/survey_year=2019/part.parquet")
    os.symlink("snapshots/s1", paths.warehouse_dir / "current")
    mark_pending(paths.state_dir, discover_raw_files(raw_dir), [2019])
    mark_built(paths.state_dir, [2019])

    [request] = evaluate(instance, raw_dir, tmp_path).run_requests
    assert (request.partition_key_range.start, request.partition_key_range.end) == (
        "2020",
        "2020",
    )

    changing.write_bytes(b"a longer file")
    [request] = evaluate(instance, raw_dir, tmp_path).run_requests
    assert (request.partition_key_range.start, request.partition_key_range.end) == (
        "2019",
        "2020",
    )
