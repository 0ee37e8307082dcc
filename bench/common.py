"""What the Django benchmarks share: settings for a benchmark run, timing, the machine.

``setup_django()`` points Django at the benchmark database (``DATABASE_URL``; unset, the
SQLite file ``bench/out/bench.sqlite3``, never the development database) with production
settings (``DJANGO_DEBUG=0``, so no query log) and rate limits high enough not to
throttle the measurements. Every variable is only a default: the environment wins.
"""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

BENCH_ENV = {
    "DATABASE_URL": f"sqlite:///{OUT / 'bench.sqlite3'}",
    "DJANGO_SETTINGS_MODULE": "argmap.settings",
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "bench-only-not-a-secret",
    "DJANGO_SECURE_SSL_REDIRECT": "0",
    "DJANGO_LOG_LEVEL": "WARNING",
    "ARGMAP_THROTTLE_ANON": "1000000/min",
    "ARGMAP_THROTTLE_USER": "1000000/min",
}


def setup_django() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, value in BENCH_ENV.items():
        os.environ.setdefault(name, value)
    import django

    django.setup()


def median_time(
    function: Callable[[], object], runs: int, before: Callable[[], object] | None = None
) -> float:
    """Median wall-clock seconds of ``runs`` calls of ``function``; ``before`` runs
    untimed ahead of each call (to clear a cache, say)."""
    times = []
    for _ in range(runs):
        if before is not None:
            before()
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def ms(seconds: float) -> str:
    value = seconds * 1000
    return f"{value:,.1f} ms" if value < 100 else f"{value:,.0f} ms"


def _version(command: list[str]) -> str:
    try:
        done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return "not installed"
    return (done.stdout or done.stderr).strip().splitlines()[0]


def machine() -> str:
    """One line about the machine: cores, CPU model, Python, Graphviz, Node, load."""
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (
        f"{os.cpu_count()} CPUs (nproc), {cpu}, {platform.machine()} {platform.system()}; "
        f"Python {platform.python_version()}; {_version(['dot', '-V'])}; "
        f"Node {_version(['node', '--version'])}; load average {load}"
    )
