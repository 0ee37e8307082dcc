"""Run Graphviz on DOT text, safely: a time limit, an output size limit, no file access.

``api.graph.dot`` builds the DOT with the ``graphviz`` Python package, but its ``pipe``
and ``render`` have no time limit and no output limit, so the layout program is run here
with ``subprocess``: DOT on stdin, the image on stdout, and

- ``SERVER_NAME`` set in its environment (and ``GV_FILE_PATH`` removed), which makes
  Graphviz refuse to read files (``image=``, ``shapefile=``, ``<IMG SRC=...>``), so a
  diagram can never embed a file from the server;
- a wall-clock limit: past ``timeout`` seconds the process is killed (``RenderTimeout``);
- an output limit: past ``max_output_bytes`` it is killed (``RenderTooLarge``).

``RenderBudget`` is what one request may spend on all its runs together (a paged diagram
makes dozens): a wall-clock deadline and a number of runs. Each run gets the time left,
so a run that would outlast the budget is killed at its end (``BudgetSpent``).

``LayoutSession`` keeps one program running to measure batch after batch of graphs
(``plain``): a deck's planning asks some forty times, and starting Graphviz each time
(14 ms of CPU) cost more than most of the layouts. Its limits are ``render``'s, per batch.

``choose_engine`` picks ``dot`` (layered, the classroom look) for maps below
``SFDP_THRESHOLD`` statements and ``sfdp`` (force-directed, fast on big graphs) from there
on; see ``docs/diagrams.md`` for the measurements behind the number.
"""

from __future__ import annotations

import contextlib
import io
import os
import secrets
import select
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from typing import cast

__all__ = [
    "ENGINES",
    "FORMATS",
    "SFDP_THRESHOLD",
    "BudgetSpent",
    "GraphvizNotInstalled",
    "LayoutSession",
    "RenderBudget",
    "RenderError",
    "RenderFailed",
    "RenderTimeout",
    "RenderTooLarge",
    "choose_engine",
    "engine_arguments",
    "graphviz_available",
    "render",
]

# Statement count from which ``choose_engine`` picks sfdp (docs/diagrams.md). Not for speed:
# dot lays out even 3 000 tree-like statements in seconds. For shape: dot's layered drawing
# grows only in width, and from about 300 statements it is 180-330 inches wide, reaching
# cairo's 32 767-pixel limit for PNG (which Graphviz then scales down until text is
# unreadable); sfdp keeps the drawing near 2:1.
SFDP_THRESHOLD = 300

FORMATS = ("svg", "png", "pdf", "plain")  # plain: the layout as text (api.graph.paging)
ENGINES = ("dot", "sfdp")

# Graph attributes each engine needs on top of the engine-neutral DOT from ``to_dot``,
# passed as ``-G`` defaults (the DOT text never sets them, so they apply).
_ENGINE_GRAPH_ATTRS: dict[str, tuple[tuple[str, str], ...]] = {
    "dot": (),
    "sfdp": (
        ("overlap", "prism"),  # remove node overlaps after the force layout
        ("sep", "+8"),  # and keep 8 points between boxes
        # "curved", not "true": routing splines around nodes took sfdp from 0.2 s to 19 s
        # on a 300-statement map (docs/diagrams.md)
        ("splines", "curved"),
    ),
}

_STDERR_KEEP = 8_000
_CHUNK = 65_536


class RenderFailed(Exception):
    """Base class: a diagram could not be rendered."""


class GraphvizNotInstalled(RenderFailed):
    """The Graphviz layout program is not on PATH."""


class RenderTimeout(RenderFailed):
    """Graphviz ran past the time limit and was killed."""


class RenderTooLarge(RenderFailed):
    """Graphviz's output passed the size limit and it was killed."""


class RenderError(RenderFailed):
    """Graphviz exited with an error; the message holds its stderr."""


class BudgetSpent(RenderFailed):
    """A request used up its ``RenderBudget``; its running Graphviz process was killed."""


