"""Every public function and class of the orchestration and contracts packages says what it
takes and gives.

Public means defined at the top of a module of orchestration/ or contracts/ under a name that does not
start with `_`, and the methods (properties too) of such a class whose name does not
start with `_`. Modules are found by walking the package's folder (new and moved modules
count without a list to keep), and read with `ast`, so nothing is imported or run.
"""

from __future__ import annotations

import ast
from pathlib import Path

import orchestration

PACKAGE_DIR = Path(orchestration.__file__).resolve().parent
ROOT = PACKAGE_DIR.parent
DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def public_definitions(source: str) -> list[tuple[str, ast.AST]]:
    """(qualified name, node) of the public top-level functions and classes of one module's
    source, and of the public methods of those classes."""
    found = []
    for node in ast.parse(source).body:
        if isinstance(node, DEFINITIONS) and not node.name.startswith("_"):
            found.append((node.name, node))
            if isinstance(node, ast.ClassDef):
                found += [
                    (f"{node.name}.{method.name}", method)
                    for method in node.body
                    if isinstance(method, DEFINITIONS) and not method.name.startswith("_")
                ]
    return found


def undocumented(source: str) -> list[str]:
    """`line name` of each public definition of the source without a docstring."""
    return [
        f"{node.lineno} {name}"
        for name, node in public_definitions(source)
        if not ast.get_docstring(node)
    ]


def test_every_public_definition_of_orchestration_and_contracts_has_a_docstring():
    modules = sorted([*PACKAGE_DIR.rglob("*.py"), *(ROOT / "contracts").rglob("*.py")])
    missing = [
        f"{path.relative_to(ROOT)}:{where}"
        for path in modules
        for where in undocumented(path.read_text(encoding="utf-8"))
    ]
    assert len(modules) > 40  # the walk found the package
    assert not missing, "public definitions without a docstring:\n" + "\n".join(missing)


def test_the_check_sees_functions_classes_and_decorated_assets_but_not_private_names():
    source = '''
import dagster as dg

def documented():
    """Says what it does."""

def bare(x):
    return x

class Bare:
    def method(self):
        pass

    def _helper(self):
        pass

@dg.asset
async def wrapped():
    pass

def _private():
    pass
'''
    assert undocumented(source) == ["7 bare", "10 Bare", "11 Bare.method", "18 wrapped"]
