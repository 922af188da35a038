"""The file and sheet reason codes the demo province plants: every one of
contracts/reason_codes.csv that applies to a file or a sheet, but those the demo can not plant
(each with why; other tests cover them)."""

from __future__ import annotations

import pandas as pd

from orchestration.settings import CONTRACTS_DIR

NOT_PLANTED = {
    "not_a_regular_file": "the demo writes regular files only (tests/unit/ingest: links, FIFOs)",
    "link_outside_raw": "the demo writes no symbolic link",
    "too_large": "needs a file over contracts/read_limits.yaml (tests with small limits)",
    "read_failed": "needs a reader that crashes or runs out of time (the isolation tests)",
    "cannot_open": "needs a file without permission or one that vanishes while listed",
    "county_unknown": "the demo's unknown county is a row's county column, not a file",
    "hidden_row": "the demo hides no row",
    "hidden_column": "the demo hides no column",
}


def planted_file_codes() -> set[str]:
    """The reason codes of files and sheets the demo's truth must hold."""
    reasons = pd.read_csv(CONTRACTS_DIR / "reason_codes.csv")
    codes = set(reasons.loc[reasons["applies_to"].isin(["file", "sheet"]), "reason_code"])
    assert set(NOT_PLANTED) <= codes, set(NOT_PLANTED) - codes  # a stale entry
    return codes - set(NOT_PLANTED)
