from __future__ import annotations

from pathlib import Path

import pytest

from orchestration.demo import DemoTruth, generate_demo_province


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, DemoTruth]:
    out_dir = tmp_path_factory.mktemp("raw")
    return out_dir, generate_demo_province(out_dir)
