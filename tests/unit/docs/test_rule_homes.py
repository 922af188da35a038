"""docs/architecture.md says where every rule lives: each file of contracts/ has its row.

A new rule file (a CSV, YAML or schema in contracts/) without a row in the table "Where
each rule lives" fails here, so the table stays the one place a newcomer looks.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
CONTRACTS = ROOT / "contracts"
ARCHITECTURE = ROOT / "docs" / "architecture.md"


def rule_table(text: str) -> str:
    """The section "Where each rule lives" of architecture.md (up to the next heading)."""
    found = re.search(
        r"^## Where each rule lives\n(.*?)(?=^## |\Z)", text, re.MULTILINE | re.DOTALL
    )
    assert found, "docs/architecture.md has no section 'Where each rule lives'"
    return found.group(1)


def test_every_contract_file_has_a_row_in_where_each_rule_lives():
    table = rule_table(ARCHITECTURE.read_text(encoding="utf-8"))
    homes = [
        path.relative_to(ROOT).as_posix()
        for path in sorted(CONTRACTS.iterdir())
        if path.name != "__init__.py" and not path.name.startswith((".", "__"))
    ]
    rows = [line for line in table.splitlines() if line.startswith("| ")]
    assert len(homes) > 10 and len(rows) > 10
    named = [home for home in homes if any(f"`{home}" in row for row in rows)]
    assert named == homes, f"contracts/ files without a row: {sorted(set(homes) - set(named))}"
