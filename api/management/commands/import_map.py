"""Create maps from files: ``manage.py import_map PATH... [--format aif|argdown|json]``.

A directory is read for every .json, .argdown and .ad file in it (not recursively unless
``--recursive``). Each file becomes one map, in its own transaction: a bad file is
reported (with the line and column, or JSON pointer, at fault) and the others still come
in. The summary says what came in and what was left out.
"""

from collections import Counter
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from api import services
from api.graph.errors import FormatError
from api.graph.formats import FORMATS, read_map
from api.parsers import import_budget

SUFFIXES = {".json", ".argdown", ".ad"}


class Command(BaseCommand):
    help = "Import argument maps from AIF JSON, Argdown or whole-map JSON files."

    def add_arguments(self, parser) -> None:
        parser.add_argument("paths", nargs="+", help="files or directories")
        parser.add_argument("--format", choices=FORMATS, help="default: told from each file")
        parser.add_argument("--recursive", action="store_true", help="descend into folders")
        parser.add_argument("--owner", help="username of the maps' owner (default: staff's)")
        parser.add_argument("--private", action="store_true", help="make the maps private")
        parser.add_argument("--slug", help="slug for the map (one file only)")

    def files(self, paths: list[str], recursive: bool) -> list[Path]:
        found: list[Path] = []
        for name in paths:
            path = Path(name)
            if path.is_dir():
                pattern = "**/*" if recursive else "*"
                found.extend(sorted(p for p in path.glob(pattern) if p.suffix.lower() in SUFFIXES))
            elif path.is_file():
                found.append(path)
            else:
                raise CommandError(f"No such file or directory: {name}")
        return found

    def handle(self, *args, **options) -> None:
        files = self.files(options["paths"], options["recursive"])
        if options["slug"] and len(files) != 1:
            raise CommandError("--slug needs exactly one file.")
        owner = None
        if options["owner"]:
            try:
                owner = get_user_model().objects.get(username=options["owner"])
            except get_user_model().DoesNotExist:
                raise CommandError(f"No user {options['owner']!r}.") from None
        imported, failed = [], []
        left_out: Counter = Counter()
        totals: Counter = Counter()
        progress = tqdm(files, unit="file", disable=len(files) < 2, file=self.stderr)
        for path in progress:
            progress.set_postfix_str(path.name[-30:])
            try:
                result = read_map(
                    path.read_bytes(),
                    filename=path.name,
                    fmt=options["format"],
                    budget=import_budget(),
                )
                slug = options["slug"] or services.map_free_slug(
                    result.graph.map.slug or result.graph.map.title or path.name
                )
                map_ = services.map_import(
                    graph=result.graph, slug=slug, owner=owner, is_private=options["private"]
                )
            except FormatError as exc:
                failed.append(f"{path}: {exc}")
                continue
            except ValidationError as exc:
                reasons = "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
                failed.append(f"{path}: {reasons}")
                continue
            imported.append(map_.slug)
            totals.update(statements=len(result.graph.statements), links=len(result.graph.links))
            left_out.update(result.left_out)
            for note in result.notes:
                self.stdout.write(f"  {path.name}: {note}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {len(imported)} of {len(files)} files: {totals['statements']} "
                f"statements, {totals['links']} links."
            )
        )
        if len(imported) <= 10:
            for slug in imported:
                self.stdout.write(f"  {slug}")
        if left_out:
            kinds = ", ".join(f"{n} {kind}" for kind, n in sorted(left_out.items()))
            self.stdout.write(f"Left out (not part of the argument): {kinds}.")
        for failure in failed:
            self.stderr.write(self.style.ERROR(f"Not imported: {failure}"))
        if failed:
            raise CommandError(f"{len(failed)} of {len(files)} files could not be imported.")