class RenderBudget:
    """What one request may spend on Graphviz: ``seconds`` of wall clock from now and
    ``runs`` runs, for all its pages together. ``run`` is ``render`` within it; each run
    is also bounded by ``timeout`` (the per-run limit) and ``max_output_bytes``."""

    def __init__(
        self,
        *,
        seconds: float,
        runs: int,
        timeout: float = 20,
        max_output_bytes: int = 50_000_000,
    ) -> None:
        self.seconds = seconds
        self.runs = runs
        self.deadline = time.monotonic() + seconds
        self.runs_left = runs
        self.timeout = timeout
        self.max_output_bytes = max_output_bytes

    def run(self, dot_source: str, fmt: str, engine: str = "dot") -> bytes:
        """``render`` within the budget; ``BudgetSpent`` when no run or no time is left,
        or when the run is killed because the budget's time ran out."""
        return self._within(
            lambda timeout: render(
                dot_source,
                fmt,
                engine=engine,
                timeout=timeout,
                max_output_bytes=self.max_output_bytes,
            )
        )

    @contextlib.contextmanager
    def plain_session(self, engine: str = "dot") -> Iterator[Callable[[str], bytes]]:
        """A function that is ``run(source, "plain")``, its batches laid out by one program
        kept running (``LayoutSession``) for the ``with`` block; each batch is a run."""
        with LayoutSession(engine=engine, max_output_bytes=self.max_output_bytes) as session:
            yield lambda source: self._within(lambda timeout: session.lay_out(source, timeout))

    def _within(self, work: Callable[[float], bytes]) -> bytes:
        """One run of ``work(timeout)``, given the time left (at most ``timeout``)."""
        left = self.deadline - time.monotonic()
        if self.runs_left <= 0 or left <= 0:
            raise BudgetSpent(self._spent())
        self.runs_left -= 1
        cut = left < self.timeout
        try:
            return work(min(self.timeout, left))
        except RenderTimeout:
            if cut:
                raise BudgetSpent(self._spent()) from None
            raise

    def _spent(self) -> str:
        return f"the budget of {self.seconds:g} s and {self.runs} Graphviz runs is spent"


def graphviz_available(engine: str = "dot") -> bool:
    """Return whether the Graphviz program ``engine`` (default ``dot``) is on PATH."""
    return shutil.which(engine) is not None


def choose_engine(n_statements: int, threshold: int = SFDP_THRESHOLD) -> str:
    """Return "dot" for maps with fewer than ``threshold`` statements, else "sfdp"."""
    return "dot" if n_statements < threshold else "sfdp"


def engine_arguments(engine: str) -> list[str]:
    """Return the ``-G`` command-line settings ``render`` adds for ``engine``.

    Raises ``ValueError`` for an engine other than those in ``ENGINES``.
    """
    if engine not in _ENGINE_GRAPH_ATTRS:
        raise ValueError(f"engine must be one of {', '.join(ENGINES)}")
    return [f"-G{key}={value}" for key, value in _ENGINE_GRAPH_ATTRS[engine]]


def _environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("GV_FILE_PATH", "GDFONTPATH")}
    env["SERVER_NAME"] = "argmap"  # Graphviz then loads no files (see module docstring)
    return env


def _kill(process: subprocess.Popen) -> None:
    if hasattr(os, "killpg"):
        with contextlib.suppress(OSError):
            os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(OSError):
        process.kill()


