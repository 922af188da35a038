"""The true demo province before any mess: schools, their quantities and their history.

One row per survey year x school. Every quantity is in base units and split per stage
with the national shares of docs/spec/balance-indicators.md §1, so that a sheet reporting
a stage's part and a sheet reporting the whole school tell the same story. Each county
follows a profile of funding and evenness (docs/demo.md), so that the assessment shows
every outcome: counties failing basic balance, passing the quality test, and in between.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from orchestration.settings import CONTRACTS_DIR

# Ten counties of 河北省 in two prefectures. 新华区 and 桥西区 exist in several
# prefectures: their files are told apart only by the prefecture folder.
DEMO_COUNTY_CODES = (
    "130123",
    "130125",
    "130126",
    "130129",
    "130105",
    "130104",
    "130623",
    "130624",
    "130626",
    "130627",
)
# Counties whose sheets carry no 学校标识码: schools are known by name only.
COUNTIES_WITHOUT_IDS = ("130129", "130624")

RESOURCE_FIELDS = (
    "teaching_area_m2",
    "indoor_sports_m2",
    "sports_ground_m2",
    "equipment_value_yuan",
    "computers",
    "books",
    "multimedia_rooms",
)
# Multi-stage types and their weights (primary, junior, senior) in the national split.
SPLIT_WEIGHTS = {
    "primary": (1.0, 0.0, 0.0),
    "teaching_point": (1.0, 0.0, 0.0),
    "junior": (0.0, 1.0, 0.0),
    "nine_year": (1.0, 1.1, 0.0),
    "twelve_year": (1.0, 1.1, 1.32),
    "complete_middle": (0.0, 1.0, 1.2),
    "special_education": (1.0, 1.0, 0.0),
}
# Enrollment of a whole school (persons), by type.
SIZE_RANGES = {
    "primary": (100, 2500),
    "junior": (300, 2200),
    "nine_year": (300, 1800),
    "twelve_year": (1200, 3500),
    "complete_middle": (1200, 3500),
    "teaching_point": (12, 80),
    "special_education": (40, 160),
}
MULTI_STAGE_TYPES = ("nine_year", "twelve_year", "complete_middle", "special_education")

# Per-student rates of a county's typical school (for the teacher fields, the share of its
# teachers): (typical value, relative half-width of the schools' scatter, elasticity to
# the school's level). Equipment and computers follow money most, teachers least.
RATES = {
    "teachers": (1 / 16.5, 0.15, 0.3),
    "above_degree_share": (0.765, 0.28, 0.5),
    "senior_title_share": (0.425, 0.4, 0.7),
    "backbone_share": (0.165, 0.7, 1.0),
    "pe_arts_share": (0.15, 0.38, 1.0),
    "teaching_area_m2": (5.5, 0.45, 0.8),
    "indoor_sports_m2": (0.6, 1.0, 1.0),
    "sports_ground_m2": (9.5, 0.47, 0.8),
    "equipment_value_yuan": (2750.0, 0.45, 1.2),
    "computers": (0.14, 0.43, 1.2),
    "books": (31.5, 0.43, 1.0),
    "multimedia_rooms": (0.029, 0.38, 1.0),
}
# Schools with a junior part need more room, ground and equipment per student.
JUNIOR_HEAVY_RESOURCES = ("teaching_area_m2", "sports_ground_m2", "equipment_value_yuan")
JUNIOR_HEAVY = 1.25
# Junior parts need more teachers per student (a teacher per subject); a teaching point,
# a few grades taught by a few teachers, about twice as many as a primary school.
JUNIOR_STAFFING = 1.3
TEACHING_POINT_STAFFING = 2.0
LOCALE_SIGN = {"urban": 1.0, "town": -0.25, "rural": -1.0}


@dataclass(frozen=True)
class CountyProfile:
    """How well funded and how even a county's schools are, and how that changes.

    A school's standing is the log of its level against the county's typical school:
    `locale_gap` x LOCALE_SIGN (above it in the county seat, a little below in a township
    centre, below in a village), plus the school's own draw of sigma `spread`. A rate of RATES is the typical rate x (funding x level) **
    elasticity, scattered by the school's own draw within `scatter` x the rate's width.
    Every year each school closes `narrowing` of its standing and scatter (the county
    evens out), and funding grows by `growth`.
    """

    funding: float
    locale_gap: float
    spread: float
    scatter: float
    narrowing: float = 0.0
    growth: float = 0.0

    def rates(
        self, standing: float, scatter_draws: dict[str, float], years_on: int
    ) -> dict[str, float]:
        """The county's per-student rates (m², 元, books, ... per student) and teacher shares
        `years_on` years after the first survey year, for a school of relative `standing`:
        funding grows, the gap between schools narrows, `scatter_draws` spread them.
        """
        closing = (1 - self.narrowing) ** years_on
        level = self.funding * (1 + self.growth) ** years_on * np.exp(standing * closing)
        rates = {}
        for name, (typical, width, elasticity) in RATES.items():
            scattered = 1 + width * self.scatter * closing * scatter_draws[name]
            rates[name] = max(0.0, typical * level**elasticity * scattered)
        for share in (
            "above_degree_share",
            "senior_title_share",
            "backbone_share",
            "pe_arts_share",
        ):
            rates[share] = min(rates[share], 1.0)
        return rates


# Named profiles, so that the demo shows the whole range of outcomes (docs/demo.md).
PROFILES = {
    # Well funded and even: every school-stage meets the quality standards.
    "even": CountyProfile(funding=1.5, locale_gap=0.0, spread=0.08, scatter=0.35, growth=0.02),
    # A few large, well-equipped schools in the county seat and many poor village schools,
    # catching up year by year: fails basic balance at first, passes it later.
    "unequal": CountyProfile(
        funding=0.95, locale_gap=1.0, spread=0.25, scatter=1.0, narrowing=0.2, growth=0.03
    ),
    # Investing and evening out: from typical towards the quality standards.
    "improving": CountyProfile(
        funding=1.1, locale_gap=0.15, spread=0.15, scatter=0.8, narrowing=0.25, growth=0.06
    ),
    # Poorer, with a wide gap between town and village schools that closes slowly.
    "lagging": CountyProfile(
        funding=0.85, locale_gap=0.35, spread=0.25, scatter=1.0, narrowing=0.08, growth=0.02
    ),
    "typical": CountyProfile(
        funding=1.0, locale_gap=0.15, spread=0.2, scatter=1.0, narrowing=0.05, growth=0.03
    ),
    "steady": CountyProfile(funding=1.1, locale_gap=0.1, spread=0.2, scatter=1.0),
}
COUNTY_PROFILES = {
    "130123": "improving",
    "130125": "typical",
    "130126": "lagging",
    "130129": "typical",
    "130105": "even",
    "130104": "steady",
    "130623": "typical",
    "130624": "unequal",
    "130626": "steady",
    "130627": "lagging",
}

TOWNSHIP_STEMS = "东关 西关 南关 北关 城关 新城 岗上 曲阳 北早 南楼 新安 龙门 石门 三圣 上庄 下寨 塔元 五里 青龙 白马 中和 兴华 永安 清水".split()
VILLAGE_STEMS = tuple(
    f"{family}{place}" for family in "李王张刘陈杨赵孙高马郭何韩冯" for place in "庄村营屯店寨"
)


@dataclass
class School:
    """A school's identity and its current-year quantities (mutated year to year)."""

    uid: int
    county_code: str
    school_id: str
    name: str
    school_type: str
    ownership: str
    urban_rural: str
    township: str
    students: list[float]  # primary, junior, senior
    standing: float = 0.0  # the log of its level against the county's typical school
    scatter_draws: dict[str, float] = field(default_factory=dict)  # in [-1, 1], per rate
    parent_uid: int | None = None
    opened_year: int | None = None


