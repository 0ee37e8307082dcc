"""The layout promises of docs/design.md that code can check."""

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_api_graph_imports_no_django():
    code = (
        "import sys, api.graph, pkgutil, importlib\n"
        "for m in pkgutil.iter_modules(api.graph.__path__):\n"
        "    importlib.import_module('api.graph.' + m.name)\n"
        "bad = sorted(n for n in sys.modules if n.split('.')[0] in {'django', 'rest_framework'})\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == ""


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_services_and_selectors_import_no_http_and_no_orm_internals():
    modules = [ROOT / "api" / "selectors.py", *sorted((ROOT / "api" / "services").glob("*.py"))]
    bad_prefixes = ("rest_framework", "django.http", "django.db.models.sql")
    for path in modules:
        bad = sorted(n for n in _imports(path) if n.startswith(bad_prefixes))
        assert bad == [], f"{path.relative_to(ROOT)} imports {bad}"


def test_tests_share_helpers_through_tests_helpers_only():
    # Shared helpers live in tests/helpers.py; a test module never imports from conftest or
    # from another test module (pytest loads those itself, and the import hides the link).
    for path in sorted((ROOT / "tests").rglob("*.py")):
        bad = sorted(
            n
            for n in _imports(path)
            if n.startswith("tests.") and n.rsplit(".", 1)[-1].startswith(("test_", "conftest"))
        )
        assert bad == [], f"{path.relative_to(ROOT)} imports {bad}: use tests.helpers"
