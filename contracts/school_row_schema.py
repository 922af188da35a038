"""The pandera schema of one staged school row (contracts/staging_schema.SCHOOL_SURVEY).

Every check is named by the reason code a failing row is quarantined with
(contracts/reason_codes.csv). Checks named `CONTRACT` guard what the ingest itself sets
(provenance, reported scope, the mapped ownership labels): a failure there is a bug of
the ingest, not a bad sheet, and is not quarantined.

The per-student bands are data (contracts/plausibility_bands.csv, with the reason for
each bound), so a county with a genuine outlier is a CSV edit, not a code change.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from contracts.staging_schema import (
    CLASS_COLUMNS,
    QUANTITY_COLUMNS,
    REPORTED_SCOPES,
    SCHOOL_TYPES,
    STUDENT_COLUMNS,
    TEACHER_COLUMNS,
)

BANDS_CSV = Path(__file__).with_name("plausibility_bands.csv")

# Failures that are the ingest's fault rather than the sheet's.
CONTRACT = "contract"

# Persons, units, volumes and rooms come whole; areas and money do not.
COUNT_COLUMNS = (
    STUDENT_COLUMNS + TEACHER_COLUMNS + CLASS_COLUMNS + ("computers", "books", "multimedia_rooms")
)
# Unit conversions (万册 -> 册) leave float noise well below this.
WHOLE_NUMBER_TOLERANCE = 1e-6

# A null in these columns is a row the sheet left incomplete; elsewhere it is a contract break.
NULL_REASONS = {
    "county_code": "county_unknown",
    "school_name": "missing_school_name",
    "school_name_key": "missing_school_name",
    "school_type": "unknown_school_type",
}


@dataclass(frozen=True)
class Band:
    """A plausible range of `numerator / denominator`, from plausibility_bands.csv."""

    measure: str
    numerator: str
    denominator: str  # a student column, or 'students': the students of the row's scope
    reason_code: str
    minimum: float  # -inf when the CSV leaves it empty
    maximum: float
    why: str

    def describe(self) -> str:
        """The band in words for a quarantine reason: `books per student outside [0.1, 3000]`."""
        per = "student" if self.denominator == "students" else self.denominator
        return f"{self.numerator} per {per} outside [{self.minimum:g}, {self.maximum:g}]"


def load_bands(path: Path = BANDS_CSV) -> tuple[Band, ...]:
    """The bands of contracts/plausibility_bands.csv in file order; an empty bound is open
    (-inf or inf). Raises FileNotFoundError when the file is missing, KeyError when a
    column is, ValueError when a bound is not a number."""
    with path.open(encoding="utf-8", newline="") as handle:
        return tuple(
            Band(
                measure=row["measure"],
                numerator=row["numerator"],
                denominator=row["denominator"],
                reason_code=row["reason_code"],
                minimum=float(row["quarantine_min"] or -math.inf),
                maximum=float(row["quarantine_max"] or math.inf),
                why=row["why"],
            )
            for row in csv.DictReader(handle)
        )


def row_students(school_rows: pd.DataFrame) -> pd.Series:
    """Students of the part each row reports: one stage, or the whole school."""
    students = school_rows[list(STUDENT_COLUMNS)].fillna(0)
    by_scope = {
        "primary": students["students_primary"],
        "junior": students["students_junior"],
    }
    whole = students.sum(axis=1)
    scope = school_rows["reported_scope"]
    result = whole.copy()
    for name, part in by_scope.items():
        result = result.where(scope != name, part)
    return result


def per_student(school_rows: pd.DataFrame, band: Band) -> pd.Series:
    """The band's ratio, null where either side is missing or zero (0 means 'none reported')."""
    numerator = school_rows[band.numerator]
    denominator = (
        row_students(school_rows)
        if band.denominator == "students"
        else school_rows[band.denominator]
    )
    defined = (numerator > 0) & (denominator > 0)
    return (numerator / denominator).where(defined)


def _band_check(band: Band) -> pa.Check:
    def within(frame: pd.DataFrame) -> pd.Series:
        ratio = per_student(frame, band)
        return ratio.isna() | ratio.between(band.minimum, band.maximum)

    return pa.Check(within, name=band.reason_code, error=band.describe())


def _has_students(frame: pd.DataFrame) -> pd.Series:
    students = frame[list(STUDENT_COLUMNS)].fillna(0).sum(axis=1)
    return (students > 0) | (frame["school_type"] == "teaching_point")


def _whole_number(series: pd.Series) -> pd.Series:
    return series.isna() | ((series - series.round()).abs() < WHOLE_NUMBER_TOLERANCE)


def _quantity_column(name: str) -> pa.Column:
    checks = [pa.Check.ge(0, name="negative_value", error="below zero")]
    if name in COUNT_COLUMNS:
        checks.append(pa.Check(_whole_number, name="non_integer_count", error="not a whole number"))
    return pa.Column("float64", checks, nullable=True, coerce=True)


def _text(pattern: str, name: str, error: str, nullable: bool = False) -> pa.Column:
    return pa.Column(None, pa.Check.str_matches(pattern, name=name, error=error), nullable=nullable)


def _one_of(values: tuple[str, ...], name: str, nullable: bool = False) -> pa.Column:
    return pa.Column(
        None, pa.Check.isin(values, name=name, error=f"not one of {values}"), nullable=nullable
    )


def build_schema(bands: tuple[Band, ...] | None = None) -> pa.DataFrameSchema:
    """The pandera schema of one staged school row (contracts/staging_schema.SCHOOL_SURVEY's
    columns): types, formats (6-digit county_code, 10-digit school_id), the school types of
    contracts/school_type_stages.csv and a plausibility check per band (`bands`, default
    contracts/plausibility_bands.csv), each check named by the reason code a failing row is
    quarantined with."""
    bands = load_bands() if bands is None else bands
    columns = {
        "survey_year": pa.Column(
            "int64", pa.Check.in_range(1990, 2100, name=CONTRACT), coerce=True
        ),
        "source_file": pa.Column(None, nullable=False),
        "sheet": pa.Column(None, nullable=False),
        "source_row": pa.Column("int64", pa.Check.ge(1, name=CONTRACT), coerce=True),
        "county_code": _text(r"^\d{6}$", CONTRACT, "not 6 digits"),
        "school_id": _text(r"^\d{10}$", "invalid_school_id", "not 10 digits", nullable=True),
        "school_name": pa.Column(None, nullable=False),
        "school_name_key": pa.Column(None, nullable=False),
        "school_type": _one_of(SCHOOL_TYPES, "unknown_school_type"),
        "reported_scope": _one_of(REPORTED_SCOPES, CONTRACT),
        "ownership": _one_of(("public", "private"), CONTRACT, nullable=True),
        "urban_rural": _one_of(("urban", "town", "rural"), CONTRACT, nullable=True),
        **{name: _quantity_column(name) for name in QUANTITY_COLUMNS},
    }
    checks = [
        pa.Check(_has_students, name="no_students", error="every stage has zero students"),
        *(_band_check(band) for band in bands),
    ]
    return pa.DataFrameSchema(columns, checks=checks, name="school_row")


SCHOOL_ROW_SCHEMA = build_schema()
