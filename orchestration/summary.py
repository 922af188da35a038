"""What `junheng run` prints when a run ends: this run's figures only, in Chinese, English or both.

Every figure comes from the events of the run itself (the metadata its steps recorded), never
from files an earlier run left in the state folder: a step that did not run in this run says
so instead of showing the last run's counts. A failing check names its years and counties.
The one exception comes first: the demo warning and the county-years that lost a file, read
from the receipts staged for the run's years (ingest_files.is_demo / county_incomplete).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import PurePosixPath

import pandas as pd

from orchestration.validation.completeness import LostFile, lost_files

LANGUAGES = ("both", "zh", "en")

# key -> (中文, English)
LABELS = {
    "demo": (
        "个文件属于虚构的演示省份(ingest_files.is_demo):仓库中是编造的学校,不是真实数据",
        "files are the synthetic demo province's (ingest_files.is_demo): "
        "the warehouse holds invented schools, not real data",
    ),
    "incomplete": (
        "个县·年度缺了文件(其数字只含读到的部分;见 ingest_files.county_incomplete)",
        "county-years lost a file "
        "(their figures cover only what was read; see ingest_files.county_incomplete)",
    ),
    "published": ("仓库已发布", "published"),
    "incomplete_short": ("个县·年度不完整", "county-years incomplete"),
    "survey_years": ("调查年度", "survey years"),
    "files": ("个文件", "files"),
    "rows_staged": ("行入库", "rows staged"),
    "quarantined": ("行隔离", "quarantined"),
    "not_built": ("本次运行未完成读取", "not read in this run"),
    "undated": (
        "个文件无法判定调查年度(见 ingest_files)",
        "files without a survey year (see ingest_files)",
    ),
    "tables_written": ("写入仓库的表", "tables written to"),
    "rows": ("行", "rows"),
    "not_published": (
        "本次运行未发布仓库(仓库保持上一次的内容)",
        "the warehouse was not published in this run (it holds the previous run)",
    ),
    "dropped": (
        "原始文件夹已删除、已从仓库移除的年度",
        "years whose raw folder is gone, dropped from the warehouse",
    ),
    "catalog": ("BI 目录", "BI catalog"),
    "checks": ("检查", "checks"),
    "passed": ("通过", "passed"),
    "failed": ("未通过", "failed"),
    "counties": ("县或文件", "counties or files"),
    "reports": ("校验报告", "validation reports"),
    "county_reports": ("县级报告(省级索引)", "county reports (province indexes)"),
    "workbooks": ("一校一册差距清单", "gap-list workbooks (一校一册)"),
    "up_to_date": (
        "原始文件、规则与代码自上次构建以来均未改变,本次未重建(--force 强制重建)",
        "nothing changed since the last build (raw files, rules, code): nothing rebuilt "
        "(--force rebuilds)",
    ),
    "rebuilding": ("重建", "rebuilding"),
    "later_years_stale": (
        "以后的年份引用本年数据(上年值、学校版本),将在下次不带 --years 的运行中重建",
        "later years read these (previous-year figures, school versions) and are rebuilt by "
        "the next run without --years",
    ),
    "run_failed": ("本次运行失败", "the run failed"),
    "failed_steps": ("失败的步骤", "failed steps"),
    "see_log": (
        "详见上面的运行日志,或 Dagster 界面中的这次运行(make dev)",
        "see the run log named above, or the run in the Dagster UI (make dev)",
    ),
}


def label(key: str, lang: str) -> str:
    """The label of `key` in `lang`: `zh`, `en`, or both side by side (any other value).
    Raises KeyError for a key LABELS does not hold.
    """
    zh, en = LABELS[key]
    return {"zh": zh, "en": en}.get(lang, f"{zh} {en}")


@dataclass
class FailedCheck:
    """A check that failed in the run: its name, severity (WARN | ERROR), the places it names
    (survey year -> county codes or files) and its description.
    """

    name: str
    severity: str
    places: dict[str, list[str]] = field(default_factory=dict)  # year -> county codes
    description: str | None = None


@dataclass
class RunSummary:
    """What a run did, for the lines `junheng run` prints: survey years, files and rows per year,
    tables written (rows per table; None when nothing was published), dropped years, checks
    passed and failed, failed steps, demo files and lost files (county-years incomplete).
    """

    years: list[int]
    files_by_year: dict[int, int]
    undated_files: int
    rows_by_year: dict[str, dict[str, int]]  # year -> counts, from this run's validation
    rows_by_table: dict[str, int] | None  # None: nothing published in this run
    dropped_years: list[int]
    checks_passed: int
    failed_checks: list[FailedCheck]
    success: bool
    failed_steps: list[str]
    run_id: str
    demo_files: int = 0  # files of the synthetic demo province among the run's receipts
    lost_files: list[LostFile] = field(default_factory=list)  # county_incomplete receipts


def _metadata(result, asset: str) -> dict:
    for event in result.get_asset_materialization_events():
        if event.asset_key.to_user_string() == asset:
            return {key: value.value for key, value in event.materialization.metadata.items()}
    return {}


def _counties(value: object) -> set[str]:
    """County codes (else the county files) a check's examples name (lists of row dicts)."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return set()
    found = set()
    if isinstance(value, list):
        for item in value:
            if not isinstance(item, dict):
                continue
            if item.get("county_code"):
                found.add(str(item["county_code"]))
            elif item.get("file"):  # examples that name the county's file, not its code
                found.add(PurePosixPath(str(item["file"])).name)
    elif isinstance(value, dict):
        for item in value.values():
            found |= _counties(item)
    return found


