"""python -m orchestration.demo [FOLDER] [--seed N]: write the demo province and summarise it."""

from __future__ import annotations

import argparse
from pathlib import Path

from orchestration.demo import generate_demo_province, summarize
from orchestration.settings import Paths


def main(argv: list[str] | None = None) -> None:
    """`python -m orchestration.demo [FOLDER] [--seed N]`: write the demo province and print
    what it holds (default folder: JUNHENG_RAW_DIR).
    """
    parser = argparse.ArgumentParser(prog="python -m orchestration.demo", description=__doc__)
    parser.add_argument(
        "folder", nargs="?", type=Path, help="where to write (default: the raw folder)"
    )
    parser.add_argument("--seed", type=int, default=2019)
    args = parser.parse_args(argv)
    folder = args.folder or Paths.from_env().raw_dir
    print(summarize(generate_demo_province(folder, seed=args.seed)))
    print(f"Written to {folder}")


if __name__ == "__main__":
    main()
