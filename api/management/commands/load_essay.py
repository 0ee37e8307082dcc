"""Load the essay's argument map (fixtures/essay.json) unless it is already there.

The file is argmap's whole-map JSON, and it comes in the way any map file does
(``api.graph.formats.read_map``, then ``services.map_import``): the same rules, and history
for the map, every statement and every link from their first version. ``make run`` calls
this on every start; a map with the essay's slug is left alone, so edits survive restarts.
"""

from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from api import services
from api.graph.errors import FormatError
from api.graph.formats import read_map
from api.models import ArgumentMap

FIXTURE = Path(settings.BASE_DIR) / "fixtures" / "essay.json"


class Command(BaseCommand):
    help = "Import the essay's argument map from fixtures/essay.json if it is not there yet."

    def handle(self, *args, **options) -> None:
        try:
            graph = read_map(FIXTURE.read_bytes(), filename=FIXTURE.name, fmt="json").graph
        except FormatError as exc:
            raise CommandError(f"{FIXTURE.name}: {exc}") from None
        slug = graph.map.slug
        if ArgumentMap.objects.filter(slug=slug).exists():
            self.stdout.write(f"The map {slug!r} is already loaded.")
            return
        try:
            services.map_import(graph=graph, slug=slug, title=graph.map.title)
        except (FormatError, ValidationError) as exc:
            raise CommandError(f"Cannot load {FIXTURE.name}: {exc}") from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Loaded the map {slug!r}: {len(graph.statements)} statements, "
                f"{len(graph.links)} links."
            )
        )
