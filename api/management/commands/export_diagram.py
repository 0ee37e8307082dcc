"""Write a map's diagram to a file: ``manage.py export_diagram SLUG -o map.svg``.

The format comes from the file's extension (svg, png, pdf, dot) or ``--format``; ``-o -``
writes to standard output (give ``--format`` then). The options are the diagram
endpoint's: ``--page a4`` makes a handout, ``--page slides`` a slide deck, ``--slide 2``
one page of it, ``--numbers`` numbered boxes, ``--shade grounded`` an evaluation's colours.
A handout or deck shows the pages laid out as it goes, on a terminal, and may spend what a
job may (``ARGMAP_JOB_RENDER_SECONDS``, ``ARGMAP_JOB_RENDER_RUNS``), not a request's.
"""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from api import diagrams
from api.models import ArgumentMap

OPTIONS = {param.name: param for param in diagrams.PARAMS}


class Command(BaseCommand):
    help = "Write a map's argument diagram to a file (SVG, PNG, PDF or DOT)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("slug", help="the map's slug")
        parser.add_argument(
            "-o", "--output", required=True, help="file to write, e.g. map.svg; - for stdout"
        )
        parser.add_argument(
            "--format",
            choices=sorted(diagrams.MEDIA_TYPES),
            help="default: from the file's extension",
        )
        for name in ("direction", "page", "engine", "shade"):
            param = OPTIONS[name]
            parser.add_argument(f"--{name}", choices=param.choices, help=param.help)
        for name in ("focus", "depth", "wrap", "slide"):
            parser.add_argument(f"--{name}", type=int, help=OPTIONS[name].help)
        for name in ("quotes", "legend", "numbers"):
            parser.add_argument(f"--{name}", action="store_true", help=OPTIONS[name].help)
        parser.add_argument("--no-title", action="store_true", help="leave out the title")

    def handle(self, *args, **options) -> None:
        to_stdout = options["output"] == "-"
        output = Path(options["output"])
        fmt = options["format"] or ("" if to_stdout else output.suffix.lstrip(".").lower())
        if fmt not in diagrams.MEDIA_TYPES:
            where = "standard output" if to_stdout else repr(output.name)
            raise CommandError(
                f"Cannot tell the format for {where}: use a .svg, .png, .pdf or .dot file "
                "name, or --format."
            )
        if not to_stdout and not output.parent.is_dir():
            raise CommandError(f"No folder {str(output.parent)!r} to write {output.name} in.")
        try:
            map_ = ArgumentMap.objects.get(slug=options["slug"])
        except ArgumentMap.DoesNotExist:
            raise CommandError(f"No map with slug {options['slug']!r}.") from None
        params = {
            name: options[name]
            for name in ("direction", "focus", "depth", "wrap", "page", "slide", "engine", "shade")
            if options[name] is not None
        }
        params.update(
            quotes=options["quotes"],
            legend=options["legend"],
            numbers=options["numbers"],
            title=not options["no_title"],
        )
        # Pages laid out, as a bar on a terminal (in a log or a pipe it would be noise).
        bar = tqdm(unit="page", disable=not self.stderr.isatty(), file=self.stderr)

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.n = done
            bar.refresh()

        try:
            request = diagrams.diagram_request(fmt, params)
            # Off any request, as a job is: a job's budget (docs/jobs.md).
            drawn = diagrams.diagram(map_, request, spend=diagrams.Spend.job(), progress=progress)
        except diagrams.InvalidDiagramOptions as exc:
            problems = "; ".join(
                f"--{name}: {' '.join(messages)}" for name, messages in exc.errors.items()
            )
            raise CommandError(f"Invalid option. {problems}") from None
        except diagrams.DiagramError as exc:
            raise CommandError(str(exc)) from None
        finally:
            bar.close()
        for notice in drawn.notices:
            self.stderr.write(self.style.WARNING(notice))
        if to_stdout:
            stream: Any = self.stdout._out  # the real stream (sys.stdout, or call_command's)
            stream.flush()
            if hasattr(stream, "buffer"):
                stream.buffer.write(drawn.data)
                stream.buffer.flush()
            else:  # a text stream given to call_command: DOT and SVG are UTF-8 text
                stream.write(drawn.data.decode("utf-8", "replace"))
            return
        try:
            output.write_bytes(drawn.data)
        except OSError as exc:
            raise CommandError(f"Cannot write {output}: {exc.strerror}.") from None
        self.stdout.write(self.style.SUCCESS(f"Wrote {output} ({len(drawn.data)} bytes, {fmt})."))
