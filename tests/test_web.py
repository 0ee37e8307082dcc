"""The coaches' pages: the list of maps and a map's page (diagram, options, downloads,
essay with highlighted quotes, statements by role), escaping, 404s and query counts."""

from __future__ import annotations

import datetime
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import given
from hypothesis import strategies as st

from api import services
from api.graph.layout import opening, statement_boxes
from api.graph.model import Statement as GraphStatement
from api.graph.render import RenderBudget, graphviz_available
from api.models import Statement
from api.selectors import map_graph_get
from tests.helpers import SOURCE, build_map
from web.presenters import OPENING_MIN_ZOOM, essay_paragraphs

needs_dot = pytest.mark.skipif(not graphviz_available("dot"), reason="needs Graphviz's dot")

# --- a small HTML tree, to look at the page as a browser would -------------------------

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


class Node:
    def __init__(self, tag: str, attrs: dict[str, str | None], parent: Node | None) -> None:
        self.tag, self.attrs, self.parent = tag, attrs, parent
        self.children: list[Node | str] = []

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def iter(self):
        for child in self.children:
            if isinstance(child, Node):
                yield child
                yield from child.iter()

    def find_all(self, tag: str | None = None, cls: str | None = None) -> list[Node]:
        return [
            n
            for n in self.iter()
            if (tag is None or n.tag == tag)
            and (cls is None or cls in (n.attrs.get("class") or "").split())
        ]

    def by_id(self, id_: str) -> Node:
        [node] = [n for n in self.iter() if n.attrs.get("id") == id_]
        return node

    def links(self) -> list[str]:
        return [a.attrs["href"] for a in self.find_all("a") if a.attrs.get("href")]


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = self.current = Node("#root", {}, None)

    def handle_starttag(self, tag, attrs):
        node = Node(tag, dict(attrs), self.current)
        self.current.children.append(node)
        if tag not in VOID:
            self.current = node

    def handle_startendtag(self, tag, attrs):
        self.current.children.append(Node(tag, dict(attrs), self.current))

    def handle_endtag(self, tag):
        node = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        assert node is not None, f"stray </{tag}>"
        assert node.parent is not None
        self.current = node.parent

    def handle_data(self, data):
        self.current.children.append(data)


def parse(response) -> Node:
    assert response.status_code == 200
    builder = _TreeBuilder()
    builder.feed(response.content.decode())
    builder.close()
    assert builder.current is builder.root, f"unclosed <{builder.current.tag}>"
    return builder.root


def query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def by_text(map_, text: str) -> Statement:
    return map_.statements.get(text=text)


# --- the list of maps ------------------------------------------------------------------


def test_map_list_shows_maps_with_source_and_counts(client, cats_map):
    services.map_update(
        map_=cats_map,
        source_title="On Cats",
        source_author="A. Writer",
        source_date=datetime.date(2019, 4, 1),
    )
    page = parse(client.get("/"))
    [card] = page.find_all("li", cls="map-card")
    assert "/maps/cats/" in card.links()
    assert "Map cats" in card.by_id(f"map-{cats_map.pk}").text()
    assert "On Cats" in card.text()
    assert "A. Writer" in card.text()
    assert "1 April 2019" in card.text()
    counts = {dd.attrs["data-count"]: dd.text() for dd in card.find_all("dd") if dd.attrs}
    assert counts == {
        "statements": str(cats_map.statements.count()),
        "links": str(cats_map.links.count()),
    }
    for landmark in ("header", "nav", "main", "footer"):
        assert page.find_all(landmark), landmark


def test_map_list_hides_private_maps_from_others(client, make_map, user, other_user, staff):
    make_map("open")
    make_map("secret", is_private=True)

    def slugs() -> set[str]:
        page = parse(client.get("/"))
        return {href.split("/")[2] for href in page.links() if href.startswith("/maps/")}

    assert slugs() == {"open"}
    client.force_login(other_user)
    assert slugs() == {"open"}
    client.force_login(user)
    assert slugs() == {"open", "secret"}
    client.force_login(staff)
    assert slugs() == {"open", "secret"}


@pytest.mark.parametrize("n_maps", [1, 6])
def test_map_list_costs_one_query_whatever_the_number_of_maps(
    client, db, user, django_assert_num_queries, n_maps
):
    for i in range(n_maps):
        build_map(slug=f"m{i}", n_reasons=i * 3, owner=user)
    with django_assert_num_queries(1):
        response = client.get("/")
    assert response.content.count(b'class="map-card"') == n_maps


# --- a map's page: the essay -----------------------------------------------------------


def test_map_page_highlights_each_quote_at_its_offsets(client, cats_map):
    page = parse(client.get("/maps/cats/"))
    quoted = cats_map.statements.exclude(quote_start=None)
    assert quoted.count() == 2
    for statement in quoted:
        mark = page.by_id(f"q-{statement.pk}")
        assert mark.tag == "mark"
        assert mark.text() == statement.quote
        assert mark.text() == SOURCE[statement.quote_start : statement.quote_end]
        # choosing the passage leads to its statement
        assert mark.links() == [f"#s-{statement.pk}"]
    # the essay keeps all its text, in order, and nothing else
    essay = page.by_id("essay").find_all("div", cls="essay__text")[0]
    assert [p.text() for p in essay.find_all("p")] == [SOURCE]


