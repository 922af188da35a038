"""The spec inside the repository (docs/spec/) and every citation of it.

The binding spec lives beside a checkout in ../shared/spec/; docs/spec/ is its copy, so a
clean clone (CI, a newcomer) can follow every citation. Code, SQL and YAML cite a section by
the repository path (`docs/spec/balance-indicators.md §1`, or a heading in quotes:
`docs/spec/warehouse-contract.md "Public tables"`); Markdown by a relative link to
`docs/spec/<file>.md#<anchor>`. These tests fail on a cited file, section or heading that does
not exist, on a section sign that cites nothing, and on a spec file named by another path.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.spec_reference import (
    ROOT,
    SHARED_SPEC_DIR,
    SPEC_DIR,
    SPEC_FILES,
    spec_anchors,
    spec_headings,
    spec_sections,
)

# What is scanned: the project's own text files (the spec copy itself is the cited text).
TEXT_SUFFIXES = {".py", ".sql", ".yml", ".yaml", ".md", ".csv", ".json", ".toml", ".txt"}
SKIPPED_DIRS = {
    ".git",
    ".venv",
    "__pycache__",
    ".pytest_cache",
    ".hypothesis",
    ".junheng",
    "warehouse",
    "target",
    "logs",
    "dbt_packages",
    "node_modules",
}
SPEC_NAME = "|".join(re.escape(name) for name in SPEC_FILES)
# A citation in code: the repository path, then a section (§3, §3-4, §1-§4) or a quoted
# heading. Anything else naming a spec file (a bare name, ../shared/spec/...) is a broken path.
CODE_CITATION = re.compile(
    r"docs/spec/(?P<file>[\w.-]+\.md)"
    r"(?:\s§(?P<first>\d+)(?:-§?(?P<last>\d+))?|\s\"(?P<heading>[^\"]+)\")?"
)
ANY_SPEC_NAME = re.compile(rf"(?P<prefix>[\w./-]*?)(?P<file>{SPEC_NAME})")
MARKDOWN_LINK = re.compile(r"\[(?P<text>[^\]]*)\]\((?P<target>[^)\s]+)\)")


def project_text_files() -> list[Path]:
    """Every text file of the project below ROOT except docs/spec/ and generated folders
    (a walk, not git, so new files count before they are committed)."""
    found = []
    for folder, dirs, files in os.walk(ROOT):
        here = Path(folder)
        dirs[:] = [
            d
            for d in dirs
            if d not in SKIPPED_DIRS and here / d != SPEC_DIR and not (here == ROOT and d == "raw")
        ]
        found += [here / f for f in files if Path(f).suffix in TEXT_SUFFIXES]
    found += [ROOT / "Makefile", ROOT / "raw" / "README.md"]
    this = Path(__file__).resolve()  # the checker's own examples of broken citations
    return sorted(p for p in found if p.is_file() and p.resolve() != this)


def where(path: Path, text: str, offset: int) -> str:
    return f"{path.relative_to(ROOT)}:{text.count(chr(10), 0, offset) + 1}"


def code_citation_problems(path: Path, text: str) -> list[str]:
    """What is wrong with the spec citations of one non-Markdown file."""
    problems = []
    covered: list[tuple[int, int]] = []
    for m in CODE_CITATION.finditer(text):
        covered.append(m.span())
        name = m.group("file")
        at = where(path, text, m.start())
        if not (SPEC_DIR / name).is_file():
            problems.append(f"{at}: cites docs/spec/{name}, which does not exist")
            continue
        sections = spec_sections(name)
        for number in filter(None, (m.group("first"), m.group("last"))):
            if int(number) not in sections:
                problems.append(f"{at}: docs/spec/{name} has no §{number}")
        if m.group("heading") and m.group("heading") not in spec_headings(name):
            problems.append(f"{at}: docs/spec/{name} has no heading {m.group('heading')!r}")
    inside = lambda offset: any(start <= offset < end for start, end in covered)  # noqa: E731
    for offset in (m.start() for m in re.finditer("§", text)):
        if not inside(offset):
            problems.append(
                f"{where(path, text, offset)}: a § without docs/spec/<file>.md before it"
            )
    for m in ANY_SPEC_NAME.finditer(text):
        if not inside(m.start("file")):
            problems.append(
                f"{where(path, text, m.start())}: {m.group(0)!r} is not the repository path "
                f"docs/spec/{m.group('file')}"
            )
    return problems


def markdown_citation_problems(path: Path, text: str) -> list[str]:
    """What is wrong with the spec citations of one Markdown file: every § and every spec
    file name must sit in a link into docs/spec/ whose anchor exists."""
    problems = []
    links = list(MARKDOWN_LINK.finditer(text))
    for m in links:
        target = m.group("target")
        if "://" in target or target.startswith("#"):
            continue
        file_part, _, anchor = target.partition("#")
        resolved = (path.parent / file_part).resolve()
        at = where(path, text, m.start())
        cites_spec = "§" in m.group("text") or ANY_SPEC_NAME.search(m.group("text"))
        if resolved.parent != SPEC_DIR:
            if cites_spec:
                problems.append(f"{at}: {m.group(0)!r} cites the spec but links elsewhere")
            continue
        if not resolved.is_file():
            problems.append(f"{at}: {target} does not exist")
        elif anchor and anchor not in spec_anchors(resolved.name):
            problems.append(f"{at}: {resolved.name} has no anchor #{anchor}")
        elif "§" in m.group("text") and not anchor:
            problems.append(f"{at}: {m.group(0)!r} cites a section but links to no anchor")
    outside = text
    for m in reversed(links):
        outside = outside[: m.start()] + " " * (m.end() - m.start()) + outside[m.end() :]
    for m in re.finditer(rf"§|{SPEC_NAME}", outside):
        problems.append(
            f"{where(path, text, m.start())}: {m.group(0)!r} outside a link to docs/spec/"
        )
    return problems


def test_the_spec_copy_is_in_the_repository_with_its_sections():
    assert SPEC_FILES == ("balance-indicators.md", "raw-sheets.md", "warehouse-contract.md")
    for name in SPEC_FILES:
        assert (SPEC_DIR / name).is_file(), f"docs/spec/{name} is missing"
    # The sections the code cites most: balance-indicators.md §1-§7.
    assert spec_sections("balance-indicators.md") == set(range(1, 8))
    assert "1-units-of-analysis" in spec_anchors("balance-indicators.md")
    assert "Public tables" in spec_headings("warehouse-contract.md")


def test_the_spec_copy_is_byte_identical_to_the_shared_spec():
    if not SHARED_SPEC_DIR.is_dir():
        pytest.skip(
            f"{SHARED_SPEC_DIR} is absent (a clean clone): nothing to compare docs/spec/ with"
        )
    shared = sorted(p.name for p in SHARED_SPEC_DIR.glob("*.md"))
    assert sorted(p.name for p in SPEC_DIR.glob("*.md")) == shared, "docs/spec/ holds other files"
    for name in shared:
        assert (SPEC_DIR / name).read_bytes() == (SHARED_SPEC_DIR / name).read_bytes(), (
            f"docs/spec/{name} differs from {SHARED_SPEC_DIR / name}: copy it again"
        )


def test_every_spec_citation_names_an_existing_file_and_section():
    problems = []
    files = project_text_files()
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:  # a county's own GBK file among the test inputs: data
            continue
        if path.suffix == ".md":
            problems += markdown_citation_problems(path, text)
        else:
            problems += code_citation_problems(path, text)
    assert len(files) > 100  # the walk found the project
    assert not problems, "\n".join(problems)


def test_the_citation_check_catches_broken_citations(tmp_path):
    """The checks above fail on what they are meant to catch (so a green run means something)."""
    code = ROOT / "orchestration" / "example.py"
    bad_code = (
        "# docs/spec/balance-indicators.md §9\n"
        "# balance-indicators.md §1\n"
        "# docs/spec/missing.md §1\n"
        '# docs/spec/warehouse-contract.md "No such heading"\n'
        "# the rule of §2\n"
        "# docs/spec/balance-indicators.md §1-§4 and docs/spec/raw-sheets.md\n"
    )
    found = code_citation_problems(code, bad_code)
    assert [p.split(":")[1] for p in found] == ["1", "3", "4", "2", "5", "2"], found
    markdown = ROOT / "docs" / "example.md"
    bad_markdown = (
        "[§1](spec/balance-indicators.md#no-such-anchor)\n"
        "[balance-indicators.md §1](spec/balance-indicators.md)\n"
        "the rule of §2, raw-sheets.md\n"
        "[balance-indicators.md §1](spec/balance-indicators.md#1-units-of-analysis)\n"
    )
    found = markdown_citation_problems(markdown, bad_markdown)
    assert [p.split(":")[1] for p in found] == ["1", "2", "3", "3"], found
