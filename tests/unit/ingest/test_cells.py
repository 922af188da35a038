"""What the cells hold: numbers typed as text, none-markers, Excel errors, cached values, ids."""

from __future__ import annotations

import json

import pytest
import xlwt

from orchestration.demo.writers import Formula
from orchestration.ingest.cells import Rejection, parse_quantity, parse_school_id
from orchestration.ingest.vocabulary import vocabulary
from tests.workbooks import Sheet, ingest_book, write_book


@pytest.mark.parametrize(
    "cell, expected",
    [("1,234", 1234), ("１２３４", 1234), (" 12 ", 12), ("356㎡", 356), ("356 平方米", 356),
     ("1,234,567.5", 1234567.5), (7, 7), (7.5, 7.5), ("0", 0)],
)  # fmt: skip
def test_numbers_typed_as_text(cell, expected):
    assert parse_quantity(cell, vocabulary())[0] == expected


@pytest.mark.parametrize("cell", [None, "", "  "])
def test_blank_cells_read_as_nothing(cell):
    assert parse_quantity(cell, vocabulary()) == (None, None)


@pytest.mark.parametrize("cell", ["-", "—", "/", "无", "——", "－"])
def test_none_markers_read_as_zero(cell):
    assert parse_quantity(cell, vocabulary()) == (0.0, None)


def test_empty_cells_of_columns_the_sheet_has_are_none_and_absent_columns_null(tmp_path):
    rows = [
        ["学校名称", "办学类型", "小学在校生数", "初中在校生数", "图书册数"],
        ["城关小学", "小学", 300, None, "无"],
    ]
    (row,) = ingest_book(tmp_path, [Sheet("学校", rows)]).school_rows.itertuples()
    assert (row.students_primary, row.students_junior, row.books) == (300, 0, 0)
    assert row.computers != row.computers  # no such column: null, not zero


@pytest.mark.parametrize("cell, code", [("#DIV/0!", "formula_error"), ("#REF!", "formula_error"),
                                        ("#VALUE!", "formula_error"), ("约300", "unparseable_number")])  # fmt: skip
def test_bad_cells_raise_their_reason(cell, code):
    with pytest.raises(Rejection) as caught:
        parse_quantity(cell, vocabulary())
    assert caught.value.reason_code == code


@pytest.mark.parametrize(
    "cell, expected",
    [(2113000123.0, "2113000123"), (2113000123, "2113000123"), ("1.30123E+09", None), ("2.113000123E+09", "2113000123"),
     (" 21130 00123 ", "2113000123"), ("２１１３０００１２３", "2113000123")],
)  # fmt: skip
def test_school_ids(cell, expected):
    assert parse_school_id(cell) == expected


def test_cell_units_override_the_column_unit(tmp_path):
    rows = [
        ["学校名称", "办学类型", "在校生数", "教学仪器设备值(元)"],
        ["城关小学", "小学", 10, "3.5万元"],
    ]
    result = ingest_book(tmp_path, [Sheet("学校", rows)])
    assert result.school_rows.iloc[0]["equipment_value_yuan"] == 35_000


def test_cached_formula_values_count_and_error_values_quarantine(tmp_path):
    rows = [
        ["学校名称", "办学类型", "在校生数", "图书册数", "备注"],
        ["城关小学", "小学", Formula("=100+20", 120), 500, None],
        ["南关小学", "小学", 80, Formula("=1/0", "#DIV/0!"), None],
        # an error in an unused column does not matter
        ["北关小学", "小学", 90, 300, Formula("=1/0", "#DIV/0!")],
    ]
    write_book(tmp_path / "raw/2019/正定县.xlsx", [Sheet("学校", rows)])
    from orchestration.ingest.pipeline import ingest_year

    result = ingest_year(tmp_path / "raw", 2019)
    staged = result.school_rows.set_index("school_name")
    assert staged.loc["城关小学", "students_primary"] == 120
    assert "北关小学" in staged.index
    (quarantined,) = result.quarantine.itertuples()
    assert (quarantined.school_name, quarantined.reason_code, quarantined.source_row) == (
        "南关小学", "formula_error", 3,
    )  # fmt: skip
    assert json.loads(quarantined.raw_values)["学校名称"] == "南关小学"