def test_map_page_keeps_paragraphs_and_handles_overlapping_quotes(client, db, user):
    source = "Alpha beta gamma delta.\nEpsilon zeta.\n\n  Eta theta iota.\n\n\n"
    map_ = services.map_create(slug="paras", title="Paras", source_text=source, owner=user)

    def quoting(quote: str) -> int:
        return services.statement_create(map_=map_, text=f"On {quote}", quote=quote).pk

    outer, inner = quoting("beta gamma delta"), quoting("gamma")
    cross = quoting("delta.\nEpsilon")  # overlaps the end of outer
    para = quoting("zeta.\n\n  Eta")  # runs over a paragraph break
    page = parse(client.get("/maps/paras/"))
    [essay] = page.by_id("essay").find_all("div", cls="essay__text")
    assert [p.text() for p in essay.find_all("p")] == [
        "Alpha beta gamma delta.\nEpsilon zeta.",
        "Eta theta iota.",
    ]
    covering = [(m.text(), m.attrs["data-statements"]) for m in essay.find_all("mark")]
    assert covering == [
        ("beta ", f"{outer}"),
        ("gamma", f"{inner} {outer}"),  # innermost first
        (" ", f"{outer}"),
        ("delta", f"{cross} {outer}"),
        (".\nEpsilon", f"{cross}"),
        ("zeta.", f"{para}"),
        ("Eta", f"{para}"),
    ]
    starts = {outer: "beta ", inner: "gamma", cross: "delta", para: "zeta."}
    for sid, text in starts.items():
        assert page.by_id(f"q-{sid}").text() == text
    # each piece of a passage leads to the innermost statement quoting it
    assert page.by_id(f"q-{inner}").links() == [f"#s-{inner}"]
    assert [m.links() for m in essay.find_all("mark")][2] == [f"#s-{outer}"]


def _graph_statement(sid: int, start: int | None, end: int | None) -> GraphStatement:
    return GraphStatement(id=sid, text=f"s{sid}", quote="", quote_start=start, quote_end=end)


def test_essay_paragraphs_gives_every_quote_an_anchor_even_when_quotes_coincide():
    text = "abcdefghij"
    statements = (
        _graph_statement(1, 0, 5),
        _graph_statement(2, 0, 5),  # the same passage as 1
        _graph_statement(3, 3, 9),  # crosses 1 and 2
        _graph_statement(4, 2, 2),  # empty: ignored
        _graph_statement(5, 8, 99),  # out of range: ignored
        _graph_statement(6, None, None),
    )
    [paragraph] = essay_paragraphs(text, statements)
    segments = [(s.text, s.statements, s.anchors) for s in paragraph.segments]
    assert segments == [
        ("abc", (1, 2), (1, 2)),
        ("de", (1, 2, 3), (3,)),
        ("fghi", (3,), ()),
        ("j", (), ()),
    ]


def _kept(text: str) -> list[bool]:
    """Which characters belong to a paragraph: not blank lines, not a paragraph's outer
    whitespace."""
    kept = [True] * len(text)
    for match in re.finditer(r"\n\s*\n", text):
        for i in range(match.start(), match.end()):
            kept[i] = False
    for match in re.finditer(r"[^\x00]+", "".join("x" if k else "\x00" for k in kept)):
        piece = text[match.start() : match.end()]
        lead, trail = len(piece) - len(piece.lstrip()), len(piece) - len(piece.rstrip())
        for i in [
            *range(match.start(), match.start() + lead),
            *range(match.end() - trail, match.end()),
        ]:
            kept[i] = False
    return kept


@given(
    text=st.text(alphabet="ab \n", max_size=40),
    spans=st.lists(st.tuples(st.integers(0, 45), st.integers(0, 45)), max_size=6),
)
def test_essay_paragraphs_keeps_the_text_and_covers_exactly_each_quote(text, spans):
    statements = tuple(
        _graph_statement(i + 1, min(a, b), max(a, b)) for i, (a, b) in enumerate(spans)
    )
    paragraphs = essay_paragraphs(text, statements)
    expected = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
    assert ["".join(s.text for s in p.segments) for p in paragraphs] == expected
    segments = [s for p in paragraphs for s in p.segments]
    kept = _kept(text)
    for s in statements:
        valid = s.quote_start < s.quote_end <= len(text)
        shown = "".join(text[i] for i in range(s.quote_start, s.quote_end) if valid and kept[i])
        assert "".join(seg.text for seg in segments if s.id in seg.statements) == shown
        # a quote with visible text gets exactly one anchor, at its first piece
        anchors = [seg for seg in segments if s.id in seg.anchors]
        assert len(anchors) == (1 if shown else 0)
        if shown:
            assert shown.startswith(anchors[0].text)


# --- a map's page: statements by role --------------------------------------------------


