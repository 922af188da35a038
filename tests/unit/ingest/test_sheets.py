"""The reader's in-memory seam: a grid reads as the same sheet saved in a file."""

import pandas as pd

from orchestration.ingest.sheets import grid, read_sheets
from tests.workbooks import HEADER, Sheet, ingest_book, read_grid

ROWS = [
    ["2019年正定县义务教育学校基本情况"],
    HEADER,
    ["城关小学", "小学", 300, 20, 9000],
    ["南关中学", "初级中学", 200, 18, 7000],
    ["合计", None, 500, 38, 16000],
]


def test_a_grid_reads_as_the_sheet_of_a_file(tmp_path):
    from_file = ingest_book(tmp_path, [Sheet("学校", ROWS)])
    in_memory = read_grid(ROWS)
    columns = ["school_name", "school_type", "county_code", "students_primary", "students_junior",
               "teachers_total", "books", "source_row"]  # fmt: skip
    columns = [column for column in columns if column in from_file.school_rows]
    assert len(columns) >= 6
    pd.testing.assert_frame_equal(
        in_memory.school_rows[columns].reset_index(drop=True),
        from_file.school_rows[columns].reset_index(drop=True),
        check_dtype=False,
    )
    receipt = in_memory.ingest_files.iloc[0]
    assert (receipt["status"], receipt["rows_staged"], receipt["rows_not_data"]) == ("loaded", 2, 3)


def test_a_sheet_the_reader_skips_gets_a_receipt_with_its_reason():
    reading = read_sheets([grid([["请各县于3月底前上报。"]], name="说明"), grid(ROWS)])
    skipped, loaded = reading.receipts
    assert (skipped["sheet"], skipped["status"]) == ("说明", "skipped")
    assert skipped["reason_code"] in {"no_table", "instructions_sheet"}
    assert loaded["status"] == "loaded" and len(reading.school_rows) == 2
