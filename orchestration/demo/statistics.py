"""Counties that send the education statistics system's own exports (基层表), one file per stage.

A county-year of `STATISTICS_EXPORT_COUNTY_YEARS` sends, instead of its own workbook, the
statistics system's primary and junior exports as they come out of it
(`<county><year>年基层表_小学.xlsx` and `..._初中.xlsx`): three merged header rows in the
form's own words, the 办学类型 as the Ministry's code (`211`, `312 九年一贯制学校`,
`312-九年一贯制学校`), 是否计校数, the degree breakdown (`专任教师 > #按学历分 > 研究生 | 本科 |
专科 | 高中阶段及以下`) and the subject breakdown (`#按授课课程分 > 语文 | 数学 | 体育与健康 | 音乐
| 美术`) instead of the balance sheets' ready counts, the statistics-form floor columns, and
equipment in 万元. A nine-year school is in both files with its whole-school floor areas,
equipment, books, computers and rooms repeated in each (dbt joins the two rows and splits
them by the shares); a twelve-year or complete middle school carries its part's own
resources (the county splits those itself). Teaching points (218, 是否计校数 0) name no
parent. Special-education schools are reported on the system's own special-education form,
which these counties do not send.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from contracts.staging_schema import QUANTITY_COLUMNS
from orchestration.demo.render import RowTruth, Sheet, Workbook, not_data

# (county code, index of the survey year among the generated years): counties that switched
# to sending the statistics system's exports.
STATISTICS_EXPORT_COUNTY_YEARS = (("130125", 3), ("130125", 4), ("130623", 4))
# What names such a file, for the tests that tell its rows apart.
STATISTICS_EXPORT_MARK = "基层表"
STAGE_FILES = {"primary": "小学", "junior": "初中"}
# The statistics system's 办学类型 codes and labels (contracts/school_types.csv).
TYPE_CODES = {
    "primary": ("211", "小学"),
    "teaching_point": ("218", "小学教学点"),
    "junior": ("311", "初级中学"),
    "nine_year": ("312", "九年一贯制学校"),
    "complete_middle": ("341", "完全中学"),
    "twelve_year": ("345", "十二年一贯制学校"),
}
STAGE_TYPES = {
    "primary": ("primary", "teaching_point", "nine_year", "twelve_year"),
    "junior": ("junior", "nine_year", "twelve_year", "complete_middle"),
}
# Types whose row in a stage file reports the school's part (reported_scope = the stage).
MULTI_STAGE = ("nine_year", "twelve_year", "complete_middle")
DEGREES = ("研究生", "本科", "专科", "高中阶段及以下")
SUBJECTS = ("语文", "数学", "体育与健康", "音乐", "美术")
# Columns left to right: (key, header path); the header path has up to three levels.
COLUMNS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("school_name", ("学校名称",)),
    ("school_id", ("学校标识码",)),
    ("school_type", ("办学类型",)),
    ("counts_as_school", ("是否计校数",)),
    ("students", ("在校生数", "合计")),
    ("students_female", ("在校生数", "#女")),
    ("teachers", ("专任教师", "计")),
    *((f"degree:{d}", ("专任教师", "#按学历分", d)) for d in DEGREES),
    *((f"subject:{s}", ("专任教师", "#按授课课程分", s)) for s in SUBJECTS),
    ("teachers_senior_title", ("中级及以上专业技术职务专任教师数",)),
    ("teachers_backbone", ("县级及以上骨干教师数",)),
    ("building_area", ("本学年校舍建筑面积", "计")),
    ("teaching_area_m2", ("本学年校舍建筑面积", "教学及辅助用房", "计")),
    ("indoor_sports_m2", ("本学年校舍建筑面积", "教学及辅助用房", "#室内体育用房")),
    ("sports_ground_m2", ("运动场地面积(平方米)",)),
    ("equipment_value_yuan", ("教学仪器设备资产值(万元)",)),
    ("books", ("图书(册)",)),
    ("computers", ("计算机(台)",)),
    ("multimedia_rooms", ("网络多媒体教室(间)",)),
)
RESOURCES = (
    "teaching_area_m2",
    "indoor_sports_m2",
    "sports_ground_m2",
    "equipment_value_yuan",
    "books",
    "computers",
    "multimedia_rooms",
)


# The breakdown columns whose sum is a base quantity (docs/spec/balance-indicators.md §2).
ABOVE_DEGREE = {"primary": ("研究生", "本科", "专科"), "junior": ("研究生", "本科")}
PE_ARTS = ("体育与健康", "音乐", "美术")


def breakdown_sums(cells: list[object], stage: str) -> dict[str, float]:
    """teachers_above_degree_<stage> and teachers_pe_arts_<stage> of an export row's cells."""
    keys = [key for key, _ in COLUMNS]

    def total(names: tuple[str, ...]) -> float:
        return float(sum(cells[keys.index(name)] or 0 for name in names))

    return {
        f"teachers_above_degree_{stage}": total(tuple(f"degree:{d}" for d in ABOVE_DEGREE[stage])),
        f"teachers_pe_arts_{stage}": total(tuple(f"subject:{s}" for s in PE_ARTS)),
    }


