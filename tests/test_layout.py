"""The layout promises of DESIGN.md that code can check."""

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
