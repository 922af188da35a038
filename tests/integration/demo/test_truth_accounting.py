"""Every row of every written sheet is staged, quarantined or recognised as not data."""

from __future__ import annotations

import re

import pandas as pd
import pyarrow as pa

from contracts.staging_schema import QUANTITY_COLUMNS, SCHOOL_SURVEY
from orchestration.demo.render import UNKNOWN_TYPE_LABELS
from orchestration.demo.statistics import breakdown_sums, is_statistics_export
from orchestration.settings import CONTRACTS_DIR
from tests.integration.demo.planted import planted_file_codes
from tests.integration.demo.readback import read_sheet_rows


def blank(row: list[object]) -> bool:
    return all(cell in ("", None) for cell in row)


def test_every_written_row_is_accounted_for(demo) -> None:
    out_dir, truth = demo
    loaded = truth.files[truth.files["status"] == "loaded"]
    assert len(loaded) > 50
    outcomes = pd.concat(
        [
            truth.schools[["source_file", "sheet", "source_row", "school_name"]].assign(
                outcome="staged"
            ),
            truth.quarantined[
                ["source_file", "sheet", "source_row", "school_name", "reason_code"]
            ].assign(outcome="quarantined"),
            truth.not_data[["source_file", "sheet", "source_row", "kind"]].assign(
                outcome="not_data"
            ),
        ]
    )
    assert not outcomes.duplicated(["source_file", "sheet", "source_row"]).any()
    for receipt in loaded.itertuples():
        rows = read_sheet_rows(out_dir / receipt.source_file, receipt.sheet)
        assert len(rows) == receipt.rows_read, receipt.source_file
        assert (
            receipt.rows_read
            == receipt.rows_staged + receipt.rows_quarantined + receipt.rows_not_data
        )
        sheet = outcomes[
            (outcomes["source_file"] == receipt.source_file) & (outcomes["sheet"] == receipt.sheet)
        ]
        assert sorted(sheet["source_row"]) == list(range(1, len(rows) + 1))
        for row in sheet.itertuples():
            cells = rows[row.source_row - 1]
            if row.outcome == "not_data":
                assert blank(cells) == (row.kind == "blank"), (receipt.source_file, row.source_row)
            elif row.outcome == "quarantined" and row.reason_code == "missing_school_name":
                assert pd.isna(row.school_name)
            else:
                assert row.school_name in cells, (receipt.source_file, row.source_row)


def test_staged_truth_has_the_staging_columns(demo) -> None:
    _, truth = demo
    assert list(truth.schools.columns) == SCHOOL_SURVEY.names
    table = pa.Table.from_pandas(truth.schools, schema=SCHOOL_SURVEY, preserve_index=False)
    assert table.num_rows == len(truth.schools)
    assert truth.schools["school_name_key"].isna().all()


def test_reason_codes_are_those_of_the_contract(demo) -> None:
    _, truth = demo
    codes = set(pd.read_csv(CONTRACTS_DIR / "reason_codes.csv")["reason_code"])
    used = set(truth.quarantined["reason_code"]) | set(truth.files["reason_code"].dropna())
    assert used <= codes
    reasons = pd.read_csv(CONTRACTS_DIR / "reason_codes.csv")
    quarantined = truth.quarantined
    quarantined = quarantined.assign(fmt=quarantined["source_file"].str.rsplit(".", n=1).str[-1])
    formats = quarantined.groupby("reason_code")["fmt"].nunique()
    for code in reasons.loc[reasons["applies_to"] == "row", "reason_code"]:
        assert (quarantined["reason_code"] == code).sum() >= 2, code
        assert formats.get(code, 0) >= 2, f"{code} occurs in one format only"
    for code in planted_file_codes():
        assert (truth.files["reason_code"] == code).any(), code
    protected = truth.files.loc[truth.files["reason_code"] == "password_protected", "source_file"]
    assert protected.str.rsplit(".", n=1).str[-1].nunique() >= 2


