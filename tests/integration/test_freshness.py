"""Which years a run rebuilds (orchestration/freshness.py): the pure decision, the record the
run keeps, and `junheng run` / the nightly schedule doing nothing when nothing changed."""

import os
from pathlib import Path

import pytest
from dagster import SkipReason, build_schedule_context, instance_for_test

from orchestration import cli, freshness
from orchestration.defs.partitions import sync_year_partitions
from orchestration.defs.resources import JunhengPaths
from orchestration.defs.schedules import nightly_refresh
from orchestration.freshness import (
    BUILT,
    PENDING,
    Reason,
    Records,
    YearRecord,
    mark_built,
    mark_pending,
    plan_years,
    read_records,
    stale_years,
    write_records,
)
from orchestration.ingest.discover import discover_raw_files
from orchestration.publish.warehouse import SNAPSHOTS
from orchestration.settings import Paths

INPUTS = {"contracts": "c1", "dbt_project": "d1", "code": "k1"}
FILES = {
    2022: {"2022/a.xlsx": "h22a", "2022/b.csv": "h22b"},
    2023: {"2023/a.xlsx": "h23a", "2023/b.csv": "h23b"},
    2024: {"2024/a.xlsx": "h24a", "2024/b.csv": "h24b"},
}


def built(files=FILES, inputs=INPUTS, status=BUILT):
    return {year: YearRecord(dict(names), dict(inputs), status) for year, names in files.items()}


def decide(files=FILES, inputs=INPUTS, records=None, staged=None, published=None, **undated):
    return stale_years(
        files,
        inputs,
        built() if records is None else records,
        set(FILES) if staged is None else staged,
        set(FILES) if published is None else published,
        **undated,
    )


def codes(stale):
    return {year: [reason.code for reason in reasons] for year, reasons in stale.items()}


def changed(year, name, digest):
    files = {y: dict(names) for y, names in FILES.items()}
    files[year][name] = digest
    return files


def test_nothing_changed_nothing_is_stale():
    assert decide() == {}


def test_a_changed_file_of_the_latest_year_rebuilds_that_year_only():
    stale = decide(files=changed(2024, "2024/b.csv", "new"))
    assert codes(stale) == {2024: ["changed_file"]}
    assert stale[2024][0] == Reason("changed_file", "2024/b.csv")


def test_an_earlier_year_rebuilds_with_the_years_that_read_it():
    # 2023's figures carry 2022's as previous-year values, and school versions run on.
    stale = decide(files=changed(2022, "2022/a.xlsx", "new"))
    assert codes(stale) == {
        2022: ["changed_file"],
        2023: ["follows_rebuilt_year"],
        2024: ["follows_rebuilt_year"],
    }


def test_new_and_removed_files_are_told_apart():
    files = {y: dict(names) for y, names in FILES.items()}
    files[2024]["2024/c.xls"] = "h24c"
    del files[2024]["2024/a.xlsx"]
    stale = decide(files=files)
    assert stale[2024] == [Reason("new_file", "2024/c.xls"), Reason("removed_file", "2024/a.xlsx")]


def test_a_new_year_and_a_year_never_built():
    files = {**FILES, 2025: {"2025/a.xlsx": "h25"}}
    assert codes(decide(files=files)) == {2025: ["new_year"]}


@pytest.mark.parametrize("name", ["contracts", "dbt_project", "code"])
def test_a_change_of_rules_or_code_rebuilds_every_year(name):
    stale = decide(inputs={**INPUTS, name: "changed"})
    assert codes(stale) == {year: [f"{name}_changed"] for year in FILES}


def test_a_year_whose_last_build_did_not_finish():
    records = {**built(), 2023: built(status=PENDING)[2023]}
    assert codes(decide(records=records)) == {
        2023: ["previous_run_failed"],
        2024: ["follows_rebuilt_year"],
    }


def test_a_year_missing_from_the_staging_or_the_warehouse():
    assert codes(decide(staged={2022, 2023})) == {2024: ["not_staged"]}
    assert codes(decide(published=set())) == {year: ["not_published"] for year in FILES}


def test_a_removed_year_rebuilds_the_year_after_it_or_the_latest():
    files = {year: names for year, names in FILES.items() if year != 2023}
    assert codes(decide(files=files)) == {2024: ["year_removed"]}
    files = {year: names for year, names in FILES.items() if year != 2024}
    assert codes(decide(files=files)) == {2023: ["year_removed"]}


def test_changed_undated_files_republish_with_the_latest_year():
    same = {"undated": {"x.xlsx": "1"}, "recorded_undated": {"x.xlsx": "1"}}
    assert decide(**same) == {}
    stale = decide(undated={"x.xlsx": "2"}, recorded_undated={"x.xlsx": "1"})
    assert codes(stale) == {2024: ["undated_files_changed"]}


