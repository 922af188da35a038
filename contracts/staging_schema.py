"""The staged tables: the one interface between the Python ingest and dbt.

The ingest writes these three tables per survey year as Parquet under
`<state>/staging/<table>/survey_year=<year>/part.parquet`; dbt declares them as sources
(`dbt_project/models/staging/__sources.yml`) and its staging models only rename and cast.
A change here is a change to both sides.

Quantities are doubles in their base unit (m², yuan, persons, units, volumes, rooms):
the ingest applies header and file-level units (万元 -> 元) before staging.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pyarrow as pa

# Canonical school types (办学类型), in the order of contracts/school_type_stages.csv, the
# one home of the national rule of which stages each type teaches (read by the reader and
# by dbt too). The Chinese labels and synonyms live in contracts/school_types.csv; these
# codes are what flows downstream.
with Path(__file__).with_name("school_type_stages.csv").open(encoding="utf-8", newline="") as _f:
    SCHOOL_TYPES = tuple(dict.fromkeys(row["school_type"] for row in csv.DictReader(_f)))

# What part of a school a staged row reports. A multi-stage school reported on a
# primary sheet and again on a junior sheet gives two rows, scoped 'primary' and
# 'junior', whose quantities are already that part's own. A row scoped 'school'
# reports the whole school; its resources are split by the national shares.
REPORTED_SCOPES = ("school", "primary", "junior")

STAGES = ("primary", "junior")

# Teacher counts arrive per stage or for the whole school; `_whole` holds a count that
# the sheet did not attribute to a stage and that the school type does not settle.
TEACHER_FIELDS = (
    "teachers",
    "teachers_above_degree",
    "teachers_senior_title",
    "teachers_backbone",
    "teachers_pe_arts",
)
TEACHER_COLUMNS = tuple(
    f"{field}_{part}" for field in TEACHER_FIELDS for part in ("primary", "junior", "whole")
)

# Classes (班级数) arrive like teachers: per stage, or for the whole school as `classes_whole`.
CLASS_COLUMNS = ("classes_primary", "classes_junior", "classes_whole")

# The counts the reader attributes to a stage (else to `<field>_whole`).
STAGE_COUNT_FIELDS = (*TEACHER_FIELDS, "classes")

STUDENT_COLUMNS = ("students_primary", "students_junior", "students_senior")

# Resources belong to the row's reported_scope. sports_ground_m2 (运动场地面积) and
# indoor_sports_m2 (室内体育用房) are the statistics-form pieces of the sports area;
# dbt applies the floor-area rule of docs/spec/balance-indicators.md §1 to them.
RESOURCE_COLUMNS = (
    "teaching_area_m2",
    "sports_area_m2",
    "sports_ground_m2",
    "indoor_sports_m2",
    "equipment_value_yuan",
    "computers",
    "books",
    "multimedia_rooms",
)

QUANTITY_COLUMNS = STUDENT_COLUMNS + TEACHER_COLUMNS + CLASS_COLUMNS + RESOURCE_COLUMNS

SCHOOL_SURVEY = pa.schema(
    [
        ("survey_year", pa.int32()),
        ("source_file", pa.string()),  # posix path relative to the raw folder
        ("sheet", pa.string()),
        ("source_row", pa.int32()),  # the spreadsheet's own 1-based row number
        ("county_code", pa.string()),  # 6 digits, from the region registry
        ("school_id", pa.string()),  # 10 digits, null when the sheet has none
        ("school_name", pa.string()),  # as written (after NFKC, traditional -> simplified)
        ("school_name_key", pa.string()),  # normalised name: identity within a county
        ("school_type", pa.string()),  # one of SCHOOL_TYPES
        ("reported_scope", pa.string()),  # one of REPORTED_SCOPES
        ("ownership", pa.string()),  # 'public' | 'private' | null
        ("urban_rural", pa.string()),  # 'urban' | 'town' | 'rural' | null
        ("counts_as_school", pa.bool_()),  # 是否计校数; null when the sheet has no such column
        ("parent_school_name", pa.string()),  # 所属学校 of a teaching point
        ("parent_school_name_key", pa.string()),
        *[(column, pa.float64()) for column in QUANTITY_COLUMNS],
    ]
)

QUARANTINE = pa.schema(
    [
        ("survey_year", pa.int32()),
        ("source_file", pa.string()),
        ("sheet", pa.string()),
        ("source_row", pa.int32()),
        ("county_code", pa.string()),
        ("school_name", pa.string()),
        ("caught_by", pa.string()),  # the step that caught it: 'ingest' | 'validation' | 'dedupe'
        ("reason_code", pa.string()),
        ("reason", pa.string()),
        ("raw_values", pa.string()),  # JSON object of the row as read, header text -> cell
    ]
)

INGEST_FILES = pa.schema(
    [
        ("survey_year", pa.int32()),  # null for a file whose year can not be told
        ("source_file", pa.string()),
        ("sheet", pa.string()),  # null for a file rejected or skipped as a whole
        ("status", pa.string()),  # 'loaded' | 'rejected' | 'skipped'
        ("reason_code", pa.string()),  # from contracts/reason_codes.csv, null when loaded
        ("reason", pa.string()),
        ("county_code", pa.string()),
        ("rows_read", pa.int64()),
        ("rows_staged", pa.int64()),
        ("rows_quarantined", pa.int64()),
        ("rows_not_data", pa.int64()),
        ("not_data_kinds", pa.string()),  # JSON: {"title": 2, "header": 2, "total": 1, ...}
        ("unmatched_headers", pa.string()),  # JSON: [{"column": "F", "text": ..., "reason": ...}]
        # JSON: [{"field": "teachers_backbone", "indicators": ["Q2"]}], base quantities the
        # sheet has no column for (contracts/headers.yaml base_quantities)
        ("missing_fields", pa.string()),
        ("row_warnings", pa.string()),  # JSON list of messages: a total unlike its grades' sum
        ("declared_total_students", pa.float64()),  # the sheet's own 合计 row, when it has one
        ("file_sha256", pa.string()),
        # The file could not be used (rejected, or skipped in a county of which nothing was
        # read), so its county-year is incomplete (orchestration/ingest/pipeline.py).
        ("county_incomplete", pa.bool_()),
        ("is_demo", pa.bool_()),  # the file is the synthetic demo province's
    ]
)

STAGED_TABLES = {
    "school_survey": SCHOOL_SURVEY,
    "quarantine": QUARANTINE,
    "ingest_files": INGEST_FILES,
}
