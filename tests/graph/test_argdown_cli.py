"""argmap's Argdown import against Argdown's own parser, on every real Argdown file.

``tests/data/argdown/`` holds every file of Argdown's examples and of its core parser's
test folder; ``argdown-cli.json`` beside them records what the Argdown CLI's JSON export
makes of each (``scripts/record_argdown_counts.py``, whose docstring defines the
counts). A file the CLI accepts must import -- format told from the content, as an
upload without a format is read -- with the same statements, and one link for each of
its relations and premise-conclusion inferences (a contradiction is two opposing links);
a file the CLI refuses must be refused with the line and column of the fault.
"""

from __future__ import annotations

from collections import Counter
from io import BytesIO, StringIO

import pytest
from django.core.management import CommandError, call_command

from api.graph.errors import FormatError
from api.graph.formats import read_map
from api.models import ArgumentMap
from tests.helpers import ARGDOWN_CLI, DATA

FOLDER = DATA / "argdown"
ACCEPTED = sorted(name for name, seen in ARGDOWN_CLI.items() if seen["accepted"])
REFUSED = sorted(name for name, seen in ARGDOWN_CLI.items() if not seen["accepted"])


def test_the_record_covers_every_argdown_test_file() -> None:
    on_disk = sorted(p.relative_to(FOLDER).as_posix() for p in FOLDER.rglob("*.argdown"))
    assert on_disk == sorted(ARGDOWN_CLI)
    assert len(ACCEPTED) >= 10
    assert REFUSED


@pytest.mark.parametrize("name", ACCEPTED)
def test_argmap_reads_what_the_argdown_cli_reads(name: str) -> None:
    seen = ARGDOWN_CLI[name]
    path = FOLDER / name
    graph = read_map(path.read_bytes(), filename=path.name).graph
    kinds = Counter(link.kind.value for link in graph.links)
    aimed_at_links = sum(link.target_link is not None for link in graph.links)
    assert {
        "statements": len(graph.statements),
        "support links": kinds["support"],
        "oppose links": kinds["oppose"],
        "links aimed at links": aimed_at_links,
    } == {
        "statements": seen["statements"],
        "support links": seen["supports"] + seen["inferences"],
        "oppose links": seen["attacks"] + 2 * seen["contradictions"] + seen["undercuts"],
        "links aimed at links": seen["undercuts"] + seen["on_reconstructed_arguments"],
    }


@pytest.mark.parametrize("name", REFUSED)
def test_argmap_refuses_what_the_argdown_cli_refuses_with_the_place(name: str) -> None:
    path = FOLDER / name
    with pytest.raises(FormatError) as refused:
        read_map(path.read_bytes(), filename=path.name)
    assert refused.value.line is not None
    assert refused.value.column is not None
    assert f"line {refused.value.line}, column {refused.value.column}: " in str(refused.value)
    assert "tried" not in str(refused.value)  # read as Argdown, not refused by detection


@pytest.mark.django_db
def test_import_map_imports_every_file_argdown_accepts() -> None:
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError, match=f"{len(REFUSED)} of {len(ARGDOWN_CLI)} files"):
        call_command(
            "import_map",
            str(FOLDER / "examples"),
            str(FOLDER / "core-test"),
            stdout=out,
            stderr=err,
        )
    assert ArgumentMap.objects.count() == len(ACCEPTED)
    assert f"Imported {len(ACCEPTED)} of {len(ARGDOWN_CLI)} files" in out.getvalue()
    for name in REFUSED:
        assert name.split("/")[-1] in err.getvalue() + out.getvalue()


@pytest.mark.django_db
@pytest.mark.parametrize("name", ACCEPTED)
def test_every_file_argdown_accepts_uploads_within_the_import_budget(auth_client, name) -> None:
    path = FOLDER / name
    file = BytesIO(path.read_bytes())
    file.name = path.name
    response = auth_client.post("/api/maps/import/", {"file": file}, format="multipart")
    assert response.status_code == 201, response.json()
    assert response.json()["imported"]["statements"] == ARGDOWN_CLI[name]["statements"]