# ---- the record and the plan over real folders --------------------------------------------
def put(raw: Path, relative: str, content: bytes = b"x") -> Path:
    path = raw / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path


@pytest.fixture
def deployment(tmp_path):
    """Three years of raw files, recorded as built, staged and published (no pipeline run:
    the folders a run leaves, with placeholder files)."""
    paths = Paths(tmp_path / "raw", tmp_path / "warehouse", tmp_path / "state")
    for year in FILES:
        put(paths.raw_dir, f"{year}/石家庄市/正定县{year}年均衡数据.xlsx", f"a{year}".encode())
        put(paths.raw_dir, f"{year}/石家庄市/行唐县{year}年均衡数据.csv", f"b{year}".encode())
        put(paths.staging_dir, f"school_survey/survey_year={year}/part.parquet")
        put(paths.warehouse_dir, f"{SNAPSHOTS}/s1/fct_x/survey_year={year}/part.parquet")
    os.symlink(Path(SNAPSHOTS) / "s1", paths.warehouse_dir / "current")
    files = discover_raw_files(paths.raw_dir)
    mark_pending(paths.state_dir, files, list(FILES))
    mark_built(paths.state_dir, list(FILES))
    return paths


def plan(paths, **options):
    return plan_years(paths, discover_raw_files(paths.raw_dir), **options)


def test_a_finished_build_is_current(deployment):
    assert plan(deployment).stale == {}
    assert plan(deployment).current == sorted(FILES)
    assert {record.status for record in read_records(deployment.state_dir).years.values()} == {
        BUILT
    }


def test_a_touched_file_is_no_change_but_new_content_is(deployment):
    file = deployment.raw_dir / "2023/石家庄市/正定县2023年均衡数据.xlsx"
    os.utime(file, ns=(1, 1))  # the same content, another modification time
    assert plan(deployment).stale == {}
    file.write_bytes(b"new content")
    assert codes(plan(deployment).stale) == {
        2023: ["changed_file"],
        2024: ["follows_rebuilt_year"],
    }
    assert codes(plan(deployment, years=[2023]).stale) == {2023: ["changed_file"]}


def test_a_run_that_builds_nothing_keeps_a_touched_files_new_time(deployment, monkeypatch):
    file = deployment.raw_dir / "2023/石家庄市/正定县2023年均衡数据.xlsx"
    os.utime(file, ns=(1, 1))  # delivered again: the same bytes, another modification time
    for name, folder in (
        ("RAW", deployment.raw_dir),
        ("WAREHOUSE", deployment.warehouse_dir),
        ("STATE", deployment.state_dir),
    ):
        monkeypatch.setenv(f"JUNHENG_{name}_DIR", str(folder))
    monkeypatch.setattr(cli, "ensure_dagster_home", lambda paths: pytest.fail("a run started"))
    assert cli.main(["run", "--lang", "en"]) == 0
    source = f"2023/石家庄市/{file.name}"
    assert read_records(deployment.state_dir).stats[source][:2] == (file.stat().st_size, 1)

    # the next listing takes the digest from the record: the file is not opened again
    opened = []
    real_open = open

    def spy(path, *args, **kwargs):
        opened.append(Path(path).name)
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr("builtins.open", spy)
    assert plan(deployment).stale == {}
    assert file.name not in opened


def test_a_run_that_died_before_publishing_leaves_its_years_stale(deployment):
    mark_pending(deployment.state_dir, discover_raw_files(deployment.raw_dir), [2024])
    assert codes(plan(deployment).stale) == {2024: ["previous_run_failed"]}
    mark_built(deployment.state_dir, [2024])
    assert plan(deployment).stale == {}


def test_a_rule_change_rebuilds_every_year(deployment, monkeypatch):
    digests = freshness.input_digests()
    monkeypatch.setattr(freshness, "input_digests", lambda: {**digests, "contracts": "edited"})
    assert codes(plan(deployment).stale) == {year: ["contracts_changed"] for year in FILES}


def test_force_rebuilds_every_selected_year(deployment):
    assert codes(plan(deployment, years=[2023, 2024], force=True).stale) == {
        2023: ["forced"],
        2024: ["forced"],
    }


def test_the_input_digests_follow_the_rules_and_not_dbts_output():
    digests = freshness.input_digests()
    assert set(digests) == {"contracts", "dbt_project", "code"}
    assert freshness.input_digests() == digests


