"""Generate the demo province into a folder and return its ground truth."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from contracts.staging_schema import QUANTITY_COLUMNS, SCHOOL_SURVEY
from orchestration.demo.bad_files import BadFile, write_bad_files
from orchestration.demo.layouts import (
    PREFECTURE_FILES,
    TYPE_LABELS,
    Layout,
    PrefectureFile,
    layout_for,
    prefecture_layout,
)
from orchestration.demo.province import COUNTIES_WITHOUT_IDS, build_province, load_demo_counties
from orchestration.demo.render import (
    DEFECT_COLUMNS,
    DEFECTS,
    CountyYearRenderer,
    Sheet,
    Workbook,
    columns_for,
    not_data,
)
from orchestration.demo.statistics import STATISTICS_EXPORT_COUNTY_YEARS, statistics_workbooks
from orchestration.demo.writers import write_workbook
from orchestration.ingest.demo_files import holds_no_file, write_demo_manifest

TYPE_ORDER = tuple(TYPE_LABELS)
FILE_NAMES = (
    "{year}/{prefecture}/{county}{year}年均衡数据.{ext}",
    "{year}/{prefecture}/{county}{year}年均衡数据(终稿)(1).{ext}",
    "{year}/{prefecture}/{year}年{county}义务教育学校办学条件统计表.{ext}",
    "{year}/{prefecture}/{county}/均衡发展{year}-修改版.{ext}",
)
# Two county-years arrive outside a year folder: the year comes from the file name, or
# from the title row alone.
YEAR_FROM_FILE_NAME = ("130623", 1, "{county}{year}年均衡数据.{ext}")
YEAR_FROM_TITLE = ("130626", 2, "{county}义务教育学校基本情况统计.{ext}")
# County-years whose workbook, copied from last year's, still holds last year's table on a
# sheet named after that year: a file of two years, whose stale sheet is skipped.
STALE_SHEET_COUNTY_YEARS = (("130125", 2), ("130104", 4))
QUARANTINE_COLUMNS = [
    "survey_year",
    "source_file",
    "sheet",
    "source_row",
    "reason_code",
    "county_code",
    "school_name",
]
FILE_COLUMNS = [
    "source_file",
    "survey_year",
    "sheet",
    "status",
    "reason_code",
    "county_code",
    "rows_read",
    "rows_staged",
    "rows_quarantined",
    "rows_not_data",
    "declared_total_students",
]
# The sheet a structure puts primary schools on, where the row defects go.
PRIMARY_SHEET_KIND = {
    "single": "whole",
    "by_stage": "stage",
    "by_type": "single_type",
    "by_township": "whole",
}


@dataclass
class DemoTruth:
    """What the pipeline should make of the generated folder.

    schools: one row per row the pipeline should stage (SCHOOL_SURVEY columns, base units).
    quarantined: survey_year, source_file, sheet, source_row, reason_code (+ county, name).
    files: source_file, survey_year, sheet, status, reason_code, and per loaded sheet its
        county (null for a sheet of several counties), the receipt rows_read = rows_staged +
        rows_quarantined + rows_not_data, and the students its 合计 row declares.
    schools_master: the true province before any mess, one row per year x school.
    not_data: source_file, sheet, source_row, kind of every row that is not data.
    """

    schools: pd.DataFrame
    quarantined: pd.DataFrame
    files: pd.DataFrame
    schools_master: pd.DataFrame
    not_data: pd.DataFrame


def generate_demo_province(
    out_dir: Path, seed: int = 2019, years: Sequence[int] = range(2019, 2024)
) -> DemoTruth:
    """Write the demo province's spreadsheets into `out_dir` and return their truth.

    The same `seed` and `years` give the same files, byte for byte (docs/demo.md): the
    counties' workbooks in every layout and format the reader must handle, the statistics
    system's exports, and the files it must reject or skip. Returns a DemoTruth (the true
    province, and every file's, sheet's and row's expected outcome with its reason code);
    the files are listed in the demo manifest so their receipts say `is_demo`.
    """
    out_dir = Path(out_dir)
    before = set(_files(out_dir))
    years = list(years)
    rng = np.random.default_rng(seed)
    master = build_province(rng, years)
    counties = load_demo_counties()
    position = {code: index for index, code in enumerate(counties["county_code"])}
    rotation = DefectRotation()

    def render(
        county_code: str,
        year: int,
        path: str | None = None,
        with_defects: bool = False,
        only_type: str | None = None,
        **overrides,
    ) -> Workbook:
        county_index, year_index = position[county_code], years.index(year)
        county = counties.iloc[county_index]
        layout = layout_for(
            county_index, year_index, with_ids=county_code not in COUNTIES_WITHOUT_IDS
        )
        default_path = file_path(county, year, year_index, layout, county_index)
        if (county_code, year_index) == YEAR_FROM_TITLE[:2]:
            overrides = {"title_lines": True, "footer": False, **overrides}
        layout = replace(layout, **overrides)
        schools = master[(master["county_code"] == county_code) & (master["survey_year"] == year)]
        if only_type:
            schools = schools[schools["school_type"] == only_type]
        defects = pick_defects(schools, layout, rotation, rng) if with_defects else {}
        renderer = CountyYearRenderer(
            layout, county["county_name"], year, path or default_path, rng
        )
        return Workbook(
            path or default_path,
            layout.fmt,
            layout.encoding,
            layout_sheets(renderer, schools, defects, year),
            year,
        )

    def render_merged(merged: PrefectureFile) -> Workbook:
        year = years[merged.year_index]
        layout = prefecture_layout(merged, position[merged.county_codes[0]])
        path = merged.path.format(year=year, prefecture=merged.prefecture, ext=merged.fmt)
        schools = master[
            master["county_code"].isin(merged.county_codes) & (master["survey_year"] == year)
        ]
        renderer = CountyYearRenderer(layout, merged.prefecture, year, path, rng)
        defects = pick_defects(schools, layout, rotation, rng)
        sheets = layout_sheets(renderer, schools, defects, year)
        return Workbook(path, layout.fmt, layout.encoding, sheets, year)

    merged_files = [merged for merged in PREFECTURE_FILES if merged.year_index < len(years)]
    merged_away = {(code, years[m.year_index]) for m in merged_files for code in m.county_codes}
    county_years = [
        (code, year)
        for code in counties["county_code"]
        for year in years
        if (code, year) not in merged_away
    ]
    statistics = {
        (code, years[index]): ("xlsx", "xls")[index % 2]
        for code, index in STATISTICS_EXPORT_COUNTY_YEARS
        if index < len(years)
    }
    ordinary = [county_year for county_year in county_years if county_year not in statistics]
    workbooks = [render(code, year, with_defects=True) for code, year in ordinary]
    stale = {
        (code, years[index]) for code, index in STALE_SHEET_COUNTY_YEARS if 0 < index < len(years)
    }
    for workbook, (code, year) in zip(list(workbooks), ordinary):
        if (code, year) in stale and workbook.fmt != "csv":
            # The year before in the generated years: with gaps in them, not always year - 1.
            previous = years[years.index(year) - 1]
            last_year = render(
                code,
                previous,
                workbook.path,
                fmt=workbook.fmt,
                structure="single",
                extra_sheets=False,
            )
            stale_sheet = replace(
                last_year.sheets[0], name=f"{previous}年", skip_reason="year_conflict"
            )
            workbook.sheets.append(stale_sheet)
    for (code, year), fmt in statistics.items():
        schools = master[(master["county_code"] == code) & (master["survey_year"] == year)]
        workbooks += statistics_workbooks(counties.iloc[position[code]], schools, year, fmt, rng)
    workbooks += [render_merged(merged) for merged in merged_files]
    workbooks += [
        render(
            code,
            year,
            supplement_path(counties.iloc[position[code]], year, fmt),
            only_type="junior",
            fmt=fmt,
        )
        for (code, year), fmt in zip(
            supplemented_county_years(counties, years, merged_away), ("xlsx", "csv")
        )
    ]
    for workbook in workbooks:
        write_workbook(out_dir, workbook)
    bad_files = write_bad_files(out_dir, render, years, rng)
    write_demo_manifest(out_dir, set(_files(out_dir)) - before)
    return assemble_truth(workbooks, bad_files, master)


def _files(folder: Path) -> list[Path]:
    return [path for path in folder.rglob("*") if path.is_file()] if folder.exists() else []


def write_demo_if_empty(raw_dir: Path, seed: int = 2019) -> DemoTruth | None:
    """Generate the demo into `raw_dir` only if it does not exist or holds no file at all.

    A folder holding anything (even files the reader skips, a WPS `.et`, a `.pdf`) is a
    landing folder someone uses: the demo is never mixed into it.
    """
    if not holds_no_file(raw_dir):
        return None
    return generate_demo_province(raw_dir, seed=seed)


def file_path(
    county: pd.Series, year: int, year_index: int, layout: Layout, county_index: int
) -> str:
    """The file's path relative to the raw folder."""
    names = {
        "county": county["county_name"],
        "prefecture": county["prefecture_name"],
        "year": year,
        "ext": layout.fmt,
    }
    for code, index, pattern in (YEAR_FROM_FILE_NAME, YEAR_FROM_TITLE):
        if (county["county_code"], year_index) == (code, index):
            return pattern.format(**names)
    return FILE_NAMES[(county_index + 2 * year_index) % len(FILE_NAMES)].format(**names)


