"""The in-memory argument graph: frozen dataclasses, no Django.

Everything under ``api.graph`` works on these objects, so diagrams, interchange formats
and evaluation can be written and tested without a database. ``api.selectors`` builds an
``ArgumentGraph`` from the database; ``api.services`` writes one back.
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from enum import StrEnum


class Role(StrEnum):
    """A statement's place in the map, derived from the links (never stored)."""

    MAIN_CONCLUSION = "main_conclusion"
    INTERMEDIATE_CONCLUSION = "intermediate_conclusion"
    PREMISE = "premise"
    UNLINKED = "unlinked"


class Kind(StrEnum):
    SUPPORT = "support"
    OPPOSE = "oppose"


@dataclass(frozen=True, slots=True)
class MapInfo:
    """The map's own fields (what the ``map`` object of the graph JSON holds)."""

    slug: str
    title: str
    summary: str = ""
    source_title: str = ""
    source_author: str = ""
    source_date: str | None = None  # ISO date
    source_url: str = ""
    source_text: str = ""
    version: int = 1


@dataclass(frozen=True, slots=True)
class Statement:
    id: int
    text: str
    quote: str = ""
    quote_start: int | None = None
    quote_end: int | None = None
    attributed_to: str = ""
    base_score: float = 0.5  # prior strength for gradual semantics (DF-QuAD), in [0, 1]
    note: str = ""  # the analyst's remark (a tension, an implied claim)


@dataclass(frozen=True, slots=True)
class Link:
    """A support or oppose link.

    ``premises`` are ordered; several premises in one link are co-premises. Exactly one of
    ``conclusion`` (a statement id) and ``target_link`` (a link id: an undercutter) is set.
    """

    id: int
    kind: Kind
    premises: tuple[int, ...]
    conclusion: int | None = None
    target_link: int | None = None
    scheme: str = ""
    note: str = ""


@dataclass(frozen=True, slots=True)
class ArgumentGraph:
    """A whole map: its fields, statements and links, in id order."""

    map: MapInfo
    statements: tuple[Statement, ...] = ()
    links: tuple[Link, ...] = ()
    _roles: dict[int, Role] = field(init=False, compare=False, repr=False)
    _statements_by_id: dict[int, Statement] = field(init=False, compare=False, repr=False)
    _links_by_id: dict[int, Link] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_roles", compute_roles(self.statements, self.links))
        object.__setattr__(self, "_statements_by_id", {s.id: s for s in self.statements})
        object.__setattr__(self, "_links_by_id", {link.id: link for link in self.links})

    def role(self, statement_id: int) -> Role:
        """Return the derived role of the statement with this id."""
        return self._roles[statement_id]

    @property
    def roles(self) -> dict[int, Role]:
        return dict(self._roles)

    def statement(self, statement_id: int) -> Statement:
        """Return the statement with this id; raise ``KeyError`` if there is none."""
        return self._statements_by_id[statement_id]

    def link(self, link_id: int) -> Link:
        """Return the link with this id; raise ``KeyError`` if there is none."""
        return self._links_by_id[link_id]


def role_of(*, is_target: bool, is_premise: bool) -> Role:
    """The role rule, the one place it is written: a statement that some link targets
    and that is premise of nothing is a main conclusion; targeted and premise of
    something, an intermediate conclusion; only a premise, a premise; neither, unlinked.

    Every other way of getting a role (``compute_roles``, ``linked_roles``, the API's
    fast graph JSON, ``Statement.role`` and the ``role`` filter in the database) calls
    this function or is built from ``ROLE_FLAGS``, which it makes.
    """
    if is_target:
        return Role.INTERMEDIATE_CONCLUSION if is_premise else Role.MAIN_CONCLUSION
    return Role.PREMISE if is_premise else Role.UNLINKED


# (is_target, is_premise) of each role: what a database query filters on.
ROLE_FLAGS: dict[Role, tuple[bool, bool]] = {
    role_of(is_target=t, is_premise=p): (t, p) for t in (False, True) for p in (False, True)
}


def role_partition(
    targets: AbstractSet[int], premises: AbstractSet[int]
) -> dict[Role, AbstractSet[int]]:
    """The linked statements by role (``role_of``), from the ids that some link concludes
    (``targets``) and the ids that are a premise of some link (``premises``); any other
    statement is ``Role.UNLINKED``. Set operations only, so it stays fast on a
    100 000-statement map."""
    return {
        role_of(is_target=True, is_premise=False): targets - premises,
        role_of(is_target=True, is_premise=True): targets & premises,
        role_of(is_target=False, is_premise=True): premises - targets,
    }


def linked_roles(targets: AbstractSet[int], premises: AbstractSet[int]) -> dict[int, Role]:
    """The role of every statement id in ``targets`` or ``premises`` (``role_partition``)."""
    roles: dict[int, Role] = {}
    for role, ids in role_partition(targets, premises).items():
        roles.update(dict.fromkeys(ids, role))
    return roles


def compute_roles(statements: Iterable[Statement], links: Iterable[Link]) -> dict[int, Role]:
    """Derive each statement's role from the links (``role_of``)."""
    targets: set[int] = set()
    premises: set[int] = set()
    for link in links:
        if link.conclusion is not None:
            targets.add(link.conclusion)
        premises.update(link.premises)
    roles = linked_roles(targets, premises)
    return {s.id: roles.get(s.id, Role.UNLINKED) for s in statements}
