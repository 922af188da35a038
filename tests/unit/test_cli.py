"""The `junheng` command line: arguments and DAGSTER_HOME."""

import argparse

import pytest

from orchestration import cli, settings
from orchestration.settings import Paths


@pytest.mark.parametrize("text, years", [("2019", (2019, 2019)), ("2019-2021", (2019, 2021))])
def test_year_range(text, years):
    assert cli.year_range(text) == years


@pytest.mark.parametrize("text", ["2021-2019", "last year", "2019-"])
def test_year_range_rejects_nonsense(text):
    with pytest.raises(argparse.ArgumentTypeError):
        cli.year_range(text)


@pytest.fixture
def calls(tmp_path, monkeypatch):
    for name in ("raw", "warehouse", "state"):  # never the repository's own folders
        monkeypatch.setenv(f"JUNHENG_{name.upper()}_DIR", str(tmp_path / name))
    (tmp_path / "raw" / "2019").mkdir(parents=True)
    (tmp_path / "raw" / "2019" / "正定县.xlsx").write_bytes(b"PK")
    recorded = []
    monkeypatch.setattr(
        cli,
        "run_command",
        lambda paths, years, write_demo=True, verbose=False, lang="both", strict=False, force=False: (
            recorded.append((years, write_demo, verbose, lang, strict, force))
        ),
    )
    return recorded


def test_run_and_backfill_build_the_same_way(calls):
    cli.main(["run", "--years", "2019-2020"])
    cli.main(["run", "--verbose", "--lang", "zh"])
    cli.main(["backfill", "2016", "2018", "--lang", "en"])
    cli.main(["run", "--strict"])
    cli.main(["backfill", "2016", "2018", "--strict"])
    cli.main(["run", "--force"])
    # A backfill rebuilds its years whether or not they changed; a run only what changed.
    assert calls == [
        ((2019, 2020), True, False, "both", False, False),
        (None, True, True, "zh", False, False),
        ((2016, 2018), False, False, "en", False, True),
        (None, True, False, "both", True, False),
        ((2016, 2018), False, False, "both", True, True),
        (None, True, False, "both", False, True),
    ]


def test_dagster_home_defaults_to_the_state_folder_with_junhengs_config(tmp_path, monkeypatch):
    monkeypatch.setenv("DAGSTER_HOME", "")  # unset, and restored after the test
    paths = Paths(tmp_path / "raw", tmp_path / "warehouse", tmp_path / "state")

    home = cli.ensure_dagster_home(paths)

    assert home == (tmp_path / "state" / "dagster").resolve()
    assert "granularity: run" in (home / "dagster.yaml").read_text()


# --- the raw folder: the demo only where nothing is; bad paths get a sentence -----------


@pytest.fixture
def deployment(tmp_path, monkeypatch):
    """Folders under tmp_path; `default` makes tmp_path/raw the project's default raw/."""
    written = []

    def fake_demo(raw_dir, **_):
        written.append(raw_dir)
        (raw_dir / "2019").mkdir(parents=True)
        (raw_dir / "2019" / "正定县.xlsx").write_bytes(b"PK")

    monkeypatch.setattr("orchestration.demo.generate_demo_province", fake_demo)
    for name in ("JUNHENG_RAW_DIR", "JUNHENG_WAREHOUSE_DIR", "JUNHENG_STATE_DIR"):
        monkeypatch.setenv(name, str(tmp_path / name.split("_")[1].lower()))

    def use(raw_dir, default=False):
        monkeypatch.setenv("JUNHENG_RAW_DIR", str(raw_dir))
        monkeypatch.setattr(settings, "DEFAULT_RAW_DIR", raw_dir if default else tmp_path / "x")
        return written

    return use


def run(capsys, *args):
    status = cli.main(["run", *args])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return status, out


def test_the_demo_is_written_into_the_default_raw_folder_when_it_does_not_exist(
    tmp_path, deployment
):
    written = deployment(tmp_path / "raw", default=True)
    assert cli.prepare_raw_dir(Paths.from_env(), write_demo=True) is None
    assert written == [(tmp_path / "raw").resolve()]


def test_the_repositorys_readme_alone_leaves_raw_empty(tmp_path, deployment):
    (tmp_path / "raw").mkdir()
    (tmp_path / "raw" / "README.md").write_text("landing folder")
    written = deployment(tmp_path / "raw", default=True)
    cli.prepare_raw_dir(Paths.from_env(), write_demo=True)
    assert len(written) == 1


def test_a_folder_holding_only_a_file_the_reader_skips_gets_no_demo(tmp_path, deployment, capsys):
    # A WPS .et (case 16) alone in the default raw/: whatever the reader makes of it, the
    # folder is in use, so the demo province is never written there.
    (tmp_path / "raw" / "2023").mkdir(parents=True)
    (tmp_path / "raw" / "2023" / "鹿泉区2023年均衡数据.et").write_bytes(b"\xd0\xcf\x11\xe0")
    written = deployment(tmp_path / "raw", default=True)
    cli.prepare_raw_dir(Paths.from_env(), write_demo=True)
    assert written == []
    (tmp_path / "raw" / "2023" / "鹿泉区2023年均衡数据.et").unlink()
    (tmp_path / "raw" / "2023" / "说明.pdf").write_bytes(b"%PDF-1.4")
    status, out = run(capsys)
    assert status == cli.EXIT_BAD_INPUT and written == []
    assert "no readable spreadsheet" in out and "说明.pdf" in out


