"""Time the validation layer on a synthetic year of 200 000 staged schools.

    .venv/bin/python scripts/benchmark_validation.py [--schools 200000] [--bad-share 0.01]

Prints seconds and rows per second of `validate_school_rows` and `run_dataset_suites`
(the latter includes the ~4 s great-expectations import, reported apart).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from contracts.staging_schema import INGEST_FILES, SCHOOL_SURVEY  # noqa: E402
from orchestration.ingest.result import IngestResult, conform  # noqa: E402
from orchestration.validation.datasets import run_dataset_suites  # noqa: E402
from orchestration.validation.rows import validate_school_rows  # noqa: E402

SCHOOLS_PER_SHEET = 100
SHEETS_PER_COUNTY = 2


def synthetic_year(schools: int, bad_share: float, year: int, seed: int = 7) -> IngestResult:
    rng = np.random.default_rng(seed)
    number = np.arange(schools)
    sheet = number // SCHOOLS_PER_SHEET
    county = sheet // SHEETS_PER_COUNTY
    students = rng.integers(30, 2500, schools).astype("float64")
    rows = pd.DataFrame(
        {
            "survey_year": year,
            "source_file": [f"{year}/county{c:05d}.xlsx" for c in county],
            "sheet": [f"sheet{s % SHEETS_PER_COUNTY}" for s in sheet],
            "source_row": number % SCHOOLS_PER_SHEET + 4,
            "county_code": [f"{130000 + c:06d}" for c in county],
            "school_id": [f"21{n:08d}" for n in number],
            "school_name": [f"第{n}小学" for n in number],
            "school_name_key": [f"第{n}小学" for n in number],
            "school_type": "primary",
            "reported_scope": "primary",
            "ownership": "public",
            "urban_rural": "rural",
            "students_primary": students,
            "teachers_primary": np.round(students * rng.uniform(0.04, 0.1, schools)),
            "teaching_area_m2": students * rng.uniform(2, 9, schools),
            "sports_area_m2": students * rng.uniform(3, 15, schools),
            "equipment_value_yuan": students * rng.uniform(800, 4000, schools),
            "computers": np.round(students * rng.uniform(0.05, 0.2, schools)),
            "books": np.round(students * rng.uniform(15, 40, schools)),
            "multimedia_rooms": np.round(students / 40),
        }
    )
    bad = rng.random(schools) < bad_share
    rows.loc[bad, "teaching_area_m2"] *= 1000
    school_rows = conform(rows, SCHOOL_SURVEY).to_pandas()
    keys = ["survey_year", "source_file", "sheet", "county_code"]
    sheets = rows.groupby(keys).size().rename("rows_staged").reset_index()
    sheets = sheets.assign(
        status="loaded",
        rows_quarantined=0,
        rows_not_data=3,
        rows_read=sheets["rows_staged"] + 3,
        declared_total_students=rows.groupby(keys)["students_primary"].sum().to_numpy(),
    )
    empty = IngestResult.empty()
    return IngestResult(school_rows, empty.quarantine, conform(sheets, INGEST_FILES).to_pandas())


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--schools", type=int, default=200_000)
    parser.add_argument("--bad-share", type=float, default=0.01)
    arguments = parser.parse_args()

    result = synthetic_year(arguments.schools, arguments.bad_share, 2020)
    previous = synthetic_year(arguments.schools, 0.0, 2019, seed=8).school_rows

    started = time.perf_counter()
    validated, outcome = validate_school_rows(result)
    rows_seconds = time.perf_counter() - started
    print(
        f"validate_school_rows: {rows_seconds:.2f} s, {arguments.schools / rows_seconds:,.0f} rows/s, "
        f"{outcome.metadata['rows_quarantined']} quarantined"
    )

    os.environ["GX_ANALYTICS_ENABLED"] = "false"
    started = time.perf_counter()
    import great_expectations  # noqa: F401  (timed apart: paid once per process)

    import_seconds = time.perf_counter() - started
    started = time.perf_counter()
    outcomes = run_dataset_suites(validated, previous)
    suites_seconds = time.perf_counter() - started
    print(f"great_expectations import: {import_seconds:.2f} s")
    print(
        f"run_dataset_suites: {suites_seconds:.2f} s, {len(validated.school_rows) / suites_seconds:,.0f} rows/s, "
        f"{sum(not o.passed for o in outcomes)} of {len(outcomes)} suites failing"
    )


if __name__ == "__main__":
    main()
