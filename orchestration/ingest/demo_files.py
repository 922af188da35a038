"""Which files of a raw folder are the demo province's: a manifest the generator leaves.

`junheng demo` (and `junheng run` on an empty default raw/) writes the synthetic demo
province; every receipt of a file it wrote says `is_demo`, so that a warehouse built from
it can never pass for real data. The manifest is a dot-file, which discovery never lists.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path

DEMO_MANIFEST = ".junheng-demo.json"


def sha256_of(path: Path) -> str:
    """The SHA-256 of a file's bytes, as 64 hex digits (read in 1 MiB blocks).
    Raises OSError when the file can not be read.
    """
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_demo_manifest(raw_dir: Path, files: Iterable[Path]) -> Path:
    """Record `files` (below `raw_dir`) as the demo's, with their SHA-256."""
    raw_dir = Path(raw_dir)
    entries = {
        Path(file).relative_to(raw_dir).as_posix(): sha256_of(file) for file in sorted(files)
    }
    target = raw_dir / DEMO_MANIFEST
    target.write_text(json.dumps({"files": entries}, ensure_ascii=False, indent=1))
    return target


def demo_files(raw_dir: Path) -> dict[str, str]:
    """source_file -> SHA-256 of the demo's files in `raw_dir` ({} when there is no demo)."""
    manifest = Path(raw_dir) / DEMO_MANIFEST
    try:
        return json.loads(manifest.read_text(encoding="utf-8")).get("files", {})
    except (OSError, ValueError):
        return {}


def is_demo_file(demo: dict[str, str], source_file: str, sha256: str | None) -> bool:
    """A file is the demo's while it is the one the generator wrote (same path and bytes)."""
    return sha256 is not None and demo.get(source_file) == sha256


# Files a landing folder may hold and still count as empty: the repository's own raw/README.md.
KEPT_IN_AN_EMPTY_FOLDER = ("README.md",)


def holds_no_file(raw_dir: Path) -> bool:
    """True when `raw_dir` does not exist or holds no file at all (dot-files and the
    repository's README.md aside): the only raw folder the demo may be written into."""
    raw_dir = Path(raw_dir)
    if not raw_dir.is_dir():
        return not raw_dir.exists()
    return not any(
        path.is_file()
        and not any(part.startswith(".") for part in path.relative_to(raw_dir).parts)
        and path.relative_to(raw_dir).as_posix() not in KEPT_IN_AN_EMPTY_FOLDER
        for path in raw_dir.rglob("*")
    )
