"""How each demo county lays out its sheets, year by year.

A layout is data: which format, which sheets, how many header rows, which synonyms and
units, which mess. Counties keep a few habits (traditional characters, no school ids,
the statistics-form floor columns) and change the rest between years, as real ones do.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

# Header texts per column key; a layout picks one variant by its `synonym` index.
HEADERS: dict[str, tuple[str, ...]] = {
    "serial": ("序号", "序号", "编号"),
    "county_code": ("行政区划代码", "县代码", "区县代码"),
    "county_name": ("县区", "县(市、区)", "区县名称"),
    "school_name": ("学校名称", "校名", "单位名称"),
    "school_id": ("学校标识码", "学校标识码", "学校代码"),
    "school_type": ("办学类型", "学校类型", "办学类型"),
    "ownership": ("办学性质", "举办者类型", "办学性质"),
    "urban_rural": ("城乡类型", "城乡分类", "城乡属性"),
    "counts_as_school": ("是否计校数", "是否计校数", "是否计校数"),
    "parent_school_name": ("所属学校", "所属中心校", "原校点"),
    "students": ("在校生数", "学生数", "在校学生数"),
    "teachers": ("专任教师数", "专任教师", "专任教师总数"),
    "teachers_above_degree": ("高于规定学历专任教师数", "高于规定学历教师数", "其中:高于规定学历"),
    "teachers_senior_title": (
        "中级及以上专业技术职务专任教师数",
        "中级及以上职称教师数",
        "其中:中级及以上职称",
    ),
    "teachers_backbone": ("县级及以上骨干教师数", "骨干教师数", "县级以上骨干教师"),
    "teachers_pe_arts": ("体育、艺术专任教师数", "体育艺术(音乐、美术)教师数", "体艺专任教师数"),
    "teaching_area_m2": ("教学及辅助用房面积", "教辅用房面积", "教学辅助用房"),
    "sports_area_m2": ("体育运动场馆面积", "运动场面积", "体育场地面积"),
    "sports_ground_m2": ("运动场地面积", "运动场地面积", "运动场地面积"),
    "indoor_sports_m2": ("室内体育用房", "其中:室内体育用房", "室内体育用房面积"),
    "equipment_value_yuan": ("教学仪器设备值", "仪器设备总值", "教学仪器设备资产值"),
    "computers": ("教学用计算机", "计算机台数", "学生用计算机台数"),
    "books": ("图书册数", "图书", "藏书量"),
    "multimedia_rooms": ("网络多媒体教室数", "多媒体教室数", "网络多媒体教室"),
    "computed": ("生均教学用房", "生均教辅用房", "生均用房"),
    "remark": ("备注", "备注", "说明"),
    "blank": ("", "", ""),
}
AREA_KEYS = ("teaching_area_m2", "sports_area_m2", "sports_ground_m2", "indoor_sports_m2")
TEACHER_KEYS = (
    "teachers",
    "teachers_above_degree",
    "teachers_senior_title",
    "teachers_backbone",
    "teachers_pe_arts",
)
RESOURCE_KEYS = ("equipment_value_yuan", "computers", "books", "multimedia_rooms")
STAGE_LABELS = {"primary": "小学", "junior": "初中", "senior": "高中"}
GROUP_LABELS = {"students": "学生情况", "teachers": "教师情况", "resources": "办学条件"}

TYPE_LABELS = {
    "primary": ("小学", "小学"),
    "junior": ("初级中学", "初中"),
    "nine_year": ("九年一贯制学校", "九年一贯制"),
    "twelve_year": ("十二年一贯制学校", "十二年一贯制"),
    "complete_middle": ("完全中学", "完全中学"),
    "teaching_point": ("教学点", "小学教学点"),
    "special_education": ("特殊教育学校", "特殊教育学校"),
}
SECTION_NUMERALS = "一二三四五六七"
URBAN_RURAL_LABELS = {
    "urban": ("城区", "城市"),
    "town": ("镇区", "县镇"),
    "rural": ("乡村", "农村"),
}
OWNERSHIP_LABELS = {"public": ("公办", "公办"), "private": ("民办", "民办")}
AREA_UNITS = ("(㎡)", "(平方米)", "(m2)", "")
EQUIPMENT_UNITS = {"万元": "(万元)", "元": "(元)", "file": ""}


@dataclass(frozen=True)
class Layout:
    """Everything that decides how one county-year file looks."""

    fmt: str  # xlsx | xlsm | xls | csv
    encoding: str  # for csv: utf-8 | utf-8-sig | gbk
    structure: str  # single | by_stage | by_type | by_township
    header_rows: int  # 1, 2 or 3
    synonym: int
    traditional: bool
    teacher_split: bool  # per-stage teacher columns on whole-school rows
    statistics_floor: bool  # 运动场地面积 + 室内体育用房 instead of 体育运动场馆面积
    equipment_unit: str  # 万元 | 元 | file (a 单位:万元 line, no unit in the header)
    area_unit: str
    with_ids: bool
    id_style: str  # text | number | scientific | spaced
    type_from_section: bool
    with_parent: bool
    with_counts_column: bool
    with_ownership: bool
    serial: bool
    blank_column: bool
    computed_column: bool
    formulas: bool
    title_lines: bool
    footer: bool
    totals: bool
    blank_rows: bool
    cell_mess: bool
    extra_sheets: bool  # a 说明 sheet, a hidden sheet and an empty sheet
    line_breaks: bool
    county_columns: bool = False  # a 行政区划代码 and a 县区 column: rows of several counties
    students_by_stage: bool = True  # per-stage enrollment columns on a whole-school sheet


FORMATS = (
    ("xlsx", ""),
    ("xls", ""),
    ("csv", "utf-8"),
    ("xlsx", ""),
    ("csv", "gbk"),
    ("xlsm", ""),
    ("csv", "utf-8-sig"),
    ("xls", ""),
)
STRUCTURES = ("single", "by_stage", "single", "by_type", "by_township")


def layout_for(county_index: int, year_index: int, *, with_ids: bool) -> Layout:
    """The layout a county uses in a year: habits fixed per county, the rest rotating."""
    k = county_index * 3 + year_index
    fmt, encoding = FORMATS[k % len(FORMATS)]
    structure = (
        "single" if fmt == "csv" else STRUCTURES[(county_index + year_index) % len(STRUCTURES)]
    )
    header_rows = (1, 2, 3)[(k + 1) % 3]
    if fmt == "csv":
        header_rows = min(header_rows, 2)
    return Layout(
        fmt=fmt,
        encoding=encoding,
        structure=structure,
        header_rows=header_rows,
        synonym=(county_index + year_index) % 3,
        traditional=county_index in (3, 8),
        teacher_split=county_index % 3 != 2,
        statistics_floor=county_index in (2, 7) or (county_index == 5 and year_index >= 3),
        equipment_unit=("万元", "元", "file")[k % 3],
        area_unit=AREA_UNITS[k % len(AREA_UNITS)],
        with_ids=with_ids,
        id_style=("text", "number", "scientific", "spaced")[(county_index + 2 * year_index) % 4],
        type_from_section=structure == "single" and k % 2 == 0,
        with_parent=k % 4 != 3,
        with_counts_column=k % 3 == 1,
        with_ownership=k % 5 != 4,
        serial=k % 2 == 1,
        blank_column=k % 3 == 2,
        computed_column=k % 3 == 0,
        formulas=fmt in ("xlsx", "xlsm") and k % 2 == 0,
        title_lines=k % 5 != 3,
        footer=k % 3 != 1,
        totals=k % 4 != 1,
        blank_rows=k % 3 == 2,
        cell_mess=k % 2 == 0 or fmt == "csv",
        extra_sheets=fmt != "csv" and k % 3 != 2,
        line_breaks=fmt != "csv" and k % 2 == 1,
    )


@dataclass(frozen=True)
class PrefectureFile:
    """A prefecture office's merged file: every school of some of its counties in one table.

    Those counties send no file of their own that year. The merged table keeps the
    county in a code and a name column and, as prefecture summaries often do, only a
    total enrollment: a multi-stage school's stages can not be told apart.
    """

    prefecture: str
    year_index: int
    county_codes: tuple[str, ...]
    fmt: str
    encoding: str
    path: str  # a pattern of {year}, {prefecture} and {ext}


PREFECTURE_FILES = (
    PrefectureFile(
        "石家庄市",
        1,
        ("130126", "130129"),
        "csv",
        "gbk",
        "{year}/{prefecture}/{prefecture}{year}年各县(市、区)义务教育学校汇总.{ext}",
    ),
    PrefectureFile(
        "保定市",
        3,
        ("130624", "130627"),
        "xlsx",
        "",
        "{year}/{prefecture}/{year}年{prefecture}均衡发展数据汇总(市教育局).{ext}",
    ),
)


def prefecture_layout(merged: PrefectureFile, county_index: int) -> Layout:
    """The layout of a merged file: one table with county columns, in the merged file's format."""
    base = layout_for(county_index, merged.year_index, with_ids=True)
    in_csv = merged.fmt == "csv"
    return replace(
        base,
        fmt=merged.fmt,
        encoding=merged.encoding,
        structure="single",
        type_from_section=False,
        county_columns=True,
        students_by_stage=False,
        teacher_split=False,
        equipment_unit="万元",
        extra_sheets=not in_csv and base.extra_sheets,
        line_breaks=not in_csv and base.line_breaks,
        formulas=not in_csv and base.formulas,
        header_rows=min(base.header_rows, 2) if in_csv else base.header_rows,
    )