def test_map_page_groups_statements_by_role_with_reasons_and_objections(client, cats_map):
    services.link_create(
        map_=cats_map,
        kind="oppose",
        premises=[services.statement_create(map_=cats_map, text="Quietness is not clean.")],
        target_link=cats_map.links.filter(kind="support").order_by("id").first(),
    )
    page = parse(client.get("/maps/cats/"))
    claim = by_text(cats_map, "Cats are good pets.")
    quiet, clean = by_text(cats_map, "Cats are quiet."), by_text(cats_map, "Cats are clean.")
    scratch = by_text(cats_map, "Cats scratch furniture.")
    post = by_text(cats_map, "A scratching post solves scratching.")
    spoil = by_text(cats_map, "Quietness is not clean.")

    def ids_in(role: str) -> set[int]:
        section = page.find_all("section", cls=f"role--{role}")
        if not section:
            return set()
        return {int(a.attrs["id"][2:]) for a in section[0].find_all("article")}

    assert ids_in("main_conclusion") == {claim.pk}
    assert {quiet.pk, clean.pk, scratch.pk, post.pk, spoil.pk} <= ids_in("premise")
    assert ids_in("intermediate_conclusion") == set()
    headings = [h.text() for h in page.by_id("argument").find_all("h3")]
    assert headings[0].startswith("Main conclusion")

    article = page.by_id(f"s-{claim.pk}")
    [reasons] = article.find_all("div", cls="links--support")
    [joint] = reasons.find_all("ul", cls="premises--joint")  # co-premises shown together
    assert joint.links() == [f"#s-{quiet.pk}", f"#s-{clean.pk}"]
    [objections] = article.find_all("div", cls="links--oppose")
    assert f"#s-{scratch.pk}" in objections.links()
    # the undercutter of the objection is shown under it, the one of the reason as an
    # objection that names the step it attacks
    [reply] = objections.find_all("li", cls="reply--oppose")
    assert reply.links() == [f"#s-{post.pk}"]
    [against] = objections.find_all("p", cls="link__against")
    assert against.links() == [f"#s-{quiet.pk}", f"#s-{clean.pk}"]
    assert f"#s-{spoil.pk}" in objections.links()
    assert "Vets" in page.by_id(f"s-{post.pk}").text()
    # a premise names what it bears on
    assert f"#s-{claim.pk}" in page.by_id(f"s-{quiet.pk}").find_all("ul", cls="uses")[0].links()


def test_each_statement_links_to_its_passage_and_to_a_focused_diagram(client, cats_map):
    page = parse(client.get("/maps/cats/?wrap=30"))
    for statement in cats_map.statements.all():
        article = page.by_id(f"s-{statement.pk}")
        links = article.links()
        has_passage = f"#q-{statement.pk}" in links
        assert has_passage == (statement.quote_start is not None)
        [focus] = [href for href in links if "focus=" in href]
        assert focus.startswith("?")
        assert focus.endswith("#diagram")
        assert query(focus) == {"focus": str(statement.pk), "depth": "2", "wrap": "30"}


# --- a map's page: diagram, options and downloads --------------------------------------


def test_map_page_shows_the_whole_diagram_with_alt_text(client, cats_map):
    page = parse(client.get("/maps/cats/"))
    [img] = page.by_id("diagram").find_all("img")
    assert img.attrs["src"] == "/api/maps/cats/diagram.svg?numbers=1"  # numbered by default
    n, m = cats_map.statements.count(), cats_map.links.count()
    assert img.attrs["alt"] == (
        f"Argument map of Map cats: {n} statements, {m} links; main conclusion: Cats are good pets."
    )
    assert img.attrs["src"] in page.by_id("diagram").links()  # full size
    assert page.by_id("id_direction").find_all("option", cls=None)[0].attrs["value"] == "BT"


def test_diagram_options_drive_the_image_and_the_downloads(client, cats_map):
    claim = by_text(cats_map, "Cats are good pets.")
    options = f"direction=LR&focus={claim.pk}&depth=3&wrap=30&quotes=1&legend=1&page=a4"
    page = parse(client.get(f"/maps/cats/?{options}"))
    [img] = page.by_id("diagram").find_all("img")
    expected = {
        "direction": "LR",
        "focus": str(claim.pk),
        "depth": "3",
        "wrap": "30",
        "quotes": "1",
        "legend": "1",
        "numbers": "1",
    }
    assert urlsplit(img.attrs["src"]).path == "/api/maps/cats/diagram.svg"
    assert query(img.attrs["src"]) == expected  # the page size is for the PDF only
    assert "within 3 link steps of statement" in img.attrs["alt"]
    assert "Cats are good pets." in img.attrs["alt"]

    downloads = {
        a.attrs["data-format"]: a.attrs["href"] for a in page.find_all("a", cls="download")
    }
    assert set(downloads) == {"svg", "png", "pdf", "slides", "dot", "json"}
    for fmt in ("svg", "png", "dot"):
        assert urlsplit(downloads[fmt]).path == f"/api/maps/cats/diagram.{fmt}"
        assert query(downloads[fmt]) == {**expected, "download": "1"}
    assert query(downloads["pdf"]) == {**expected, "page": "a4", "download": "1"}
    assert query(downloads["slides"]) == {**expected, "page": "slides", "download": "1"}
    assert urlsplit(downloads["json"]).path == "/api/maps/cats/export.json"

    # the form shows what was chosen
    assert "selected" in page.by_id("id_direction").find_all("option")[2].attrs
    assert page.by_id("id_wrap").attrs["value"] == "30"
    assert "checked" in page.by_id("id_quotes").attrs
    [chosen] = [o for o in page.by_id("id_focus").find_all("option") if "selected" in o.attrs]
    assert chosen.attrs["value"] == str(claim.pk)
    # and the way back to the whole map keeps the other options
    [notice] = page.find_all("p", cls="notice")
    back = next(href for href in notice.links() if href.startswith("?"))
    assert "focus" not in query(back)
    assert query(back)["direction"] == "LR"