def load_demo_counties() -> pd.DataFrame:
    """The demo's counties (DEMO_COUNTY_CODES, in that order) with their names and parents from
    contracts/region_registry.csv. Raises ValueError when one is missing from the registry.
    """
    registry = pd.read_csv(CONTRACTS_DIR / "region_registry.csv", dtype=str)
    counties = registry[registry["county_code"].isin(DEMO_COUNTY_CODES)]
    missing = set(DEMO_COUNTY_CODES) - set(counties["county_code"])
    if missing:
        raise ValueError(f"demo counties missing from the region registry: {sorted(missing)}")
    return counties.set_index("county_code").loc[list(DEMO_COUNTY_CODES)].reset_index()


def short_county_name(county_name: str) -> str:
    """A county's name without its last character (正定县 -> 正定), kept whole when it has two."""
    return county_name[:-1] if len(county_name) > 2 else county_name


class ProvinceBuilder:
    """Grows a county's schools year by year: enrollment drift, renames, closures, openings."""

    def __init__(self, rng: np.random.Generator):
        self.rng = rng
        self.next_uid = 1
        self.serial: dict[str, int] = {}

    def _new_id(self, county_code: str) -> str:
        self.serial[county_code] = self.serial.get(county_code, 0) + 1
        return f"21{county_code[2:]}{self.serial[county_code]:04d}"

    def _school(
        self,
        county_code: str,
        name: str,
        school_type: str,
        township: str,
        urban_rural: str,
        profile: CountyProfile,
        ownership: str = "public",
    ) -> School:
        rng = self.rng
        low, high = SIZE_RANGES[school_type]
        if school_type == "primary" and urban_rural == "rural":
            high = 700
        size = rng.integers(low, high)
        weights = SPLIT_WEIGHTS[school_type]
        if school_type == "nine_year":
            parts = [size * 0.62, size * 0.38, 0.0]
        elif school_type == "twelve_year":
            parts = [size * 0.4, size * 0.3, size * 0.3]
        elif school_type == "complete_middle":
            parts = [0.0, size * 0.55, size * 0.45]
        elif school_type == "special_education":
            parts = [size * 0.7, size * 0.3, 0.0]
        else:
            parts = [float(size) * w for w in weights]
        # A school's place in its county, clipped so that no school is absurdly far off.
        own_draw = float(np.clip(rng.normal(), -2, 2))
        standing = profile.locale_gap * LOCALE_SIGN[urban_rural] + profile.spread * own_draw
        scatter_draws = {name: float(rng.uniform(-1, 1)) for name in RATES}
        school = School(
            uid=self.next_uid,
            county_code=county_code,
            school_id=self._new_id(county_code),
            name=name,
            school_type=school_type,
            ownership=ownership,
            urban_rural=urban_rural,
            township=township,
            students=[round(p) for p in parts],
            standing=standing,
            scatter_draws=scatter_draws,
        )
        self.next_uid += 1
        return school

    def initial_county(
        self, county_code: str, county_name: str, profile: CountyProfile
    ) -> list[School]:
        """The schools of one county in the first survey year: townships, their central and village
        primary schools, teaching points (some on the 50-pupil line), junior, nine-year and other
        schools, each following the county's `profile`.
        """
        rng = self.rng
        short = short_county_name(county_name)
        townships = [
            f"{stem}{'镇' if i % 3 else '乡'}"
            for i, stem in enumerate(
                rng.choice(TOWNSHIP_STEMS, size=int(rng.integers(5, 9)), replace=False)
            )
        ]
        schools: list[School] = []

        def add(name: str, school_type: str, township: str, urban_rural: str, **kw) -> School:
            school = self._school(
                county_code, name, school_type, township, urban_rural, profile, **kw
            )
            schools.append(school)
            return school

        seat = townships[0]
        for ordinal in "一二三四五"[: int(rng.integers(2, 5))]:
            add(f"{county_name}第{ordinal}中学", "junior", seat, "urban")
        add(f"{county_name}第一高级中学附属中学", "complete_middle", seat, "urban")
        add(f"{county_name}实验小学", "primary", seat, "urban")
        add(f"{county_name}育才学校", "nine_year", seat, "urban", ownership="private")
        add(f"{short}外国语学校", "twelve_year", seat, "urban", ownership="private")
        add(f"{county_name}特殊教育学校", "special_education", seat, "urban")
        for number in range(1, int(rng.integers(3, 6))):
            add(f"{county_name}城区第{number}小学", "primary", seat, "urban")
        villages = list(rng.permutation(VILLAGE_STEMS))
        for township in townships[1:]:
            center = add(f"{short}{township}中心小学", "primary", township, "town")
            add(f"{short}{township}中学", "junior", township, "town")
            if rng.random() < 0.5:
                add(f"{short}{township}九年一贯制学校", "nine_year", township, "town")
            for _ in range(int(rng.integers(3, 10))):
                add(f"{short}{township}{villages.pop()}小学", "primary", township, "rural")
            for _ in range(int(rng.integers(1, 4))):
                point = add(
                    f"{short}{township}{villages.pop()}教学点", "teaching_point", township, "rural"
                )
                point.parent_uid = center.uid if rng.random() < 0.7 else None
        # Teaching points on the 50-student line, where the rule of
        # docs/spec/balance-indicators.md §1 turns.
        points = [s for s in schools if s.school_type == "teaching_point"]
        for point, size in zip(points, (49, 50, 51)):
            point.students = [size, 0, 0]
            point.parent_uid = None
        return schools

    def next_year(
        self, schools: list[School], county_name: str, year: int, profile: CountyProfile
    ) -> list[School]:
        """Drift enrollment, rename a few schools, close or merge some, open a new one."""
        rng = self.rng
        survivors = []
        for school in schools:
            closable = (
                school.school_type in ("primary", "teaching_point")
                and school.urban_rural == "rural"
            )
            if closable and rng.random() < 0.05:
                continue  # 布局调整: closed or merged into its township's centre school
            drift = rng.normal(1.0, 0.06)
            if school.students[0] in (49, 50, 51) and school.school_type == "teaching_point":
                drift = 1.0
            drifted = [round(p * drift) for p in school.students]
            low, high = SIZE_RANGES[school.school_type]
            if low <= sum(drifted) <= high:
                school.students = drifted
            if rng.random() < 0.04:
                school.name = renamed(school.name)
            survivors.append(school)
        if rng.random() < 0.7:
            number = sum(1 for s in survivors if "城区第" in s.name) + 1
            township = survivors[0].township
            new = self._school(
                survivors[0].county_code,
                f"{county_name}城区第{number}小学({year}年新建)",
                "primary",
                township,
                "urban",
                profile,
            )
            new.opened_year = year
            survivors.append(new)
        return survivors