def is_statistics_export(source_file: str) -> bool:
    """Whether a demo file is an export of the education statistics system (基层表 in its name)."""
    return STATISTICS_EXPORT_MARK in source_file


def statistics_export_path(county: pd.Series, year: int, stage: str, fmt: str) -> str:
    """The raw path of a county-year's statistics-system export for one school stage
    (primary or junior): `<year>/<prefecture>/<county><year>年基层表_<小学|初中>.<fmt>`.
    """
    return (
        f"{year}/{county['prefecture_name']}/{county['county_name']}{year}年"
        f"{STATISTICS_EXPORT_MARK}_{STAGE_FILES[stage]}.{fmt}"
    )


def degree_breakdown(teachers: float, above: float, stage: str) -> dict[str, float]:
    """研究生 | 本科 | 专科 | 高中阶段及以下 whose sum above the stage's required degree is
    `above` (primary: 专科 and up; junior: 本科 and up) and whose total is `teachers`."""
    postgraduate = math.floor(above * 0.06)
    if stage == "primary":
        bachelor = math.floor((above - postgraduate) * 0.7)
        college = above - postgraduate - bachelor
        return dict(zip(DEGREES, (postgraduate, bachelor, college, teachers - above)))
    return dict(zip(DEGREES, (postgraduate, above - postgraduate, teachers - above, 0.0)))


def subject_breakdown(teachers: float, pe_arts: float) -> dict[str, float]:
    """语文 | 数学 | 体育与健康 | 音乐 | 美术, the last three summing to `pe_arts`."""
    pe = math.ceil(pe_arts * 0.45)
    music = math.ceil((pe_arts - pe) / 2)
    rest = max(teachers - pe_arts, 0.0)
    chinese = math.floor(rest * 0.4)
    return dict(zip(SUBJECTS, (chinese, math.floor((rest - chinese) * 0.6), pe, music,
                               pe_arts - pe - music)))  # fmt: skip


def type_cell(school: dict) -> object:
    """The 办学类型 as the export shows it: the code as a number, as text, or with its label."""
    code, label = TYPE_CODES[school["school_type"]]
    style = school["school_uid"] % 4
    return (int(code), code, f"{code} {label}", f"{code}-{label}")[style]


def header_rows(sheet: Sheet) -> None:
    """Three header rows; a label over the columns under it is merged across them, and a
    label with nothing under it down to the last row."""
    width = len(COLUMNS)
    grid = [["" for _ in range(width)] for _ in range(3)]
    for index, (_, path) in enumerate(COLUMNS):
        for level, label in enumerate(path):
            grid[level][index] = label
    first = len(sheet.rows)
    for level in range(3):
        index = 0
        while index < width:
            path = COLUMNS[index][1]
            if level >= len(path):
                index += 1
                continue
            end = index
            while end + 1 < width and COLUMNS[end + 1][1][: level + 1] == path[: level + 1]:
                grid[level][end + 1] = ""
                end += 1
            bottom = 2 if level == len(path) - 1 else level
            if (end, bottom) != (index, level):
                sheet.merges.append((first + level, index, first + bottom, end))
            index = end + 1
    for cells in grid:
        sheet.add(cells, not_data("header"))