def test_unusable_options_fall_back_to_the_defaults(client, cats_map, make_map):
    other = make_map("other")
    foreign = other.statements.first()
    page = parse(client.get(f"/maps/cats/?direction=UP&wrap=5&focus={foreign.pk}&depth=x"))
    [img] = page.by_id("diagram").find_all("img")
    assert img.attrs["src"] == "/api/maps/cats/diagram.svg?numbers=1"
    assert page.find_all("p", cls="form-errors")
    assert len(page.find_all("p", cls="field__error")) == 4


def test_the_form_is_a_plain_get_form(client, cats_map):
    page = parse(client.get("/maps/cats/"))
    [form] = page.find_all("form")
    assert form.attrs["method"] == "get"
    names = {n.attrs.get("name") for n in form.iter() if n.tag in {"select", "input"}}
    assert names == {"direction", "focus", "depth", "wrap", "quotes", "legend", "numbers", "page"}
    assert [b.attrs["type"] for b in form.find_all("button")] == ["submit"]
    assert page.by_id("id_wrap").attrs["value"] == "40"
    assert page.by_id("id_depth").attrs["value"] == "2"


def test_the_form_shows_the_defaults_of_options_left_out(client, cats_map):
    claim = by_text(cats_map, "Cats are good pets.")
    page = parse(client.get(f"/maps/cats/?focus={claim.pk}"))
    assert page.by_id("id_wrap").attrs["value"] == "40"
    assert page.by_id("id_depth").attrs["value"] == "2"
    assert "checked" not in page.by_id("id_quotes").attrs


def test_ids_on_the_page_are_unique(client, cats_map):
    page = parse(client.get("/maps/cats/?focus=1"))
    ids = [n.attrs["id"] for n in page.iter() if n.attrs.get("id")]
    assert len(ids) == len(set(ids))
    # every in-page link has its target
    targets = set(ids)
    for href in page.links():
        if href.startswith("#"):
            assert href[1:] in targets, href


def test_a_map_without_statements_or_text_still_has_a_page(client, db, user):
    services.map_create(slug="empty", title="Empty", owner=user)
    page = parse(client.get("/maps/empty/"))
    assert "no statements yet" in page.by_id("argument").text()
    assert not [n for n in page.iter() if n.attrs.get("id") == "essay"]
    [img] = page.find_all("img")
    assert img.attrs["alt"] == "Argument map of Empty: 0 statements, 0 links."


# --- access ----------------------------------------------------------------------------


def test_unknown_map_is_404(client, db):
    assert client.get("/maps/nope/").status_code == 404


def test_private_map_is_404_for_others(client, make_map, user, other_user, staff):
    make_map("secret", is_private=True)
    assert client.get("/maps/secret/").status_code == 404
    client.force_login(other_user)
    assert client.get("/maps/secret/").status_code == 404
    client.force_login(user)
    assert client.get("/maps/secret/").status_code == 200
    client.force_login(staff)
    assert client.get("/maps/secret/").status_code == 200


# --- escaping --------------------------------------------------------------------------

HOSTILE = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "</textarea>",
    "{{ map.slug }}",
    "{% now 'Y' %}",
]


@pytest.fixture
def hostile_map(db, user):
    payload = " ".join(HOSTILE)
    source = f"Intro {payload} middle.\n\n{payload} end."
    map_ = services.map_create(
        slug="hostile",
        title=f"T {payload}",
        owner=user,
        summary=payload,
        source_title=payload,
        source_author=payload,
        source_text=source,
    )
    first = services.statement_create(
        map_=map_,
        text=f"S {payload}",
        quote=payload,
        attributed_to=payload[:200],
        note=f"N {payload}\nsecond line",
    )
    second = services.statement_create(map_=map_, text=f"R {payload}")
    services.link_create(
        map_=map_, kind="support", premises=[second], conclusion=first, scheme=payload, note=payload
    )
    return map_


@pytest.mark.parametrize("path", ["/", "/maps/hostile/", "/maps/hostile/?wrap=30"])
def test_user_text_is_escaped_everywhere(client, hostile_map, path):
    response = client.get(path)
    html = response.content.decode()
    for raw in ("<script>alert", "<img src=x", "</textarea>", "onerror=alert(1)>"):
        assert raw not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "{{ map.slug }}" in html  # shown literally, never evaluated
    page = parse(response)
    scripts = page.find_all("script")
    assert [s.attrs.get("src", "").endswith("web/site.js") for s in scripts] == [True]
    assert all(not s.children for s in scripts)
    for node in page.iter():
        assert not [name for name in node.attrs if name.startswith("on")], node.tag
    assert len(page.find_all("img")) == (1 if "maps" in path else 0)
    assert not page.find_all("textarea")


