"""scripts/benchmark_national.py at its smallest: it writes a corpus and prints its table.

Nothing here is timed (speed is the script's to measure); the test keeps the script from
rotting as the reader and the demo writers change under it.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "benchmark_national.py"
MB = 1024 * 1024


def test_a_small_national_corpus_is_read_by_every_step(tmp_path):
    out, figures = tmp_path / "corpus", tmp_path / "figures.json"
    command = [sys.executable, str(SCRIPT), "--counties", "5", "--years", "1"]
    command += ["--steps", "a", "b", "c", "f", "--jobs", "1"]
    command += ["--out", str(out), "--json", str(figures)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]

    data = json.loads(figures.read_text())
    corpus, steps = data["corpus"], data["steps"]
    assert corpus["files"] == 5 and corpus["key"]["counties"] == 5
    assert corpus["sheet_rows"] > corpus["schools"] > 0
    assert set(steps) == {"a", "b", "c", "f"}
    # The bare read and the openpyxl loop see every row the writers wrote, no more.
    assert steps["a"]["count"] == steps["b"]["count"] == corpus["sheet_rows"]
    # Junheng stages the schools (some twice, once per stage part); defects are few.
    assert steps["c"]["count"] >= 0.9 * corpus["schools"]
    for figures_of_step in steps.values():
        assert figures_of_step["seconds"] > 0 and figures_of_step["peak_rss_bytes"] > 0
    assert {row["goal"] for row in data["goals"]} >= {
        "ingestion throughput / bare calamine",
        "startup (imports, manifest, definitions)",
    }

    table = done.stdout
    for label in ("calamine read", "openpyxl loop", "ingest_year", "startup", "verdict"):
        assert label in table
    assert "command:" in table and "machine:" in table
    # Without --keep the corpus is gone, but a folder the user named stays.
    assert out.exists() and not (out / "raw").exists()


def load_script():
    spec = importlib.util.spec_from_file_location("benchmark_national", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_cold_run_reports_when_the_warehouse_was_published_apart_from_the_whole_run():
    """From a run's step spans and memory samples (as the event log and /proc give them):
    each step's seconds and peak, the publish time from the command's start, and the goal
    line on the published time with the whole run on a line of its own."""
    bench = load_script()
    started = 1000.0
    spans = {
        "parsed_school_rows": (1010.0, 1040.0),
        "junheng_dbt_models": (1040.0, 1060.0),
        bench.PUBLISH_STEP: (1060.0, 1065.5),
        "bureau_reports": (1065.5, 1600.0),
    }
    samples = [(1005.0, 100 * MB), (1020.0, 900 * MB), (1050.0, 1500 * MB), (1200.0, 700 * MB)]
    breakdown = bench.run_breakdown(spans, started, samples)

    assert breakdown["published_seconds"] == 65.5
    steps = breakdown["steps"]
    assert steps["parsed_school_rows"] == {"seconds": 30.0, "peak_rss_bytes": 900 * MB}
    assert steps["junheng_dbt_models"]["peak_rss_bytes"] == 1500 * MB
    assert steps[bench.PUBLISH_STEP]["peak_rss_bytes"] is None  # no sample in 5.5 s
    assert steps["bureau_reports"] == {"seconds": 534.5, "peak_rss_bytes": 700 * MB}

    run = {"seconds": 600.0, "peak_rss_bytes": 1500 * MB, "published_seconds": 65.5}
    rows = {row["goal"]: row for row in bench.goals({"d": run}, bench.NATIONAL_COUNTIES, 1)}
    year = rows["one national year, cold, to published warehouse + catalog"]
    assert (year["measured"], year["verdict"]) == (65.5, "MISS")
    whole = [row for row in rows.values() if row["informative"]]
    assert [row["measured"] for row in whole] == [600.0, 6000.0]
    assert all(row["verdict"] == "-" for row in whole)
    backfill = rows["ten-year national backfill, to published warehouse + catalog (x 10 / years)"]
    assert (backfill["measured"], backfill["verdict"]) == (655.0, "MISS est.")

    data = {
        "date": "today",
        "machine": bench.machine(),
        "command": "python scripts/benchmark_national.py --steps d",
        "corpus": {
            "key": {"counties": bench.NATIONAL_COUNTIES, "years": [2024]},
            "files": 1,
            "formats": {"xlsx": 1},
            "sheet_rows": 10,
            "schools": 5,
            "bytes": MB,
            "generation_seconds": 1,
        },
        "steps": {"d": {**run, "cpu_seconds": 700.0}},
        "run_steps": steps,
        "goals": list(rows.values()),
    }
    text = bench.report(data)
    assert "published the warehouse and catalog 65.5 s after the command started" in text
    assert "took 600.0 s" in text
    lines = text.splitlines()
    goal_line = next(line for line in lines if line.startswith("one national year"))
    assert "65.5 s" in goal_line and "MISS" in goal_line
    whole_line = lines[lines.index(goal_line) + 1]
    assert "whole `junheng run`" in whole_line and "600 s" in whole_line
    assert "bureau_reports" in text and "700.0" in text  # CPU seconds beside the wall clock


def test_a_raw_folder_it_did_not_write_is_never_written_over(tmp_path, capsys):
    """`--out` naming a folder whose raw/ holds someone's files (a checkout's landing
    folder) or a corpus of other parameters: nothing is written or deleted, exit 2."""
    bench = load_script()
    precious = tmp_path / "raw" / "2024" / "precious.csv"
    precious.parent.mkdir(parents=True)
    precious.write_text("real county data")
    assert bench.main(["--counties", "2", "--steps", "a", "--out", str(tmp_path)]) == 2
    assert precious.read_text() == "real county data"
    assert "not started" in capsys.readouterr().err

    (tmp_path / "corpus.json").write_text(json.dumps({"key": {"counties": 7, "years": [2024]}}))
    assert bench.main(["--counties", "2", "--steps", "a", "--out", str(tmp_path)]) == 2
    assert precious.exists() and (tmp_path / "corpus.json").exists()
    assert "a corpus of other parameters" in capsys.readouterr().err


def test_a_goal_measured_on_another_corpus_says_so_and_never_passes():
    """300 counties x 10 years is about a national year's rows, but not a national year."""
    bench = load_script()
    run = {"seconds": 50.0, "peak_rss_bytes": MB, "published_seconds": 40.0}
    rows = bench.goals({"d": run}, 300, 10)
    year = next(row for row in rows if row["goal"].startswith("one national year"))
    assert "[measured: 300 counties x 10 year(s)]" in year["goal"]
    assert year["verdict"] == "n/a"
    national = bench.goals({"d": run}, bench.NATIONAL_COUNTIES, 1)
    year = next(row for row in national if row["goal"].startswith("one national year"))
    assert "measured:" not in year["goal"] and year["verdict"] == "PASS"
    # several years built at once are other work than one year: no MISS from them either
    slow = {**run, "published_seconds": 62.8}
    for counties in (20, bench.NATIONAL_COUNTIES):
        rows = bench.goals({"d": slow}, counties, 3)
        year = next(row for row in rows if row["goal"].startswith("one national year"))
        assert year["verdict"] == "n/a", year
    year = next(
        row
        for row in bench.goals({"d": slow}, 20, 1)
        if row["goal"].startswith("one national year")
    )
    assert year["verdict"] == "MISS"


