"""The result of ingesting one survey year: staged rows and the receipt of every row."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import pyarrow as pa

from contracts.staging_schema import INGEST_FILES, QUARANTINE, SCHOOL_SURVEY


def empty_frame(schema: pa.Schema) -> pd.DataFrame:
    """An empty DataFrame with the columns and dtypes of a pyarrow schema (a staging table's)."""
    return schema.empty_table().to_pandas()


def conform(frame: pd.DataFrame, schema: pa.Schema) -> pa.Table:
    """The frame as an Arrow table of exactly `schema` (missing columns become null)."""
    for field in schema:
        if field.name not in frame.columns:
            frame = frame.assign(**{field.name: None})
    return pa.Table.from_pandas(frame[schema.names], schema=schema, preserve_index=False)


@dataclass
class IngestResult:
    """Three frames whose columns are those of contracts/staging_schema.py.

    For every sheet with status 'loaded' in `ingest_files`:
    rows_read = rows_staged + rows_quarantined + rows_not_data.
    """

    school_rows: pd.DataFrame
    quarantine: pd.DataFrame
    ingest_files: pd.DataFrame

    @classmethod
    def empty(cls) -> IngestResult:
        """A result with no rows: the three frames empty, with the staging schemas' columns."""
        return cls(empty_frame(SCHOOL_SURVEY), empty_frame(QUARANTINE), empty_frame(INGEST_FILES))

    def counts(self) -> dict[str, int]:
        """The row counts shown on the assets: staged rows (`school_rows`), quarantined rows
        (`quarantined`) and sheet receipts (`sheets`, the ingest_files rows)."""
        return {
            "school_rows": len(self.school_rows),
            "quarantined": len(self.quarantine),
            "sheets": len(self.ingest_files),
        }

    def tables(self) -> dict[str, pa.Table]:
        """The three frames as pyarrow tables of exactly the staging schemas
        (contracts/staging_schema.py), keyed by table name: `school_survey`, `quarantine`,
        `ingest_files`.
        """
        return {
            "school_survey": conform(self.school_rows, SCHOOL_SURVEY),
            "quarantine": conform(self.quarantine, QUARANTINE),
            "ingest_files": conform(self.ingest_files, INGEST_FILES),
        }
