"""The county of a file or a row: codes, names, repeated names, context and scope."""

from __future__ import annotations

import pytest

from orchestration.ingest.regions import County, RegionRegistry, region_registry
from tests.workbooks import HEADER, Sheet, ingest_book

TABLE = [HEADER, ["第一小学", "小学", 400, 8, 2000]]


@pytest.mark.parametrize(
    "name, code",
    [
        ("2019/石家庄市/正定县2019年均衡数据(终稿)(1).xlsx", "130123"),  # file name
        ("2019/河北省/正定/数据.xlsx", "130123"),  # a folder, short name
        ("2019/石家庄市/新华区.xlsx", "130105"),  # a repeated name settled by the prefecture folder
    ],
)
def test_county_from_file_and_folder_names(tmp_path, name, code):
    result = ingest_book(tmp_path, [Sheet("学校", TABLE)], name)
    assert set(result.school_rows["county_code"]) == {code}


def test_county_from_the_title_rows(tmp_path):
    rows = [["石家庄市新华区2019年义务教育学校基本情况"], *TABLE]
    result = ingest_book(tmp_path, [Sheet("学校", rows)], "2019/数据.xlsx")
    assert set(result.school_rows["county_code"]) == {"130105"}


def test_a_repeated_county_name_that_nothing_settles_rejects_the_file(tmp_path):
    result = ingest_book(tmp_path, [Sheet("学校", TABLE)], "2019/新华区.xlsx")
    (row,) = result.ingest_files.itertuples()
    assert (row.status, row.reason_code) == ("rejected", "county_ambiguous")
    assert result.school_rows.empty


def test_no_county_rejects_the_file(tmp_path):
    result = ingest_book(tmp_path, [Sheet("学校", TABLE)], "2019/数据.xlsx")
    assert result.ingest_files["reason_code"].tolist() == ["county_unknown"]


def test_the_deployment_scope_settles_a_repeated_name():
    registry = region_registry()
    counties = list(registry.by_code.values())
    # 新华区: Shijiazhuang and Cangzhou (Hebei), Pingdingshan (Henan)
    assert (
        RegionRegistry(counties, {"provinces": ["河南省"]})
        .resolve(["新华区"], "")
        .county.county_code
        == "410402"
    )
    assert (
        RegionRegistry(counties, {"prefectures": ["130100"]})
        .resolve(["新华区"], "")
        .county.county_code
        == "130105"
    )
    in_hebei = RegionRegistry(counties, {"provinces": ["河北省"]})
    assert in_hebei.resolve(["新华区"], "").reason_code == "county_ambiguous"
    assert in_hebei.resolve(["新华区"], "沧州市").county.county_code == "130902"


def test_assessment_units_extend_the_registry():
    zone = County("139001", "高新技术开发区", "130100", "石家庄市", "130000", "河北省")
    registry = RegionRegistry([*region_registry().by_code.values(), zone], {})
    assert registry.resolve(["石家庄高新技术开发区2019"], "").county == zone


def test_a_file_merged_by_a_prefecture_takes_the_county_per_row(tmp_path):
    rows = [
        ["行政区划代码", "县区", "学校名称", "办学类型", "在校生数"],
        ["130123", "正定县", "第一小学", "小学", 400],
        [130105.0, "新华区", "第一小学", "小学", 300],
        [None, "桥西区", "第二小学", "小学", 200],
        ["999999", None, "第三小学", "小学", 100],
    ]
    result = ingest_book(tmp_path, [Sheet("全市", rows)], "2019/石家庄市汇总.xlsx")
    staged = dict(zip(result.school_rows["students_primary"], result.school_rows["county_code"]))
    assert staged == {400: "130123", 300: "130105", 200: "130104"}
    assert result.quarantine["reason_code"].tolist() == ["county_unknown"]


def test_a_township_sheet_does_not_read_as_a_county_of_the_same_short_name(tmp_path):
    # 北关 is the short name of 北关区 (安阳市); 北关乡 is a township of the file's county.
    result = ingest_book(tmp_path, [Sheet("北关乡", TABLE)], "2019/保定市/阜平县/数据.xlsx")
    assert set(result.school_rows["county_code"]) == {"130624"}


