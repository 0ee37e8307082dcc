"""The coaches' pages in a real browser: Debian's headless Chromium driven by Selenium
against pytest-django's live server, with the essay's map loaded.

Skipped as a whole when Chromium, chromedriver or Graphviz's ``dot`` is missing.
Selenium Manager never runs (it would download a browser): the driver's path is given.
Run with ``ARGMAP_SCREENSHOTS=1`` to write the README's pictures of the pages to docs/.
"""

from __future__ import annotations

import os
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from api.graph.layout import Box, opening, statement_boxes
from api.graph.model import Role
from api.models import ArgumentMap, Statement
from api.selectors import map_graph_get
from tests.browser import require_chromium, start_chromium
from web.presenters import OPENING_MIN_ZOOM

require_chromium(graphviz=True)

from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support import expected_conditions as ec  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402

pytestmark = pytest.mark.browser

SLUG = "kozyrev-2019-russo-japanese-peace-treaty"
TITLE_START = "Kozyrev (2019)"
WAIT = 20  # seconds; a cold Graphviz run and Chromium start can be slow on a busy machine
DOCS = Path(settings.BASE_DIR) / "docs"


def shoot(browser, name: str, height: int) -> None:
    """With ``ARGMAP_SCREENSHOTS=1``, save the page as docs/``name``, 1400 px wide and
    ``height`` tall, then give the window back its size."""
    if os.environ.get("ARGMAP_SCREENSHOTS") != "1":
        return
    size = browser.get_window_size()
    browser.set_window_size(1400, height)
    browser.execute_script("window.scrollTo(0, 0)")
    browser.save_screenshot(str(DOCS / name))
    browser.set_window_size(size["width"], size["height"])


@pytest.fixture(scope="module")
def browser():
    driver = start_chromium(width=1280, height=1000)
    yield driver
    driver.quit()


@pytest.fixture
def essay(transactional_db, live_server, browser):
    call_command("load_essay", verbosity=0)
    browser.set_window_size(1280, 1000)
    return live_server.url


def wait(browser):
    return WebDriverWait(browser, WAIT)


def open_map(browser, base: str, query: str = "") -> None:
    browser.get(f"{base}/maps/{SLUG}/{query}")
    wait(browser).until(ec.presence_of_element_located((By.ID, "argument")))


def click(browser, element) -> None:
    """Click like a user: the page scrolls smoothly (CSS), so bring the element into view
    at once first, or Selenium clicks where it was mid-scroll."""
    browser.execute_script(
        "arguments[0].scrollIntoView({block: 'center', behavior: 'instant'})", element
    )
    element.click()


def has_class(browser, element_id: str, name: str) -> bool:
    return browser.execute_script(
        "var e = document.getElementById(arguments[0]);"
        "return !!e && e.classList.contains(arguments[1]);",
        element_id,
        name,
    )


def in_view(browser, element_id: str) -> bool:
    """Whether the element is inside the window and inside any scrolling box around it."""
    return browser.execute_script(
        """
        var e = document.getElementById(arguments[0]);
        var r = e.getBoundingClientRect();
        if (r.bottom < 0 || r.top > window.innerHeight) return false;
        for (var p = e.parentElement; p; p = p.parentElement) {
          var s = getComputedStyle(p);
          if (/(auto|scroll)/.test(s.overflowY)) {
            var b = p.getBoundingClientRect();
            if (r.bottom < b.top || r.top > b.bottom) return false;
          }
        }
        return true;
        """,
        element_id,
    )


def diagram_loaded(browser) -> bool:
    return browser.execute_script(
        "var i = document.getElementById('diagram-img');"
        "return !!i && i.complete && i.naturalWidth > 0;"
    )


def fetch(url: str) -> tuple[bytes, dict[str, str]]:
    with urllib.request.urlopen(url, timeout=60) as response:
        assert response.status == 200
        return response.read(), dict(response.headers)


