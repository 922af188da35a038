"""`junheng inspect FILE`: the mapping of every column, and the first rows as staged."""

from __future__ import annotations

from orchestration.cli import main
from orchestration.demo import generate_demo_province
from orchestration.ingest.table import locate_table
from orchestration.ingest.vocabulary import vocabulary
from orchestration.ingest.workbook import read_workbook
from tests.workbooks import Sheet, write_book


def test_inspect_on_a_demo_file_prints_each_columns_reading_and_the_first_rows(tmp_path, capsys):
    raw = tmp_path / "raw"
    generate_demo_province(raw, years=[2021])
    path = next(p for p in sorted(raw.rglob("*.xlsx")) if "~$" not in p.name)
    assert main(["inspect", str(path), "--rows", "2"]) == 0
    out = capsys.readouterr().out
    grid = next(g for g in read_workbook(path) if g.visible and locate_table(g, vocabulary()))
    table = locate_table(grid, vocabulary())
    assert f"sheet {grid.name!r}: loaded" in out
    assert f"header rows {table.header_start + 1}-{table.header_end}" in out
    for column in table.columns:  # every column: its header path, then its reading and why
        reading = "UNMATCHED" if column.meaning is None else column.meaning.field
        assert f"{column.letter:>3}  {column.header_text}\n" in out
        assert reading in out and column.reason in out
    assert "first rows as staged" in out
    assert out.count("\n    row ") >= 1  # the rows as they will be staged, with their figures
    assert "students_" in out


def test_inspect_explains_parts_breakdowns_and_missing_fields(tmp_path, capsys):
    rows = [
        ["学校名称", "办学类型", "在校生数", "在校生数", "专任教师", "专任教师", "图书(万册)"],
        ["", "", "合计", "其中:女", "按学历分", "按学历分", ""],
        ["", "", "", "", "本科", "专科", ""],
        ["城关小学", "小学", 300, 140, 12, 6, 1.5],
    ]  # fmt: skip
    path = write_book(tmp_path / "raw" / "2019" / "正定县.xlsx", [Sheet("学校", rows)])
    assert main(["inspect", str(path)]) == 0
    out = capsys.readouterr().out
    assert "UNMATCHED: '其中:女' under '在校生数' is a breakdown of students" in out
    assert "part of teachers_above_degree (counts for primary+junior)" in out
    assert "part of teachers_above_degree (counts for primary)" in out
    assert "books unit=万册 x10000" in out
    assert "missing: teachers_backbone (no column; leaves Q2 uncomputable)" in out
    assert "row 4  城关小学  primary  school  130123" in out
    assert "teachers_above_degree_primary=18" in out and "books=15000" in out


def test_inspect_of_a_missing_file_says_so(tmp_path, capsys):
    assert main(["inspect", str(tmp_path / "nothing.xlsx")]) == 2
    assert "is not a file" in capsys.readouterr().err


def test_inspect_says_which_columns_are_read_but_not_used(tmp_path, capsys):
    rows = [
        ["学校名称", "办学类型", "在校生数", "专任教师", "教师数", "高级职称", "运动场面积(英亩)"],
        ["", "", "", "小学", "", "", ""],
        ["城关小学", "小学", 300, 20, 35, 4, 2],
    ]  # fmt: skip
    path = write_book(tmp_path / "raw" / "2019" / "正定县.xlsx", [Sheet("学校", rows)])
    assert main(["inspect", str(path)]) == 0
    out = capsys.readouterr().out
    assert "NOT USED: a second column of the same field (one names a stage" in out
    assert "NOT USED: a part of teachers_senior_title without a column of 中级/一级" in out
    assert "UNMATCHED: unit '英亩' of sports_area_m2 is not in contracts/units.csv" in out
    assert "teachers_primary=20" in out
