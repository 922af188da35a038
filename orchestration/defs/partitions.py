"""Survey years as Dagster partitions, kept in sync with the year folders of raw/.

A partition range (`2019...2021`) follows the order in which partitions were added, so
the keys are kept sorted: a year that arrives late (a backlog of 2016 sheets) is inserted
by re-adding the later years after it. Dagster keys run history by the partition's name,
so re-adding a year loses nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from dagster import (
    AddDynamicPartitionsRequest,
    DagsterInstance,
    DeleteDynamicPartitionsRequest,
    DynamicPartitionsDefinition,
)
from dagster._core.storage.tags import (
    ASSET_PARTITION_RANGE_END_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
)

survey_year_partitions = DynamicPartitionsDefinition(name="survey_year")


def sorted_partition_requests(
    known_keys: Sequence[str], years: Iterable[int]
) -> list[AddDynamicPartitionsRequest | DeleteDynamicPartitionsRequest]:
    """The requests that add `years` to `known_keys` and leave every key in year order."""
    wanted = sorted({*map(int, known_keys), *years})
    keys = [str(year) for year in wanted]
    if keys == list(known_keys):
        return []
    # Keep the longest prefix already in place; re-add everything after it.
    keep = 0
    while keep < len(known_keys) and keep < len(keys) and known_keys[keep] == keys[keep]:
        keep += 1
    requests: list[AddDynamicPartitionsRequest | DeleteDynamicPartitionsRequest] = []
    if known_keys[keep:]:
        requests.append(
            DeleteDynamicPartitionsRequest(
                partitions_def_name=survey_year_partitions.name,
                partition_keys=list(known_keys[keep:]),
            )
        )
    requests.append(
        AddDynamicPartitionsRequest(
            partitions_def_name=survey_year_partitions.name, partition_keys=keys[keep:]
        )
    )
    return requests


def sync_year_partitions(instance: DagsterInstance, years: Iterable[int]) -> list[str]:
    """Make sure every year is a partition of `instance`; returns the years that were new."""
    name = survey_year_partitions.name
    known = list(instance.get_dynamic_partitions(name))
    for request in sorted_partition_requests(known, years):
        if isinstance(request, DeleteDynamicPartitionsRequest):
            for key in request.partition_keys:
                instance.delete_dynamic_partition(name, key)
        else:
            instance.add_dynamic_partitions(name, list(request.partition_keys))
    return sorted(set(map(str, years)) - set(known))


def partition_range_tags(first: str, last: str) -> dict[str, str]:
    """Run tags that make one run cover the partitions first..last (a single-run backfill)."""
    return {ASSET_PARTITION_RANGE_START_TAG: first, ASSET_PARTITION_RANGE_END_TAG: last}
