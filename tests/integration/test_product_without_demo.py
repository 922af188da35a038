"""The product runs without the demo: no module of it imports orchestration/demo/, and
without the demo's writers (the `demo` extra) `junheng demo` says what to install."""

import os
import subprocess
import sys
import textwrap

from tests.workbooks import HEADER, Sheet, write_book

# Run in a fresh interpreter where the demo package and its xls writer can not be imported.
WITHOUT_DEMO = textwrap.dedent(
    """
    import importlib, pkgutil, sys
    from pathlib import Path

    sys.modules["orchestration.demo"] = None  # import orchestration.demo raises ImportError
    sys.modules["xlwt"] = None

    import orchestration
    for module in pkgutil.walk_packages(orchestration.__path__, "orchestration."):
        if not module.name.startswith("orchestration.demo"):
            importlib.import_module(module.name)

    from orchestration.definitions import build_definitions
    build_definitions().get_repository_def()

    from orchestration.ingest.pipeline import ingest_year
    result = ingest_year(Path(sys.argv[1]), 2019)
    print("staged", len(result.school_rows))

    from orchestration.cli import main
    print("demo exit", main(["demo", "--raw", sys.argv[2]]))
    loaded = [name for name, module in sys.modules.items()
              if name.startswith("orchestration.demo") and module is not None]
    print("demo modules", loaded)
    """
)


def test_the_product_imports_loads_and_ingests_without_the_demo(tmp_path):
    raw = tmp_path / "raw"
    rows = [HEADER, ["城关小学", "小学", 300, 20, 9000], ["南关小学", "小学", 200, 15, 6000]]
    write_book(raw / "2019/石家庄市/正定县均衡数据.xlsx", [Sheet("学校", rows)])
    write_book(raw / "2019/石家庄市/行唐县均衡数据.csv", [Sheet("x", rows)], encoding="gbk")
    environment = {
        **os.environ,
        "JUNHENG_RAW_DIR": str(raw),
        "JUNHENG_WAREHOUSE_DIR": str(tmp_path / "warehouse"),
        "JUNHENG_STATE_DIR": str(tmp_path / "state"),
    }
    completed = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", WITHOUT_DEMO, str(raw), str(tmp_path / "demo")],
        capture_output=True,
        text=True,
        env=environment,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    out = completed.stdout
    assert "staged 4" in out, out
    # junheng demo names the extra to install, exits 2 and writes nothing
    assert "pip install -e '.[demo]'" in out and "demo exit 2" in out, out
    assert not (tmp_path / "demo").exists()
    assert "demo modules []" in out, out
