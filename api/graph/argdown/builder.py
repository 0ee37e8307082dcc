"""From what the parser read to an ``ArgumentGraph``: statements from equivalence classes,
links from premise-conclusion structures and relations."""

from __future__ import annotations

import dataclasses
from collections import deque
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

from api.graph.argdown.lexer import _PLAIN_TAG
from api.graph.argdown.parser import Ref, _Arg, _Inference, _Occ, _Parser, _PcsStatement, _Rel
from api.graph.budget import Budget
from api.graph.interchange import Tally, plural, squash_space
from api.graph.model import ArgumentGraph, Kind, Link, MapInfo, Statement


@dataclass
class _Spec:
    """A link to be."""

    kind: Kind
    premises: list[Hashable]
    conclusion: Hashable | None
    target: _Spec | tuple[str, Hashable] | None  # a link, or ("yields", argument key)
    scheme: str
    note: str
    pos: tuple[int, int]
    origin: Hashable | None = None  # the argument (without PCS) this link stands for
    alive: bool = True


def _canonical(members: list[_Occ]) -> str | None:
    texted = [m for m in members if m.text]
    for m in reversed(texted):
        if m.data.get("isCanonical") is True:
            return m.text
    return texted[-1].text if texted else None


def _merged_data(members: list[_Occ]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for m in members:
        data.update(m.data)
    return data


def _attribution(data: dict[str, Any]) -> str:
    for key in ("attributed_to", "proponent"):
        value = data.get(key)
        if isinstance(value, str) and squash_space(value):
            return squash_space(value)
    return ""


def _format_tag(tag: str) -> str:
    return f"#{tag}" if _PLAIN_TAG.fullmatch(tag) else f"#({tag})"


def _unique_tags(members: list[_Occ]) -> list[str]:
    return list(dict.fromkeys(tag for m in members for tag in m.tags))


class _Builder:
    def __init__(self, parser: _Parser, tally: Tally, budget: Budget | None = None) -> None:
        self.p = parser
        self.tally = tally
        self.budget = Budget.of(budget)
        self.notes: dict[Hashable, str] = {}  # argument key -> the note of its links
        self.data: dict[Hashable, dict[str, Any]] = {}  # argument key -> its merged data
        self.specs: list[_Spec] = []
        self.last_step: dict[Hashable, _Spec] = {}
        self.step: dict[tuple[Hashable, int], _Spec] = {}
        self.bare: dict[Hashable, list[Hashable]] = {}
        self.described: dict[Hashable, str] = {}  # argument key -> description text

    def build(self) -> ArgumentGraph:
        p = self.p
        consumed = self.represent_arguments()
        for arg in p.args.values():
            if arg.pcs is not None:
                self.steps(arg)
        self.relation_links(consumed)
        self.expand_yields()
        self.check_links()
        statements, number = self.statements()
        links = self.links(number)
        return ArgumentGraph(
            map=MapInfo(slug="", title=self.title()), statements=statements, links=links
        )

    # -- arguments

    def represent_arguments(self) -> set[int]:
        """Decide what stands for each argument without a PCS; return consumed relations."""
        consumed: set[int] = set()
        involved = {
            ref[1] for rel in self.p.rels for ref in (rel.source, rel.target) if ref[0] == "arg"
        }
        supported_by: dict[Hashable, list[_Rel]] = {}
        elsewhere: set[Hashable] = set()  # arguments in a relation other than such support
        for rel in self.p.rels:
            if rel.kind == "support" and rel.target[0] == "arg" and rel.source[0] == "ec":
                supported_by.setdefault(rel.target[1], []).append(rel)
            else:
                elsewhere.update(r[1] for r in (rel.source, rel.target) if r[0] == "arg")
        for arg in self.p.args.values():
            if arg.pcs is not None:
                continue
            description = _canonical(arg.members)
            supporters = supported_by.get(arg.key, [])
            if description is None and supporters and arg.key in elsewhere:
                # The statements that support it are its premises (how ``to_argdown``
                # writes an objection): its other relations become links from them.
                self.bare[arg.key] = list(dict.fromkeys(rel.source[1] for rel in supporters))
                consumed.update(id(rel) for rel in supporters)
            elif description is not None or arg.key in involved:
                if description is None:
                    self.tally.note(
                        f"Argument <{arg.title}> has no description; its title stands for it."
                    )
                self.described[arg.key] = description or str(arg.title)
        return consumed

    def arg_data(self, arg: _Arg) -> dict[str, Any]:
        """The data of every occurrence of ``arg``, merged (computed once per argument)."""
        if arg.key not in self.data:
            self.budget.spend(len(arg.members))
            self.data[arg.key] = _merged_data(arg.members)
        return self.data[arg.key]

    def arg_note(self, arg: _Arg) -> str:
        """The note of the links ``arg`` makes (computed once per argument)."""
        if arg.key not in self.notes:
            self.notes[arg.key] = self.make_note(arg)
        return self.notes[arg.key]

    def make_note(self, arg: _Arg) -> str:
        data = self.arg_data(arg)
        parts: list[str] = []
        if isinstance(data.get("note"), str):
            parts.append(squash_space(data["note"]))
        elif arg.pcs is not None:
            parts.append(_canonical(arg.members) or "")
        tags = _unique_tags(arg.members)
        if tags:
            parts.append(" ".join(_format_tag(t) for t in tags))
        return " ".join(part for part in parts if part)

    def steps(self, arg: _Arg) -> None:
        assert arg.pcs is not None
        items = arg.pcs
        numbers = {it.number: it.key for it in items if isinstance(it, _PcsStatement)}
        previous = -1
        spec: _Spec | None = None
        for index, item in enumerate(items):
            if not isinstance(item, _Inference):
                continue
            conclusion = items[index + 1]
            assert isinstance(conclusion, _PcsStatement)
            uses = item.data.get("uses")
            if isinstance(uses, list) and uses:
                premises = [numbers[u] for u in uses if isinstance(u, int) and u in numbers]
                if len(premises) < len(uses):
                    self.tally.note(
                        f"The inference at line {item.line} uses statement numbers that its "
                        "argument does not have; they were ignored."
                    )
            else:
                premises = [
                    it.key for it in items[previous + 1 : index] if isinstance(it, _PcsStatement)
                ]
            previous = index
            scheme = ", ".join(item.rules)
            if not scheme and isinstance(item.data.get("scheme"), str):
                scheme = squash_space(item.data["scheme"])
            spec = _Spec(
                Kind.SUPPORT, premises, conclusion.key, None, scheme, "", (item.line, item.col)
            )
            self.step[(arg.key, index)] = spec
            self.specs.append(spec)
        assert spec is not None
        spec.note = self.arg_note(arg)
        self.last_step[arg.key] = spec

    def out(self, ref: Ref) -> list[Hashable]:
        """Return the statements that speak for ``ref`` when it is a relation's source."""
        if ref[0] == "ec":
            return [ref[1]]
        arg = self.p.args[ref[1]]
        if arg.pcs is not None:
            last = arg.pcs[-1]
            assert isinstance(last, _PcsStatement)
            return [last.key]
        if arg.key in self.bare:
            return list(self.bare[arg.key])
        return [("desc", arg.key)]

    # -- links

    def relation_links(self, consumed: set[int]) -> None:
        seen: set[tuple[Any, ...]] = set()
        for rel in self.p.rels:
            if id(rel) in consumed:
                continue
            key = (rel.kind, rel.source, rel.target)
            mirrored = (rel.kind, rel.target, rel.source)
            if key in seen or (rel.kind == "contradiction" and mirrored in seen):
                continue
            seen.add(key)
            pos = (rel.line, rel.col)
            if rel.kind == "contradiction":
                for a, b in ((rel.source, rel.target), (rel.target, rel.source)):
                    self.specs.append(
                        _Spec(Kind.OPPOSE, self.out(a), b[1], None, "", "contradiction", pos)
                    )
                continue
            origin: Hashable | None = None
            note = scheme = ""
            if rel.source[0] == "arg" and self.p.args[rel.source[1]].pcs is None:
                origin = rel.source[1]
                arg = self.p.args[origin]
                note = self.arg_note(arg)
                given = self.arg_data(arg).get("scheme")
                scheme = squash_space(given) if isinstance(given, str) else ""
            kind = Kind.SUPPORT if rel.kind == "support" else Kind.OPPOSE
            conclusion: Hashable | None = None
            target: _Spec | tuple[str, Hashable] | None = None
            if rel.target[0] == "ec":
                conclusion = rel.target[1]
            elif rel.target[0] == "inf":
                target = self.step[(rel.target[1], rel.target[2])]
            else:
                b = rel.target[1]
                if self.p.args[b].pcs is not None:
                    target = self.last_step[b]
                elif rel.kind == "undercut" or b in self.bare:
                    target = ("yields", b)
                else:
                    conclusion = ("desc", b)
            self.specs.append(
                _Spec(kind, self.out(rel.source), conclusion, target, scheme, note, pos, origin)
            )

    def expand_yields(self) -> None:
        """Aim links at an argument without PCS at the link(s) that argument makes.

        A link aimed at argument B waits until every other link B makes is settled (B's
        own links may aim at further arguments): a topological order (Kahn's), so each
        link is settled once. Links that wait on each other in a circle are left out.
        """
        pending = [s for s in self.specs if isinstance(s.target, tuple)]
        if not pending:
            return
        pending_ids = {id(s) for s in pending}
        by_origin: dict[Hashable, list[_Spec]] = {}
        for spec in self.specs:
            if spec.origin is not None:
                by_origin.setdefault(spec.origin, []).append(spec)
        waiting: dict[int, int] = {}  # pending link -> unsettled links of its target
        dependents: dict[Hashable, list[_Spec]] = {}  # argument -> pending links aimed at it
        for spec in pending:
            assert isinstance(spec.target, tuple)
            b = spec.target[1]
            makes = by_origin.get(b, [])
            self.budget.spend(len(makes) + 1)
            waiting[id(spec)] = sum(1 for s in makes if id(s) in pending_ids and s is not spec)
            dependents.setdefault(b, []).append(spec)
        ready = deque(s for s in pending if not waiting[id(s)])
        replaced: dict[int, list[_Spec]] = {}
        while ready:
            spec = ready.popleft()
            assert isinstance(spec.target, tuple)
            b = spec.target[1]
            made = [
                new
                for s in by_origin.get(b, [])
                if s is not spec
                for new in replaced.get(id(s), [s])
            ]
            self.budget.spend(len(made) + 1)
            copies = [dataclasses.replace(spec, target=s) for s in made]
            if not copies and b in self.described:
                spec.target = None
                spec.conclusion = ("desc", b)
                copies = [spec]
                self.tally.note(
                    f"Argument <{self.p.args[b].title}> makes no link to undercut; "
                    f"the undercut at line {spec.pos[0]} attacks its description instead."
                )
            elif not copies:
                self.tally.note(
                    f"The relation at line {spec.pos[0]} aims at argument "
                    f"<{self.p.args[b].title}>, which makes no link; it was left out."
                )
            replaced[id(spec)] = copies
            if spec.origin is None:
                continue
            for dependent in dependents.get(spec.origin, []):
                if dependent is not spec:
                    waiting[id(dependent)] -= 1
                    if not waiting[id(dependent)]:
                        ready.append(dependent)
        for spec in pending:
            if id(spec) not in replaced:
                replaced[id(spec)] = []
                self.tally.note(
                    f"The undercut at line {spec.pos[0]} is part of a circle of undercuts "
                    "with nothing to aim at; it was left out."
                )
        self.specs = [new for spec in self.specs for new in replaced.get(id(spec), [spec])]

    def check_links(self) -> None:
        aimed_at: dict[int, list[_Spec]] = {}
        dead: list[_Spec] = []
        for spec in self.specs:
            self.budget.spend()
            if isinstance(spec.target, _Spec):
                aimed_at.setdefault(id(spec.target), []).append(spec)
            spec.premises = list(dict.fromkeys(spec.premises))
            if spec.conclusion is not None and spec.conclusion in spec.premises:
                spec.premises.remove(spec.conclusion)
                self.tally.note(
                    f"The link at line {spec.pos[0]} had its conclusion among its premises; "
                    "it was taken out of the premises."
                )
            if not spec.premises:
                spec.alive = False
                dead.append(spec)
                self.tally.note(f"The link at line {spec.pos[0]} has no premise; it was left out.")
        # A link aimed at a link left out is left out too: follow the chains once each.
        orphans: list[_Spec] = []
        while dead:
            for spec in aimed_at.get(id(dead.pop()), []):
                self.budget.spend()
                if spec.alive:
                    spec.alive = False
                    dead.append(spec)
                    orphans.append(spec)
        for spec in sorted(orphans, key=lambda s: s.pos):
            self.tally.note(
                f"The link at line {spec.pos[0]} aims at a link that was left out; "
                "it was left out too."
            )

    # -- statements

    def statements(self) -> tuple[tuple[Statement, ...], dict[Hashable, int]]:
        used: set[Hashable] = set()
        for spec in self.specs:
            if spec.alive:
                used.update(spec.premises)
                if spec.conclusion is not None:
                    used.add(spec.conclusion)
        entries: list[tuple[int, Hashable, str, str]] = []  # seq, key, text, attributed_to
        prose = 0
        statement_tags = 0
        for ec in self.p.ecs.values():
            if ec.top_level and ec.title is None and not ec.in_pcs and ec.key not in used:
                prose += 1
                continue
            text = _canonical(ec.members)
            texts = {m.text for m in ec.members if m.text}
            if len(texts) > 1:
                self.tally.note(
                    f"Statement [{ec.title}] has {len(texts)} different texts; the last one "
                    "was kept (Argdown's canonical member)."
                )
            if text is None:
                text = str(ec.title)
                self.tally.note(f"Statement [{ec.title}] is never given a text; its title is used.")
            statement_tags += len(_unique_tags(ec.members))
            entries.append((ec.seq, ec.key, text, _attribution(_merged_data(ec.members))))
        for key, text in self.described.items():
            arg = self.p.args[key]
            entries.append((arg.seq, ("desc", key), text, _attribution(_merged_data(arg.members))))
        entries.sort(key=lambda entry: entry[0])
        if prose:
            self.tally.leave_out("untitled paragraph", prose)
            self.tally.note(
                f"{plural(prose, 'untitled paragraph')} taking part in no relation and no "
                f"argument {'was' if prose == 1 else 'were'} left out as prose (Argdown leaves "
                "them out of its map too)."
            )
        if statement_tags:
            self.tally.leave_out("tag", statement_tags)
            self.tally.note(
                f"{plural(statement_tags, 'tag')} on statements could not be kept: the model "
                "has no tags (tags on arguments are kept in the notes of their links)."
            )
        number = {key: n for n, (_seq, key, _text, _who) in enumerate(entries, start=1)}
        statements = tuple(
            Statement(id=number[key], text=text, attributed_to=who)
            for _seq, key, text, who in entries
        )
        return statements, number

    def links(self, number: dict[Hashable, int]) -> tuple[Link, ...]:
        alive = sorted((s for s in self.specs if s.alive), key=lambda s: s.pos)
        link_id = {id(s): n for n, s in enumerate(alive, start=1)}
        return tuple(
            Link(
                id=link_id[id(spec)],
                kind=spec.kind,
                premises=tuple(number[p] for p in spec.premises),
                conclusion=number[spec.conclusion] if spec.conclusion is not None else None,
                target_link=link_id[id(spec.target)] if isinstance(spec.target, _Spec) else None,
                scheme=spec.scheme,
                note=spec.note,
            )
            for spec in alive
        )

    def title(self) -> str:
        given = self.p.front.get("title")
        headings = self.p.headings
        title = ""
        kept_heading = False
        if isinstance(given, str | int | float) and not isinstance(given, bool):
            title = squash_space(str(given))
        elif headings and headings[0][0] == 1:
            title = headings[0][1]
            kept_heading = True
        dropped = len(headings) - (1 if kept_heading else 0)
        if dropped:
            self.tally.leave_out("heading", dropped)
            self.tally.note(
                f"{plural(dropped, 'heading')} could not be kept: the model has no groups"
                + (" (the first heading is the map title)." if kept_heading else ".")
            )
        return title
