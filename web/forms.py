"""The diagram options form of a map's page (a plain GET form) and the API URLs it yields.

The options are the query parameters of ``/api/maps/<slug>/diagram.<format>``; the API
refuses unknown parameters, so only these are ever passed on, and only when they differ
from the API's defaults (the plain page draws the plain diagram).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, urlencode

from django import forms
from django.conf import settings

from api.diagrams import DEFAULT_DEPTH, DEFAULT_DIRECTION, MAX_DEPTH
from api.graph.dot import WRAP_DEFAULT, WRAP_MAX, WRAP_MIN
from api.graph.model import Statement
from web.presenters import shorten

DIRECTIONS = [
    ("BT", "Upwards (reasons below)"),
    ("TB", "Downwards (reasons above)"),
    ("LR", "Left to right"),
    ("RL", "Right to left"),
]
PAGES = [
    ("", "One page, natural size"),
    ("a4", "A4 pages"),
    ("a3", "A3 pages"),
    ("letter", "US Letter pages"),
    ("slides", "Slides (16:9)"),
]
DEFAULT_PAGE = "a4"  # the PDF download is a handout unless asked otherwise
NUMBERS = [("1", "Numbered boxes (#16)"), ("0", "No numbers")]
# The API's defaults and limits, so the page and the endpoint cannot drift apart.
DEFAULT_WRAP = WRAP_DEFAULT


@dataclass(frozen=True, slots=True)
class DiagramChoice:
    """The options a coach chose, checked; the API's defaults where nothing valid was given."""

    direction: str = DEFAULT_DIRECTION
    focus: int | None = None
    depth: int = DEFAULT_DEPTH
    wrap: int = DEFAULT_WRAP
    quotes: bool = False
    legend: bool = False
    numbers: bool = True
    page: str = DEFAULT_PAGE

    def params(self, *, page: bool = False) -> dict[str, str]:
        """The diagram query parameters that differ from the API's defaults (the page
        shows numbered boxes by default, so ``numbers=1`` is sent unless turned off).

        ``page`` (the PDF's paper or slide size) is added only when asked: it splits the
        map over pages, which suits a printed PDF but not a picture on screen.
        """
        params: dict[str, str] = {}
        if self.direction != DEFAULT_DIRECTION:
            params["direction"] = self.direction
        if self.focus is not None:
            params["focus"] = str(self.focus)
            params["depth"] = str(self.depth)
        if self.wrap != DEFAULT_WRAP:
            params["wrap"] = str(self.wrap)
        if self.quotes:
            params["quotes"] = "1"
        if self.legend:
            params["legend"] = "1"
        if self.numbers:
            params["numbers"] = "1"
        if page and self.page:
            params["page"] = self.page
        return params

    def page_query(self, **changes: object) -> str:
        """The query string of the map page showing these options (with ``changes``)."""
        params = self.params(page=True)
        for name, value in changes.items():
            params.pop(name, None)
            if value is not None:
                params[name] = str(value)
        if "focus" not in params:
            params.pop("depth", None)
        # numbers and page: say only what differs from the page's own defaults
        params.pop("numbers", None)
        if not self.numbers:
            params["numbers"] = "0"
        if params.get("page") == DEFAULT_PAGE:
            params.pop("page")
        elif not self.page:
            params["page"] = ""
        return urlencode(params)


def diagram_url(slug: str, fmt: str, choice: DiagramChoice, *, download: bool = False) -> str:
    """The API URL of the map's diagram in ``fmt`` with these options."""
    params = choice.params(page=fmt == "pdf")
    if download:
        params["download"] = "1"
    return api_diagram_url(slug, fmt, params)


def api_diagram_url(slug: str, fmt: str, params: dict[str, str]) -> str:
    """The API URL of the map's diagram in ``fmt`` with these query parameters."""
    query = urlencode(params)
    return f"/api/maps/{quote(slug)}/diagram.{fmt}" + (f"?{query}" if query else "")


def graph_json_url(slug: str) -> str:
    """The whole map as a JSON file (the export endpoint sends it as an attachment)."""
    return f"/api/maps/{quote(slug)}/export.json"


class DiagramOptionsForm(forms.Form):
    direction = forms.ChoiceField(
        label="Direction", choices=DIRECTIONS, required=False, initial=DEFAULT_DIRECTION
    )
    focus = forms.TypedChoiceField(
        label="Centre on",
        coerce=int,
        empty_value=None,
        required=False,
        help_text="Draw only the claims around one statement.",
    )
    depth = forms.IntegerField(
        label="Steps around it",
        min_value=0,
        max_value=MAX_DEPTH,
        required=False,
        initial=DEFAULT_DEPTH,
        help_text="Used with “Centre on”.",
    )
    wrap = forms.IntegerField(
        label="Characters per line",
        min_value=WRAP_MIN,
        max_value=WRAP_MAX,
        required=False,
        initial=DEFAULT_WRAP,
    )
    quotes = forms.BooleanField(label="Show quotes from the essay", required=False)
    legend = forms.BooleanField(label="Add a legend", required=False)
    numbers = forms.ChoiceField(
        label="Numbers", choices=NUMBERS, required=False, initial="1", widget=forms.Select
    )
    page = forms.ChoiceField(
        label="PDF pages",
        choices=PAGES,
        required=False,
        initial=DEFAULT_PAGE,
        help_text="Paper: text at least 8 pt; slides: at least 12 pt. Big maps are split.",
    )

    def __init__(self, data, *, statements: tuple[Statement, ...]) -> None:
        # A page opened without options is unbound and shows the defaults. A bound form
        # shows what was asked for, and the defaults for the fields left out (so a link
        # with only ``?focus=3`` still shows the depth and wrap that are used).
        if data:
            data = data.copy()
            for name in ("direction", "depth", "wrap"):
                if not data.get(name):
                    data[name] = str(self.base_fields[name].initial)
            for name in ("numbers", "page"):  # "" is a choice of its own here
                if name not in data:
                    data[name] = str(self.base_fields[name].initial)
        super().__init__(data or None)
        self.statement_ids = {s.id for s in statements}
        if len(statements) > settings.ARGMAP_PAGE_MAX_FOCUS_CHOICES:
            # A list of thousands of statements would be most of the page: a number.
            self.fields["focus"] = forms.IntegerField(
                label="Centre on statement number",
                min_value=1,
                required=False,
                help_text="Draw only the claims around one statement (#16: type 16).",
            )
            return
        focus = self.fields["focus"]
        assert isinstance(focus, forms.ChoiceField)
        focus.choices = [("", "Whole map")] + [
            (str(s.id), f"#{s.id} {shorten(s.text, 70)}") for s in statements
        ]

    def clean_focus(self) -> int | None:
        focus = self.cleaned_data.get("focus")
        if focus is not None and focus not in self.statement_ids:
            raise forms.ValidationError(f"This map has no statement {focus}.")
        return focus

    def choice(self) -> DiagramChoice:
        """The checked options; a field with an error falls back to its default."""
        if not self.is_bound:
            return DiagramChoice()
        self.is_valid()
        data = self.cleaned_data
        return DiagramChoice(
            direction=data.get("direction") or DEFAULT_DIRECTION,
            focus=data.get("focus"),
            depth=DEFAULT_DEPTH if data.get("depth") is None else data["depth"],
            wrap=data.get("wrap") or DEFAULT_WRAP,
            quotes=bool(data.get("quotes")),
            legend=bool(data.get("legend")),
            numbers=data.get("numbers", "1") != "0",
            page=DEFAULT_PAGE if data.get("page") is None else data["page"],
        )