def test_the_demo_never_goes_into_a_folder_named_by_junheng_raw_dir(tmp_path, deployment, capsys):
    written = deployment(tmp_path / "mistyped")
    status, out = run(capsys)
    assert status == cli.EXIT_BAD_INPUT and written == []
    assert "JUNHENG_RAW_DIR" in out and "does not exist" in out
    (tmp_path / "mistyped").mkdir()
    status, out = run(capsys)
    assert status == cli.EXIT_BAD_INPUT and written == [] and "holds no file" in out


def test_a_file_given_as_a_folder_gets_a_sentence(tmp_path, deployment, capsys):
    (tmp_path / "data.xlsx").write_bytes(b"PK")
    deployment(tmp_path / "data.xlsx")
    status, out = run(capsys, "--years", "2019")
    assert status == cli.EXIT_BAD_INPUT and "is a file, not a folder" in out


def test_junheng_demo_refuses_a_folder_holding_files(tmp_path, deployment, capsys):
    written = deployment(tmp_path / "raw")
    (tmp_path / "raw").mkdir()
    (tmp_path / "raw" / "county.xlsx").write_bytes(b"PK")
    assert cli.main(["demo"]) == cli.EXIT_BAD_INPUT
    assert written == [] and "already holds files" in capsys.readouterr().out
    assert cli.main(["demo", "--raw", str(tmp_path / "new")]) == 0
    assert written == [tmp_path / "new"]