def test_list_leads_to_the_essays_page_and_its_diagram_loads(essay, browser):
    browser.get(f"{essay}/")
    link = wait(browser).until(ec.element_to_be_clickable((By.PARTIAL_LINK_TEXT, TITLE_START)))
    statements = Statement.objects.filter(map__slug=SLUG).count()
    assert f"statements\n{statements}" in browser.find_element(By.CSS_SELECTOR, ".map-card").text
    shoot(browser, "screenshot-list.png", 557)
    link.click()
    wait(browser).until(ec.url_contains(f"/maps/{SLUG}/"))
    assert browser.find_element(By.TAG_NAME, "h1").text.startswith(TITLE_START)
    wait(browser).until(diagram_loaded)
    img = browser.find_element(By.ID, "diagram-img")
    assert img.get_attribute("alt").startswith("Argument map of Kozyrev")
    assert len(browser.find_elements(By.CSS_SELECTOR, "#essay mark")) >= statements
    assert len(browser.find_elements(By.CSS_SELECTOR, "article.statement")) == statements
    shoot(browser, "screenshot-map.png", 1757)
    # nothing failed to load and nothing broke the page's security policy
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == []


def test_choosing_a_statement_highlights_and_shows_its_passage(essay, browser):
    open_map(browser, essay)
    statement = browser.find_elements(By.CSS_SELECTOR, "article.statement")[20]
    sid = statement.get_attribute("id").removeprefix("s-")
    link = statement.find_element(By.CSS_SELECTOR, "a.passage-link")
    click(browser, link)
    wait(browser).until(lambda b: has_class(b, f"q-{sid}", "is-active"))
    wait(browser).until(lambda b: in_view(b, f"q-{sid}"))
    assert browser.execute_script("return location.hash") == f"#q-{sid}"
    # every piece of the passage is highlighted, and nothing else
    active = browser.find_elements(By.CSS_SELECTOR, "mark.is-active")
    assert active
    assert all(sid in m.get_attribute("data-statements").split() for m in active)
    # keyboard users continue from the passage
    focused = browser.switch_to.active_element
    assert focused.find_element(By.XPATH, "..").get_attribute("id") == f"q-{sid}"


def test_choosing_a_passage_shows_its_statement(essay, browser):
    open_map(browser, essay)
    mark = browser.find_elements(By.CSS_SELECTOR, "#essay mark[id^='q-']")[5]
    sid = mark.get_attribute("id").removeprefix("q-")
    click(browser, mark.find_element(By.TAG_NAME, "a"))
    wait(browser).until(lambda b: has_class(b, f"s-{sid}", "is-active"))
    wait(browser).until(lambda b: in_view(b, f"s-{sid}"))
    assert browser.execute_script("return location.hash") == f"#s-{sid}"


def test_a_link_to_a_passage_works_without_script_through_target(essay, browser):
    # The essay is imported: its ids depend on the database, so take its third statement.
    third = f"q-{Statement.objects.filter(map__slug=SLUG).order_by('pk')[2].pk}"
    browser.get("about:blank")  # a fresh load, not a jump within an earlier test's page
    open_map(browser, essay, f"#{third}")
    assert browser.execute_script("return document.querySelector(':target').id") == third
    assert browser.find_element(By.ID, third).value_of_css_property("box-shadow") != "none"


def test_the_options_form_redraws_the_diagram(essay, browser):
    open_map(browser, essay)
    Select(browser.find_element(By.ID, "id_direction")).select_by_value("LR")
    main = Statement.objects.filter(map__slug=SLUG).order_by("pk").first().pk
    Select(browser.find_element(By.ID, "id_focus")).select_by_value(str(main))
    click(browser, browser.find_element(By.ID, "id_legend"))
    click(browser, browser.find_element(By.CSS_SELECTOR, "form.options button[type=submit]"))
    wait(browser).until(ec.url_contains("direction=LR"))
    assert f"focus={main}" in browser.current_url
    src = browser.find_element(By.ID, "diagram-img").get_attribute("src")
    assert "direction=LR" in src
    assert f"focus={main}" in src
    assert "legend=1" in src
    wait(browser).until(diagram_loaded)
    assert Select(
        browser.find_element(By.ID, "id_direction")
    ).first_selected_option.text.startswith("Left")