def test_every_county_of_the_registry_resolves_from_its_path(tmp_path):
    """`<省>/<市>/<县>…xlsx` for every county of China: the nearer region named decides
    (河北省/石家庄市/桥西区: the prefecture folder, not the province, settles 桥西区), and
    乾县 / 乾安县 are found although t2s turns 乾 into 干 in the text looked at."""
    import csv

    from orchestration.ingest.discover import RawFile
    from orchestration.ingest.reader import FileReader
    from orchestration.ingest.vocabulary import vocabulary
    from orchestration.settings import CONTRACTS_DIR

    registry = region_registry()
    with (CONTRACTS_DIR / "region_registry.csv").open(encoding="utf-8", newline="") as handle:
        counties = list(csv.DictReader(handle))
    assert len(counties) > 2800
    lost = []
    for county in counties:
        source = f"{county['province_name']}/{county['prefecture_name']}/{county['county_name']}2023年均衡数据.xlsx"
        raw = RawFile(tmp_path / source, source, 2023, None, None, None)
        reader = FileReader(raw, vocabulary(), registry)
        levels = [reader.file_name, *reader.folders]
        match = registry.resolve(levels, " ".join(levels))
        if match.county is None or match.county.county_code != county["county_code"]:
            lost.append((source, match.reason_code))
    assert not lost, lost[:10]


@pytest.mark.parametrize("name", ["乾县", "乾安县"])
def test_a_county_name_that_t2s_changes_is_found_in_a_title(name):
    registry = region_registry()
    match = registry.resolve([f"{name}2023年义务教育学校基本情况"], "")
    assert match.county is not None and match.county.county_name == name


@pytest.mark.parametrize(
    ("code", "county"),
    [
        ("130128100000", "130128"),  # 统计用区划代码, text
        (130128100000, "130128"),  # the same typed as a number
        (130128100000.0, "130128"),
        ("130130100", "130130"),  # 乡级 9 digits
        (130130100, "130130"),
        ("130123", "130123"),
    ],
)
def test_codes_below_the_county_give_the_county_of_their_first_six_digits(tmp_path, code, county):
    rows = [["统计用区划代码", "学校名称", "办学类型", "在校生数"], [code, "第一小学", "小学", 400]]
    result = ingest_book(tmp_path, [Sheet("全市", rows)], "2019/石家庄市/汇总表2019.xlsx")
    assert result.school_rows["county_code"].tolist() == [county]
    assert result.quarantine.empty


@pytest.mark.parametrize("code", ["990000100000", "13012810000", "1301281000001", "1.30128E+11"])
def test_a_code_of_no_known_county_stays_county_unknown(tmp_path, code):
    rows = [["区划代码", "学校名称", "办学类型", "在校生数"], [code, "第一小学", "小学", 400]]
    result = ingest_book(tmp_path, [Sheet("全市", rows)], "2019/石家庄市/汇总表2019.xlsx")
    assert result.school_rows.empty
    assert result.quarantine["reason_code"].tolist() == ["county_unknown"]


def test_a_prefecture_without_the_repeated_county_name_says_so(tmp_path):
    # 邢台's 桥西区 is 信都区 since 2020: the folder settles that no registry county is meant.
    registry = region_registry()
    match = registry.resolve(["桥西区2023年均衡数据", "邢台市", "2023"], "邢台市 2023")
    assert (match.county, match.reason_code) == (None, "county_unknown")
    assert match.reason == "邢台市 has no county named 桥西区 in the region registry"
    assert registry.resolve(["桥西区2023", "张家口市", "2023"], "").county.county_code == "130703"
    # a province named (吉林 in 吉林省 is not 吉林市): still ambiguous, not "吉林市 has no ..."
    assert registry.resolve(["城区", "吉林省"], "").reason_code == "county_ambiguous"
    result = ingest_book(
        tmp_path, [Sheet("小学", TABLE)], "2023/邢台市/桥西区2023年均衡数据.xlsx", 2023
    )
    (receipt,) = result.ingest_files.itertuples()
    assert (receipt.status, receipt.reason) == (
        "rejected", "邢台市 has no county named 桥西区 in the region registry",
    )  # fmt: skip