def test_hostile_text_reads_back_literally(client, hostile_map):
    page = parse(client.get("/maps/hostile/"))
    first = hostile_map.statements.order_by("id").first()
    assert page.by_id(f"q-{first.pk}").text() == first.quote
    assert first.text in page.by_id(f"s-{first.pk}").text()
    [note] = page.by_id(f"s-{first.pk}").find_all("p", cls="statement__note")
    assert first.note.replace("\n", "") in note.text().replace("\n", "")
    assert note.text().startswith("Note:")
    [img] = page.by_id("diagram").find_all("img")
    assert hostile_map.title in img.attrs["alt"]
    assert page.find_all("h1")[0].text() == hostile_map.title


def test_templates_never_turn_off_escaping():
    templates = Path(settings.BASE_DIR, "web", "templates").rglob("*.html")
    for template in templates:
        source = template.read_text()
        assert "|safe" not in source, template
        assert "autoescape off" not in source, template


def test_a_source_url_that_is_not_http_is_not_linked(client, cats_map):
    cats_map.source_title = "Source"
    cats_map.source_url = "javascript:alert(1)"  # bypassing the validators on purpose
    cats_map.save()
    page = parse(client.get("/maps/cats/"))
    assert not [href for href in page.links() if "javascript" in href]


# --- query counts ----------------------------------------------------------------------


@pytest.mark.parametrize("n_reasons", [1, 25])
def test_map_page_costs_four_queries_whatever_the_map_size(
    client, db, user, django_assert_num_queries, n_reasons
):
    map_ = build_map(slug="big", n_reasons=n_reasons, owner=user)
    focus = map_.statements.first().pk
    with django_assert_num_queries(4):
        response = client.get(f"/maps/big/?focus={focus}&quotes=1")
    assert response.content.count(b'class="statement ') == 5 + n_reasons


def test_map_page_query_count_does_not_grow_for_a_signed_in_user(client, db, user):
    counts = []
    client.force_login(user)
    for slug, n_reasons in (("small", 1), ("large", 30)):
        build_map(slug=slug, n_reasons=n_reasons, owner=user, is_private=True)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"/maps/{slug}/").status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]


def test_page_form_offers_exactly_the_api_options():
    from api.graph import dot
    from web import forms

    assert {value for value, _ in forms.PAGES if value} == set(dot.PAGES)
    assert [value for value, _ in forms.DIRECTIONS] == list(dot.DIRECTIONS)


def test_without_graphviz_the_page_says_what_is_missing_and_how_to_install_it(
    client, cats_map, monkeypatch
):
    monkeypatch.setenv("PATH", "/nonexistent")
    page = parse(client.get("/maps/cats/"))
    assert page.by_id("diagram").find_all("img") == []
    missing = page.by_id("diagram-missing")
    assert "apt-get install graphviz" in missing.text()
    formats = {a.attrs["data-format"] for a in page.find_all("a", cls="download")}
    assert formats == {"dot", "json"}


def test_numbers_can_be_turned_off_and_the_choice_is_kept(client, cats_map):
    claim = by_text(cats_map, "Cats are good pets.")
    page = parse(client.get("/maps/cats/?numbers=0"))
    [img] = page.by_id("diagram").find_all("img")
    assert "numbers" not in query(img.attrs["src"])
    focus_link = next(href for href in page.by_id(f"s-{claim.pk}").links() if "focus=" in href)
    assert query(focus_link)["numbers"] == "0"


def test_the_json_download_is_an_attachment(client, cats_map):
    page = parse(client.get("/maps/cats/"))
    [json_link] = [
        a for a in page.find_all("a", cls="download") if a.attrs["data-format"] == "json"
    ]
    response = client.get(json_link.attrs["href"])
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="cats.json"'


# --- bounded pages under load (issue "Hold under hostile load", item 2) ----------------


def test_pages_share_the_api_read_limit(client, api_client, cats_map, settings):
    settings.ARGMAP_THROTTLE_RATES = {**settings.ARGMAP_THROTTLE_RATES, "anon": "3/min"}
    for _ in range(3):
        assert api_client.get("/api/maps/").status_code == 200
    refused = client.get("/maps/cats/")  # the same client, the same counters
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert "Too many requests" in refused.content.decode()
    assert "3/min" in refused.content.decode()
    assert client.get("/").status_code == 429


def test_page_views_count_against_the_api_too(client, api_client, cats_map, settings):
    settings.ARGMAP_THROTTLE_RATES = {**settings.ARGMAP_THROTTLE_RATES, "anon": "2/min"}
    assert client.get("/").status_code == 200
    assert client.get("/maps/cats/").status_code == 200
    assert api_client.get("/api/maps/").status_code == 429


