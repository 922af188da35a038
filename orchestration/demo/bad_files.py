"""Files the pipeline must reject or skip as a whole, each for one clear reason."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from orchestration.demo.encrypted import encrypted_workbook, encrypted_xls
from orchestration.demo.render import Sheet, Workbook, not_data
from orchestration.demo.writers import FIXED_ZIP_TIME, write_workbook

# render(county_code, year, path, **layout overrides) -> a county-year's table as a Workbook
RenderTable = Callable[..., Workbook]


@dataclass(frozen=True)
class BadFile:
    """A demo file the pipeline must reject or skip whole, with the reason code it must give
    (contracts/reason_codes.csv); `path` is relative to the raw folder, posix.
    """

    path: str
    survey_year: int | None
    status: str  # rejected | skipped
    reason_code: str


def zip_bytes(entries: dict[str, bytes]) -> bytes:
    """A zip archive of `entries` (member name -> bytes) with fixed timestamps, so that the same
    entries give the same bytes on every run.
    """
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries.items():
            archive.writestr(zipfile.ZipInfo(name, date_time=FIXED_ZIP_TIME), content)
    return out.getvalue()


def write_bad_files(
    out_dir: Path, render: RenderTable, years: list[int], rng: np.random.Generator
) -> list[BadFile]:
    """Write the files of `years` the pipeline must reject or skip as a whole below `out_dir`.

    A download cut short, workbooks saved with a password (.xlsx and .xls), a table whose year
    is nowhere, a stale copy under the wrong year folder, a county name several prefectures
    share, and the like, spread over the years; `render` gives a county-year's real table to
    damage. Returns them with the status and reason code the pipeline must give.
    """
    first, second, third, last = (
        years[0],
        years[min(1, len(years) - 1)],
        years[min(2, len(years) - 1)],
        years[-1],
    )
    bad: list[BadFile] = []

    def put(path: str, content: bytes, year: int | None, status: str, reason: str) -> None:
        target = out_dir / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
        bad.append(BadFile(path, year, status, reason))

    def put_table(workbook: Workbook, year: int | None, reason: str) -> None:
        write_workbook(out_dir, workbook)
        bad.append(BadFile(workbook.path, year, "rejected", reason))

    # A download cut short: the zip's central directory is missing.
    good = render(
        "130123", third, f"{third}/石家庄市/正定县{third}年均衡数据(损坏).xlsx", fmt="xlsx"
    )
    write_workbook(out_dir, good)
    whole = (out_dir / good.path).read_bytes()
    (out_dir / good.path).write_bytes(whole[: len(whole) // 2])
    bad.append(BadFile(good.path, third, "rejected", "unreadable"))

    put(
        f"{third}/石家庄市/~$正定县{third}年均衡数据.xlsx",
        b"\x0bAdministrator" + b"\x00" * 40 + b"\x20" * 100,
        third,
        "skipped",
        "lock_file",
    )
    document = (
        b'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
        b'wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>\xe5\x94\x90\xe5\x8e\xbf\xe5\x9d\x87\xe8\xa1\xa1'
        b"\xe5\x8f\x91\xe5\xb1\x95\xe8\x87\xaa\xe8\xaf\x84\xe6\x8a\xa5\xe5\x91\x8a</w:t></w:r></w:p></w:body></w:document>"
    )
    put(
        f"{second}/保定市/唐县{second}年均衡发展自评报告.docx",
        zip_bytes(
            {
                "[Content_Types].xml": b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
                "word/document.xml": document,
            }
        ),
        second,
        "skipped",
        "not_a_spreadsheet",
    )

    notice = Sheet("通知")
    for line in (
        f"关于报送{second}年县域义务教育均衡发展数据的通知",
        "各学校:",
        "请于10月20日前报送本校数据。",
        "联系人:王老师  电话:0311-8888XXXX",
    ):
        notice.add([line], not_data("note"))
    put_table(
        Workbook(
            f"{second}/石家庄市/正定县{second}年数据填报通知.xlsx", "xlsx", "", [notice], second
        ),
        second,
        "no_table",
    )

    # Saved with a password to open: Excel then writes an OLE container, not a zip.
    for path in (
        f"{second}/石家庄市/桥西区{second}年均衡数据(加密).xlsx",
        f"{last}/保定市/定兴县/均衡发展{last}-有密码.xlsm",
    ):
        put(path, encrypted_workbook(rng), int(path[:4]), "rejected", "password_protected")
    # Excel 97-2003 encrypts the records of the Workbook stream instead (RC4, a FILEPASS record).
    table = render("130623", first, f"{first}/保定市/涞水县{first}年均衡数据(加密).xls", fmt="xls")
    put(table.path, encrypted_xls(table, rng), first, "rejected", "password_protected")

    # A table whose year is nowhere: no year folder, file name or title row names one.
    put_table(
        render(
            "130125",
            first,
            "行唐县均衡数据汇总(最终版).xlsx",
            fmt="xlsx",
            title_lines=False,
            footer=False,
            extra_sheets=False,
        ),
        None,
        "year_unknown",
    )
    # A stale copy filed under the wrong year folder: folder and file name disagree.
    put_table(
        render("130627", third, f"{third}/保定市/唐县{third - 1}年均衡数据(旧).xls", fmt="xls"),
        None,
        "year_conflict",
    )
    # 新华区 exists in 石家庄市 and 沧州市 (both in 河北省) and in 平顶山市: nothing here says which.
    put_table(
        render("130105", last, f"{last}/新华区{last}年均衡数据.xlsx", fmt="xlsx"),
        last,
        "county_ambiguous",
    )
    return bad
