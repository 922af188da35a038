"""A scanner for copies of the national rules of contracts/ written into dbt SQL or Python.

The rule values are the numbers of contracts/national_rules.csv (`value`), of
contracts/school_type_stages.csv (`split_weight`) and of contracts/size_standards.csv
(`limit`); the school types are the `school_type` column of school_type_stages.csv. A copy is
any of those written as a literal where a reader of the contract should be:
- in dbt SQL (comments stripped, jinja and quoted text kept): a numeric literal equal to a
  rule value, in any operator position (`students < 50`, `50 > students`, `standard * 0.85`,
  `'standard * 0.85'`, `{% set x = 6 %}`), and a school type in any quoting (`'nine_year'`,
  `"nine_year"`, a jinja list);
- in Python: a numeric constant equal to a rule value (also as a string, `"6"`, or inside a
  string's text, `"45 primary / 50 junior"`; docstrings excepted) and a school type as a
  string constant.
A split weight of 1 (a stage counted once) is no rule: 1 is never scanned for.

ALLOWED lists the literals that are the same number or word for another reason, each with
the reason; tests/unit/contracts/test_contracts_drift.py runs the scanner over the tree and
over planted copies.
"""

from __future__ import annotations

import ast
import csv
import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
CONTRACTS = ROOT / "contracts"

_NUMBER = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)(?![\w.])")
# In text a number may be written in groups of thousands: "2 000", "2,500".
_TEXT_NUMBER = re.compile(r"(?<![\w.,])(\d{1,3}(?:[ ,\u2009]\d{3})+|\d+(?:\.\d+)?)(?![\w.]|,\d)")


def _read_csv(name: str) -> list[dict[str, str]]:
    with (CONTRACTS / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def rule_values() -> dict[float, str]:
    """Each national rule value (a number) -> where contracts/ holds it."""
    values: dict[float, str] = {}
    for row in _read_csv("national_rules.csv"):
        values.setdefault(float(row["value"]), f"national_rules.csv {row['rule']}")
    for row in _read_csv("school_type_stages.csv"):
        where = f"school_type_stages.csv split weight of {row['school_type']} {row['stage']}"
        values.setdefault(float(row["split_weight"]), where)
    for row in _read_csv("size_standards.csv"):
        where = f"size_standards.csv {row['measure']} {row['applies_to']}"
        values.setdefault(float(row["limit"]), where)
    values.pop(1.0, None)  # a weight of 1 counts a stage once: the identity, not a rule
    return values


def school_types() -> tuple[str, ...]:
    """The school types of contracts/school_type_stages.csv, in its order."""
    return tuple(dict.fromkeys(row["school_type"] for row in _read_csv("school_type_stages.csv")))


@dataclass(frozen=True)
class Copy:
    """One literal that repeats a rule: the file (repository-relative), its line, the literal
    as written, and the rule it repeats."""

    path: str
    line: int
    literal: str
    rule: str
    text: str  # the whole source line, for the allowlist and the message

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.literal} repeats {self.rule}: {self.text.strip()}"


@dataclass(frozen=True)
class Allowed:
    """A literal that is the same number or word as a rule without being the rule."""

    path: str  # repository-relative file
    line_pattern: str  # a regular expression the source line matches
    literal: str
    reason: str

    def covers(self, copy: Copy) -> bool:
        return (
            copy.path == self.path
            and copy.literal == self.literal
            and re.search(self.line_pattern, copy.text) is not None
        )


