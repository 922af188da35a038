from __future__ import annotations

from pathlib import Path

from orchestration.demo import generate_demo_province


def file_bytes(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_same_seed_writes_the_same_bytes(demo, tmp_path: Path) -> None:
    out_dir, truth = demo
    again = generate_demo_province(tmp_path / "again")
    assert file_bytes(tmp_path / "again") == file_bytes(out_dir)
    assert again.schools.equals(truth.schools)


def test_another_seed_writes_another_province(demo, tmp_path: Path) -> None:
    out_dir, truth = demo
    other = generate_demo_province(tmp_path / "other", seed=7)
    first, second = file_bytes(out_dir), file_bytes(tmp_path / "other")
    assert first != second
    assert not other.schools_master["students_primary"].equals(
        truth.schools_master["students_primary"]
    )