def test_a_run_stopped_at_publishing_is_stopped_when_the_pointer_appears(tmp_path):
    """--until-published (and step h): the run, its children included, is stopped once the
    warehouse's `current` pointer appears, and that moment is kept; a run that ends without
    publishing is an error, not a figure."""
    bench = load_script()
    bench.PUBLISHED_AT = None
    work = tmp_path / "run"
    (work / "warehouse").mkdir(parents=True)
    publishes_then_draws = (
        "import os, subprocess, sys, time; time.sleep(0.5); "
        "os.symlink('snapshots/x', 'warehouse/current'); "
        "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)']); "
        "time.sleep(60)"
    )
    started = time.time()
    bench.junheng_run(
        tmp_path, work, until_published=True,
        command=[sys.executable, "-c", f"import os; os.chdir({str(work)!r}); {publishes_then_draws}"],
    )  # fmt: skip
    assert bench.PUBLISHED_AT is not None and started < bench.PUBLISHED_AT < started + 30
    assert time.time() - started < 30  # stopped, not waited for

    bench.PUBLISHED_AT = None
    (tmp_path / "nothing").mkdir()
    with pytest.raises(RuntimeError, match="ended without publishing"):
        bench.junheng_run(tmp_path, tmp_path / "nothing", until_published=True,
                          command=[sys.executable, "-c", "print('no warehouse')"])  # fmt: skip