ALLOWED: tuple[Allowed, ...] = (
    Allowed(
        "orchestration/ingest/workbook.py",
        r"_BOOLERR, _FORMULA, _ROW, _COLINFO, _BOF = ",
        "6",
        "BIFF8 record type 0x0006 (FORMULA) of the .xls record walk, not the 6-of-7 rule",
    ),
    Allowed(
        "orchestration/ingest/workbook.py",
        r"stream\[body \+ 6\]",
        "6",
        "a byte offset inside a BIFF8 FORMULA record (its cached-value type), not a rule",
    ),
    Allowed(
        "dbt_project/macros/unit_test_comparison.sql",
        r"round\(.*\), 6\)",
        "6",
        "decimal places a unit test compares at, not the 6-of-7 quality rule",
    ),
    Allowed(
        "dbt_project/models/marts/fct_school_gap.sql",
        r"round\(.*, 6\)",
        "6",
        "decimal places of a rounding (float noise off shortfalls), not the 6-of-7 rule",
    ),
    Allowed(
        "dbt_project/models/intermediate/int_school_rows.sql",
        r"'teaching_point'",
        "teaching_point",
        "the teaching point is folded into its parent school "
        "(docs/spec/balance-indicators.md §1): a decision about that one type, not a type list",
    ),
    Allowed(
        "dbt_project/models/intermediate/int_school_stage_parts.sql",
        r"'teaching_point'",
        "teaching_point",
        "the teaching point rule of docs/spec/balance-indicators.md §1 (see int_school_rows)",
    ),
    Allowed(
        "orchestration/ingest/parents.py",
        r'"teaching_point"',
        "teaching_point",
        "a teaching point is matched to its parent school: the one type the reader must name",
    ),
    Allowed(
        "orchestration/ingest/records.py",
        r'"teaching_point"',
        "teaching_point",
        "a row that does not count as a school is a teaching point (row_kinds counts_as_school)",
    ),
    Allowed(
        "orchestration/ingest/reader.py",
        r"\[:6\]",
        "6",
        "the first six cells of a row quoted in a message",
    ),
    Allowed(
        "orchestration/ingest/regions.py",
        r"code\[:6\]",
        "6",
        "the six digits of a county code (行政区划代码) inside a town or village code",
    ),
    Allowed(
        "orchestration/publish/charts.py",
        r"strokeDash=\[6, 4\]",
        "6",
        "a dash length in pixels",
    ),
    Allowed(
        "orchestration/publish/warehouse.py",
        r"hex\[:6\]",
        "6",
        "six hex digits of a run id",
    ),
    # The reason code teaching_point_under_50_students names the number; it is a name (its
    # description in contracts/reason_codes.csv points to the rule instead of restating it)
    # and the scanner does not see it, since a number inside a word is no literal.
)


def _line(text: str, offset: int) -> tuple[int, str]:
    number = text.count("\n", 0, offset) + 1
    return number, text.splitlines()[number - 1] if text else ""


def sql_copies(path: str, sql: str) -> list[Copy]:
    """The rule copies in one dbt SQL file (models, macros, tests): comments are blanked
    (line numbers kept), jinja and quoted text are read."""

    def blank(found: re.Match) -> str:
        return re.sub(r"[^\n]", " ", found.group(0))

    code = re.sub(r"\{#.*?#\}", blank, sql, flags=re.DOTALL)
    code = re.sub(r"--[^\n]*", blank, code)
    values, types = rule_values(), school_types()
    copies = []
    for found in _NUMBER.finditer(code):
        value = float(found.group(1))
        if value in values:
            number, line = _line(sql, found.start())
            copies.append(Copy(path, number, found.group(1), values[value], line))
    quoted = "|".join(re.escape(t) for t in types)
    for found in re.finditer(rf"""(['"])({quoted})\1""", code):
        if found.group(2) in {"primary", "junior"}:
            continue  # also the names of stages, which SQL must name
        number, line = _line(sql, found.start())
        where = "school_type_stages.csv school types"
        copies.append(Copy(path, number, found.group(2), where, line))
    return [copy for copy in copies if not any(allowed.covers(copy) for allowed in ALLOWED)]


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def python_copies(path: str, source: str) -> list[Copy]:
    """The rule copies in one Python module: numeric constants equal to a rule value (also
    written in a string), and school types as string constants; docstrings are skipped."""
    tree = ast.parse(source)
    skip = _docstrings(tree)
    values, types = rule_values(), set(school_types()) - {"primary", "junior"}
    lines = source.splitlines()
    copies = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Constant) or id(node) in skip:
            continue
        text = lines[node.lineno - 1]
        value = node.value
        if isinstance(value, bool):
            continue
        if isinstance(value, int | float) and value in values:
            copies.append(Copy(path, node.lineno, repr(value), values[value], text))
        elif isinstance(value, str):
            if value in types:
                where = "school_type_stages.csv school types"
                copies.append(Copy(path, node.lineno, value, where, text))
            for found in _TEXT_NUMBER.finditer(value):
                number = float(re.sub(r"[ ,\u2009]", "", found.group(1)))
                if number in values:
                    literal, rule = found.group(1), values[number]
                    copies.append(Copy(path, node.lineno, literal, rule, text))
    return [copy for copy in copies if not any(allowed.covers(copy) for allowed in ALLOWED)]


def tree_copies(root: Path = ROOT) -> list[Copy]:
    """Every rule copy of dbt_project/{models,macros,tests}/**.sql and of orchestration/**.py
    (but orchestration/demo/, which invents its own province and tables on purpose)."""
    copies = []
    for folder in ("models", "macros", "tests"):
        for path in sorted((root / "dbt_project" / folder).rglob("*.sql")):
            relative = path.relative_to(root).as_posix()
            copies += sql_copies(relative, path.read_text(encoding="utf-8"))
    for path in sorted((root / "orchestration").rglob("*.py")):
        relative = path.relative_to(root).as_posix()
        if not relative.startswith("orchestration/demo/"):
            copies += python_copies(relative, path.read_text(encoding="utf-8"))
    return copies
