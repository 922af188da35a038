"""A small synthetic staged dataset: 3 survey years, 2 counties, the awkward cases of
docs/spec/balance-indicators.md §1.

Rows are plain dicts of the staging schema's columns; missing columns are null.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from contracts.staging_schema import STAGED_TABLES
from tests.staged_rows import staged_school_row

YEARS = (2019, 2020, 2021)
ZHENGDING = "130123"
XINGTANG = "130125"
HOSTILE_NAME = '=HYPERLINK("http://x","y")<img src=x onerror="document.title=1">'


def _school(year: int, county: str, name_key: str, school_type: str, *, seed: int, **fields):
    """A school row whose quantities vary with `seed` and the year, so CVs are not trivial."""
    scale = 1 + 0.05 * (year - YEARS[0]) + 0.13 * seed
    students_primary = fields.pop("students_primary", None)
    students_junior = fields.pop("students_junior", None)
    students = (students_primary or 0) + (students_junior or 0)
    stage_teachers = {}
    if school_type not in {"nine_year", "twelve_year"}:
        stage = "junior" if school_type in {"junior", "complete_middle"} else "primary"
        stage_teachers = {
            f"teachers_{stage}": round(students / 17),
            f"teachers_above_degree_{stage}": round(students / 19),
            f"teachers_senior_title_{stage}": round(students / 40 * scale),
            f"teachers_backbone_{stage}": round(students / 80 * scale),
            f"teachers_pe_arts_{stage}": round(students / 90 * scale),
        }
    quantities = dict(
        survey_year=year,
        source_file=f"{year}/{county}.xlsx",
        sheet="Sheet1",
        county_code=county,
        school_name=name_key + "学校",
        school_name_key=name_key,
        school_type=school_type,
        reported_scope="school",
        counts_as_school=school_type != "teaching_point",
        students_primary=students_primary,
        students_junior=students_junior,
        **stage_teachers,
        teaching_area_m2=round(students * 5.1 * scale, 1),
        sports_area_m2=round(students * 8.0 / scale, 1),
        equipment_value_yuan=round(students * 2300 * scale),
        computers=round(students / 8 * scale),
        books=round(students * 30 * scale),
        multimedia_rooms=round(students / 35 * scale),
    )
    return staged_school_row(**(quantities | fields))


def school_rows(year: int) -> list[dict]:
    renamed = "正定一小" if year == YEARS[0] else "正定第一小学"
    rows = [
        _school(
            year,
            ZHENGDING,
            renamed,
            "primary",
            seed=0,
            school_id="1301230001",
            students_primary=480,
            classes_primary=11,
        ),
        _school(
            year,
            ZHENGDING,
            "正定二小",
            "primary",
            seed=2,
            school_id="1301230002",
            students_primary=210 + 10 * (year - YEARS[0]),
        ),
        # A nine-year school reported whole, teachers given only for the whole school.
        _school(
            year,
            ZHENGDING,
            "九年制",
            "nine_year",
            seed=1,
            school_id="1301230003",
            students_primary=166,
            students_junior=210,
            books=23226,
            teachers_whole=30,
            teachers_above_degree_whole=28,
            teachers_senior_title_whole=12,
            teachers_backbone_whole=5,
            teachers_pe_arts_whole=4,
            classes_whole=9,  # not by stage: no class size
        ),
        # The statistics-form layout: sports pieces apart, indoor rooms inside teaching area.
        _school(
            year,
            ZHENGDING,
            "正定一中",
            "junior",
            seed=3,
            students_junior=620,
            sports_area_m2=None,
            sports_ground_m2=5200.0,
            indoor_sports_m2=800.0,
            school_id="1301230004" if year > YEARS[0] else None,
            classes_junior=12,  # 620 / 12 = 51.7 students a class, above the junior 50
        ),
        _school(
            year,
            ZHENGDING,
            "西村教学点",
            "teaching_point",
            seed=4,
            students_primary=35,
            parent_school_name="正定二小",
            parent_school_name_key="正定二小",
        ),
        # A teaching point with a few junior students: its junior part is excluded, not lost.
        _school(
            year,
            ZHENGDING,
            "东村教学点",
            "teaching_point",
            seed=5,
            students_primary=64,
            students_junior=7,
        ),
        _school(
            year,
            ZHENGDING,
            "南村教学点",
            "teaching_point",
            seed=6,
            students_primary=30,
            parent_school_name="不存在",
            parent_school_name_key="不存在",
        ),
        _school(
            year,
            ZHENGDING,
            "特教学校",
            "special_education",
            seed=7,
            students_primary=40,
            students_junior=20,
        ),
        # In 2020 Xingtang's sheet gives 正定二小's id (a copy slip): the id is claimed by two
        # counties in one year, and both counties must still be published.
        _school(
            year,
            XINGTANG,
            "行唐一小",
            "primary",
            seed=8,
            students_primary=350,
            school_id="1301230002" if year == YEARS[1] else None,
        ),
        # A private school whose sheet leaves the multimedia rooms empty, with a name that
        # would be a formula in a spreadsheet and markup in a page.
        _school(
            year,
            XINGTANG,
            "行唐二小",
            "primary",
            seed=9,
            students_primary=95,
            ownership="private",
            multimedia_rooms=None,
            school_name=HOSTILE_NAME,
        ),
        _school(year, XINGTANG, "行唐中学", "junior", seed=10, students_junior=500),
    ]
    if year < YEARS[-1]:  # a school merged away after 2020: its validity ends then
        rows.append(_school(year, XINGTANG, "行唐三小", "primary", seed=11, students_primary=120))
    for number, row in enumerate(rows, start=4):
        row["source_row"] = number
    return rows


def ingest_rows(year: int, staged: list[dict]) -> list[dict]:
    receipts = []
    for county in (ZHENGDING, XINGTANG):
        count = sum(1 for row in staged if row["county_code"] == county)
        receipts.append(
            {
                "survey_year": year,
                "source_file": f"{year}/{county}.xlsx",
                "sheet": "Sheet1",
                "status": "loaded",
                "county_code": county,
                "rows_read": count + 4,
                "rows_staged": count,
                "rows_quarantined": 1 if county == ZHENGDING else 0,
                "rows_not_data": 3 if county == ZHENGDING else 4,
                "file_sha256": "0" * 64,
            }
        )
    receipts.append(
        {
            "survey_year": year,
            "source_file": f"{year}/说明.docx",
            "status": "skipped",
            "reason_code": "not_a_spreadsheet",
            "reason": "not a spreadsheet",
        }
    )
    return receipts


def quarantine_rows(year: int) -> list[dict]:
    return [
        {
            "survey_year": year,
            "source_file": f"{year}/{ZHENGDING}.xlsx",
            "sheet": "Sheet1",
            "source_row": 30,
            "county_code": ZHENGDING,
            "school_name": "无名",
            "caught_by": "ingest",
            "reason_code": "missing_students",
            "reason": "no enrollment",
            "raw_values": '{"学校名称": "无名"}',
        }
    ]


def write_staged(state_dir: Path) -> None:
    for year in YEARS:
        staged = school_rows(year)
        tables = {
            "school_survey": staged,
            "quarantine": quarantine_rows(year),
            "ingest_files": ingest_rows(year, staged),
        }
        for name, rows in tables.items():
            schema = STAGED_TABLES[name]
            columns = {field.name: [row.get(field.name) for row in rows] for field in schema}
            folder = state_dir / "staging" / name / f"survey_year={year}"
            folder.mkdir(parents=True, exist_ok=True)
            pq.write_table(pa.table(columns, schema=schema), folder / "part.parquet")