def test_the_measured_backfill_gets_its_own_goals_and_memory_growth():
    """Step h measures the ten-year backfill (no estimate from d any more) and compares its
    peak memory up to publishing with the one-year run's."""
    bench = load_script()
    spans = {"parsed_school_rows": (1000.0, 1100.0), bench.PUBLISH_STEP: (1100.0, 1105.0)}
    samples = [(1050.0, 1000 * MB), (1104.0, 1200 * MB), (1200.0, 3000 * MB)]
    breakdown = bench.run_breakdown(spans, 990.0, samples)
    assert breakdown["published_seconds"] == 115.0
    assert breakdown["peak_to_published_bytes"] == 1200 * MB  # the pages after it not counted
    stopped = bench.run_breakdown(spans, 990.0, samples, published_seconds=70.0)
    assert stopped["published_seconds"] == 70.0
    assert stopped["peak_to_published_bytes"] == 1000 * MB  # the samples up to 1060

    one = {"seconds": 55.0, "peak_rss_bytes": 2 * 1024 * MB, "published_seconds": 55.0,
           "stopped_at_publish": True, "peak_to_published_bytes": 2000 * MB}  # fmt: skip
    ten = {"seconds": 590.0, "peak_rss_bytes": 3 * 1024 * MB, "published_seconds": 580.0,
           "stopped_at_publish": True, "peak_to_published_bytes": 3000 * MB}  # fmt: skip
    rows = {row["goal"]: row for row in bench.goals({"d": one, "h": ten}, 2849, 1)}
    backfill = rows["ten-year national backfill, cold, to published warehouse + catalog"]
    assert (backfill["measured"], backfill["verdict"]) == (580.0, "PASS")
    assert not any("x 10 / years" in goal for goal in rows)  # measured, so not estimated
    assert not any(row["informative"] for row in rows.values())  # no whole run: stopped
    growth = rows["memory growth with years: peak to published, ten years / one"]
    assert (growth["measured"], growth["verdict"]) == (1.5, "MISS")

    ten["peak_to_published_bytes"] = 2200 * MB
    rows = {row["goal"]: row for row in bench.goals({"d": one, "h": ten}, 2849, 1)}
    growth = rows["memory growth with years: peak to published, ten years / one"]
    assert (growth["measured"], growth["verdict"]) == (1.1, "PASS")
    small = {row["goal"][:40]: row for row in bench.goals({"d": one, "h": ten}, 300, 1)}
    assert all(row["verdict"] in ("n/a", "-") for row in small.values() if "memory growth"
               in row["goal"] or "backfill" in row["goal"])  # fmt: skip


def test_one_changed_file_passes_only_when_its_year_alone_is_rebuilt(tmp_path):
    """Step i: "a change in one county's file rebuilds that year only", read off the run's
    "rebuilding <year>:" lines; the change itself is a blank line at the end of the first
    csv file of the last year, in step d's copy of raw/ (never in the corpus)."""
    bench = load_script()
    run = {"seconds": 30.0, "peak_rss_bytes": MB, "changed_year": 2024}
    verdicts = {}
    for rebuilt in ([["2024"], "PASS"], [["2023", "2024"], "MISS"], [[], "MISS"]):
        rows = bench.goals({"i": {**run, "rebuilt_years": rebuilt[0]}}, 2849, 2)
        row = next(row for row in rows if row["goal"].startswith("one county's file changed"))
        verdicts[",".join(rebuilt[0])] = row["verdict"]
        assert row["verdict"] == rebuilt[1]
    assert verdicts == {"2024": "PASS", "2023,2024": "MISS", "": "MISS"}
    assert bench.REBUILT_YEAR.findall("重建 rebuilding 2024: file changed: 2024/a.csv") == ["2024"]

    raw = tmp_path / "run" / "raw" / "2024" / "某省"
    raw.mkdir(parents=True)
    (tmp_path / "run" / "warehouse").mkdir()
    (raw / "b.csv").write_bytes("学校名称\r\n".encode("gbk"))
    (raw / "a.xlsx").write_bytes(b"PK")
    bench.change_one_file(tmp_path / "corpus", [2024], tmp_path)
    assert (raw / "b.csv").read_bytes() == "学校名称\r\n\r\n".encode("gbk")
    assert (raw / "a.xlsx").read_bytes() == b"PK"


