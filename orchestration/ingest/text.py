"""Text normalisation shared by header matching, row classification and school identity.

Counties send simplified and traditional characters, full-width digits and punctuation,
line breaks inside cells and units in brackets; everything that compares text goes
through `normalise_text` first.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import opencc

BRACKETS = re.compile(r"[(\[【〔{]([^()\[\]【】〔〕{}]*)[)\]】〕}]")
_PUNCTUATION = re.compile(r"[\s::、,，.;；'\"“”‘’·•\-—–_/\\|!?*#~()\[\]【】〔〕{}<>《》]+")
_ARABIC_NUMBER = re.compile(r"\d{1,2}")
_DIGITS = "零一二三四五六七八九"


@lru_cache(maxsize=1)
def _to_simplified() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


@lru_cache(maxsize=65536)
def normalise_text(value: str) -> str:
    """Traditional -> simplified, NFKC (full-width -> half-width, ㎡ -> m2), trimmed."""
    text = str(value)
    if text.isascii():  # numbers typed as text, codes: neither NFKC nor t2s changes ASCII
        return text.strip()
    return _to_simplified().convert(unicodedata.normalize("NFKC", text)).strip()


@lru_cache(maxsize=65536)
def compact(text: str) -> str:
    """`normalise_text` without any whitespace or punctuation: the form labels are compared in."""
    return _PUNCTUATION.sub("", normalise_text(text))


def bracketed(text: str) -> tuple[str, list[str]]:
    """The text with its bracket pairs removed, and what the brackets held."""
    inner = BRACKETS.findall(text)
    return BRACKETS.sub("", text), inner


def _chinese_number(match: re.Match[str]) -> str:
    number = int(match.group())
    if number < 10:
        return _DIGITS[number]
    tens, units = divmod(number, 10)
    return ("" if tens == 1 else _DIGITS[tens]) + "十" + ("" if units == 0 else _DIGITS[units])


# Longest forms first so that 初级中学 is not read as 中学 plus a leftover.
_SCHOOL_WORDS = (
    ("初级中学", "中"),
    ("高级中学", "高中"),
    ("中学", "中"),
    ("小学", "小"),
    ("学校", "校"),
)
_COUNTY_SUFFIXES = ("自治县", "自治旗", "县", "区", "市", "旗")


def county_short_name(county_name: str) -> str:
    """正定县 -> 正定; a name that would shrink to one character is kept whole."""
    for suffix in _COUNTY_SUFFIXES:
        if county_name.endswith(suffix) and len(county_name) - len(suffix) >= 2:
            return county_name[: -len(suffix)]
    return county_name


def school_name_key(name: str, county_name: str | None = None) -> str:
    """A school's name reduced to what stays the same between years and spellings.

    The county name (full or short) is stripped from the front, 第 and punctuation are
    dropped, Arabic numbers become Chinese ones, and 初级中学/中学 -> 中, 小学 -> 小,
    学校 -> 校: `正定县第一中学` and `正定一中` both give `一中`.
    """
    key = compact(name)
    if county_name:
        county = compact(county_name)
        for prefix in (county, county_short_name(county)):
            if prefix and key.startswith(prefix) and len(key) > len(prefix):
                key = key[len(prefix) :]
                break
    key = _ARABIC_NUMBER.sub(_chinese_number, key.replace("第", ""))
    for word, short in _SCHOOL_WORDS:
        key = key.replace(word, short)
    return key