def renamed(name: str) -> str:
    """A new name for the same school, as counties rename or abbreviate them."""
    for old, new in (
        ("第一中学", "一中"),
        ("第二中学", "二中"),
        ("中心小学", "中心校"),
        ("实验小学", "实验学校"),
        ("育才学校", "育才实验学校"),
    ):
        if old in name:
            return name.replace(old, new)
    if name.endswith("小学") and "新建" not in name:
        return name[:-2] + "完全小学"
    return name


def split_shares(school_type: str, students: Sequence[float]) -> tuple[float, float]:
    """The primary and junior shares of a whole-school resource
    (docs/spec/balance-indicators.md §1)."""
    weights = SPLIT_WEIGHTS[school_type]
    weighted = [w * s for w, s in zip(weights, students)]
    total = sum(weighted)
    if total == 0:
        return (1.0, 0.0) if weights[0] else (0.0, 1.0)
    return weighted[0] / total, weighted[1] / total


def school_year_record(
    school: School,
    rates: dict[str, float],
    year: int,
    county: pd.Series,
    names_by_uid: dict[int, str],
) -> dict:
    """One master row: identity, per-stage students and teachers, whole and per-stage resources."""
    students = [float(s) for s in school.students]
    compulsory = students[0] + students[1]
    primary_staffing = TEACHING_POINT_STAFFING if school.school_type == "teaching_point" else 1.0
    junior_heavy = JUNIOR_HEAVY if SPLIT_WEIGHTS[school.school_type][1] > 0 else 1.0
    record = {
        "survey_year": year,
        "school_uid": school.uid,
        "school_id": school.school_id,
        "school_name": school.name,
        "school_type": school.school_type,
        "ownership": school.ownership,
        "urban_rural": school.urban_rural,
        "township": school.township,
        "county_code": school.county_code,
        "county_name": county["county_name"],
        "prefecture_code": county["prefecture_code"],
        "prefecture_name": county["prefecture_name"],
        "parent_school_name": names_by_uid.get(school.parent_uid) if school.parent_uid else None,
        "students_primary": students[0],
        "students_junior": students[1],
        "students_senior": students[2],
    }
    stage_parts = (
        ("primary", students[0], primary_staffing),
        ("junior", students[1], JUNIOR_STAFFING),
    )
    for stage, count, stage_staffing in stage_parts:
        teachers = round(count * rates["teachers"] * stage_staffing) if count else 0
        teachers = max(teachers, 1) if count else 0
        record[f"teachers_{stage}"] = float(teachers)
        for name, share in (
            ("above_degree", "above_degree_share"),
            ("senior_title", "senior_title_share"),
            ("backbone", "backbone_share"),
            ("pe_arts", "pe_arts_share"),
        ):
            record[f"teachers_{name}_{stage}"] = float(
                min(teachers, round(teachers * rates[share]))
            )
    whole_students = sum(students) if school.school_type in MULTI_STAGE_TYPES else compulsory
    primary_share, junior_share = split_shares(school.school_type, students)
    for resource in RESOURCE_FIELDS:
        heavy = junior_heavy if resource in JUNIOR_HEAVY_RESOURCES else 1.0
        total = whole_students * rates[resource] * heavy
        total = round(total, -2) if resource == "equipment_value_yuan" else round(total)
        record[resource] = float(total)
        record[f"{resource}_primary"] = float(round(total * primary_share))
        record[f"{resource}_junior"] = float(round(total * junior_share))
    for resource in ("", "_primary", "_junior"):
        record[f"sports_area_m2{resource}"] = (
            record[f"sports_ground_m2{resource}"] + record[f"indoor_sports_m2{resource}"]
        )
    return record