def failing_places(metadata: dict, years: Iterable[int]) -> dict[str, list[str]]:
    """For each year a check failed in, the counties its examples name."""
    failed = str(metadata.get("failed", ""))
    places: dict[str, list[str]] = {}
    for year in map(str, years):
        if year not in failed:
            continue
        counties: set[str] = set()
        for key, value in metadata.items():
            if key.startswith(f"{year} "):
                counties |= _counties(getattr(value, "value", value))
        places[year] = sorted(counties)
    return places


def demo_file_count(receipts: pd.DataFrame) -> int:
    """How many distinct files of `receipts` (ingest_files rows) are the demo province's."""
    if receipts.empty or "is_demo" not in receipts.columns:
        return 0
    return receipts.loc[receipts["is_demo"].fillna(False).astype(bool), "source_file"].nunique()


def collect(
    result, years: list[int], files: list, receipts: pd.DataFrame | None = None
) -> RunSummary:
    """The summary of `result`; `receipts` (the staged ingest_files of `years`, see
    completeness.read_staged_receipts) give the demo warning and the files lost."""
    receipts = pd.DataFrame() if receipts is None else receipts
    validated = _metadata(result, "validated_school_rows").get("rows_by_year", {})
    published = _metadata(result, "warehouse_tables")
    rows_by_table = None
    if published:
        rows_by_table = {
            table: sum(partitions.values())
            for table, partitions in published.get("rows_by_table", {}).items()
        }
    evaluations = result.get_asset_check_evaluations()
    failed = [
        FailedCheck(
            e.asset_check_key.name,
            e.severity.value,
            failing_places(e.metadata, years),
            e.description,
        )
        for e in evaluations
        if not e.passed
    ]
    return RunSummary(
        years=years,
        files_by_year={year: sum(f.survey_year == year for f in files) for year in years},
        undated_files=sum(f.survey_year is None for f in files),
        rows_by_year=validated,
        rows_by_table=rows_by_table,
        dropped_years=list(published.get("dropped_years", [])),
        checks_passed=len(evaluations) - len(failed),
        failed_checks=sorted(failed, key=lambda check: check.name),
        success=result.success,
        failed_steps=[event.step_key for event in result.all_events if event.is_step_failure],
        run_id=result.run_id,
        demo_files=demo_file_count(receipts),
        lost_files=lost_files(receipts),
    )


def render(
    summary: RunSummary,
    warehouse_dir,
    catalog,
    reports: list,
    lang: str,
    county_indexes: list = (),
    exports_dir=None,
) -> list[str]:
    """The lines of the summary, labels in `lang` ('zh', 'en' or 'both').

    First what a bureau must act on (demo data, county-years that lost a file), then the
    figures; `county_indexes` are the province pages of the county reports, `exports_dir`
    the folder of the gap-list workbooks (both printed only when reports were written).
    """

    def t(key: str) -> str:
        return label(key, lang)

    lines = []
    if summary.demo_files:
        lines.append(f"DEMO: {summary.demo_files} {t('demo')}")
    if summary.lost_files:
        county_years = {(f.survey_year, f.county_code) for f in summary.lost_files}
        lines.append(f"INCOMPLETE: {len(county_years)} {t('incomplete')}:")
        lines += [f"  {file.line()}" for file in summary.lost_files]
    lines.append(f"{t('survey_years')}: {', '.join(map(str, summary.years))}")
    for year in summary.years:
        files = f"{summary.files_by_year[year]} {t('files')}"
        counts = summary.rows_by_year.get(str(year))
        if counts is None:
            lines.append(f"  {year}: {files}, {t('not_built')}")
        else:
            lines.append(
                f"  {year}: {files}, {counts['school_rows']} {t('rows_staged')}, "
                f"{counts['quarantined']} {t('quarantined')}"
            )
    if summary.undated_files:
        lines.append(f"  {summary.undated_files} {t('undated')}")
    if summary.rows_by_table is None:
        lines.append(t("not_published"))
    else:
        lines.append(f"{t('tables_written')} {warehouse_dir}:")
        lines += [f"  {name}: {rows} {t('rows')}" for name, rows in summary.rows_by_table.items()]
        if summary.dropped_years:
            lines.append(f"{t('dropped')}: {', '.join(map(str, summary.dropped_years))}")
        lines.append(f"{t('catalog')}: {catalog}")
    lines.append(
        f"{t('checks')}: {summary.checks_passed} {t('passed')}, "
        f"{len(summary.failed_checks)} {t('failed')}"
    )
    for check in summary.failed_checks:
        where = "; ".join(
            f"{year}" + (f" ({t('counties')} {', '.join(codes)})" if codes else "")
            for year, codes in check.places.items()
        )
        lines.append(
            f"  {t('failed')}: {check.name} ({check.severity})" + (f": {where}" if where else "")
        )
    if reports:
        lines.append(f"{t('reports')}: " + ", ".join(map(str, reports)))
    if county_indexes:
        lines.append(f"{t('county_reports')}: " + ", ".join(map(str, county_indexes)))
        lines.append(f"{t('workbooks')}: {exports_dir}/<year>/<county_code>_一校一册.xlsx")
    if not summary.success:
        lines.append(
            f"{t('run_failed')} (run id {summary.run_id}); "
            f"{t('failed_steps')}: {', '.join(summary.failed_steps)}"
        )
        lines.append(t("see_log"))
    return lines