def supplemented_county_years(
    counties: pd.DataFrame, years: list[int], merged_away: set[tuple[str, int]]
) -> list[tuple[str, int]]:
    """Two county-years that send their junior schools again in a second file (补报)."""
    chosen = []
    for county_index, code in enumerate(counties["county_code"]):
        for year_index, year in enumerate(years):
            layout = layout_for(county_index, year_index, with_ids=code not in COUNTIES_WITHOUT_IDS)
            special = (
                (code, year_index) in (YEAR_FROM_FILE_NAME[:2], YEAR_FROM_TITLE[:2])
                or (code, year_index) in STATISTICS_EXPORT_COUNTY_YEARS
                or (code, year) in merged_away
            )
            if (
                layout.structure == "single"
                and not special
                and len(chosen) < 2
                and year_index == county_index % len(years)
            ):
                chosen.append((code, year))
    return chosen


def supplement_path(county: pd.Series, year: int, fmt: str) -> str:
    """The raw path of a county's junior-school supplement file for a year:
    `<year>/<prefecture>/<county><year>年初中学校补报.<fmt>`.
    """
    return f"{year}/{county['prefecture_name']}/{county['county_name']}{year}年初中学校补报.{fmt}"


class DefectRotation:
    """Hands each file the next row defects its columns can show, so every kind recurs
    evenly across files and formats."""

    def __init__(self) -> None:
        self.queue = list(DEFECTS)

    def take(self, columns: set[str], count: int) -> list[str]:
        """Up to `count` defect kinds that fit a sheet with `columns`, taken from the front of the
        queue and put back at its end, so every kind occurs in turn across the files.
        """
        chosen = [
            kind for kind in self.queue if DEFECT_COLUMNS.get(kind, "school_name") in columns
        ][:count]
        self.queue = [kind for kind in self.queue if kind not in chosen] + chosen
        return chosen


