"""What the Chromium tests share: skip a whole module when there is no browser, and start
a headless Chromium (Debian's ``chromium`` and ``chromium-driver``; never a downloaded one).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
PAGE_LOAD_TIMEOUT = 60  # seconds; a cold Graphviz run can be slow on a busy machine


def require_chromium(*, graphviz: bool = False) -> None:
    """Skip the calling test module, saying what to install, when Chromium, chromedriver or
    (with ``graphviz``) Graphviz's ``dot`` is missing. Call it at module level."""
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.is_file()]
    if graphviz and shutil.which("dot") is None:
        missing.append("Graphviz's dot")
    if missing:
        pytest.skip(
            f"browser tests need {', '.join(missing)} (Debian: apt-get install chromium "
            "chromium-driver graphviz)",
            allow_module_level=True,
        )


def start_chromium(
    *, width: int = 1280, height: int = 1000, console_log: bool = False
) -> webdriver.Chrome:
    """A headless Chromium of that window size; ``console_log`` keeps the browser's console
    messages for ``driver.get_log("browser")``. The caller quits it."""
    options = Options()
    options.binary_location = str(CHROMIUM)
    for argument in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-dev-shm-usage",
        f"--window-size={width},{height}",
    ):
        options.add_argument(argument)
    if console_log:
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(PAGE_LOAD_TIMEOUT)
    return driver


def chromium_fixture(*, width: int = 1280, height: int = 1000, console_log: bool = False):
    """A module-scoped ``browser`` fixture: one headless Chromium for the module's tests,
    quit after them. In a test module: ``browser = chromium_fixture(console_log=True)``."""

    @pytest.fixture(scope="module")
    def browser():
        driver = start_chromium(width=width, height=height, console_log=console_log)
        yield driver
        driver.quit()

    return browser
