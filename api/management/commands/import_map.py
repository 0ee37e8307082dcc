"""Create maps from files: ``manage.py import_map PATH... [--format FORMAT]``.

Formats: AIF JSON, Argdown, argmap's whole-map JSON, Kialo text exports, argumentative
microtexts XML and SADFace JSON, each told from its content unless ``--format`` forces
one. A folder is searched for .json, .xml, .txt, .argdown and .ad files (not recursively
unless ``--recursive``); a microtext's .txt beside its .xml is its source text, not a map
of its own. Each file becomes one map, in its own transaction: a bad file is reported
(with the line and column, or JSON pointer, at fault) and the others still come in; the
command exits non-zero at the end when any file failed. The summary says what came in and
what was left out.
"""

from collections import Counter
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError
from tqdm import tqdm

from api import services
from api.graph.errors import FormatError
from api.graph.formats import COMPANION_SUFFIX, FORMATS, IMPORT_SUFFIXES


def companion_text(path: Path) -> str | None:
    """The text of a microtext beside its XML (``micro_b001.txt`` for
    ``micro_b001.xml``), or None."""
    if path.suffix.lower() != ".xml":
        return None
    text = path.with_suffix(COMPANION_SUFFIX)
    if not text.is_file():
        return None
    try:
        return text.read_bytes().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return None


def failure_reason(exc: Exception) -> str:
    """One line saying why a file was not imported."""
    if isinstance(exc, ValidationError):
        if hasattr(exc, "error_dict"):
            return "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
        return " ".join(exc.messages)
    if isinstance(exc, OSError):
        return f"cannot read it ({exc.strerror or exc})"
    if isinstance(exc, DatabaseError):
        return f"the database refused it ({exc})"
    return str(exc)


class Command(BaseCommand):
    help = (
        "Import argument maps from AIF JSON, Argdown, whole-map JSON, Kialo text, "
        "argumentative microtexts XML or SADFace files."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("paths", nargs="+", help="files or directories")
        parser.add_argument(
            "--format", choices=FORMATS, help="default: told from each file's content"
        )
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
                found.extend(
                    sorted(
                        p
                        for p in path.glob(pattern)
                        if p.is_file() and p.suffix.lower() in IMPORT_SUFFIXES
                    )
                )
            elif path.is_file():
                found.append(path)
            else:
                raise CommandError(f"No such file or directory: {name}")
        # A microtext's text beside its XML is read with the XML, not as a map of its own.
        xml = {p.with_suffix("") for p in found if p.suffix.lower() == ".xml"}
        return [
            p
            for p in dict.fromkeys(found)
            if not (p.suffix.lower() == COMPANION_SUFFIX and p.with_suffix("") in xml)
        ]

    def handle(self, *args, **options) -> None:
        files = self.files(options["paths"], options["recursive"])
        if not files:
            raise CommandError("No files to import.")
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
        # The bar only on a terminal: in a log or a pipe it would be noise.
        quiet = len(files) < 2 or not self.stderr.isatty()
        progress = tqdm(files, unit="file", disable=quiet, file=self.stderr)
        for path in progress:
            progress.set_postfix_str(path.name[-30:])
            # Within a file, the rows written (statements, then links): a big file takes
            # seconds. Also only on a terminal; of several files, under the files' bar
            # and gone when the file is in.
            rows = tqdm(
                total=0,
                unit="row",
                disable=not self.stderr.isatty(),
                file=self.stderr,
                leave=len(files) == 1,
            )

            def wrote(done: int, total: int, rows=rows) -> None:
                if rows.total != total:
                    rows.reset(total=total)
                rows.update(done - rows.n)
                if done == total:
                    rows.refresh()  # the last count, whatever the bar's refresh rate

            try:
                report = services.import_file(
                    name=path.name,
                    data=path.read_bytes(),
                    owner=owner,
                    fmt=options["format"],
                    slug=options["slug"],
                    is_private=options["private"],
                    source_text=companion_text(path),
                    progress=wrote,
                )
            except (
                FormatError,
                ValidationError,
                ValueError,
                OSError,
                DatabaseError,
                services.QuotaExceeded,
            ) as exc:
                failed.append(f"{path}: {failure_reason(exc)}")
                self.stderr.write(self.style.ERROR(f"Not imported: {failed[-1]}"))
                continue
            finally:
                rows.close()
            imported.append(report.map.slug)
            totals.update(statements=report.statements, links=report.links)
            left_out.update(report.left_out)
            for note in report.notes:
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
        if failed:
            raise CommandError(f"{len(failed)} of {len(files)} files could not be imported.")
