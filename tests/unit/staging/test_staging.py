"""The staged tables and the raw file listing."""

import duckdb
import pandas as pd

from orchestration.ingest.discover import RawFile
from orchestration.ingest.raw_listing import file_listing, files_from_listing, fingerprint
from orchestration.ingest.result import IngestResult
from orchestration.staging.tables import read_staged_year, write_staged_year, write_undated_receipts


def one_school(year):
    result = IngestResult.empty()
    result.school_rows = pd.DataFrame(
        {
            "survey_year": [year],
            "source_file": ["2019/a.xlsx"],
            "school_name": ["一小"],
            "students_primary": [120.0],
        }
    )
    result.ingest_files = pd.DataFrame(
        {
            "survey_year": [year],
            "source_file": ["2019/a.xlsx"],
            "status": ["loaded"],
            "rows_read": [5],
            "rows_staged": [1],
            "rows_quarantined": [0],
            "rows_not_data": [4],
        }
    )
    return result


def test_staged_years_read_as_hive_partitions_with_undated_receipts_as_null(tmp_path):
    write_staged_year(tmp_path, 2019, one_school(2019))
    write_staged_year(tmp_path, 2019, one_school(2019))  # a re-run replaces the year
    write_staged_year(tmp_path, 2020, one_school(2020))
    receipts = {"source_file": ["x.xlsx"], "status": ["rejected"], "reason_code": ["year_unknown"]}
    write_undated_receipts(tmp_path, pd.DataFrame(receipts))

    files = f"{tmp_path}/ingest_files/*/*.parquet"
    rows = duckdb.execute(
        "select survey_year, source_file "
        f"from read_parquet('{files}', hive_partitioning = true) order by all"
    ).fetchall()
    assert rows == [(2019, "2019/a.xlsx"), (2020, "2019/a.xlsx"), (None, "x.xlsx")]

    staged = read_staged_year(tmp_path, 2019)
    assert staged.school_rows["students_primary"].tolist() == [120.0]
    assert staged.school_rows["survey_year"].tolist() == [2019]
    assert list(tmp_path.rglob("*.tmp")) == []


def raw_file(tmp_path, name, content=b"x", year=2019):
    path = tmp_path / name
    path.write_bytes(content)
    return RawFile(path, name, year, None, None, None)


def test_listing_round_trips_to_raw_files_and_fingerprints_changes(tmp_path):
    files = [raw_file(tmp_path, "a.xlsx"), raw_file(tmp_path, "b.csv", year=None)]
    listing = file_listing(files)
    assert files_from_listing(listing) == files

    before = fingerprint(listing)
    assert fingerprint(file_listing(list(reversed(files)))) == before
    files[0].path.write_bytes(b"changed content")
    assert fingerprint(file_listing(files)) != before
