"""Write a map's diagram to a file: ``manage.py export_diagram SLUG -o map.svg``.

The format comes from the file's extension (svg, png, pdf, dot); the options are the
diagram endpoint's.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from rest_framework.exceptions import APIException, ValidationError

from api import diagrams
from api.exceptions import flatten_errors
from api.models import ArgumentMap


class Command(BaseCommand):
    help = "Write a map's argument diagram to a file (SVG, PNG, PDF or DOT)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("slug", help="the map's slug")
        parser.add_argument("-o", "--output", required=True, help="file to write, e.g. map.svg")
        parser.add_argument(
            "--format",
            choices=sorted(diagrams.MEDIA_TYPES),
            help="default: from the file's extension",
        )
        parser.add_argument("--direction", choices=["BT", "TB", "LR", "RL"])
        parser.add_argument("--focus", type=int, help="id of the statement to centre on")
        parser.add_argument("--depth", type=int, help="link steps around --focus (default 2)")
        parser.add_argument("--wrap", type=int, help="characters per line (10-200)")
        parser.add_argument("--quotes", action="store_true", help="show quotes")
        parser.add_argument("--legend", action="store_true", help="add a legend")
        parser.add_argument("--no-title", action="store_true", help="leave out the title")
        parser.add_argument(
            "--page", choices=["a3", "a4", "letter"], help="fit a landscape page (PDF handouts)"
        )
        parser.add_argument("--engine", choices=["auto", "dot", "sfdp"])

    def handle(self, *args, **options) -> None:
        output = Path(options["output"])
        fmt = options["format"] or output.suffix.lstrip(".").lower()
        if fmt not in diagrams.MEDIA_TYPES:
            raise CommandError(
                f"Cannot tell the format from {output.name!r}: use a .svg, .png, .pdf or "
                ".dot file name, or --format."
            )
        try:
            map_ = ArgumentMap.objects.get(slug=options["slug"])
        except ArgumentMap.DoesNotExist:
            raise CommandError(f"No map with slug {options['slug']!r}.") from None
        params = {
            name: options[name]
            for name in ("direction", "focus", "depth", "wrap", "page", "engine")
            if options[name] is not None
        }
        params.update(
            quotes=options["quotes"], legend=options["legend"], title=not options["no_title"]
        )
        try:
            request = diagrams.diagram_request(fmt, params)
            data = diagrams.diagram_bytes(map_, request)
        except ValidationError as exc:
            problems = "; ".join(
                f"--{name}: {' '.join(messages)}"
                for name, messages in flatten_errors(exc.detail).items()
            )
            raise CommandError(f"Invalid option. {problems}") from None
        except APIException as exc:
            raise CommandError(str(exc.detail)) from None
        output.write_bytes(data)
        self.stdout.write(self.style.SUCCESS(f"Wrote {output} ({len(data)} bytes, {fmt})."))