def pick_defects(
    schools: pd.DataFrame, layout: Layout, rotation: DefectRotation, rng: np.random.Generator
) -> dict[int, str]:
    """Two row defects per file, on distinct primary schools; a file of several counties
    always has a county code wrong."""
    columns = {column.key for column in columns_for(layout, PRIMARY_SHEET_KIND[layout.structure])}
    if "county_code" in columns:
        chosen = ["county_unknown", *rotation.take(columns - {"county_code"}, 1)]
    else:
        chosen = rotation.take(columns, 2)
    candidates = schools[
        (schools["school_type"] == "primary") & (schools["students_primary"] > 150)
    ]
    targets: list[int] = []
    for kind in chosen:
        fits = candidates[~candidates["school_uid"].isin(targets)]
        if kind == "invalid_school_id":
            fits = fits[fits["school_id"].notna()]
        targets.append(int(rng.choice(fits["school_uid"].to_numpy())))
    return dict(zip(targets, chosen))


def layout_sheets(
    renderer: CountyYearRenderer, schools: pd.DataFrame, defects: dict[int, str], year: int
) -> list[Sheet]:
    """The sheets of one county-year's workbook in its layout's structure.

    `schools` holds the county-year's rows of the master; `defects` maps a school_uid to the
    defect its row carries. Structures: one sheet (optionally with a section per school
    type), one sheet per school stage (小学, 初中, 特殊教育; a multi-stage school gives a row
    per part), one per school type, or one per township; `extra_sheets` adds an instructions
    sheet, a hidden sheet and an empty one.
    """
    layout = renderer.layout
    records = sorted(
        schools.to_dict("records"),
        key=lambda s: (
            s["county_code"],
            TYPE_ORDER.index(s["school_type"]),
            s["township"],
            s["school_uid"],
        ),
    )
    by_type = {t: [s for s in records if s["school_type"] == t] for t in TYPE_ORDER}
    whole = [(s, "school") for s in records]
    if layout.structure == "single":
        if layout.type_from_section:
            groups = [
                (t, [(s, "school") for s in members]) for t, members in by_type.items() if members
            ]
        else:
            groups = [(None, whole)]
        sheets = [
            renderer.table_sheet(
                ("Sheet1", f"{year}年", "基本情况")[layout.synonym], "whole", groups, defects
            )
        ]
    elif layout.structure == "by_stage":
        primary = [(s, "school") for s in by_type["primary"] + by_type["teaching_point"]]
        primary += [(s, "primary") for s in by_type["nine_year"] + by_type["twelve_year"]]
        junior = [(s, "school") for s in by_type["junior"]]
        junior += [
            (s, "junior")
            for s in by_type["nine_year"] + by_type["twelve_year"] + by_type["complete_middle"]
        ]
        special = [(s, "school") for s in by_type["special_education"]]
        sheets = [
            renderer.table_sheet("小学", "stage", [(None, primary)], defects),
            renderer.table_sheet("初中", "stage", [(None, junior)], defects),
            renderer.table_sheet("特殊教育", "whole", [(None, special)], defects),
        ]
    elif layout.structure == "by_type":
        sheets = [
            renderer.table_sheet(
                TYPE_LABELS[t][0],
                "single_type" if t in ("primary", "junior", "teaching_point") else "whole",
                [(None, [(s, "school") for s in members])],
                defects,
            )
            for t, members in by_type.items()
            if members
        ]
    else:  # by_township
        townships = list(
            dict.fromkeys(s["township"] for s in sorted(records, key=lambda s: s["school_uid"]))
        )
        sheets = [
            renderer.table_sheet(
                township,
                "whole",
                [(None, [(s, "school") for s in records if s["township"] == township])],
                defects,
            )
            for township in townships
        ]
    if layout.extra_sheets:
        sheets = (
            [instructions_sheet(year)]
            + sheets
            + [hidden_sheet(year), Sheet("Sheet3", skip_reason="empty_sheet")]
        )
    return sheets