def test_a_setting_that_changes_no_result_rebuilds_nothing(tmp_path):
    """contracts/read_limits.yaml's `workers` (and its comments) are not a build input; a
    limit in the same file, which can reject a file, is (tester finding F10)."""
    import shutil

    from orchestration.settings import CONTRACTS_DIR

    contracts = shutil.copytree(CONTRACTS_DIR, tmp_path / "contracts")
    limits = contracts / "read_limits.yaml"
    text = limits.read_text(encoding="utf-8")
    before = freshness.contracts_digest(contracts)
    assert "\nworkers: 2\n" in text
    limits.write_text(text.replace("\nworkers: 2\n", "\nworkers: 7  # a bigger machine\n"))
    assert freshness.contracts_digest(contracts) == before
    limits.write_text(text.replace("max_sheet_cells: 50000000", "max_sheet_cells: 5000"))
    assert freshness.contracts_digest(contracts) != before
    limits.write_text(text)
    (contracts / "units.csv").write_text("edited\n")
    assert freshness.contracts_digest(contracts) != before


def snapshot_state(warehouse: Path) -> list[tuple[str, int]]:
    return sorted(
        (str(path.relative_to(warehouse)), path.lstat().st_mtime_ns)
        for path in warehouse.rglob("*")
    )


def test_junheng_run_with_nothing_changed_starts_nothing(deployment, monkeypatch, capsys):
    for name, folder in (
        ("RAW", deployment.raw_dir),
        ("WAREHOUSE", deployment.warehouse_dir),
        ("STATE", deployment.state_dir),
    ):
        monkeypatch.setenv(f"JUNHENG_{name}_DIR", str(folder))
    before = snapshot_state(deployment.warehouse_dir)
    monkeypatch.setattr(cli, "ensure_dagster_home", lambda paths: pytest.fail("a run started"))

    assert cli.main(["run", "--lang", "en"]) == 0

    assert "nothing changed since the last build" in capsys.readouterr().out
    assert snapshot_state(deployment.warehouse_dir) == before


def test_the_nightly_schedule_skips_when_nothing_changed(deployment):
    resources = {
        "paths": JunhengPaths(
            raw_dir=str(deployment.raw_dir),
            warehouse_dir=str(deployment.warehouse_dir),
            state_dir=str(deployment.state_dir),
        )
    }
    with instance_for_test() as instance:
        sync_year_partitions(instance, list(FILES))
        with build_schedule_context(instance=instance, resources=resources) as context:
            assert isinstance(nightly_refresh(context), SkipReason)
        put(deployment.raw_dir, "2024/石家庄市/正定县2024年均衡数据.xlsx", b"changed")
        with build_schedule_context(instance=instance, resources=resources) as context:
            [request] = nightly_refresh(context)
    assert (request.partition_key_range.start, request.partition_key_range.end) == ("2024", "2024")


def test_a_year_rebuilt_alone_leaves_the_later_built_years_stale_until_built(deployment):
    file = deployment.raw_dir / "2023/石家庄市/正定县2023年均衡数据.xlsx"
    file.write_bytes(b"corrected")
    files = discover_raw_files(deployment.raw_dir)
    # `junheng run --years 2023`: only 2023 is built
    assert codes(plan(deployment, years=[2023]).stale) == {2023: ["changed_file"]}
    mark_pending(deployment.state_dir, files, [2023])
    mark_built(deployment.state_dir, [2023])

    # 2024's previous-year figures read the old 2023: stale, and says why
    stale = plan(deployment).stale
    assert codes(stale) == {2024: ["follows_rebuilt_year"]}
    assert stale[2024][0].detail == "2023"
    assert 2022 not in stale

    mark_pending(deployment.state_dir, files, [2024])
    mark_built(deployment.state_dir, [2024])
    assert plan(deployment).stale == {}


def test_a_record_that_follows_a_rebuilt_year_is_stale_and_kept_across_reads(tmp_path):
    records = built()
    records[2024] = YearRecord(FILES[2024], INPUTS, BUILT, follows=2023)
    assert codes(decide(records=records)) == {2024: ["follows_rebuilt_year"]}
    write_records(tmp_path, Records(records))
    assert read_records(tmp_path).years[2024].follows == 2023
    assert read_records(tmp_path).years[2023].follows is None


def test_a_forced_rebuild_of_the_same_inputs_leaves_the_later_years_current(deployment):
    files = discover_raw_files(deployment.raw_dir)
    mark_pending(deployment.state_dir, files, [2023])  # `--force --years 2023`, nothing changed
    mark_built(deployment.state_dir, [2023])
    assert plan(deployment).stale == {}


def test_the_plan_tells_a_changed_year_from_a_forced_rebuild_of_the_same_inputs(deployment):
    assert plan(deployment, years=[2023], force=True).changed == []
    (deployment.raw_dir / "2023/石家庄市/正定县2023年均衡数据.xlsx").write_bytes(b"corrected")
    assert plan(deployment, years=[2023], force=True).changed == [2023]
    assert plan(deployment, years=[2023]).changed == [2023]
    assert plan(deployment).changed == [2023]  # 2024 follows, with the same inputs
