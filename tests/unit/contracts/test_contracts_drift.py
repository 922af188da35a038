"""Each national rule lives once, in contracts/; these tests fail when a copy drifts from it.

The homes (docs/architecture.md, "Where each rule lives"):
- contracts/school_type_stages.csv: the school types, the stages each teaches, the split
  weights and the types excluded whole. Read by the reader (vocabulary.type_stages, the
  attached-class and senior-part decisions), by staging_schema.SCHOOL_TYPES (and so the
  pandera schema) and by dbt (source -> stg_school_type_stages).
- contracts/national_rules.csv: the 6-of-7 / 85% quality test and the 50-student teaching
  point, read by dbt through the national_rule() macro.
- contracts/reason_codes.csv: every reason code, the ingest's and the marts'.

What still has to be written twice (a dbt YAML test's accepted values, a macro's field list,
a unit test's fixture rows, the dbt staging model's casts) is compared with its home here.
Everything is read as text (each YAML parsed once): no dbt run, well under a second.
tests/unit/contracts/rule_copies.py finds a rule value or a school-type list written as a
literal in dbt SQL or in orchestration/'s Python (its allowlist says why each remaining
literal is not the rule).
"""

from __future__ import annotations

import ast
import csv
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import jinja2
import pytest
import yaml

from contracts.school_row_schema import SCHOOL_ROW_SCHEMA
from contracts.staging_schema import RESOURCE_COLUMNS, SCHOOL_SURVEY, SCHOOL_TYPES, TEACHER_FIELDS
from orchestration.ingest.vocabulary import Vocabulary
from tests import spec_reference as spec
from tests.unit.contracts import rule_copies

ROOT = Path(__file__).resolve().parents[3]
CONTRACTS = ROOT / "contracts"
DBT = ROOT / "dbt_project"
STAGES = ("primary", "junior", "senior")