def test_a_work_folder_it_did_not_make_is_refused_and_kept(tmp_path, capsys):
    """--work (by default --out) holding a `run/` or `backfill/` of someone else's: refused
    before anything is written (exit 2), the folder kept; a folder the benchmark made is
    emptied and made again (tester finding B2)."""
    bench = load_script()
    mine = tmp_path / "backfill" / "mine.txt"
    mine.parent.mkdir()
    mine.write_text("my notes")
    assert bench.main(["--counties", "2", "--steps", "a", "--out", str(tmp_path)]) == 2
    assert "backfill/" in capsys.readouterr().err and mine.read_text() == "my notes"
    assert not (tmp_path / "raw").exists()

    made = bench.fresh_folder(tmp_path / "run")
    (made / "left.txt").write_text("from the last benchmark")
    assert bench.fresh_folder(tmp_path / "run") == made and not (made / "left.txt").exists()
    with pytest.raises(bench.CorpusRefused):
        bench.fresh_folder(tmp_path / "backfill")
    assert mine.exists()


def test_memory_growth_is_judged_only_against_a_one_year_run():
    """d over several years is not one year's peak: the ratio is then shown without a goal
    (tester finding B1)."""
    bench = load_script()
    one = {"seconds": 55.0, "peak_rss_bytes": MB, "peak_to_published_bytes": 2000 * MB}
    ten = {"seconds": 500.0, "peak_rss_bytes": MB, "peak_to_published_bytes": 2000 * MB}
    three = bench.goals({"d": one, "h": ten}, 2849, 3)
    assert not any(row["goal"].startswith("memory growth") for row in three)
    shown = next(row for row in three if "ten years / 3" in row["goal"])
    assert shown["informative"] and shown["verdict"] == "-"
    single = bench.goals({"d": one, "h": ten}, 2849, 1)
    assert (
        next(row for row in single if row["goal"].startswith("memory growth"))["verdict"] == "PASS"
    )


def test_a_copied_year_says_its_new_year_inside_as_well(tmp_path):
    """Steps g and h copy the last year's files as ten years: the year inside (titles,
    sheet names, dates) must change with the folder, or the reader rejects the copies as
    year_conflict and the "ten-year" run reads about three years' rows (tester finding B5).
    Read back by the libraries the reader uses; nothing else in the files changes."""
    import csv

    import openpyxl
    import python_calamine
    import xlwt

    bench = load_script()
    title, number = "某县2024年义务教育学校基本情况统计表(统计时间:2024年9月30日)", 12024
    xlsx = openpyxl.Workbook()
    sheet = xlsx.active
    sheet.title = "2024年"
    sheet.append([title])
    sheet.append(["学校名称", "在校学生数"])
    sheet.append(["城关小学", 2024])  # a figure equal to the year changes too: no row does
    sheet.append(["东街小学", number])
    xlsx.save(tmp_path / "a.xlsx")
    xls = xlwt.Workbook(encoding="utf-8")
    page = xls.add_sheet("2024年")
    page.write(0, 0, title)
    page.write(1, 0, "城关小学")
    page.write(1, 1, number)
    xls.save(str(tmp_path / "b.xls"))
    (tmp_path / "c.csv").write_bytes(f"{title}\r\n城关小学,{number}\r\n".encode("gbk"))

    for name in ("a.xlsx", "b.xls", "c.csv"):
        bench.copy_as_year(tmp_path / name, tmp_path / f"2015-{name}", 2024, 2015)
    new_title = title.replace("2024", "2015")
    book = python_calamine.CalamineWorkbook.from_path(tmp_path / "2015-a.xlsx")
    assert book.sheet_names == ["2015年"]
    rows = book.get_sheet_by_index(0).to_python()
    assert rows[0][0] == new_title and rows[3] == ["东街小学", number]
    book = python_calamine.CalamineWorkbook.from_path(tmp_path / "2015-b.xls")
    assert book.sheet_names == ["2015年"]
    assert book.get_sheet_by_index(0).to_python()[:2] == [[new_title, ""], ["城关小学", number]]
    text = (tmp_path / "2015-c.csv").read_bytes().decode("gbk")
    assert list(csv.reader(text.splitlines())) == [[new_title], ["城关小学", str(number)]]
