"""Rows per second of `ingest_year` against the bare calamine read of the same files.

    python scripts/benchmark_ingest.py                 # generates ~5 000 rows of workbooks
    python scripts/benchmark_ingest.py RAW_DIR YEAR    # or measures an existing raw folder

The bare read opens every workbook and materialises every sheet (python-calamine); the
difference is what locating tables, matching headers, classifying, parsing, resolving
counties and deduplicating cost.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import python_calamine

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from orchestration.ingest.discover import discover_raw_files  # noqa: E402
from orchestration.ingest.pipeline import ingest_year  # noqa: E402


def bare_read(path: Path) -> list[list]:
    """Every sheet of a workbook as python-calamine gives it, and nothing else."""
    with python_calamine.CalamineWorkbook.from_path(str(path)) as book:
        return [
            book.get_sheet_by_name(name).to_python(skip_empty_area=False)
            for name in book.sheet_names
        ]


COUNTIES = [
    "正定县",
    "行唐县",
    "灵寿县",
    "高邑县",
    "深泽县",
    "赞皇县",
    "无极县",
    "平山县",
    "元氏县",
    "赵县",
]
HEADER = [["序号", "学校标识码", "学校名称", "办学类型", "在校生数", None, "专任教师", None,
           "教学及辅助用房面积(㎡)", "体育运动场馆面积(㎡)", "教学仪器设备值(万元)", "计算机(台)", "图书(册)", "网络多媒体教室(间)"],
          [None, None, None, None, "小学", "初中", "小学", "初中"]]  # fmt: skip


def generate(raw_dir: Path, schools_per_county: int = 500) -> None:
    # Imported here: the reader's worker processes import this module again (as their
    # main), and need nothing of openpyxl.
    import openpyxl

    for number, county in enumerate(COUNTIES):
        book = openpyxl.Workbook()
        sheet = book.active
        sheet.title = "基本情况"
        sheet.append([f"{county}2019年义务教育学校基本情况统计表"])
        for row in HEADER:
            sheet.append(row)
        sheet.merge_cells("E2:F2")
        sheet.merge_cells("G2:H2")
        for school in range(schools_per_county):
            primary = school % 3 != 1
            sheet.append([
                school + 1, f"{2113000000 + number * 10000 + school}", f"{county}第{school + 1}小学" if primary
                else f"{county}第{school + 1}中学", "小学" if primary else "初中",
                400 + school if primary else None, None if primary else 600 + school,
                30 if primary else None, None if primary else 50, f"{3000 + school:,}", 6000, 120.5, 80, 20000, 12,
            ])  # fmt: skip
        sheet.append(["合计"])
        sheet.append(["填表人:张三"])
        book.save(raw_dir / "2019" / f"{county}2019年均衡数据.xlsx")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("raw_dir", nargs="?", type=Path)
    parser.add_argument("year", nargs="?", type=int, default=2019)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        raw_dir = args.raw_dir
        if raw_dir is None:
            raw_dir = Path(folder)
            (raw_dir / "2019").mkdir()
            generate(raw_dir)
        files = [
            f
            for f in discover_raw_files(raw_dir)
            if f.survey_year == args.year and f.status is None
        ]

        started = time.perf_counter()
        bare_rows = sum(len(rows) for f in files for rows in bare_read(f.path))
        bare_seconds = time.perf_counter() - started

        started = time.perf_counter()
        result = ingest_year(raw_dir, args.year, files)
        ingest_seconds = time.perf_counter() - started

    rows = int(result.ingest_files["rows_read"].sum())
    print(f"files: {len(files)}, rows read: {rows}, staged: {len(result.school_rows)}, "
          f"quarantined: {len(result.quarantine)}")  # fmt: skip
    print(f"bare calamine read: {bare_rows / bare_seconds:12,.0f} rows/s ({bare_seconds:.2f} s)")
    print(f"ingest_year:        {rows / ingest_seconds:12,.0f} rows/s ({ingest_seconds:.2f} s)")
    workers = os.environ.get("JUNHENG_READ_WORKERS", "the default of contracts/read_limits.yaml")
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"reader workers: {workers}; load average after: {load} (the figures are wall time)")


if __name__ == "__main__":
    main()
