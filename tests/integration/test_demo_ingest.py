"""The reader and the row validation on the whole demo province, against its ground truth.

The generator and the reader were written from the spec independently; this is where
they must agree: every row the truth stages is staged with its values, every injected bad
row is quarantined with its reason, every bad file rejected or skipped with its reason,
and the row accounting holds for every sheet.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from contracts.staging_schema import SCHOOL_SURVEY
from orchestration.demo import DemoTruth, generate_demo_province
from orchestration.demo.statistics import is_statistics_export
from orchestration.ingest.discover import discover_raw_files, survey_years
from orchestration.ingest.pipeline import ingest_year, undated_file_receipts
from orchestration.ingest.result import IngestResult
from orchestration.settings import CONTRACTS_DIR
from orchestration.validation.rows import check_row_accounting, validate_school_rows
from tests.integration.demo.planted import planted_file_codes

ROW = ["source_file", "sheet", "source_row"]
ROW_REASON_CODES = set(
    pd.read_csv(CONTRACTS_DIR / "reason_codes.csv").query("applies_to == 'row'")["reason_code"]
)
# The reader computes the name keys; the truth leaves them to it.
COMPARED = [
    c for c in SCHOOL_SURVEY.names if c not in ("school_name_key", "parent_school_name_key")
]


@pytest.fixture(scope="module")
def province(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[DemoTruth, IngestResult, pd.DataFrame]:
    raw_dir = tmp_path_factory.mktemp("raw")
    truth = generate_demo_province(raw_dir)
    files = discover_raw_files(raw_dir)
    results = [
        validate_school_rows(ingest_year(raw_dir, year, files))[0] for year in survey_years(files)
    ]
    merged = IngestResult(
        school_rows=pd.concat([r.school_rows for r in results], ignore_index=True),
        quarantine=pd.concat([r.quarantine for r in results], ignore_index=True),
        ingest_files=pd.concat([r.ingest_files for r in results], ignore_index=True),
    )
    return truth, merged, undated_file_receipts(files)


def test_every_true_row_is_staged_with_its_values(province):
    truth, result, _ = province
    staged = result.school_rows.set_index(ROW).sort_index()
    expected = truth.schools.set_index(ROW).sort_index()
    assert len(expected) > 2000
    assert staged.index.equals(expected.index), "staged rows differ from the truth's rows"
    sources = staged.index.get_level_values("source_file")
    from_statistics_exports = np.array([is_statistics_export(path) for path in sources])
    assert from_statistics_exports.sum() > 100
    for column in COMPARED:
        if column in ROW:
            continue
        ours, theirs = staged[column], expected[column]
        if pd.api.types.is_float_dtype(theirs) or pd.api.types.is_float_dtype(ours):
            same = np.isclose(ours.astype(float), theirs.astype(float), rtol=1e-9, equal_nan=True)
        else:
            both_null = (ours.isna() & theirs.isna()).to_numpy()
            same = both_null | (ours.astype(object) == theirs.astype(object)).to_numpy()
        assert same.all(), (
            f"{column}: {int((~same).sum())} rows differ, e.g. {ours.index[~same][:3].tolist()}"
        )


def test_every_injected_bad_row_is_quarantined_with_its_reason(province):
    truth, result, _ = province
    ours = result.quarantine.set_index(ROW)["reason_code"].sort_index()
    theirs = truth.quarantined.set_index(ROW)["reason_code"].sort_index()
    assert theirs.nunique() >= 16
    assert set(theirs) == ROW_REASON_CODES  # every row-level reason code occurs
    assert ours.index.equals(theirs.index)
    assert (ours == theirs).all(), ours[ours != theirs].head().to_dict()


def test_every_bad_file_gets_its_status_and_reason(province):
    truth, result, undated = province
    receipts = pd.concat([result.ingest_files, undated], ignore_index=True)
    key = ["source_file", "sheet"]

    def by_key(frame: pd.DataFrame) -> pd.DataFrame:
        frame = frame.assign(sheet=frame["sheet"].fillna(""))
        return frame.set_index(key)[["status", "reason_code"]].sort_index()

    ours, theirs = by_key(receipts), by_key(truth.files)
    assert set(theirs["reason_code"].dropna()) >= planted_file_codes()
    assert ours.index.equals(theirs.index)
    assert ours.fillna("").equals(theirs.fillna(""))


def test_a_merged_prefecture_file_takes_each_row_county_from_its_columns(province):
    truth, result, _ = province
    loaded = truth.files[truth.files["status"] == "loaded"]
    merged = loaded.loc[loaded["county_code"].isna(), "source_file"]
    assert merged.str.rsplit(".", n=1).str[-1].nunique() >= 2  # in two formats
    receipts = result.ingest_files[result.ingest_files["status"] == "loaded"]
    assert receipts.loc[receipts["source_file"].isin(merged), "county_code"].isna().sum() == len(
        merged
    )
    staged = result.school_rows[result.school_rows["source_file"].isin(merged)]
    assert (staged.groupby("source_file")["county_code"].nunique() >= 2).all()
    ours = receipts.set_index(["source_file", "sheet"])["county_code"].sort_index()
    theirs = loaded.set_index(["source_file", "sheet"])["county_code"].sort_index()
    assert ours.equals(theirs.astype(ours.dtype))  # every loaded sheet's county, null when several


def test_declared_totals_are_those_of_the_total_rows(province):
    truth, result, _ = province
    key = ["source_file", "sheet"]
    loaded = result.ingest_files[result.ingest_files["status"] == "loaded"]
    ours = loaded.set_index(key)["declared_total_students"].sort_index().astype(float)
    expected = truth.files[truth.files["status"] == "loaded"].set_index(key)
    theirs = expected["declared_total_students"].sort_index().astype(float)
    assert (
        theirs.notna().sum() > 50 and theirs.isna().sum() > 10
    )  # sheets with and without a 合计 row
    assert ours.index.equals(theirs.index)
    same = np.isclose(ours, theirs, equal_nan=True)
    assert same.all(), ours[~same].head()


def test_row_accounting_holds_for_every_sheet(province):
    truth, result, _ = province
    outcome = check_row_accounting(result.ingest_files)
    assert outcome.passed, outcome.metadata
    loaded = result.ingest_files[result.ingest_files["status"] == "loaded"]
    assert (
        loaded["rows_read"]
        == loaded["rows_staged"] + loaded["rows_quarantined"] + loaded["rows_not_data"]
    ).all()
    expected = truth.files[truth.files["status"] == "loaded"].set_index(["source_file", "sheet"])
    counts = ["rows_read", "rows_staged", "rows_quarantined", "rows_not_data"]
    ours = loaded.set_index(["source_file", "sheet"])[counts].sort_index().astype(int)
    assert ours.equals(expected[counts].sort_index().astype(int))
    assert int(loaded["rows_staged"].sum()) == len(result.school_rows)
    assert int(loaded["rows_quarantined"].sum()) == len(result.quarantine)


def test_every_receipt_of_the_demo_says_it_is_the_demo(province):
    _, result, undated = province
    receipts = pd.concat([result.ingest_files, undated], ignore_index=True)
    assert receipts["is_demo"].astype(bool).all()


def test_every_bad_file_keeps_the_county_its_path_names(province):
    truth, result, undated = province
    receipts = pd.concat([result.ingest_files, undated], ignore_index=True)
    whole_files = receipts[receipts["sheet"].isna()]
    # The demo's damaged, encrypted and table-less workbooks sit beside their county's files.
    named = whole_files[
        whole_files["source_file"].str.contains("正定县|涞水县|桥西区|定兴县|行唐县")
    ]
    assert len(named) >= 5 and named["county_code"].notna().all(), named
