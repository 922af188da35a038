"""scripts/benchmark_national.py at its smallest: it writes a corpus and prints its table.

Nothing here is timed (speed is the script's to measure); the test keeps the script from
rotting as the reader and the demo writers change under it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "benchmark_national.py"


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
