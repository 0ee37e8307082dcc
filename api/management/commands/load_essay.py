"""Load the essay's argument map (fixtures/essay.json) unless it is already there.

``make run`` calls this on every start, so edits made in the admin survive restarts.
"""

import json
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from api.models import ArgumentMap, Link, Statement

FIXTURE = Path(settings.BASE_DIR) / "fixtures" / "essay.json"


class Command(BaseCommand):
    help = "Load the essay's argument map from fixtures/essay.json if it is not loaded yet."

    def handle(self, *args, **options) -> None:
        rows = json.loads(FIXTURE.read_text(encoding="utf-8"))
        slug = next(r["fields"]["slug"] for r in rows if r["model"] == "api.argumentmap")
        if ArgumentMap.objects.filter(slug=slug).exists():
            self.stdout.write(f"The map {slug!r} is already loaded.")
            return
        # loaddata keeps the fixture's primary keys: refuse rather than overwrite other maps.
        taken = []
        for model, label in (
            (ArgumentMap, "api.argumentmap"),
            (Statement, "api.statement"),
            (Link, "api.link"),
        ):
            pks = [r["pk"] for r in rows if r["model"] == label]
            if model.objects.filter(pk__in=pks).exists():
                taken.append(label)
        if taken:
            raise CommandError(
                f"Cannot load {FIXTURE.name}: ids of {', '.join(taken)} are taken by other "
                "maps. Import it into a fresh database, or with `manage.py import_map`."
            )
        call_command("loaddata", str(FIXTURE), verbosity=0)
        self.stdout.write(self.style.SUCCESS(f"Loaded the map {slug!r}."))
