"""The whole-map JSON shape (``GET /api/maps/{slug}/graph/``) to and from the graph."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from api.graph.budget import Budget
from api.graph.errors import FormatError, describe
from api.graph.model import ArgumentGraph, Kind, Link, MapInfo, Statement

# The keys of the ``map`` object: the fields of ``MapInfo``, in order (the one list of a
# map's own fields; ``api.services.MAP_FIELDS``, the editable ones, is made from it).
MAP_KEYS = tuple(f.name for f in fields(MapInfo))


def map_to_dict(info: MapInfo) -> dict[str, Any]:
    """Return the map's own fields as a JSON-ready dict."""
    return {key: getattr(info, key) for key in MAP_KEYS}


def to_dict(graph: ArgumentGraph) -> dict[str, Any]:
    """Return the graph in the API's whole-map shape: ``{"map", "statements", "links"}``."""
    roles = graph.roles
    return {
        "map": map_to_dict(graph.map),
        "statements": [
            {
                "id": s.id,
                "text": s.text,
                "quote": s.quote,
                "quote_start": s.quote_start,
                "quote_end": s.quote_end,
                "attributed_to": s.attributed_to,
                "base_score": s.base_score,
                "note": s.note,
                "role": roles[s.id].value,
            }
            for s in graph.statements
        ],
        "links": [
            {
                "id": link.id,
                "kind": link.kind.value,
                "premises": list(link.premises),
                "conclusion": link.conclusion,
                "target_link": link.target_link,
                "scheme": link.scheme,
                "note": link.note,
            }
            for link in graph.links
        ],
    }


def _expect(
    data: dict,
    key: str,
    kinds: tuple[type, ...],
    where: str,
    *,
    required: bool,
    default: Any = None,
    nullable: bool = False,
) -> Any:
    names = " or ".join(KIND_NAMES[k] for k in kinds) + (" or null" if nullable else "")
    if key not in data:
        if required:
            raise FormatError(f"Missing {key!r}: expected {names}.", pointer=f"{where}/{key}")
        return default
    value = data[key]
    if value is None and nullable:
        return None
    bad_bool = isinstance(value, bool) and bool not in kinds
    if bad_bool or not isinstance(value, kinds):
        names = " or ".join(KIND_NAMES[k] for k in kinds) + (" or null" if nullable else "")
        raise FormatError(
            f"Expected {names} but found {describe(value)}.", pointer=f"{where}/{key}"
        )
    return value


KIND_NAMES = {
    str: "a string",
    int: "an integer",
    float: "a number",
    list: "an array",
    dict: "an object",
    bool: "a boolean",
}


def from_dict(data: Any, *, slug: str = "", budget: Budget | None = None) -> ArgumentGraph:
    """Read the whole-map shape (as ``to_dict`` writes it) into a graph.

    ``role`` is derived and ignored; ``map`` is optional (its ``version`` is ignored).
    Raises ``FormatError`` with a JSON pointer at the first value of the wrong type or a
    missing one. Rules between objects (known ids, one target per link, quotes against the
    source text) are ``api.graph.validate.check_graph``'s. Linear in the input; raises
    ``BudgetExceeded`` (a ``FormatError``) past ``budget``'s steps.
    """
    budget = Budget.of(budget)
    if not isinstance(data, dict):
        raise FormatError(f"Expected an object but found {describe(data)}.", pointer="")
    info = _expect(data, "map", (dict,), "", required=False, default={})
    map_kwargs: dict[str, Any] = {"slug": slug, "title": ""}
    for key in MAP_KEYS:
        if key in ("version", "slug"):
            continue
        kinds: tuple[type, ...] = (str,)
        value = _expect(info, key, kinds, "/map", required=False, nullable=key == "source_date")
        if value is not None:
            map_kwargs[key] = value
    if not slug and isinstance(info.get("slug"), str):
        map_kwargs["slug"] = info["slug"]

    raw_statements = _expect(data, "statements", (list,), "", required=True)
    raw_links = _expect(data, "links", (list,), "", required=False, default=[])
    statements = []
    for index, item in enumerate(raw_statements):
        budget.spend()
        where = f"/statements/{index}"
        if not isinstance(item, dict):
            raise FormatError(f"Expected an object but found {describe(item)}.", pointer=where)
        score = _expect(item, "base_score", (int, float), where, required=False, default=0.5)
        statements.append(
            Statement(
                id=_expect(item, "id", (int,), where, required=True),
                text=_expect(item, "text", (str,), where, required=True),
                quote=_expect(
                    item, "quote", (str,), where, required=False, default="", nullable=True
                )
                or "",
                quote_start=_expect(
                    item, "quote_start", (int,), where, required=False, nullable=True
                ),
                quote_end=_expect(item, "quote_end", (int,), where, required=False, nullable=True),
                attributed_to=_expect(
                    item, "attributed_to", (str,), where, required=False, default="", nullable=True
                )
                or "",
                base_score=float(score),
                note=_expect(item, "note", (str,), where, required=False, default="", nullable=True)
                or "",
            )
        )
    links = []
    for index, item in enumerate(raw_links):
        budget.spend()
        where = f"/links/{index}"
        if not isinstance(item, dict):
            raise FormatError(f"Expected an object but found {describe(item)}.", pointer=where)
        kind = _expect(item, "kind", (str,), where, required=True)
        if kind not in (Kind.SUPPORT.value, Kind.OPPOSE.value):
            raise FormatError(
                f"Expected 'support' or 'oppose' but found {describe(kind)}.",
                pointer=f"{where}/kind",
            )
        premises = _expect(item, "premises", (list,), where, required=True)
        budget.spend(len(premises))
        for i, premise in enumerate(premises):
            if isinstance(premise, bool) or not isinstance(premise, int):
                raise FormatError(
                    f"Expected a statement id but found {describe(premise)}.",
                    pointer=f"{where}/premises/{i}",
                )
        links.append(
            Link(
                id=_expect(item, "id", (int,), where, required=True),
                kind=Kind(kind),
                premises=tuple(premises),
                conclusion=_expect(
                    item, "conclusion", (int,), where, required=False, nullable=True
                ),
                target_link=_expect(
                    item, "target_link", (int,), where, required=False, nullable=True
                ),
                scheme=_expect(
                    item, "scheme", (str,), where, required=False, default="", nullable=True
                )
                or "",
                note=_expect(item, "note", (str,), where, required=False, default="", nullable=True)
                or "",
            )
        )
    return ArgumentGraph(
        map=MapInfo(**map_kwargs), statements=tuple(statements), links=tuple(links)
    )