def test_bad_arguments_get_a_usage_line_not_a_traceback(capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main(["run", "--years", "2021-2019"])
    assert exit_.value.code == 2 and "runs backwards" in capsys.readouterr().err


def test_a_failed_step_is_told_by_its_root_cause_and_its_trace_goes_to_the_run_log(
    tmp_path, capsys
):
    import sys
    from types import SimpleNamespace

    from dagster._utils.error import serializable_error_info_from_exc_info

    from orchestration.cli import print_step_errors

    try:
        try:
            int(None)
        except TypeError as cause:
            raise RuntimeError('Error occurred while executing op "bureau_reports":') from cause
    except RuntimeError:
        error = serializable_error_info_from_exc_info(sys.exc_info())
    failure = SimpleNamespace(
        is_step_failure=True,
        step_key="bureau_reports",
        event_specific_data=SimpleNamespace(error=error),
    )
    log = tmp_path / "last_run.log"
    print_step_errors(SimpleNamespace(all_events=[failure]), log)
    line = capsys.readouterr().out.strip()
    assert line.startswith("bureau_reports: TypeError: int() argument")
    assert "Traceback" in log.read_text(encoding="utf-8") or "int(None)" in log.read_text(
        encoding="utf-8"
    )


def test_an_install_without_the_checkout_stops_at_once_saying_how_to_install(
    tmp_path, monkeypatch, capsys
):
    # A wheel (pip install .) puts orchestration/ in site-packages without dbt_project/.
    site_packages = tmp_path / "site-packages"
    (site_packages / "orchestration").mkdir(parents=True)
    with pytest.raises(settings.NotACheckoutError) as raised:
        settings.require_checkout(site_packages)
    sentence = str(raised.value)
    assert "pip install -e ." in sentence and "pip install -e '.[demo]'" in sentence
    assert str(site_packages) in sentence and "\n" not in sentence

    monkeypatch.setattr(settings, "PROJECT_ROOT", site_packages)
    monkeypatch.setattr(
        cli, "require_checkout", lambda: settings.require_checkout(settings.PROJECT_ROOT)
    )
    monkeypatch.setattr(cli, "locked_run", lambda *a, **k: pytest.fail("the run started"))
    assert cli.main(["run"]) == cli.EXIT_BAD_INPUT
    assert "pip install -e ." in capsys.readouterr().err


def test_the_checkout_itself_passes_the_check():
    settings.require_checkout()  # dbt_project/ beside orchestration/


@pytest.mark.parametrize(
    "variable, value",
    [
        ("JUNHENG_READ_WORKERS", "abc"),
        ("JUNHENG_READ_WORKERS", "-1"),
        ("JUNHENG_READ_WORKERS", "1.5"),
        ("JUNHENG_REPORT_WORKERS", "abc"),
        ("JUNHENG_REPORT_WORKERS", "0"),
        ("JUNHENG_DUCKDB_MEMORY_LIMIT", "lots"),
        ("JUNHENG_DUCKDB_MEMORY_LIMIT", "2GB'; drop table x; --"),
        ("JUNHENG_DUCKDB_MEMORY_LIMIT", "0GB"),
        ("JUNHENG_DUCKDB_MEMORY_LIMIT", "-1GB"),
        ("JUNHENG_KEEP_SNAPSHOTS", "three"),
        ("JUNHENG_KEEP_SNAPSHOTS", "0"),
    ],
)
@pytest.mark.parametrize("command", [["run"], ["backfill", "2019", "2019"]])
def test_a_setting_it_can_not_use_stops_the_run_before_it_starts(
    calls, monkeypatch, capsys, variable, value, command
):
    monkeypatch.setenv(variable, value)
    assert cli.main(command) == cli.EXIT_BAD_INPUT
    out = capsys.readouterr().out
    assert out.startswith("not started: ") and variable in out and repr(value) in out
    assert len(out.strip().splitlines()) == 1
    assert calls == []  # nothing listed, read or built


@pytest.mark.parametrize(
    "edit, said",
    [
        (("workers: 2", "workers: two"), "workers: 'two' is not a whole number >= 0"),
        (("workers: 2", "workers: -1"), "workers: -1 is not a whole number >= 0"),
        (("workers: 2", ""), "missing or unknown entries: workers"),
        (("max_zip_ratio: 1000", "max_zip_ratio: lots"), "max_zip_ratio: 'lots' is not a number"),
        (("max_sheet_cells: 50000000", "max_sheet_cells: 0"), "max_sheet_cells: 0 is not"),
        (("workers: 2", "workers: 2\nworkerz: 3"), "missing or unknown entries: workerz"),
    ],
)
def test_a_read_limit_it_can_not_use_stops_the_run_before_it_starts(
    calls, monkeypatch, capsys, tmp_path, edit, said
):
    """contracts/read_limits.yaml is checked at the start of every run, not by the first
    run that reads: `workers` is no build input, so a typo in it would otherwise pass every
    night with nothing to read (tester finding W1)."""
    limits = (settings.CONTRACTS_DIR / "read_limits.yaml").read_text(encoding="utf-8")
    assert edit[0] in limits
    contracts = tmp_path / "contracts"
    contracts.mkdir()
    (contracts / "read_limits.yaml").write_text(limits.replace(edit[0], edit[1]), "utf-8")
    monkeypatch.setattr(settings, "CONTRACTS_DIR", contracts)
    assert cli.main(["run"]) == cli.EXIT_BAD_INPUT
    out = capsys.readouterr().out
    assert out.startswith("not started: ") and "read_limits.yaml" in out and said in out
    assert calls == []
    (contracts / "read_limits.yaml").write_text(limits, "utf-8")
    assert settings.setting_problem() is None


@pytest.mark.parametrize(
    "variable, value, read, expected",
    [
        ("JUNHENG_READ_WORKERS", "0", settings.read_workers, 0),
        ("JUNHENG_READ_WORKERS", " 3 ", settings.read_workers, 3),
        ("JUNHENG_READ_WORKERS", "", settings.read_workers, None),
        ("JUNHENG_REPORT_WORKERS", "2", settings.report_workers, 2),
        ("JUNHENG_DUCKDB_MEMORY_LIMIT", "512MiB", settings.duckdb_memory_limit, "512MiB"),
        ("JUNHENG_DUCKDB_MEMORY_LIMIT", "60%", settings.duckdb_memory_limit, "60%"),
        ("JUNHENG_KEEP_SNAPSHOTS", "5", settings.keep_snapshots, 5),
    ],
)
def test_settings_it_can_use_are_read_as_given(monkeypatch, variable, value, read, expected):
    monkeypatch.setenv(variable, value)
    assert read() == expected
    assert settings.setting_problem() is None


def test_the_readers_and_the_pages_workers_come_from_the_settings(monkeypatch):
    from orchestration.ingest.isolation import read_limits
    from orchestration.publish.county_report import report_workers

    monkeypatch.setenv("JUNHENG_READ_WORKERS", "0")
    monkeypatch.setenv("JUNHENG_REPORT_WORKERS", "3")
    read_limits.cache_clear()
    try:
        assert read_limits().workers == 0
    finally:
        read_limits.cache_clear()
    assert report_workers() == 3


def test_dagster_storage_files_are_held_open_once_in_wal_mode(tmp_path):
    """relax_event_log_sync's idle connection: an event's connection is never the last, so
    closing it does not checkpoint and delete the WAL; a file not yet in WAL mode is not held
    (a connection from before the switch would not count)."""
    import sqlite3

    def write_one(path):
        connection = sqlite3.connect(path)
        connection.execute("insert into t values (1)")
        connection.commit()
        connection.close()

    path = tmp_path / "events.db"
    connection = sqlite3.connect(path)
    connection.execute("create table t (x)")
    connection.close()
    cli.hold_open(str(path))  # not in WAL mode yet
    assert str(path) not in cli._HELD
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.close()
    write_one(path)
    assert not (tmp_path / "events.db-wal").exists()  # the last close checkpointed it away

    cli.hold_open(str(path))
    try:
        write_one(path)
        assert (tmp_path / "events.db-wal").exists()  # no checkpoint at the event's close
    finally:
        cli.release_event_log()
    assert cli._HELD == {}
    assert not (tmp_path / "events.db-wal").exists()
    assert sqlite3.connect(path).execute("select count(*) from t").fetchone() == (2,)
