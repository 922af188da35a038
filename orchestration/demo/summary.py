"""A console summary of a generated demo province."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from orchestration.demo.generate import DemoTruth


def summarize(truth: DemoTruth) -> str:
    """A few lines of text on what the demo province holds: counties, years, schools, files by
    format, rows to stage and quarantine, quarantine and rejection reasons.
    """
    master = truth.schools_master
    files = truth.files
    whole_files = files.drop_duplicates("source_file")
    formats = whole_files["source_file"].str.rsplit(".", n=1).str[-1].value_counts()
    reasons = truth.quarantined["reason_code"].value_counts()
    bad = files[files["status"] != "loaded"]["reason_code"].value_counts()
    lines = [
        f"Demo province: {master['county_code'].nunique()} counties in "
        f"{master['prefecture_name'].nunique()} prefectures, survey years "
        f"{master['survey_year'].min()}-{master['survey_year'].max()}, "
        f"{master['school_uid'].nunique()} schools ({len(master)} school-years).",
        f"Files: {len(whole_files)} ({', '.join(f'{n} .{ext}' for ext, n in formats.items())}); "
        f"sheets loaded: {(files['status'] == 'loaded').sum()}.",
        f"Rows: {len(truth.schools)} to stage, {len(truth.quarantined)} to quarantine, "
        f"{len(truth.not_data)} not data.",
        "Quarantine reasons: " + ", ".join(f"{code} {n}" for code, n in reasons.items()),
        "Skipped or rejected: " + ", ".join(f"{code} {n}" for code, n in bad.items()),
    ]
    return "\n".join(lines)
