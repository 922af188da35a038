"""Every repository path the documentation and the code's docstrings and comments name exists.

Read: README.md and docs/*.md (backticked text: `orchestration/publish/warehouse.py`), and
the docstrings and comments of orchestration/, contracts/ and scripts/ (backticked text, and any `a/b.py`-shaped
path). A path is found relative to the repository, to orchestration/ (`defs/dbt.py`), to
dbt_project/ (`models/staging/__sources.yml`) or to the file that names it; a module
attribute (`contracts/staging_schema.SCHOOL_TYPES`) is found when its module is. Not
checked: bare file names (`run.lock.json`: files a run writes), URLs, paths with
placeholders, paths in the data and state folders (raw/, warehouse/, .junheng/, whose
paths are examples) and what dbt generates (dbt_project/target/).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
EXTENSIONS = r"(?:py|sql|yml|yaml|csv|md|toml|json|txt|html)"
# A word is a repository path when it starts with a folder of the repository, or (written
# relative to orchestration/ or dbt_project/, `defs/dbt.py`, `models/marts/x.yml`) with one
# of their folders and names a file.
TOP_FOLDERS = ("orchestration", "contracts", "dbt_project", "tests", "docs", "scripts")
INNER_FOLDERS = tuple(
    sorted(
        path.name
        for top in ("orchestration", "dbt_project")
        for path in (ROOT / top).iterdir()
        if path.is_dir() and not path.name.startswith((".", "_")) and path.name != "target"
    )
)


CODE_FOLDERS = ("orchestration", "contracts", "scripts")
# What dbt writes (the manifest exists only after `junheng dbt-parse`).
GENERATED = ("dbt_project/target/", "dbt_project/logs/", "dbt_project/dbt_packages/")


def named_paths(text: str, backticked_only: bool) -> list[str]:
    """The path-shaped words of a text: backticked ones, and (in code) bare `a/b.py` ones."""
    words = re.findall(r"`([^`\n]+)`", text)
    if not backticked_only:
        words += re.findall(rf"(?<![\w/.$-])((?:[\w-]+/)+[\w-]+\.{EXTENSIONS})\b", text)
    paths = []
    for word in words:
        word = word.strip().split(" ")[0].rstrip(":,;)")
        word = re.sub(r"[#:].*$", "", word)  # a heading anchor or a line number
        if not re.fullmatch(r"[\w./-]+/[\w./-]*", word):
            continue
        first = word.split("/")[0]
        is_file = re.search(rf"\.{EXTENSIONS}$|\.\w+$", word) is not None
        generated = word.startswith(GENERATED)
        if (first in TOP_FOLDERS or (first in INNER_FOLDERS and is_file)) and not generated:
            paths.append(word)
    return paths


def exists(path: str, bases: list[Path]) -> bool:
    for base in bases:
        if (base / path).exists():
            return True
        module, _, attribute = path.rpartition(".")
        if attribute.isidentifier() and (base / f"{module}.py").is_file():
            return True  # contracts/staging_schema.SCHOOL_TYPES
    return False


def repository_bases(named_in: Path) -> list[Path]:
    return [ROOT, ROOT / "orchestration", ROOT / "dbt_project", named_in.parent]


def code_texts(source: str) -> list[str]:
    """The docstrings and comments of a module."""
    texts = re.findall(r"#[^\n]*", source)
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            docstring = ast.get_docstring(node, clean=False)
            if docstring:
                texts.append(docstring)
    return texts


def missing_in_docs(path: Path, text: str) -> list[str]:
    return [p for p in named_paths(text, True) if not exists(p, repository_bases(path))]


def missing_in_code(path: Path, source: str) -> list[str]:
    found = [p for text in code_texts(source) for p in named_paths(text, False)]
    return [p for p in found if not exists(p, repository_bases(path))]


def test_every_path_the_docs_name_exists() -> None:
    missing = []
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        text = path.read_text(encoding="utf-8")
        missing += [f"{path.relative_to(ROOT)}: {p}" for p in missing_in_docs(path, text)]
    assert not missing, "paths that do not exist:\n" + "\n".join(missing)


def test_every_path_the_code_names_in_docstrings_and_comments_exists() -> None:
    missing = []
    for path in sorted(p for top in CODE_FOLDERS for p in (ROOT / top).rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        missing += [f"{path.relative_to(ROOT)}: {p}" for p in missing_in_code(path, source)]
    assert not missing, "paths that do not exist:\n" + "\n".join(missing)


@pytest.mark.parametrize(
    "text",
    [
        "| unit costs | `contracts/unit_costs.csv` | `orchestration/reports/gap_workbook.py` |",
        "| survey year | `orchestration/partitions.py` |",
    ],
)
def test_a_stale_path_in_the_docs_is_found(text: str) -> None:
    assert missing_in_docs(ROOT / "docs/architecture.md", text)


@pytest.mark.parametrize(
    "source",
    [
        '"""Counted (validation/checks.py check_row_accounting)."""\n',
        "x = 1  # published by a rename (orchestration/warehouse.py)\n",
    ],
)
def test_a_stale_path_in_code_is_found(source: str) -> None:
    assert missing_in_code(ROOT / "orchestration/defs/validation.py", source)


def test_existing_paths_and_attributes_are_found() -> None:
    text = "`defs/dbt.py`, `contracts/staging_schema.SCHOOL_TYPES`, `raw/2021/x.csv`"
    assert missing_in_docs(ROOT / "docs/architecture.md", text) == []