def read_csv(name: str) -> list[dict[str, str]]:
    with (CONTRACTS / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


TYPE_STAGES = read_csv("school_type_stages.csv")
CONTRACT_TYPES = tuple(dict.fromkeys(row["school_type"] for row in TYPE_STAGES))
RULES = {row["rule"]: float(row["value"]) for row in read_csv("national_rules.csv")}
REASON_CODES = read_csv("reason_codes.csv")
DBT_CODES = {row["reason_code"] for row in REASON_CODES if row["caught_by"] == "dbt"}


def sql_files() -> Iterator[tuple[Path, str]]:
    for folder in ("models", "macros", "tests"):
        for path in sorted((DBT / folder).rglob("*.sql")):
            yield path, path.read_text(encoding="utf-8")


def without_comments(sql: str) -> str:
    sql = re.sub(r"\{#.*?#\}", "", sql, flags=re.DOTALL)
    return re.sub(r"--[^\n]*", "", sql)


@cache
def model_yaml() -> tuple[tuple[Path, dict], ...]:
    """(path, document) of every model YAML, each parsed once for the whole module."""
    return tuple(
        (path, yaml.safe_load(path.read_text(encoding="utf-8")) or {})
        for path in sorted((DBT / "models").rglob("*.yml"))
    )


def macro_value(name: str):
    """What a macro of the form `{% macro name() %}{{ return(<literal>) }}` returns."""
    for _path, sql in sql_files():
        found = re.search(
            r"\{%\s*macro\s+" + name + r"\(\)\s*-?%\}\s*\{\{\s*return\((.*?)\)\s*\}\}",
            sql,
            flags=re.DOTALL,
        )
        if found:
            return ast.literal_eval(found.group(1))
    raise AssertionError(f"no macro {name}() in dbt_project")


def accepted_values(column: str) -> list[tuple[str, list]]:
    """(model, values) of every accepted_values test on a column of that name."""
    found = []
    for _, document in model_yaml():
        for model in document.get("models", []):
            for spec_column in model.get("columns", []):
                if spec_column["name"] != column:
                    continue
                for test in spec_column.get("data_tests", []):
                    if isinstance(test, dict) and "accepted_values" in test:
                        arguments = test["accepted_values"].get("arguments", {})
                        found.append((model["name"], arguments["values"]))
    return found


def unit_test_rows(input_ref: str) -> list[tuple[str, dict]]:
    """(unit test, row) of every fixture row a dbt unit test gives for `input_ref`."""
    rows = []
    for _, document in model_yaml():
        for test in document.get("unit_tests", []):
            for given in test.get("given", []):
                if given["input"] == input_ref:
                    rows.extend((test["name"], row) for row in given.get("rows", []))
    return rows


def test_the_type_stage_table_is_the_specs() -> None:
    pairs = [(row["school_type"], row["stage"]) for row in TYPE_STAGES]
    assert len(pairs) == len(set(pairs)), "a school type x stage is listed twice"
    assert {row["stage"] for row in TYPE_STAGES} <= set(STAGES)
    weights: dict[str, dict[str, float]] = {}
    for row in TYPE_STAGES:
        weights.setdefault(row["school_type"], {})[row["stage"]] = float(row["split_weight"])
    for school_type, expected in spec.SPLIT_WEIGHTS.items():
        assert weights[school_type] == expected, school_type
    reasons = {}
    for row in TYPE_STAGES:
        reasons.setdefault(row["school_type"], set()).add(row["exclusion_reason"])
    assert all(len(found) == 1 for found in reasons.values()), "a type's exclusion varies by stage"
    excluded = {school_type for school_type, found in reasons.items() if found != {""}}
    assert excluded == set(spec.EXCLUDED_TYPES)


def test_every_copy_of_the_school_types_is_the_contracts() -> None:
    assert SCHOOL_TYPES == CONTRACT_TYPES
    allowed = SCHOOL_ROW_SCHEMA.columns["school_type"].checks[0].statistics["allowed_values"]
    assert tuple(allowed) == CONTRACT_TYPES  # the pandera schema
    lists = accepted_values("school_type")
    assert lists, "no dbt test of the school types found"
    for model, values in lists:
        assert tuple(values) == CONTRACT_TYPES, f"{model}.school_type accepted_values"
    labelled = {row["school_type"] for row in read_csv("school_types.csv")}
    assert labelled == set(CONTRACT_TYPES), "school_types.csv labels a type the table lacks"
    assert {row["part"] for row in read_csv("school_types.csv")} <= {"", *STAGES}
    for row in read_csv("size_standards.csv"):
        if row["measure"] == "school_size":
            assert row["applies_to"] in CONTRACT_TYPES, row


def test_the_reader_reads_the_type_stage_table() -> None:
    words = Vocabulary.load(CONTRACTS)
    expected: dict[str, tuple[str, ...]] = {}
    for row in TYPE_STAGES:
        expected[row["school_type"]] = (*expected.get(row["school_type"], ()), row["stage"])
    assert words.type_stages == expected
    assert words.generic_stage == {
        school_type: stages[0] if len(stages) == 1 else None
        for school_type, stages in expected.items()
    }


def test_dbt_decides_stages_from_the_contract_only() -> None:
    # The attached-class, senior-part, split and exclusion decisions read
    # stg_school_type_stages: no model names a school type but the teaching point (folded
    # into its parent, docs/spec/balance-indicators.md §1) and no seed or var holds the table. 'primary'
    # and 'junior' name stages too, so only the other types can be told apart in SQL.
    assert not (DBT / "seeds").exists() or not any((DBT / "seeds").glob("*.csv"))
    for path, sql in sql_files():
        literals = set(re.findall(r"'([a-z_]+)'", without_comments(sql)))
        named = literals & (set(CONTRACT_TYPES) - {"teaching_point", *STAGES})
        assert not named, f"{path.relative_to(ROOT)} names school types {sorted(named)}"
    parts = (DBT / "models/intermediate/int_school_stage_parts.sql").read_text(encoding="utf-8")
    assert "ref('stg_school_type_stages')" in parts


def test_the_dbt_field_lists_are_the_staging_schemas() -> None:
    teachers, resources = macro_value("teacher_fields"), macro_value("resource_fields")
    assert tuple(teachers) == TEACHER_FIELDS
    assert set(resources) <= set(RESOURCE_COLUMNS)
    indicators = read_csv("indicators.csv")
    # The base quantities of docs/spec/balance-indicators.md §2 besides students are the numerators.
    assert set(teachers) | set(resources) == {row["numerator"] for row in indicators}
    assert set(teachers) | set(resources) | {"students"} == set(spec.BASE_QUANTITIES)
    assert macro_value("indicator_codes") == [row["indicator_code"] for row in indicators]
    assert macro_value("quality_shortfall_columns") == {
        row["indicator_code"]: f"shortfall_{row['indicator_code'].lower()}_{row['numerator']}"
        for row in indicators
        if row["regime"] == "quality"
    }


def test_the_staging_model_casts_every_staged_column() -> None:
    sql = (DBT / "models/staging/stg_school_survey.sql").read_text(encoding="utf-8")
    rendered = (
        jinja2.Environment()
        .from_string(sql)
        .render(source=lambda *_: "source", teacher_fields=lambda: macro_value("teacher_fields"))
    )
    columns = re.findall(r"\bas (\w+),?\n", rendered)
    assert columns == ["school_row_key", *SCHOOL_SURVEY.names]


def test_the_national_rules_live_in_the_contract_only() -> None:
    assert RULES == {
        "quality_min_standards_met": spec.QUALITY_MIN_STANDARDS_MET,
        "quality_min_share_of_standard": spec.QUALITY_MIN_SHARE_OF_STANDARD,
        "teaching_point_min_students": spec.TEACHING_POINT_MIN_STUDENTS,
    }
    used: set[str] = set()
    for path, sql in sql_files():
        sql = without_comments(sql)
        used |= set(re.findall(r"national_rule\('(\w+)'\)", sql))
        for rule, value in RULES.items():
            number = f"{value:g}".replace(".", r"\.")
            # a comparison with the number, or the number scaling a standard
            pattern = rf"([<>]=?|=)\s*{number}\b(?!\.)|\b{number}\s*\*"
            assert not re.search(pattern, sql), f"{path.relative_to(ROOT)} repeats {rule}"
        assert "var('quality_" not in sql, path
    assert used == set(RULES)
    project = yaml.safe_load((DBT / "dbt_project.yml").read_text(encoding="utf-8"))
    assert not set(project.get("vars", {})) & set(RULES)


def _written_codes(sql: str) -> set[str]:
    """The codes a model writes into a `*_reason` column: the literals a `case ... end as
    x_reason` gives after `then` / `else` (also inside `coalesce(x, case ... end) as`), and a
    literal selected `as x_reason`."""
    codes: set[str] = set()
    stack: list[set[str]] = []
    token = re.compile(
        r"\b(?P<case>case)\b|\b(?P<end>end)\b(?:(?:\s*\))*\s+as\s+(?P<end_as>\w+))?"
        r"|\b(?:then|else)\s+'(?P<given>[^']*)'|'(?P<literal>[^']*)'\s+as\s+(?P<as>\w+)",
        flags=re.IGNORECASE,
    )
    for found in token.finditer(without_comments(sql)):
        if found["case"]:
            stack.append(set())
        elif found["end"] and stack:
            given = stack.pop()
            if found["end_as"] and found["end_as"].endswith("reason"):
                codes |= given
            elif stack:
                stack[-1] |= given  # a nested case gives its outer one's value
        elif found["given"] is not None and stack:
            stack[-1].add(found["given"])
        elif found["literal"] is not None and found["as"].endswith("reason"):
            codes.add(found["literal"])
    return {code for code in codes if re.fullmatch(r"[a-z][a-z0-9_]*", code)}


def test_the_reason_code_scanner_finds_codes_in_nested_cases() -> None:
    sql = """
        case when a then 'first_code' when b then case when c then 'inner_code' end end
            as thing_reason,
        case stage when 'primary' then 'not_a_reason' end as stage_name,
        'selected_code' as other_reason, 'free text, not a code' as note_reason,
        coalesce(cv_reason, case when n is null then 'wrapped_code' end) as cv_reason
    """
    assert _written_codes(sql) == {"first_code", "inner_code", "selected_code", "wrapped_code"}


def test_every_reason_code_the_marts_write_is_in_the_contract() -> None:
    written: dict[str, Path] = {}
    for path, sql in sql_files():
        written |= dict.fromkeys(_written_codes(sql), path)
    codes = {row["reason_code"] for row in REASON_CODES}
    unknown = {code: str(path.relative_to(ROOT)) for code, path in written.items()}
    unknown = {code: path for code, path in unknown.items() if code not in codes}
    assert not unknown, f"reason codes missing from contracts/reason_codes.csv: {unknown}"
    from_types = {row["exclusion_reason"] for row in TYPE_STAGES} - {""}
    assert from_types <= DBT_CODES
    # A code the marts no longer write is a stale contract row.
    assert DBT_CODES == set(written) | from_types
    for column in {c for _, d in model_yaml() for m in d.get("models", []) for c in _columns(m)}:
        if column.endswith("reason"):
            for model, values in accepted_values(column):
                assert set(values) <= codes, f"{model}.{column}: {set(values) - codes}"


def _columns(model: dict) -> list[str]:
    return [column["name"] for column in model.get("columns", [])]


@pytest.mark.parametrize("input_ref", ["ref('stg_school_type_stages')"])
def test_unit_test_type_stage_rows_are_the_contracts(input_ref: str) -> None:
    contract = {(row["school_type"], row["stage"]): row for row in TYPE_STAGES}
    rows = unit_test_rows(input_ref)
    assert rows
    for test, row in rows:
        key = (row["school_type"], row["stage"])
        assert key in contract, f"{test}: {key} is not in school_type_stages.csv"
        assert float(row["split_weight"]) == float(contract[key]["split_weight"]), test
        assert (row.get("exclusion_reason") or "") == contract[key]["exclusion_reason"], test


def test_unit_test_national_rules_are_the_contracts() -> None:
    rows = unit_test_rows("ref('stg_national_rules')")
    assert rows
    for test, row in rows:
        assert float(row["value"]) == RULES[row["rule"]], test


def test_the_reports_word_only_contract_reason_codes() -> None:
    from orchestration.publish.county_report import CV_REASON_ZH, SIZE_REASON_ZH

    for words in (CV_REASON_ZH, SIZE_REASON_ZH):
        assert set(words) <= DBT_CODES, set(words) - DBT_CODES


def test_no_dbt_model_or_python_module_copies_a_rule_value_or_the_school_types() -> None:
    copies = rule_copies.tree_copies()
    assert not copies, "copies of contracts/ rules:\n" + "\n".join(map(str, copies))


def test_every_allowlisted_literal_is_still_there() -> None:
    # A stale allowlist entry would hide a future copy on a line that happens to match it.
    for allowed in rule_copies.ALLOWED:
        text = (ROOT / allowed.path).read_text(encoding="utf-8")
        assert any(re.search(allowed.line_pattern, line) for line in text.splitlines()), allowed


# The tester's planted copies (docs of issue 12, findings b #1), fed to the scanner as text.
PLANTED = [
    (
        "dbt_project/models/intermediate/int_school_stages.sql",
        "select case when is_teaching_point and 50 > students then 'x' end as y from t",
        "50",
    ),
    (
        "dbt_project/models/intermediate/int_school_stage_parts.sql",
        "select case stage when 'junior' then 1.1 when 'senior' then 1.32 end as w from t",
        "1.1",
    ),
    (
        "dbt_project/models/marts/fct_school_size.sql",
        '{%- set multi_stage_types = ["nine_year", "twelve_year"] %}\nselect 1 as a',
        "nine_year",
    ),
    (
        "orchestration/publish/county_report.py",
        'MIN_MET = "6"\n',
        "6",
    ),
    (
        "orchestration/ingest/records.py",
        'def f(school_type):\n    return school_type in ("twelve_year", "complete_middle")\n',
        "twelve_year",
    ),
    (
        "dbt_project/models/intermediate/int_school_quality.sql",
        "select {{ at_least('value', 'standard * 0.85') }} as ok from t",
        "0.85",
    ),
]


@pytest.mark.parametrize(("path", "text", "literal"), PLANTED, ids=[p for p, _, _ in PLANTED])
def test_a_planted_copy_is_caught(path: str, text: str, literal: str) -> None:
    scan = rule_copies.sql_copies if path.endswith(".sql") else rule_copies.python_copies
    assert literal in {copy.literal for copy in scan(path, text)}


@pytest.mark.parametrize(
    ("path", "text"),
    [
        (
            "dbt_project/models/x.sql",
            "select t.q2000 as b, 'under_50_code' as c_reason, 16 as d, 4.5 as e",
        ),
        ("dbt_project/models/x.sql", "-- 50 students, 'nine_year'\nselect 1 as a {# 0.85 #}"),
        (
            "orchestration/x.py",
            '"""At least 6 of 7 (a docstring)."""\nCODE = "teaching_point_under_50"\n',
        ),
    ],
)
def test_comments_docstrings_and_names_are_no_copies(path: str, text: str) -> None:
    scan = rule_copies.sql_copies if path.endswith(".sql") else rule_copies.python_copies
    assert scan(path, text) == []


def test_a_reason_code_description_does_not_restate_a_rule_value() -> None:
    # teaching_point_under_50_students names the number; its description points to the rule.
    values = rule_copies.rule_values()
    for row in REASON_CODES:
        for found in re.finditer(r"(?<![\w.])\d+(?:\.\d+)?(?![\w.])", row["description"]):
            assert float(found.group(0)) not in values, row
