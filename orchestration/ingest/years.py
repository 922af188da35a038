"""Survey years named in folder names, file names and title lines."""

from __future__ import annotations

import re

from orchestration.ingest.text import normalise_text

# A year not glued to other digits; `2019-2020学年` (a school year) names its first year,
# `2020-2021年数据对比` (a comparison of two years) names both.
_YEAR = re.compile(
    r"(?<!\d)(19[89]\d|20[0-9]\d)(?:\s*[-~至/]\s*(19[89]\d|20[0-9]\d))?(?!\d)(\s*学年|\s*年度)?"
)
_TITLE_YEAR = re.compile(
    r"(?<!\d)(19[89]\d|20[0-9]\d)(?:\s*[-~至/]\s*(?:19[89]\d|20[0-9]\d))?\s*(?:年(?!\s*\d{1,2}\s*月)|学年|年度)"
)
_DATE_LINE = re.compile(r"(日期|时间|填报|制表|打印)")
# A folder named by a year and nothing else: `2019`, `2019年`, `2019学年`, `2019-2020学年`.
_YEAR_FOLDER = re.compile(
    r"^(19[89]\d|20[0-9]\d)(?:\s*[-~至]\s*(?:19[89]\d|20[0-9]\d))?\s*(?:年度?|学年度?)?$"
)


def years_in_name(name: str) -> set[int]:
    """Years a file or sheet name names (`正定县2019年均衡数据(终稿)(1)` -> {2019})."""
    found = set()
    for first, second, school_year_word in _YEAR.findall(normalise_text(name)):
        school_year = second and int(second) == int(first) + 1 and bool(school_year_word)
        found.add(int(first))
        if second and not school_year:
            found.add(int(second))
    return found


def years_in_title(line: str) -> set[int]:
    """Years a title line names as the survey's (`2019年义务教育...`), not a filling date."""
    text = normalise_text(line)
    if _DATE_LINE.search(text):
        return set()
    return {int(year) for year in _TITLE_YEAR.findall(text)}


def years_of_folder(name: str) -> set[int]:
    """The year a folder named only by a year names (`2019`, `2019年`, `2019-2020学年`)."""
    text = normalise_text(name)
    if not _YEAR_FOLDER.match(text):
        return set()
    # A folder named by a range of two years (`2019-2020`, `2019-2020年`) is a school year.
    return years_in_name(re.sub(r"(年度?|学年度?)?$", "学年", text, count=1))


def path_years(folders: list[str], stem: str) -> set[int]:
    """The survey years a file's folders and name name.

    A file naming several years (`2020-2021年数据对比`) inside a folder of one of them
    (`2021/`) is that folder's year, to be read only if each of its sheets is that year's
    (the reader rejects it whole otherwise). Anywhere else several years are a conflict.
    """
    from_folders = {year for folder in folders for year in years_of_folder(folder)}
    from_name = years_in_name(stem)
    if len(from_folders) == 1 and len(from_name) > 1 and from_folders <= from_name:
        return from_folders
    return from_folders | from_name