def instructions_sheet(year: int) -> Sheet:
    """A 填表说明 sheet of notes only, which the pipeline skips (instructions_sheet)."""
    sheet = Sheet("填表说明", skip_reason="instructions_sheet")
    for line in (
        f"{year}年县域义务教育均衡发展数据填报说明",
        "1. 在校生数以教育事业统计为准。",
        "2. 面积单位为平方米,仪器设备值单位为万元。",
        "3. 教学点请填写所属学校。",
    ):
        sheet.add([line], not_data("note"))
    return sheet


def hidden_sheet(year: int) -> Sheet:
    """A hidden sheet holding last year's stale table, which the pipeline skips (hidden_sheet)."""
    sheet = Sheet("Sheet2", hidden=True, skip_reason="hidden_sheet")
    sheet.add(["学校名称", "在校生数"], not_data("header"))
    sheet.add(["上年旧表(勿用)", 123], not_data("note"))
    return sheet


def sheet_label(workbook: Workbook, sheet: Sheet) -> str:
    """A CSV has no sheet: its one table is named after the file, as Excel names it."""
    return Path(workbook.path).stem if workbook.fmt == "csv" else sheet.name


def assemble_truth(
    workbooks: list[Workbook], bad_files: list[BadFile], master: pd.DataFrame
) -> DemoTruth:
    """The demo's ground truth from the workbooks written and the bad files.

    Returns a DemoTruth: every sheet's expected receipt (loaded, skipped or rejected with its
    reason code), the rows to be staged, quarantined (with reason code) or counted as not
    data, and `master` (the true province, one row per survey year x school).
    """
    rows, files = [], []
    for workbook in workbooks:
        for sheet in workbook.sheets:
            label = sheet_label(workbook, sheet)
            if sheet.skip_reason:
                files.append(
                    dict(
                        source_file=workbook.path,
                        survey_year=workbook.survey_year,
                        sheet=label,
                        status="skipped",
                        reason_code=sheet.skip_reason,
                    )
                )
                continue
            counties = {
                t.record["county_code"] for t in sheet.truth if t.record and t.record["county_code"]
            }
            files.append(
                dict(
                    source_file=workbook.path,
                    survey_year=workbook.survey_year,
                    sheet=label,
                    status="loaded",
                    reason_code=None,
                    county_code=counties.pop() if len(counties) == 1 else None,
                    rows_read=len(sheet.rows),
                    declared_total_students=sheet.declared_total_students,
                )
            )
            for row, truth in enumerate(sheet.truth, start=1):
                rows.append(
                    dict(
                        survey_year=workbook.survey_year,
                        source_file=workbook.path,
                        sheet=label,
                        source_row=row,
                        outcome=truth.outcome,
                        kind=truth.kind,
                        record=truth.record,
                    )
                )
    settle_duplicates_across_files(rows)
    outcomes = pd.DataFrame.from_records(rows)
    counts = outcomes.pivot_table(
        index=["source_file", "sheet"],
        columns="outcome",
        values="source_row",
        aggfunc="count",
        fill_value=0,
    )
    files = pd.DataFrame.from_records(files, columns=[*FILE_COLUMNS[:7], "declared_total_students"])
    files = files.join(
        counts.rename(columns=lambda outcome: f"rows_{outcome}"), on=["source_file", "sheet"]
    )
    bad = pd.DataFrame.from_records(
        [
            dict(
                source_file=b.path,
                survey_year=b.survey_year,
                sheet=None,
                status=b.status,
                reason_code=b.reason_code,
            )
            for b in bad_files
        ]
    )
    files = pd.concat([files, bad], ignore_index=True)[FILE_COLUMNS]
    where = ["survey_year", "source_file", "sheet", "source_row"]
    staged = [
        {**row["record"], **{k: row[k] for k in where}}
        for row in rows
        if row["outcome"] == "staged"
    ]
    quarantined = [
        {
            **{k: row[k] for k in where},
            "reason_code": row["kind"],
            "county_code": row["record"]["county_code"],
            "school_name": row["record"]["school_name"],
        }
        for row in rows
        if row["outcome"] == "quarantined"
    ]
    not_data_rows = outcomes.loc[outcomes["outcome"] == "not_data", [*where, "kind"]]
    return DemoTruth(
        schools=pd.DataFrame.from_records(staged, columns=SCHOOL_SURVEY.names),
        quarantined=pd.DataFrame.from_records(quarantined, columns=QUARANTINE_COLUMNS),
        files=files.astype(
            {
                "survey_year": "Int64",
                "rows_read": "Int64",
                "rows_staged": "Int64",
                "rows_quarantined": "Int64",
                "rows_not_data": "Int64",
                "declared_total_students": "float64",
            }
        ),
        schools_master=master,
        not_data=not_data_rows.reset_index(drop=True),
    )


def settle_duplicates_across_files(rows: list[dict]) -> None:
    """The same school and part staged twice in a year: the first copy (by file, sheet, row)
    stays when the copies agree; every copy is quarantined when they do not."""
    copies: dict[tuple, list[dict]] = {}
    for row in sorted(rows, key=lambda r: (r["source_file"], r["sheet"], r["source_row"])):
        if row["outcome"] == "staged":
            record = row["record"]
            identity = (
                record["school_id"] if pd.notna(record["school_id"]) else record["school_name"]
            )
            key = (record["survey_year"], record["county_code"], identity, record["reported_scope"])
            copies.setdefault(key, []).append(row)
    for same in copies.values():
        if len(same) < 2:
            continue
        quantities = {
            tuple(pd.Series(r["record"])[list(QUANTITY_COLUMNS)].fillna(-1)) for r in same
        }
        agree = len(quantities) == 1
        for row in same if not agree else same[1:]:
            row["outcome"] = "quarantined"
            row["kind"] = "duplicate_exact" if agree else "duplicate_conflict"