def test_a_long_argument_is_listed_in_parts(client, make_map, settings):
    settings.ARGMAP_PAGE_STATEMENTS = 3
    map_ = make_map("long", n_reasons=5)  # 10 statements: parts of 3, 3, 3 and 1
    total = map_.statements.count()
    seen: dict[int, int] = {}
    for part in range(1, 5):
        page = parse(client.get(f"/maps/long/?part={part}"))
        articles = page.find_all("article", cls="statement")
        assert len(articles) == (3 if part < 4 else total - 9)
        for article in articles:
            sid = int(article.attrs["id"].removeprefix("s-"))
            assert sid not in seen
            seen[sid] = part
        [where, _] = page.find_all("p", cls="parts__where")
        assert f"of {total} (part {part} of 4)" in where.text()
    assert len(seen) == total
    # A link to a statement listed in another part leads to that part.
    page = parse(client.get("/maps/long/?part=4"))
    for href in page.by_id("argument").links():
        if "#s-" in href and not href.startswith("#"):
            sid = int(href.rsplit("#s-", 1)[1])
            part = seen[sid]
            assert query(href).get("part", "1") == str(part), href
    for bad in ("0", "5", "x", "٣"):
        assert client.get(f"/maps/long/?part={bad}").status_code == 404


def test_a_statement_lists_a_bounded_number_of_reasons(client, make_map, settings):
    settings.ARGMAP_PAGE_LINKS_PER_STATEMENT = 2
    map_ = make_map("many", n_reasons=5)  # the claim has 6 reasons
    claim = by_text(map_, "Cats are good pets.")
    page = parse(client.get("/maps/many/"))
    article = page.by_id(f"s-{claim.pk}")
    [reasons] = article.find_all("div", cls="links--support")
    [listed] = [n for n in reasons.children if isinstance(n, Node) and n.tag == "ul"]
    assert len([n for n in listed.children if isinstance(n, Node) and n.tag == "li"]) == 2
    assert reasons.find_all("span", cls="count")[0].text() == "6"
    [more] = reasons.find_all("p", cls="links__more")
    assert "And 4 more" in more.text()
    assert f"/api/links/?conclusion={claim.pk}&kind=support" in more.links()


def test_a_source_text_too_long_for_the_page_is_not_shown(client, cats_map, settings):
    settings.ARGMAP_PAGE_MAX_ESSAY_CHARS = 10
    page = parse(client.get("/maps/cats/"))
    essay = page.by_id("essay")
    assert not essay.find_all("mark")
    assert "characters long" in essay.text()
    assert not page.find_all("a", cls="passage-link")


def test_a_big_map_offers_centre_on_as_a_number(client, cats_map, settings):
    settings.ARGMAP_PAGE_MAX_FOCUS_CHOICES = 2
    claim = by_text(cats_map, "Cats are good pets.")
    page = parse(client.get("/maps/cats/"))
    [field] = [n for n in page.find_all("input") if n.attrs.get("name") == "focus"]
    assert field.attrs["type"] == "number"
    assert not [n for n in page.find_all("select") if n.attrs.get("name") == "focus"]
    focused = parse(client.get(f"/maps/cats/?focus={claim.pk}"))
    assert query(focused.by_id("diagram-img").attrs["src"])["focus"] == str(claim.pk)
    unknown = parse(client.get("/maps/cats/?focus=999999"))
    assert "focus" not in query(unknown.by_id("diagram-img").attrs["src"])
    assert "no statement 999999" in unknown.text()


def test_the_page_of_a_big_map_is_bounded(client, db, user, django_assert_max_num_queries):
    from bench.generate import generate_graph, with_source_text

    graph = with_source_text(generate_graph(1200))
    services.map_import(graph=graph, slug="big", title="Big", owner=user)
    with django_assert_max_num_queries(8):
        response = client.get("/maps/big/")
    page = parse(response)
    per_part = settings.ARGMAP_PAGE_STATEMENTS
    assert len(page.find_all("article", cls="statement")) == per_part
    assert len(page.find_all("option")) < 50  # "Centre on" is a number, not 1 200 choices
    # 200 statements of 1 200, not all of them: a fraction of the whole page's size.
    whole = len(response.content)
    settings.ARGMAP_PAGE_STATEMENTS = 1200
    assert len(client.get("/maps/big/").content) > 3 * whole


# --- where the diagram opens (issue 21: the coaches' page opens on the argument) ----------


def opening_attrs(response) -> dict[str, str] | None:
    found = parse(response).by_id("diagram").find_all("div", cls="diagram-canvas")
    return found[0].attrs if found else None


def fractions(value: str) -> list[float]:
    return [float(v) for v in value.split()]


