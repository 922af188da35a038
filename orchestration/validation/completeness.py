"""Files lost to their county-year: what the summary, the report and `--strict` name first.

A receipt (ingest_files row) with `county_incomplete` is a file whose figures are missing
from its county-year (orchestration/ingest/pipeline.py `mark_receipts` decides which).
fct_county_assessment marks the same county-years `is_complete = false`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from orchestration.ingest.regions import region_registry
from orchestration.staging.tables import PART_FILE, partition_dir


@dataclass(frozen=True)
class LostFile:
    """One file that could not be used, with the county-year it belongs to (None: unknown)."""

    survey_year: int | None
    county_code: str | None
    county_name: str | None
    source_file: str
    reason_code: str | None
    reason: str | None

    @property
    def county(self) -> str:
        """The county in words: `正定县 (130123)`, or `county unknown`."""
        if self.county_code is None:
            return "county unknown"
        return f"{self.county_name or '?'} ({self.county_code})"

    @property
    def year(self) -> str:
        """The survey year as text, or `year unknown`."""
        return "year unknown" if self.survey_year is None else str(self.survey_year)

    def line(self) -> str:
        """`2023 正定县 (130123): 2023/正定县.xlsx: unreadable (the file is corrupt)`."""
        # a loaded sheet that gave nothing has no reason code, only its reason
        why = self.reason_code or ""
        if self.reason:
            why = f"{why} ({self.reason})" if why else self.reason
        why = why or "unknown"
        return f"{self.year} {self.county}: {self.source_file}: {why}"


def _value(value):
    return None if value is None or pd.isna(value) else value


def lost_files(receipts: pd.DataFrame) -> list[LostFile]:
    """The receipts marked `county_incomplete`, sorted by year, county and file."""
    if receipts.empty or "county_incomplete" not in receipts.columns:
        return []
    names = {code: county.county_name for code, county in region_registry().by_code.items()}
    lost = receipts[receipts["county_incomplete"].fillna(False).astype(bool)]
    files = [
        LostFile(
            survey_year=None if _value(row.survey_year) is None else int(row.survey_year),
            county_code=_value(row.county_code),
            county_name=names.get(_value(row.county_code)),
            source_file=row.source_file,
            reason_code=_value(row.reason_code),
            reason=_value(row.reason),
        )
        for row in lost.itertuples(index=False)
    ]
    return sorted(
        files,
        key=lambda f: (
            f.survey_year is None,
            f.survey_year or 0,
            f.county_code or "~",
            f.source_file,
        ),
    )


def read_staged_receipts(staging_dir: Path, years: Iterable[int]) -> pd.DataFrame:
    """The staged ingest_files of `years` and of the undated files (null partition)."""
    frames = []
    for year in [*years, None]:
        path = partition_dir(Path(staging_dir) / "ingest_files", year) / PART_FILE
        if path.exists():
            frames.append(pq.read_table(path).to_pandas().assign(survey_year=year))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def incomplete_names(lost: list[LostFile]) -> list[str]:
    """`2023 正定县 (130123)` per incomplete county-year, sorted; a file whose county is
    unknown is named by its path (`2023 county unknown: 2023/邢台市/桥西区.xlsx`)."""
    names = {
        f"{file.year} {file.county}"
        + ("" if file.county_code is not None else f": {file.source_file}")
        for file in lost
    }
    return sorted(names)