def test_png_and_pdf_downloads_are_valid_files(essay, browser):
    open_map(browser, essay, "?wrap=30&page=a4")
    links = {
        a.get_attribute("data-format"): a.get_attribute("href")
        for a in browser.find_elements(By.CSS_SELECTOR, "a.download")
    }
    png, png_headers = fetch(links["png"])
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert png_headers["Content-Type"] == "image/png"
    assert png_headers["Content-Disposition"].startswith("attachment")
    pdf, pdf_headers = fetch(links["pdf"])
    assert pdf.startswith(b"%PDF")
    assert pdf_headers["Content-Disposition"].startswith("attachment")
    assert "page=a4" in links["pdf"]
    svg, _ = fetch(links["svg"])
    assert b"<svg" in svg
    data, _ = fetch(links["json"])
    assert data.startswith(b"{")


def test_keyboard_users_can_skip_to_the_content(essay, browser):
    open_map(browser, essay)
    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
    skip = browser.switch_to.active_element
    assert skip.text == "Skip to content"
    top = browser.execute_script("return arguments[0].getBoundingClientRect().top", skip)
    assert top >= 0  # visible once focused
    outline = skip.value_of_css_property("outline-style")
    assert outline != "none"


def test_the_page_reads_in_two_columns_on_a_laptop_and_one_on_a_phone(essay, browser):
    open_map(browser, essay)
    essay_box = browser.find_element(By.ID, "essay").rect
    argument_box = browser.find_element(By.ID, "argument").rect
    assert essay_box["x"] + essay_box["width"] <= argument_box["x"]
    assert abs(essay_box["y"] - argument_box["y"]) < 50

    # a phone's viewport (a desktop window cannot be made this narrow)
    browser.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": True},
    )
    try:
        open_map(browser, essay)
        assert browser.execute_script("return window.innerWidth") == 390
        essay_box = browser.find_element(By.ID, "essay").rect
        argument_box = browser.find_element(By.ID, "argument").rect
        assert argument_box["y"] >= essay_box["y"] + essay_box["height"]
        overflow = browser.execute_script(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


# --- the diagram at a legible size, with pan and zoom (issue: print and project) ---------


def frame_state(browser) -> dict:
    return browser.execute_script(
        "var f = document.getElementById('diagram-frame');"
        "var i = document.getElementById('diagram-img');"
        "return {width: i.getBoundingClientRect().width, natural: i.naturalWidth,"
        " left: f.scrollLeft, top: f.scrollTop, frame: f.clientWidth,"
        " level: document.querySelector('[data-zoom-level]').textContent};"
    )


def where_drawn(browser, boxes: dict[int, Box]) -> dict:
    """Where these statement boxes (fractions of the picture, read from the SVG the page
    shows) lie in the window, once the diagram's frame is scrolled into the window; and
    the frame's visible rectangle, the picture's width and natural width."""
    browser.execute_script(
        "document.getElementById('diagram-frame')"
        ".scrollIntoView({block: 'start', behavior: 'instant'})"
    )
    return browser.execute_script(
        """
        var f = document.getElementById('diagram-frame');
        var i = document.getElementById('diagram-img');
        var fr = f.getBoundingClientRect(), ir = i.getBoundingClientRect();
        var out = {};
        for (var id in arguments[0]) {
          var b = arguments[0][id];
          out[id] = [ir.left + b[0] * ir.width, ir.top + b[1] * ir.height,
                     ir.left + b[2] * ir.width, ir.top + b[3] * ir.height];
        }
        return {boxes: out, width: ir.width, natural: i.naturalWidth,
                view: [Math.max(fr.left + f.clientLeft, 0), Math.max(fr.top + f.clientTop, 0),
                       Math.min(fr.left + f.clientLeft + f.clientWidth, window.innerWidth),
                       Math.min(fr.top + f.clientTop + f.clientHeight, window.innerHeight)]};
        """,
        {str(sid): [b.left, b.top, b.right, b.bottom] for sid, b in boxes.items()},
    )


def inside(box, view, slack: float = 1.0) -> bool:
    return (
        box[0] >= view[0] - slack
        and box[1] >= view[1] - slack
        and box[2] <= view[2] + slack
        and box[3] <= view[3] + slack
    )


@pytest.mark.parametrize("script", [True, False], ids=["script", "no-script"])
@pytest.mark.parametrize("size", [(1280, 1000), (390, 844)], ids=["desktop", "phone"])
def test_the_diagram_opens_on_the_main_conclusion_and_its_reasons(essay, browser, size, script):
    graph = map_graph_get(ArgumentMap.objects.get(slug=SLUG))
    head, *reasons = opening(graph)
    assert graph.role(head) is Role.MAIN_CONCLUSION
    assert reasons  # the essay's main conclusion has direct reasons
    browser.set_window_size(*size)
    browser.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": not script})
    try:
        open_map(browser, essay)
        wait(browser).until(diagram_loaded)
        if script:
            wait(browser).until(
                lambda b: b.find_element(By.CSS_SELECTOR, "[data-zoom-controls]").is_displayed()
            )
        src = browser.find_element(By.ID, "diagram-img").get_attribute("src")
        drawing = statement_boxes(fetch(src)[0])
        seen = where_drawn(browser, {sid: drawing.boxes[sid] for sid in [head, *reasons]})
    finally:
        browser.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": False})
    zoom = seen["width"] / seen["natural"]
    # readable: statement text at 60 % of its 16 px at least, and never blown up
    assert OPENING_MIN_ZOOM - 0.01 <= zoom <= 1.01
    # the main conclusion's box lies wholly in the window and in the frame's view
    assert inside(seen["boxes"][str(head)], seen["view"]), seen
    if size[0] >= 1000:  # on a desktop its direct reasons are in view too
        for sid in reasons:
            assert inside(seen["boxes"][str(sid)], seen["view"]), (sid, seen)


def test_the_diagram_pans_and_zooms_with_the_keyboard(essay, browser):
    open_map(browser, essay)
    wait(browser).until(diagram_loaded)
    wait(browser).until(
        lambda b: b.find_element(By.CSS_SELECTOR, "[data-zoom-controls]").is_displayed()
    )
    click(browser, browser.find_element(By.CSS_SELECTOR, "[data-zoom='actual']"))
    browser.execute_script("document.getElementById('diagram-frame').scrollTo(0, 0)")
    start = frame_state(browser)
    # actual size: 12 pt statement text shows at 16 px, wider than the frame
    assert start["width"] == pytest.approx(start["natural"], abs=1)
    assert start["width"] > start["frame"]
    assert start["level"] == "100%"
    frame = browser.find_element(By.ID, "diagram-frame")
    browser.execute_script("arguments[0].focus()", frame)
    frame.send_keys(Keys.ARROW_RIGHT, Keys.ARROW_RIGHT, Keys.ARROW_DOWN)
    moved = frame_state(browser)
    assert moved["left"] > start["left"]
    assert moved["top"] > start["top"]
    frame.send_keys("-")
    smaller = frame_state(browser)
    assert smaller["width"] < start["width"]
    assert smaller["level"] == "80%"
    frame.send_keys("+", "+")
    assert frame_state(browser)["level"] == "125%"
    frame.send_keys("f")
    fitted = frame_state(browser)
    assert fitted["width"] <= fitted["frame"]
    click(browser, browser.find_element(By.CSS_SELECTOR, "[data-zoom='actual']"))
    assert frame_state(browser)["level"] == "100%"


def test_the_diagram_boxes_are_numbered_and_the_json_download_is_a_file(essay, browser):
    open_map(browser, essay)
    wait(browser).until(diagram_loaded)
    src = browser.find_element(By.ID, "diagram-img").get_attribute("src")
    svg, _ = fetch(src)
    from api.models import Statement

    for pk in Statement.objects.filter(map__slug=SLUG).values_list("pk", flat=True):
        assert f">#{pk} ".encode() in svg  # each box's first line starts with its number
    links = {
        a.get_attribute("data-format"): a.get_attribute("href")
        for a in browser.find_elements(By.CSS_SELECTOR, "a.download")
    }
    data, headers = fetch(links["json"])
    assert data.startswith(b"{")
    assert headers["Content-Disposition"].startswith("attachment")
    assert headers["Content-Disposition"].endswith(f'filename="{SLUG}.json"')
    deck, deck_headers = fetch(links["slides"])
    assert deck.startswith(b"%PDF")
    assert deck_headers["Content-Disposition"].startswith("attachment")
    assert "page=slides" in links["slides"]