def build_province(
    rng: np.random.Generator, years: Sequence[int], counties: pd.DataFrame | None = None
) -> pd.DataFrame:
    """The schools_master frame: one row per survey year x school of the demo counties.

    counties: rows of contracts/region_registry.csv to grow instead (the national benchmark,
    scripts/benchmark_national.py); a county COUNTY_PROFILES does not name takes the
    profiles of PROFILES in turn.
    """
    counties = load_demo_counties() if counties is None else counties
    builder = ProvinceBuilder(rng)
    records = []
    for number, (_, county) in enumerate(counties.iterrows()):
        named = COUNTY_PROFILES.get(county["county_code"])
        profile = PROFILES[named or list(PROFILES)[number % len(PROFILES)]]
        schools = builder.initial_county(county["county_code"], county["county_name"], profile)
        for index, year in enumerate(years):
            if index:
                schools = builder.next_year(schools, county["county_name"], year, profile)
            names = {s.uid: s.name for s in schools}
            for school in schools:
                if school.parent_uid not in names:
                    school.parent_uid = None
                rates = profile.rates(school.standing, school.scatter_draws, year - years[0])
                records.append(school_year_record(school, rates, year, county, names))
    master = pd.DataFrame.from_records(records)
    master["school_id"] = master["school_id"].where(
        ~master["county_code"].isin(COUNTIES_WITHOUT_IDS)
    )
    return master.astype({"school_id": "string", "parent_school_name": "string"})


__all__ = ["build_province", "load_demo_counties", "split_shares"]