def stage_sheet(
    schools: pd.DataFrame, stage: str, year: int, source_file: str, rng: np.random.Generator
) -> Sheet:
    """The statistics export's sheet for one school stage: its header rows and one row per
    school teaching that stage (a nine-year school's part of that stage), with the record
    each row must stage.
    """
    sheet = Sheet("Sheet1")
    header_rows(sheet)
    members = schools[schools["school_type"].isin(STAGE_TYPES[stage])]
    members = members.sort_values(["school_type", "school_uid"], key=_type_order)
    for school in members.to_dict("records"):
        cells, record = stage_row(school, stage, year, source_file, rng)
        record["source_row"] = sheet.add(cells, RowTruth("staged", None, record))
    return sheet


def _type_order(column: pd.Series) -> pd.Series:
    if column.name != "school_type":
        return column
    return column.map({t: i for i, t in enumerate(TYPE_CODES)})


def stage_row(
    school: dict, stage: str, year: int, source_file: str, rng: np.random.Generator
) -> tuple[list[object], dict]:
    """The cells of a school's row in the `stage` file, and the row the reader must stage."""
    school_type = school["school_type"]
    is_point = school_type == "teaching_point"
    scope = stage if school_type in MULTI_STAGE else "school"
    # A nine-year school repeats its whole-school resources in both files; the others report
    # their part's own (a single-stage school's whole is its part).
    suffix = f"_{stage}" if school_type in ("twelve_year", "complete_middle") else ""
    students = school[f"students_{stage}"]
    teachers = school[f"teachers_{stage}"]
    above = school[f"teachers_above_degree_{stage}"]
    pe_arts = school[f"teachers_pe_arts_{stage}"]
    resources = {key: school[f"{key}{suffix}"] for key in RESOURCES}
    resources["teaching_area_m2"] += resources["indoor_sports_m2"]  # the form counts it inside
    equipment = round(resources["equipment_value_yuan"] / 10_000, 4)
    resources["equipment_value_yuan"] = round(equipment * 10_000, 6)
    values = {
        "school_name": school["school_name"],
        "school_id": school["school_id"],
        "school_type": type_cell(school),
        "counts_as_school": 0 if is_point else 1,
        "students": students,
        "students_female": float(math.floor(students * float(rng.uniform(0.44, 0.52)))),
        "teachers": teachers,
        **{f"degree:{k}": v for k, v in degree_breakdown(teachers, above, stage).items()},
        **{f"subject:{k}": v for k, v in subject_breakdown(teachers, pe_arts).items()},
        "teachers_senior_title": school[f"teachers_senior_title_{stage}"],
        "teachers_backbone": school[f"teachers_backbone_{stage}"],
        "building_area": round(resources["teaching_area_m2"] * 1.35),
        **resources,
        "equipment_value_yuan": equipment,
    }
    cells = [_cell(values[key]) for key, _ in COLUMNS]
    record = dict.fromkeys(QUANTITY_COLUMNS)
    record.update(
        {f"{field}_{stage}": float(school[f"{field}_{stage}"]) for field in TEACHER_FIELDS_READ}
    )
    record.update(breakdown_sums(cells, stage))  # what the reader sums, equal to the master's
    record.update({key: float(value) for key, value in resources.items()})
    record.update(
        {
            f"students_{stage}": float(students),
            "survey_year": year,
            "source_file": source_file,
            "county_code": school["county_code"],
            "school_id": school["school_id"],
            "school_name": school["school_name"],
            "school_name_key": None,
            "school_type": school_type,
            "reported_scope": scope,
            "ownership": None,
            "urban_rural": None,
            "counts_as_school": not is_point,
            "parent_school_name": None,
            "parent_school_name_key": None,
        }
    )
    return cells, record


# Every teacher count of docs/spec/balance-indicators.md §2, per stage: the first, third and
# fourth are columns of the export; the degree and subject breakdowns add up to the other two.
TEACHER_FIELDS_READ = (
    "teachers",
    "teachers_above_degree",
    "teachers_senior_title",
    "teachers_backbone",
    "teachers_pe_arts",
)


def _cell(value: object) -> object:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def statistics_workbooks(
    county: pd.Series, schools: pd.DataFrame, year: int, fmt: str, rng: np.random.Generator
) -> list[Workbook]:
    """The county-year's two exports, each one sheet, with the truth of every row."""
    books = []
    for stage in STAGE_FILES:
        path = statistics_export_path(county, year, stage, fmt)
        books.append(Workbook(path, fmt, "", [stage_sheet(schools, stage, year, path, rng)], year))
    return books