@needs_dot
def test_the_diagram_opens_on_the_main_conclusion_and_its_direct_reasons(client, cats_map):
    response = client.get("/maps/cats/")
    attrs = opening_attrs(response)
    assert attrs is not None
    assert "data-open" in attrs
    svg = client.get("/api/maps/cats/diagram.svg?numbers=1").content
    drawing = statement_boxes(svg)
    graph = map_graph_get(cats_map)
    head, *reasons = opening(graph)
    assert graph.statement(head).text == "Cats are good pets."
    box = drawing.boxes[head]
    assert fractions(attrs["data-head"]) == pytest.approx(
        [box.left, box.top, box.right, box.bottom], abs=1e-4
    )
    part = box
    for sid in reasons:
        part = part.union(drawing.boxes[sid])
    assert fractions(attrs["data-part"]) == pytest.approx(
        [part.left, part.top, part.right, part.bottom], abs=1e-4
    )
    assert float(attrs["data-natural"]) == pytest.approx(drawing.width, abs=0.1)
    assert float(attrs["data-min-zoom"]) == OPENING_MIN_ZOOM
    # the start marker is centred on the main conclusion and covers its reasons
    [start] = parse(response).by_id("diagram").find_all("span", cls="diagram-start")
    left, top, width, height = (
        float(start.attrs[f"data-{k}"].rstrip("%")) / 100
        for k in ("left", "top", "width", "height")
    )
    assert left + width / 2 == pytest.approx((box.left + box.right) / 2, abs=1e-4)
    assert top + height / 2 == pytest.approx((box.top + box.bottom) / 2, abs=1e-4)
    assert left <= part.left + 1e-4
    assert left + width >= part.right - 1e-4
    assert top <= part.top + 1e-4
    assert top + height >= part.bottom - 1e-4


@needs_dot
def test_a_focused_diagram_opens_on_its_focus(client, cats_map):
    scratch = by_text(cats_map, "Cats scratch furniture.")
    attrs = opening_attrs(client.get(f"/maps/cats/?focus={scratch.pk}&depth=1"))
    assert attrs is not None
    svg = client.get(f"/api/maps/cats/diagram.svg?focus={scratch.pk}&depth=1&numbers=1").content
    box = statement_boxes(svg).boxes[scratch.pk]
    assert fractions(attrs["data-head"]) == pytest.approx(
        [box.left, box.top, box.right, box.bottom], abs=1e-4
    )


@needs_dot
def test_past_the_render_limit_the_page_still_opens_without_drawing(client, cats_map, settings):
    settings.ARGMAP_THROTTLE_RATES = {
        **settings.ARGMAP_THROTTLE_RATES,
        **dict.fromkeys(("render_anon", "render_all_anon", "render_user"), "0/min"),
    }
    response = client.get("/maps/cats/")
    assert response.status_code == 200
    assert opening_attrs(response) is None
    [img] = parse(response).by_id("diagram").find_all("img")
    assert img.attrs["src"] == "/api/maps/cats/diagram.svg?numbers=1"
    # the picture itself answers as the API does past its render limit
    assert client.get(img.attrs["src"]).status_code == 429


@needs_dot
def test_the_page_draws_the_diagram_once_for_itself_and_its_picture(client, cats_map, monkeypatch):
    runs = []
    real = RenderBudget.run

    def counting(self, *args, **kwargs):
        runs.append(args)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(RenderBudget, "run", counting)
    client.get("/maps/cats/")
    assert client.get("/api/maps/cats/diagram.svg?numbers=1").status_code == 200
    assert len(runs) == 1


def test_the_diagram_key_explains_both_kinds_of_dot(client, cats_map):
    # The cats map has an undercut: its diagram draws the dot where the objection meets
    # the step it attacks, and the page's key says what that dot is.
    key = parse(client.get("/maps/cats/")).by_id("diagram").find_all("ul", cls="diagram-key")[0]
    items = [li.text() for li in key.find_all("li")]
    assert "co-premises meet in a dot" in items
    assert any("objection to a step" in item and "dot" in item for item in items)


# --- a big map's handout or deck: drawn by a job, followed on a page ---------------------
# (docs/jobs.md). The jobs are not run here unless a test runs them: with no commit
# callbacks, a new job stays queued, as it does while a worker is busy.

DECK_PAGE = "/maps/cats/diagram.pdf?page=slides"
DECK_FILE = "/api/maps/cats/diagram.pdf?page=slides&download=1"


@pytest.fixture
def small_maps_are_big(settings):
    settings.ARGMAP_JOB_MIN_STATEMENTS = 5  # cats has 7 statements


def downloads_of(page: Node) -> dict[str, Node]:
    return {a.attrs["data-format"]: a for a in page.find_all("a", cls="download")}


def test_a_big_maps_handout_and_deck_link_to_the_page_that_follows_their_job(
    client, cats_map, settings
):
    settings.ARGMAP_JOB_MIN_STATEMENTS = 8
    small = downloads_of(parse(client.get("/maps/cats/?direction=LR")))
    assert urlsplit(small["slides"].attrs["href"]).path == "/api/maps/cats/diagram.pdf"
    assert small["slides"].attrs["download"] == "cats-slides.pdf"

    settings.ARGMAP_JOB_MIN_STATEMENTS = 7
    big = downloads_of(parse(client.get("/maps/cats/?direction=LR")))
    for fmt, page in (("pdf", "a4"), ("slides", "slides")):
        href = big[fmt].attrs["href"]
        assert urlsplit(href).path == "/maps/cats/diagram.pdf"
        assert query(href) == {"direction": "LR", "numbers": "1", "page": page}
        # No file name: the browser would save the page that follows the job as the PDF.
        assert "download" not in big[fmt].attrs
    # A single image is drawn in the request, whatever the map's size.
    assert urlsplit(big["svg"].attrs["href"]).path == "/api/maps/cats/diagram.svg"
    assert big["svg"].attrs["download"] == "cats.svg"


