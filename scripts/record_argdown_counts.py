"""Record what Argdown's own parser makes of every file in ``tests/data/argdown/``.

Runs the Argdown CLI pinned in ``bench/node`` (``cd bench/node && npm ci`` first) as
``argdown json FILE DIR`` on each ``*.argdown`` file there and writes
``tests/data/argdown/argdown-cli.json``, which ``tests/graph/test_argdown_cli.py``
compares argmap's import with. Run it again only when a file is added there:

    .venv/bin/python scripts/record_argdown_counts.py          # write the record
    .venv/bin/python scripts/record_argdown_counts.py --check  # compare, exit 1 if stale

For each file the record holds whether the CLI accepts it (a file with Argdown syntax
errors is refused by the CLI: "JSON export canceled"), the errors' lines when it does
not, and otherwise these counts of the JSON export:

- ``statements``: equivalence classes, less the prose Argdown keeps out of its map (a
  class whose title Argdown made up, "Untitled n", with no relation and no place in a
  premise-conclusion structure), plus the arguments without a premise-conclusion
  structure that have a description (argmap keeps the description as a statement when
  the argument takes part in a relation);
- ``supports``, ``attacks`` (attack and contrary), ``contradictions``, ``undercuts``:
  the relations of each type, and ``on_reconstructed_arguments`` those of them whose
  target is an argument with a premise-conclusion structure (argmap aims them at its
  final inference);
- ``inferences``: the inference steps of all premise-conclusion structures (each
  intermediary and main conclusion).

Needs Node and the CLI, not Django.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FOLDER = ROOT / "tests" / "data" / "argdown"
RECORD = FOLDER / "argdown-cli.json"
NODE = ROOT / "bench" / "node"
ARGDOWN = NODE / "node_modules" / ".bin" / "argdown"
UNTITLED = re.compile(r"Untitled \d+")
ERROR_AT = re.compile(r"^At (\d+):(\d+)$", re.MULTILINE)
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def cli_version() -> str:
    lock = json.loads((NODE / "package-lock.json").read_text("utf-8"))
    return "@argdown/cli " + lock["packages"]["node_modules/@argdown/cli"]["version"]


def counts(export: dict) -> dict[str, int]:
    """The counts of one JSON export (see the module docstring)."""
    arguments = export["arguments"]
    reconstructed = {title for title, arg in arguments.items() if arg.get("pcs")}
    in_pcs = {
        member["title"]
        for arg in arguments.values()
        for member in arg.get("pcs", [])
        if member.get("type") == "statement"
    }
    prose = {
        title
        for title, ec in export["statements"].items()
        if UNTITLED.fullmatch(title) and not ec.get("relations") and title not in in_pcs
    }
    described = {
        title
        for title, arg in arguments.items()
        if not arg.get("pcs")
        and (arg.get("relations") or any(m.get("text") for m in arg["members"]))
    }
    by_type: dict[str, int] = {}
    on_reconstructed = 0
    for relation in export["relations"]:
        kind = relation["relationType"]
        by_type[kind] = by_type.get(kind, 0) + 1
        if relation["toType"] == "argument" and relation["to"] in reconstructed:
            on_reconstructed += 1
    known = {"support", "attack", "contrary", "contradictory", "undercut"}
    unknown = set(by_type) - known
    if unknown:
        raise SystemExit(f"relation types this script does not count: {sorted(unknown)}")
    return {
        "statements": len(export["statements"]) - len(prose) + len(described),
        "supports": by_type.get("support", 0),
        "attacks": by_type.get("attack", 0) + by_type.get("contrary", 0),
        "contradictions": by_type.get("contradictory", 0),
        "undercuts": by_type.get("undercut", 0),
        "on_reconstructed_arguments": on_reconstructed,
        "inferences": sum(
            1
            for arg in arguments.values()
            for member in arg.get("pcs", [])
            if member.get("role") in ("main-conclusion", "intermediary-conclusion")
        ),
    }


def record_one(path: Path, out: Path) -> dict:
    run = subprocess.run(
        [str(ARGDOWN), "json", str(path), str(out)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    log = ANSI.sub("", run.stdout + run.stderr)
    exported = out / (path.stem + ".json")
    if "export canceled" in log or not exported.exists():
        errors = [{"line": int(line), "column": int(col)} for line, col in ERROR_AT.findall(log)]
        assert errors, f"the CLI refused {path} without a located error:\n{log}"
        return {"accepted": False, "errors": errors}
    export = json.loads(exported.read_text("utf-8"))
    exported.unlink()
    return {"accepted": True, **counts(export)}


def record() -> dict:
    if not ARGDOWN.exists():
        raise SystemExit(f"{ARGDOWN} is missing: run `cd bench/node && npm ci` first")
    files = {}
    with tempfile.TemporaryDirectory() as tmp:
        for path in sorted(FOLDER.rglob("*.argdown")):
            files[path.relative_to(FOLDER).as_posix()] = record_one(path, Path(tmp))
    return {"cli": cli_version(), "files": files}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    args = parser.parse_args()
    text = json.dumps(record(), indent=2, sort_keys=True) + "\n"
    if args.check:
        if RECORD.read_text("utf-8") != text:
            print(f"{RECORD} is stale: run {Path(__file__).name} to rewrite it")
            return 1
        print(f"{RECORD} is up to date")
        return 0
    RECORD.write_text(text, "utf-8")
    print(f"wrote {RECORD}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