def test_a_school_name_formula_without_a_cached_value_is_a_formula_error(tmp_path):
    """openpyxl (and many web exports) save formulas without their value: the name is not
    missing, it is an uncached formula, and the quarantined row keeps that cell."""
    rows = [
        ["学校名称", "办学类型", "在校生数", "图书册数"],
        ["城关小学", "小学", 100, 500],
        ['=HYPERLINK("http://x","y")', "小学", 80, 300],
        [None, "小学", 90, 300],  # a truly empty name stays missing_school_name
    ]
    write_book(tmp_path / "raw/2019/正定县.xlsx", [Sheet("学校", rows)])
    from orchestration.ingest.pipeline import ingest_year

    result = ingest_year(tmp_path / "raw", 2019)
    by_row = result.quarantine.set_index("source_row")
    assert by_row.loc[3, "reason_code"] == "formula_error"
    assert "school name in A" in by_row.loc[3, "reason"]
    assert "without a cached value" in by_row.loc[3, "reason"]
    assert "without a cached value" in json.loads(by_row.loc[3, "raw_values"])["学校名称"]
    assert by_row.loc[4, "reason_code"] == "missing_school_name"
    assert "学校名称" not in json.loads(by_row.loc[4, "raw_values"])


def test_error_values_of_an_xls_workbook_quarantine_their_row(tmp_path):
    """calamine reads an .xls error cell as an empty string, which would count as 0 books."""
    rows = [
        ["学校名称", "办学类型", "在校生数", "图书册数"],
        ["城关小学", "小学", 100, 500],
        ["南关小学", "小学", 80, None],
    ]
    path = write_book(tmp_path / "raw/2019/正定县.xls", [Sheet("学校", rows)])
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("学校")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is not None:
                sheet.write(r, c, value)
    sheet.row(2).set_cell_error(3, "#DIV/0!")
    book.save(str(path))
    from orchestration.ingest.pipeline import ingest_year

    result = ingest_year(tmp_path / "raw", 2019)
    assert list(result.school_rows["school_name"]) == ["城关小学"]
    (quarantined,) = result.quarantine.itertuples()
    assert (quarantined.reason_code, quarantined.source_row) == ("formula_error", 3)


def test_unparseable_numbers_are_quarantined_with_the_raw_row(tmp_path):
    rows = [["学校名称", "办学类型", "在校生数"], ["城关小学", "小学", "约三百"]]
    result = ingest_book(tmp_path, [Sheet("学校", rows)])
    (row,) = result.quarantine.itertuples()
    assert row.reason_code == "unparseable_number"
    assert json.loads(row.raw_values) == {
        "学校名称": "城关小学",
        "办学类型": "小学",
        "在校生数": "约三百",
    }


def test_school_ids_typed_as_numbers_in_a_workbook(tmp_path):
    rows = [["学校标识码", "学校名称", "办学类型", "在校生数"],
            [2113000123, "城关小学", "小学", 10], ["2113000124 ", "南关小学", "小学", 10]]  # fmt: skip
    result = ingest_book(tmp_path, [Sheet("学校", rows)])
    assert sorted(result.school_rows["school_id"]) == ["2113000123", "2113000124"]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_encodings_are_detected(tmp_path, encoding):
    rows = [["正定县2019年义务教育学校基本情况统计表"], ["学校名称", "办学类型", "在校生数", "教学及辅助用房面积"],
            ["城关镇第一小学", "小学", "1,200", "3500"], ["南关镇中心小学", "小学", "800", "2600"]]  # fmt: skip
    result = ingest_book(tmp_path, [Sheet("x", rows)], "2019/正定县.csv", encoding=encoding)
    assert sorted(result.school_rows["school_name"]) == ["南关镇中心小学", "城关镇第一小学"]
    assert result.school_rows["students_primary"].sum() == 2000
