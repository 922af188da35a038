"""The `junheng` command line: arguments and DAGSTER_HOME."""

import argparse

import pytest

from orchestration import cli
from orchestration.settings import Paths


@pytest.mark.parametrize("text, years", [("2019", (2019, 2019)), ("2019-2021", (2019, 2021))])
def test_year_range(text, years):
    assert cli.year_range(text) == years


@pytest.mark.parametrize("text", ["2021-2019", "last year", "2019-"])
def test_year_range_rejects_nonsense(text):
    with pytest.raises(argparse.ArgumentTypeError):
        cli.year_range(text)


@pytest.fixture
def calls(monkeypatch):
    recorded = []
    monkeypatch.setattr(
        cli,
        "run_command",
        lambda paths, years, write_demo=True, verbose=False, lang="both": recorded.append(
            (years, write_demo, verbose, lang)
        ),
    )
    return recorded


def test_run_and_backfill_build_the_same_way(calls):
    cli.main(["run", "--years", "2019-2020"])
    cli.main(["run", "--verbose", "--lang", "zh"])
    cli.main(["backfill", "2016", "2018", "--lang", "en"])
    assert calls == [
        ((2019, 2020), True, False, "both"),
        (None, True, True, "zh"),
        ((2016, 2018), False, False, "en"),
    ]


def test_dagster_home_defaults_to_the_state_folder_with_junhengs_config(tmp_path, monkeypatch):
    monkeypatch.setenv("DAGSTER_HOME", "")  # unset, and restored after the test
    paths = Paths(tmp_path / "raw", tmp_path / "warehouse", tmp_path / "state")

    home = cli.ensure_dagster_home(paths)

    assert home == (tmp_path / "state" / "dagster").resolve()
    assert "granularity: run" in (home / "dagster.yaml").read_text()
