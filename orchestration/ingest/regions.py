"""Which county a file, sheet or row belongs to, from codes and names in its context.

County names repeat across China (新华区 three times, 城区, 郊区, ...). A name is settled
by a prefecture or province named in the same context, else by the deployment scope
(contracts/scope.yaml); a name that stays ambiguous is never guessed.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from orchestration.ingest.text import compact, county_short_name
from orchestration.settings import CONTRACTS_DIR

_REGION_SUFFIXES = ("特别行政区", "维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "自治州",
                    "地区", "省", "市", "盟")  # fmt: skip
_PLACE_SUFFIXES = frozenset("乡镇村街区县市旗路")
# Codes below the county (乡级 9 digits, 统计用区划代码 12) start with the county's 6 digits.
_TOWN_OR_VILLAGE_CODE = re.compile(r"\d{9}|\d{12}")


@dataclass(frozen=True)
class County:
    """One county-level unit of the region registry: 6-digit county_code (行政区划代码) and name,
    its prefecture's and province's codes and names.
    """

    county_code: str
    county_name: str
    prefecture_code: str
    prefecture_name: str
    province_code: str
    province_name: str


@dataclass(frozen=True)
class CountyMatch:
    """A resolved county, or why there is none ('county_unknown' | 'county_ambiguous')."""

    county: County | None
    reason_code: str | None = None
    reason: str | None = None


def _region_names(name: str) -> tuple[str, ...]:
    """石家庄市 -> (石家庄市, 石家庄): a prefecture or province as it may be written."""
    for suffix in _REGION_SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name, name[: -len(suffix)]
    return (name,)


class RegionRegistry:
    """The counties a raw file may belong to, looked up by code, full name or unambiguous short
    name (正定县 -> 正定), and the deployment scope (contracts/scope.yaml).

    Built by `load()` from contracts/region_registry.csv, contracts/assessment_units.csv and
    contracts/scope.yaml. Names are compared after `text.compact` (normalised, without
    whitespace or punctuation; traditional -> simplified), so a name written either way is
    found.
    """

    def __init__(self, counties: Sequence[County], scope: dict[str, list[str]]) -> None:
        self.by_code = {county.county_code: county for county in counties}
        # Names are compared as the text they are looked for in is: `compact` (OpenCC t2s
        # among others) on both sides, so 乾县 and 乾安县 (乾 -> 干) are found.
        self.by_name: dict[str, list[County]] = {}
        for county in counties:
            self.by_name.setdefault(compact(county.county_name), []).append(county)
        regions = {compact(name) for c in counties for name in (c.prefecture_name, c.province_name)}
        short: dict[str, list[County]] = {}
        for county in counties:
            full = compact(county.county_name)
            name = county_short_name(full)
            if name != full:
                short.setdefault(name, []).append(county)
        # A short name counts only when one county has it and no region is called so.
        region_short = {alias for region in regions for alias in _region_names(region)}
        self.by_short_name = {
            name: found[0]
            for name, found in short.items()
            if len(found) == 1 and name not in self.by_name and name not in region_short
        }
        self.scope = {str(value) for values in scope.values() for value in values or []}
        # prefecture as it may be written -> its name, to say which one lacks a county name
        self.prefectures = {
            alias: county.prefecture_name
            for county in counties
            for alias in _region_names(compact(county.prefecture_name))
        }
        self.provinces = {
            alias for county in counties for alias in _region_names(compact(county.province_name))
        }
        self._named: dict[tuple[str, bool], list[list[County]]] = {}
        self._first_characters: dict[bool, dict[str, list[tuple[int, str]]]] = {}

    @classmethod
    def load(cls, contracts_dir: Path = CONTRACTS_DIR) -> RegionRegistry:
        """The registry of contracts/region_registry.csv plus contracts/assessment_units.csv, with
        the scope of contracts/scope.yaml (a missing file counts as empty).
        """
        counties = []
        for file in ("region_registry.csv", "assessment_units.csv"):
            path = contracts_dir / file
            if path.exists():
                with path.open(encoding="utf-8", newline="") as handle:
                    counties += [County(**row) for row in csv.DictReader(handle)]
        scope_path = contracts_dir / "scope.yaml"
        scope = (
            yaml.safe_load(scope_path.read_text(encoding="utf-8")) if scope_path.exists() else {}
        )
        return cls(counties, scope or {})

    def by_county_code(self, code: str) -> County | None:
        """The county of a 行政区划代码 (6 digits), or of a 乡级 code (9 digits) or a
        统计用区划代码 (12 digits), which begin with their county's six; None if unknown."""
        code = code.strip()
        if code in self.by_code:
            return self.by_code[code]
        if _TOWN_OR_VILLAGE_CODE.fullmatch(code):
            return self.by_code.get(code[:6])
        return None

    def _in_scope(self, county: County) -> bool:
        return any(
            value in self.scope
            for value in (
                county.province_code, county.prefecture_code,
                *_region_names(county.province_name), *_region_names(county.prefecture_name),
            )
        )  # fmt: skip

    def _named_in(self, text: str, short: bool) -> list[list[County]]:
        """The counties a text names by full (or short) name: one candidate list per name.

        Memoised per text: every file of a prefecture's folder names it again.
        """
        key = (text, short)
        found = self._named.get(key)
        if found is None:
            if len(self._named) >= 100_000:
                self._named.clear()
            found = self._named[key] = self._find_named(text, short)
        return [list(candidates) for candidates in found]

    def _names_by_first(self, short: bool) -> dict[str, list[tuple[int, str]]]:
        """First character -> (place in the name table, name) of every full (or short) name."""
        held = self._first_characters.get(short)
        if held is None:
            table = self.by_short_name if short else self.by_name
            held = {}
            for order, name in enumerate(table):
                held.setdefault(name[:1], []).append((order, name))
            self._first_characters[short] = held
        return held

    def _find_named(self, text: str, short: bool) -> list[list[County]]:
        # Only the names opening with a character of the text can be in it: each looked for
        # where it opens, rather than every name of the registry searched for in the text.
        by_first = self._names_by_first(short)
        found: list[tuple[int, int, int, str]] = []  # (name's place in `table`, start, end, name)
        # (an empty name, were the registry to hold one, stands at every place, the end too)
        places: Iterable[tuple[int, str]] = enumerate(text)
        if "" in by_first:
            places = [*places, *((start, "") for start in range(len(text) + 1))]
        for start, character in places:
            for order, name in by_first.get(character, ()):
                if text.startswith(name, start):
                    end = start + len(name)
                    # 北关 in 北关乡 names a township, not 北关区
                    if not (short and text[end : end + 1] in _PLACE_SUFFIXES):
                        found.append((order, start, end, name))
        found.sort()  # in the order of `table`, then of the text, as a search name by name
        spans = [(start, end, name) for _, start, end, name in found]
        # A name inside a longer one found at the same place (西区 in 桥西区) is not a name.
        kept = [
            (start, end, name)
            for start, end, name in spans
            if not any(s <= start and end <= e and e - s > end - start for s, e, _ in spans)
        ]
        names = dict.fromkeys(name for _, _, name in kept)
        return [self.by_name[name] if not short else [self.by_short_name[name]] for name in names]

    def resolve(self, levels: Sequence[str], context: str) -> CountyMatch:
        """The county named at the first of `levels` that names one (most specific first).

        Full names are looked for at every level before short names (正定 for 正定县),
        which are easier to find by accident. `context` is all the text around
        (folders, file, sheet, titles, columns): a prefecture or province named there
        settles a county name that repeats.
        """
        context = compact(context)
        for short in (False, True):
            for level in levels:
                named = self._named_in(compact(level), short)
                if not named:
                    continue
                nearest_first = [compact(text) for text in (*levels, context)]
                resolved = {self._settle(candidates, nearest_first) for candidates in named}
                counties = {county for county in resolved if county is not None}
                if len(counties) == 1 and None not in resolved:
                    return CountyMatch(counties.pop())
                names = "、".join(candidates[0].county_name for candidates in named)
                if missing := self._prefecture_without(named, levels):
                    return CountyMatch(None, "county_unknown", missing)
                return CountyMatch(
                    None,
                    "county_ambiguous",
                    f"{names} in {level!r}: several counties, nothing settles which",
                )
        return CountyMatch(None, "county_unknown", "no county of the region registry is named")

    def _prefecture_without(self, named: list[list[County]], levels: Sequence[str]) -> str | None:
        """`邢台市 has no county named 桥西区 ...` when the nearest prefecture the levels name
        has none of a repeated name's counties (a county renamed: 邢台's 桥西区 is 信都区
        since 2020), else None."""
        for text in (compact(level) for level in levels):
            # 吉林 in 吉林省 names the province, not 吉林市
            provinces = [alias for alias in self.provinces if alias in text]
            found = [
                alias
                for alias in self.prefectures
                if alias in text and not any(alias in p and alias != p for p in provinces)
            ]
            if not found:
                continue
            prefecture = self.prefectures[max(found, key=len)]
            for candidates in named:
                if len(candidates) > 1 and all(c.prefecture_name != prefecture for c in candidates):
                    return (
                        f"{prefecture} has no county named {candidates[0].county_name} "
                        "in the region registry"
                    )
            return None
        return None

    def _settle(self, candidates: list[County], nearest_first: list[str]) -> County | None:
        """The one of `candidates` the nearest region named settles (a prefecture folder
        beats a province named further out: 河北省/石家庄市/桥西区), else the scope."""
        if len(candidates) == 1:
            return candidates[0]
        remaining = candidates
        for text in nearest_first:
            for region in ("prefecture_name", "province_name"):
                named = [
                    county
                    for county in remaining
                    if any(
                        alias in text for alias in _region_names(compact(getattr(county, region)))
                    )
                ]
                if len(named) == 1:
                    return named[0]
                if named:  # several of one region named here: only those stay in question
                    remaining = named
                    break
        in_scope = [county for county in remaining if self._in_scope(county)]
        return in_scope[0] if len(in_scope) == 1 else None


@lru_cache(maxsize=4)
def region_registry(contracts_dir: Path = CONTRACTS_DIR) -> RegionRegistry:
    """The RegionRegistry of a contracts folder, loaded once per process (cached)."""
    return RegionRegistry.load(contracts_dir)