def _start(engine: str, fmt: str) -> subprocess.Popen:
    """The Graphviz program for ``engine``, reading DOT on stdin, writing ``fmt``."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}")
    arguments = engine_arguments(engine)
    program = shutil.which(engine)
    if program is None:
        raise GraphvizNotInstalled(
            f"the Graphviz program {engine!r} is not installed (Debian: apt install graphviz)"
        )
    try:
        return subprocess.Popen(
            [program, f"-T{fmt}", *arguments],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=_environment(),
            close_fds=True,
            # its own process group, so a kill also reaches anything a wrapper script started
            start_new_session=hasattr(os, "killpg"),
        )
    except OSError as exc:  # vanished between which() and exec, or not executable
        raise GraphvizNotInstalled(f"cannot run {engine!r}: {exc}") from exc


class _StderrTail:
    """A thread that keeps a Graphviz program's stderr drained (so the program never
    blocks on a full pipe), holding its first ``_STDERR_KEEP`` bytes for the error."""

    def __init__(self, stderr: io.BufferedReader) -> None:
        self._stream = stderr
        self._kept: list[bytes] = []
        self._thread = threading.Thread(target=self._drain, daemon=True)
        self._thread.start()

    def _drain(self) -> None:
        size = 0
        while chunk := self._stream.read1(_CHUNK):
            if size < _STDERR_KEEP:
                self._kept.append(chunk)
            size += len(chunk)

    def join(self, timeout: float | None = None) -> None:
        self._thread.join(timeout)

    def failure(self, engine: str, returncode: int | None) -> RenderError:
        """The error for a program that exited with ``returncode``, with its stderr."""
        message = b"".join(self._kept).decode("utf-8", "replace").strip()[:_STDERR_KEEP]
        return RenderError(f"{engine} failed (exit status {returncode}): {message}")


def _timed_out(engine: str, timeout: float) -> RenderTimeout:
    return RenderTimeout(f"{engine} took longer than {timeout:g} s and was stopped")


def _too_large(engine: str, max_output_bytes: int) -> RenderTooLarge:
    return RenderTooLarge(f"{engine} output passed {max_output_bytes} bytes and was stopped")


class LayoutSession:
    """One Graphviz program kept running to lay out batch after batch of graphs in
    ``plain`` (``lay_out``), each as ``render(source, "plain")`` would, within its own time
    and output limits. Use it as a context manager: the program never outlives the block.

    Graphviz writes each graph's layout as soon as it is laid out, ending in ``stop``; a
    marker graph after each batch (a node named by a random token) says where the
    batch's output ends. A timeout, an output too large or an error kills the program,
    and the session can lay out nothing more."""

    def __init__(self, *, engine: str = "dot", max_output_bytes: int = 50_000_000) -> None:
        self.engine = engine
        self.max_output_bytes = max_output_bytes
        self._marker = f"argmap_end_{secrets.token_hex(8)}"
        self._process: subprocess.Popen | None = None
        self._over = False
        self._stderr: _StderrTail | None = None

    def __enter__(self) -> LayoutSession:
        self._process = _start(self.engine, "plain")
        self._stderr = _StderrTail(cast(io.BufferedReader, self._process.stderr))
        return self

    def __exit__(self, *exc_info: object) -> None:
        process = self._process
        if process is None:
            return
        self._process = None
        with contextlib.suppress(OSError):
            cast(io.BufferedWriter, process.stdin).close()
        try:
            process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            _kill(process)
            process.wait()
        if self._stderr is not None:
            self._stderr.join()
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()

    def lay_out(self, dot_source: str, timeout: float) -> bytes:
        """The ``plain`` layouts of the graphs in ``dot_source``; raises as ``render``."""
        process = self._process
        if process is None or self._over:
            raise RenderError(f"{self.engine} is not running (the session is over)")
        stdin = cast(io.BufferedWriter, process.stdin)
        data = f"{dot_source}\ndigraph {{ {self._marker} }}\n".encode("utf-8", "replace")

        def feed() -> None:
            with contextlib.suppress(OSError):  # it stopped reading: the reading says why
                stdin.write(data)
                stdin.flush()

        writer = threading.Thread(target=feed, daemon=True)
        writer.start()
        try:
            output = self._read_batch(process, time.monotonic() + timeout, timeout)
        except BaseException:
            _kill(process)
            process.wait()
            self._over = True
            raise
        finally:
            writer.join(timeout=max(0.0, timeout))
        return output

    def _read_batch(self, process: subprocess.Popen, deadline: float, timeout: float) -> bytes:
        fd = cast(io.BufferedReader, process.stdout).fileno()
        found = f"\nnode {self._marker} ".encode()
        buffer = bytearray()
        while True:
            at = buffer.find(found)
            if at >= 0 and buffer.find(b"\nstop\n", at) >= 0:
                end = buffer.rfind(b"stop\n", 0, at)
                return bytes(buffer[: end + len(b"stop\n")]) if end >= 0 else b""
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                raise _timed_out(self.engine, timeout)
            chunk = os.read(fd, _CHUNK)
            if not chunk:  # the program ended: an error in the batch
                process.wait()
                assert self._stderr is not None  # set with the process in __enter__
                self._stderr.join(timeout=1)
                raise self._stderr.failure(self.engine, process.returncode)
            buffer += chunk
            if len(buffer) > self.max_output_bytes:
                raise _too_large(self.engine, self.max_output_bytes)


def render(
    dot_source: str,
    fmt: str,
    *,
    engine: str = "dot",
    timeout: float = 20,
    max_output_bytes: int = 50_000_000,
) -> bytes:
    """Lay out ``dot_source`` with Graphviz and return the image bytes.

    ``fmt`` is "svg", "png", "pdf" or "plain" (the layout as text); ``engine`` is "dot"
    or "sfdp" (its settings from ``engine_arguments`` are added). Returns the program's
    standard output.

    Raises ``ValueError`` for an unknown format or engine, ``GraphvizNotInstalled`` if the
    program is missing, ``RenderTimeout`` after ``timeout`` seconds, ``RenderTooLarge`` when
    the output passes ``max_output_bytes``, and ``RenderError`` (with Graphviz's stderr)
    when the program exits with an error. All are ``RenderFailed``.
    """
    process = _start(engine, fmt)
    # All three are pipes (buffered, with read1), never None.
    stdin = cast(io.BufferedWriter, process.stdin)
    stdout = cast(io.BufferedReader, process.stdout)
    stderr = cast(io.BufferedReader, process.stderr)

    output: list[bytes] = []
    too_large = threading.Event()

    def feed() -> None:
        # OSError (BrokenPipeError): the program stopped reading; its exit status tells why.
        with contextlib.suppress(OSError):
            stdin.write(dot_source.encode("utf-8", "replace"))
        with contextlib.suppress(OSError):
            stdin.close()

    def drain_stdout() -> None:
        size = 0
        while chunk := stdout.read1(_CHUNK):
            size += len(chunk)
            if size > max_output_bytes:
                too_large.set()
                _kill(process)
                break
            output.append(chunk)
        # keep the pipe empty so the program can never block on a full pipe
        while stdout.read1(_CHUNK):
            pass

    errors = _StderrTail(stderr)
    threads = [threading.Thread(target=target, daemon=True) for target in (feed, drain_stdout)]
    for thread in threads:
        thread.start()
    timed_out = False
    deadline = time.monotonic() + timeout
    try:
        # Wait for the end of its output, then for its exit (at once, as a rule): a thread's
        # join wakes when the pipe closes, where Popen.wait(timeout=) polls, sleeping up to
        # 50 ms a time, which added a third to a deck's many short runs.
        threads[1].join(timeout)
        returncode = process.wait(timeout=max(0.0, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        timed_out = True
        _kill(process)
        returncode = process.wait()
    except BaseException:  # e.g. KeyboardInterrupt: never leave Graphviz running
        _kill(process)
        process.wait()
        raise
    for thread in threads:
        thread.join()
    errors.join()
    for stream in (stdout, stderr):
        stream.close()
    if timed_out:
        raise _timed_out(engine, timeout)
    if too_large.is_set():
        raise _too_large(engine, max_output_bytes)
    if returncode != 0:
        raise errors.failure(engine, returncode)
    return b"".join(output)