def test_quarantined_rows_show_their_defect(demo) -> None:
    out_dir, truth = demo
    schools = truth.schools_master
    for row in truth.quarantined.itertuples():
        cells = read_sheet_rows(out_dir / row.source_file, row.sheet)[row.source_row - 1]
        numbers = [
            c
            for c in cells
            if isinstance(c, (int, float)) or (isinstance(c, str) and c.lstrip("-").isdigit())
        ]
        values = [float(c) for c in numbers]
        if row.reason_code == "formula_error":
            assert "#DIV/0!" in cells
        elif row.reason_code == "negative_value":
            assert min(values) < 0
        elif row.reason_code == "implausible_area":
            true = schools[
                (schools["survey_year"] == row.survey_year)
                & (schools["school_name"] == row.school_name)
            ]
            assert max(values) >= 1000 * float(true["teaching_area_m2"].iloc[0]) * 0.99
        elif row.reason_code == "non_integer_count":
            assert any(re.fullmatch(r"\d+\.5", str(c)) for c in cells)
        elif row.reason_code == "unknown_school_type":
            assert set(cells) & set(UNKNOWN_TYPE_LABELS)
        elif row.reason_code == "unparseable_number":
            assert any(isinstance(c, str) and re.search(r"约|见附表|估", c) for c in cells)
        elif row.reason_code == "invalid_school_id":
            ids = [re.sub(r"\s", "", str(int(c) if isinstance(c, float) else c)) for c in cells]
            assert any(re.fullmatch(r"\d{9}", text) for text in ids)
        elif row.reason_code == "county_unknown":
            assert {"130100", "130600"} & {str(c) for c in cells}


def test_every_exact_duplicate_has_one_staged_copy(demo) -> None:
    out_dir, truth = demo
    duplicates = truth.quarantined[truth.quarantined["reason_code"] == "duplicate_exact"]
    across_files = 0
    for row in duplicates.itertuples():
        staged = truth.schools[
            (truth.schools["survey_year"] == row.survey_year)
            & (truth.schools["county_code"] == row.county_code)
            & (truth.schools["school_name"] == row.school_name)
        ]
        assert len(staged) == 1
        (copy,) = staged.itertuples()
        assert (copy.source_file, copy.sheet, copy.source_row) < (
            row.source_file,
            row.sheet,
            row.source_row,
        )
        if copy.source_file == row.source_file:
            rows = read_sheet_rows(out_dir / row.source_file, row.sheet)
            assert rows[row.source_row - 1] == rows[copy.source_row - 1]  # pasted twice
        else:
            across_files += 1
    assert across_files >= 5  # a school sent again in a second file (补报) of its county


FULL_WIDTH = str.maketrans("０１２３４５６７８９．，", "0123456789.,")


def cell_number(cell: object) -> float | None:
    if isinstance(cell, (int, float)):
        return float(cell)
    text = str(cell).translate(FULL_WIDTH).replace(",", "").replace("㎡", "").strip()
    try:
        return float(text)
    except ValueError:
        return None


def test_staged_quantities_are_the_cells_of_their_row(demo) -> None:
    out_dir, truth = demo
    for (source_file, sheet), rows_truth in truth.schools.groupby(["source_file", "sheet"]):
        rows = read_sheet_rows(out_dir / source_file, sheet)
        for row in rows_truth.itertuples():
            cells = rows[row.source_row - 1]
            numbers = {n for n in map(cell_number, cells) if n is not None}
            if is_statistics_export(source_file):  # breakdowns add up to their base quantity
                stage = "primary" if pd.notna(row.students_primary) else "junior"
                numbers |= set(breakdown_sums([cell_number(c) for c in cells], stage).values())
            for column in QUANTITY_COLUMNS:
                value = getattr(row, column)
                if pd.notna(value) and value != 0:
                    shown = {value, round(value / 10_000, 4)}
                    assert any(abs(n - v) < 1e-6 for n in numbers for v in shown), (
                        source_file,
                        row.source_row,
                        column,
                    )
