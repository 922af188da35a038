"""The cases of ../shared/cases (copied to tests/fixtures/cases): files shaped the way
offices and web systems really produce them, each with what must happen (README.md)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from orchestration.ingest.pipeline import ingest_year
from tests.workbooks import assert_accounting

CASES = Path(__file__).parents[2] / "fixtures" / "cases"

# The three schools of every case (cases/README.md), base units; S = the county's short name.
BASE = {
    "S城关第一小学": {"students_primary": 812, "teachers_primary": 45, "teachers_above_degree_primary": 41,
                  "teachers_senior_title_primary": 23, "teachers_backbone_primary": 6,
                  "teachers_pe_arts_primary": 6, "teaching_area_m2": 4120, "sports_area_m2": 9800,
                  "equipment_value_yuan": 1_386_000, "computers": 96, "books": 25580,
                  "multimedia_rooms": 19},
    "S南关小学": {"students_primary": 436, "teachers_primary": 26, "teachers_above_degree_primary": 24,
               "teachers_senior_title_primary": 12, "teachers_backbone_primary": 3,
               "teachers_pe_arts_primary": 3, "teaching_area_m2": 2210, "sports_area_m2": 5600,
               "equipment_value_yuan": 642_000, "computers": 48, "books": 13200,
               "multimedia_rooms": 10},
    "S第二中学": {"students_junior": 1210, "teachers_junior": 98, "teachers_above_degree_junior": 92,
               "teachers_senior_title_junior": 61, "teachers_backbone_junior": 14,
               "teachers_pe_arts_junior": 12, "teaching_area_m2": 7950, "sports_area_m2": 16400,
               "equipment_value_yuan": 2_650_000, "computers": 160, "books": 42300,
               "multimedia_rooms": 30},
}  # fmt: skip
TYPES = {"S城关第一小学": "primary", "S南关小学": "primary", "S第二中学": "junior"}


def ingest_case(tmp_path: Path, case: str):
    """The case's file below raw/2023/<sub-folder>/, ingested."""
    raw = tmp_path / "raw"
    target = raw / "2023" / "上报"
    target.mkdir(parents=True)
    (source,) = (CASES / case).iterdir()
    shutil.copy(source, target / source.name)
    result = ingest_year(raw, 2023)
    assert_accounting(result)
    return result


def assert_three_schools(result, county_code: str, short: str, unknown=()):
    rows = result.school_rows.set_index("school_name")
    assert sorted(rows.index) == sorted(name.replace("S", short, 1) for name in BASE)
    assert (rows["county_code"] == county_code).all()
    for name, values in BASE.items():
        row = rows.loc[name.replace("S", short, 1)]
        assert row["school_type"] == TYPES[name]
        for column, value in values.items():
            if column.rsplit("_", 1)[0] in unknown:
                assert row[column] is None or row[column] != row[column], (name, column)
            else:
                assert row[column] == pytest.approx(value), (name, column)


@pytest.mark.parametrize(
    "case, county_code, short",
    [
        ("01-html-table-as-xls", "130123", "正定"),
        ("03-tab-text-as-xls", "130126", "灵寿"),
        ("04-xlsx-renamed-xls", "130127", "高邑"),
        ("16-wps-et-file", "130110", "鹿泉"),
    ],
)
def test_a_file_is_read_for_what_it_is_not_its_extension(tmp_path, case, county_code, short):
    result = ingest_case(tmp_path, case)
    assert_three_schools(result, county_code, short)
    assert result.quarantine.empty
    assert (result.school_rows["school_id"].str.startswith(f"2{county_code}")).all()


def test_formulas_without_cached_values_are_unknown_never_zero(tmp_path):
    result = ingest_case(tmp_path, "07-formulas-without-cached-values")
    # The file has no degree, title or backbone columns: those are null as well.
    unknown = ("teachers", "teachers_pe_arts", "teachers_above_degree", "teachers_senior_title",
               "teachers_backbone")  # fmt: skip
    assert_three_schools(result, "130130", "无极", unknown=unknown)
    teachers = result.school_rows[
        ["teachers_primary", "teachers_junior", "teachers_pe_arts_primary"]
    ]
    assert not (teachers == 0).any().any()
    (sheet,) = result.ingest_files.itertuples()
    assert "formula without a cached value" in sheet.reason
    assert "E4" in sheet.reason and "H6" in sheet.reason


def test_a_hidden_row_is_not_staged_and_is_reported(tmp_path):
    result = ingest_case(tmp_path, "11-hidden-row-closed-school")
    assert_three_schools(result, "130183", "晋州")
    assert "晋州东庄小学" not in set(result.school_rows["school_name"])
    hidden = result.ingest_files.query("reason_code == 'hidden_row'")
    assert len(hidden) == 1
    assert hidden.iloc[0]["status"] == "skipped" and hidden.iloc[0]["sheet"] == "Sheet1"
    assert "row 6" in hidden.iloc[0]["reason"] and "晋州东庄小学" in hidden.iloc[0]["reason"]
    loaded = result.ingest_files.query("status == 'loaded'").iloc[0]
    assert '"hidden_row": 1' in loaded["not_data_kinds"]


def test_ids_in_scientific_notation_are_not_ids(tmp_path):
    result = ingest_case(tmp_path, "12-csv-ids-in-scientific-notation")
    assert_three_schools(result, "130184", "新乐")
    rows = result.school_rows
    assert rows["school_id"].isna().all()
    assert rows["school_name_key"].nunique() == 3  # three schools, never merged
    (sheet,) = result.ingest_files.itertuples()
    assert "not valid ids" in sheet.reason and "rows 3, 4, 5" in sheet.reason


def test_a_lone_wps_file_is_data_not_an_empty_raw_folder(tmp_path):
    from orchestration.demo import write_demo_if_empty

    raw = tmp_path / "raw"
    (source,) = (CASES / "16-wps-et-file").iterdir()
    (raw / "2023").mkdir(parents=True)
    (raw / "2023" / source.name).write_bytes(source.read_bytes())
    assert write_demo_if_empty(raw) is None
    assert [path.name for path in raw.rglob("*") if path.is_file()] == [source.name]