@needs_dot
def test_the_download_page_shows_the_jobs_progress_then_gives_the_file(
    client, cats_map, small_maps_are_big
):
    from api.models import Job
    from api.services import jobs
    from api.tasks import run_job

    queued = parse(client.get(DECK_PAGE))
    job = Job.objects.get()
    assert (job.map, job.params, job.state) == (cats_map, {"page": "slides"}, "queued")
    [box] = queued.find_all("div", cls="job")
    assert box.attrs["data-job-url"] == f"/api/jobs/{job.pk}/"
    assert box.attrs["data-file-url"] == DECK_FILE
    [bar] = box.find_all("progress")
    assert "value" not in bar.attrs  # how many pages is not known yet
    [status] = box.find_all("p", cls="job__status")
    assert status.text() == "Waiting for a worker to start it."
    assert status.attrs["role"] == "status"
    [refresh] = box.find_all("p", cls="job__refresh")
    assert refresh.links() == [DECK_PAGE]  # without JavaScript: refresh to follow it
    assert "Drawing the Slides (16:9) of “Map cats”" in queued.find_all("h1")[0].text()

    jobs.job_start(job_id=job.pk)
    jobs.job_progress(job=job, done=3, total=12)
    running = parse(client.get(DECK_PAGE))
    [bar] = running.find_all("progress")
    assert (bar.attrs["value"], bar.attrs["max"]) == ("3", "12")
    assert running.find_all("p", cls="job__status")[0].text() == "3 of 12 pages laid out."
    assert Job.objects.count() == 1  # the same job, followed

    run_job(str(job.pk))
    done = client.get(DECK_PAGE)
    assert done.status_code == 303
    assert done["Location"] == DECK_FILE
    pdf = client.get(done["Location"])
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")
    assert pdf["Content-Disposition"] == 'attachment; filename="cats-slides.pdf"'


def test_what_a_request_draws_goes_straight_to_the_file(client, cats_map, settings):
    from api.models import Job

    settings.ARGMAP_JOB_MIN_STATEMENTS = 8  # a small map's deck
    deck = client.get(DECK_PAGE + "&direction=LR")
    assert deck.status_code == 303
    assert deck["Location"] == "/api/maps/cats/diagram.pdf?page=slides&direction=LR&download=1"
    settings.ARGMAP_JOB_MIN_STATEMENTS = 5  # a single image of a big one
    image = client.get("/maps/cats/diagram.svg")
    assert image.status_code == 303
    assert image["Location"] == "/api/maps/cats/diagram.svg?download=1"
    assert Job.objects.count() == 0


def test_the_download_page_refuses_bad_options_and_hides_private_maps(
    client, make_map, other_user, small_maps_are_big
):
    from api.models import Job

    make_map("cats")
    bad = client.get("/maps/cats/diagram.pdf?page=slides&colour=red&depth=x")
    assert bad.status_code == 400
    text = bad.content.decode()
    assert "colour: " in text
    assert "depth: " in text
    assert client.get("/maps/cats/diagram.tiff?page=a4").status_code == 400

    make_map("secret", is_private=True)
    client.force_login(other_user)
    assert client.get("/maps/secret/diagram.pdf?page=slides").status_code == 404
    assert Job.objects.count() == 0


def test_the_download_page_says_when_too_many_jobs_wait(
    client, cats_map, small_maps_are_big, settings
):
    from api.models import Job

    settings.ARGMAP_JOBS_PER_USER = 1
    assert client.get(DECK_PAGE).status_code == 200
    full = client.get("/maps/cats/diagram.pdf?page=a4")
    assert full.status_code == 429
    assert "ARGMAP_JOBS_PER_USER" in full.content.decode()
    assert int(full["Retry-After"]) >= 1
    assert Job.objects.count() == 1


def test_the_download_page_keeps_the_apis_render_limits_and_answers(
    client, cats_map, small_maps_are_big, settings
):
    from api.models import Job

    # Options that cannot go together are a 422, as in the API (a page size for an SVG).
    assert client.get("/maps/cats/diagram.svg?page=a4").status_code == 422
    # Past the render limit, a new job is refused as a drawing would be, saying so.
    settings.ARGMAP_THROTTLE_RATES = {
        **settings.ARGMAP_THROTTLE_RATES,
        **dict.fromkeys(("render_anon", "render_all_anon", "render_user"), "0/min"),
    }
    limited = client.get(DECK_PAGE)
    assert limited.status_code == 429
    assert "Too many diagrams drawn from here: at most 0/min" in limited.content.decode()
    assert int(limited["Retry-After"]) >= 1
    assert Job.objects.count() == 0


def test_the_download_page_escapes_the_maps_title(client, make_map, small_maps_are_big):
    made = make_map("cats")
    services.map_update(map_=made, title="<script>alert(1)</script> & co")
    text = client.get(DECK_PAGE).content.decode()
    assert "<script>alert(1)" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in text
