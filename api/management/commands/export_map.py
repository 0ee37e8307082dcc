"""Write a map as AIF JSON, Argdown, whole-map JSON, a Kialo text export or SADFace:
``manage.py export_map SLUG --format aif|argdown|json|kialo|sadface [-o FILE]`` (standard
output by default)."""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from api.graph.formats import EXPORT_FORMATS, write_map
from api.models import ArgumentMap
from api.selectors import map_graph_get


class Command(BaseCommand):
    help = (
        "Export an argument map as AIF JSON, Argdown, argmap's whole-map JSON, Kialo text "
        "or SADFace."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("slug")
        parser.add_argument("--format", choices=EXPORT_FORMATS, default="json")
        parser.add_argument("-o", "--output", help="file to write (default: standard output)")

    def handle(self, *args, **options) -> None:
        try:
            map_ = ArgumentMap.objects.get(slug=options["slug"])
        except ArgumentMap.DoesNotExist:
            raise CommandError(f"No map with slug {options['slug']!r}.") from None
        data = write_map(map_graph_get(map_), options["format"])
        if options["output"]:
            Path(options["output"]).write_bytes(data)
            self.stderr.write(f"Wrote {options['output']} ({len(data)} bytes).")
        else:
            out = getattr(self.stdout, "_out", sys.stdout)
            out.write(data.decode("utf-8"))
            if not data.endswith(b"\n"):
                out.write("\n")
