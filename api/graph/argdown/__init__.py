"""Argdown: import into and export from an ``ArgumentGraph``.

A hand-written lexer and recursive-descent parser for the Argdown syntax that argument
maps use (https://argdown.org), modelled on the reference implementation's lexer: the
same tokens, the same precedence, relations only at the start of a line, blocks
separated by empty lines. Every syntax error is a ``FormatError`` with the 1-based line
and column and what was expected there.

The package follows the reading's seams: ``lexer`` (text to tokens, one pass),
``parser`` (tokens to statements, arguments and relations), ``builder`` (those to an
``ArgumentGraph``) and ``writer`` (``to_argdown``). All of them count their work against
one ``api.graph.budget.Budget``.

Understood: statements (``[Title]: text``; an untitled paragraph is a statement too;
the same title again is the same statement -- Argdown's equivalence class -- and
``[Title]`` alone refers to it); arguments (``<Title>: description``, ``<Title>``);
premise-conclusion structures (``(1) ...`` lines, inference lines ``----``,
``-- rule --`` or ``--`` / rule / ``--``, multi-step with intermediate conclusions);
relations by indentation: support ``+`` ``<+`` ``+>``, attack ``-`` ``<-`` ``->``,
undercut ``_`` ``<_`` ``_>`` (also under an inference line), contradiction ``><``;
headings ``# ...``; tags ``#tag`` and ``#(long tag)``; comments ``//``, ``/* */`` and
``<!-- -->``; YAML front matter between ``===`` lines and data blocks ``{...}``;
backslash escapes; Markdown links; ``@[...]``/``@<...>`` mentions; indented lists.

How Argdown maps onto the model:

- **Statements.** Each equivalence class becomes one statement. Its text is that of the
  last member that has one (Argdown's canonical member; ``{isCanonical: true}`` wins),
  with runs of whitespace squashed to one space; a class that is only ever referenced
  gets its title as text. Inline Markdown, mentions and shortcodes (``:heart:``) are
  kept as written. ``{attributed_to: ...}`` (or Argdown's ``proponent``) in a
  statement's data becomes ``attributed_to``. Untitled paragraphs and list items that
  take part in no relation and no argument are prose, left out (as Argdown leaves them
  out of its map) and counted under ``"untitled paragraph"``. A list starts a block of
  its own and does not nest, as in Argdown: a list item right under a paragraph is a
  syntax error.
- **Titles.** The model has no title field: titles only identify statements while the
  file is read. ``to_argdown`` makes new ones from the statement text (its first words,
  made unique), so an exported file reads well and exports stably.
- **Arguments with a premise-conclusion structure** become one ``support`` link per
  inference step: the premises are the statements since the previous inference plus
  the previous (intermediate) conclusion -- or the statements the inference's
  ``{uses: [1, 3]}`` names -- and the step's conclusion is the target. A multi-step
  argument is a chain of links. The inference rules are the scheme (joined by ", ");
  the argument's description (or its data's ``note``) and tags go into the note of its
  final step. Relations from the argument are relations of its main conclusion, as in
  Argdown.
- **Arguments without a PCS** stand for their description: it becomes a statement
  (carrying the argument's ``proponent``), and each relation of the argument a link
  from that statement; the argument's tags go into those links' notes. An argument
  with no description whose supporters include statements (``<+ [S]`` under it) and
  that stands in another relation is an argument whose premises are those statements:
  its other relations become links with those co-premises (``to_argdown`` writes
  oppose links and undercutters that way). Any other argument with no description
  that takes part in a relation is a statement whose text is its title.
- **Relations.** Support -> ``support`` link; attack -> ``oppose`` link; contradiction
  ``><`` -> two ``oppose`` links, one each way (a contradiction is symmetric; notes say
  "contradiction"). A relation aimed at an argument with a PCS aims at its final
  inference (``target_link``), as Argdown's model does. An undercut aims at the
  argument's inference: its final step, or for an argument without a PCS the link(s)
  that argument makes. A relation aimed at an argument without a PCS but with a
  description aims at the description statement. An undercut of a statement is read
  as an attack on it.
- **Headings and tags.** The front matter's ``title``, else a first-level first heading,
  becomes the map title. The model has no groups and no tags: other headings are left
  out and counted (``"heading"``); tags on statements are removed from the text when
  they end it (``... #pro``), kept in it when they stand inside a sentence, and counted
  (``"tag"``); tags on arguments are kept in the notes of their links.

``to_argdown`` writes the map title as a heading, every statement as ``[Title]: text``
(with ``{"attributed_to": ...}`` data when it has one), every support link with a
conclusion as an argument ``<Argument n>`` whose PCS lists its co-premises (the scheme
as inference rule, the note as description), every other link as an argument
``<Objection n>`` / ``<Undercut n>`` without PCS whose premises support it (``<+``)
and which attacks (``->``) its conclusion or undercuts (``_>``) the argument of the
link it targets; its note and scheme go into its data. Special characters in texts are
backslash-escaped. Reading the output back gives the same statements (text up to
whitespace, attribution) and links (kind, premises, target, scheme, note).
"""

from __future__ import annotations

from api.graph.argdown.builder import _Builder
from api.graph.argdown.lexer import _Lexer
from api.graph.argdown.parser import _Parser
from api.graph.argdown.writer import to_argdown
from api.graph.budget import Budget
from api.graph.interchange import ImportResult, Tally

__all__ = ["ImportResult", "parse_argdown", "to_argdown"]


def parse_argdown(text: str, *, budget: Budget | None = None) -> ImportResult:
    """Read an Argdown document into an ``ImportResult``.

    Returns the graph (statements numbered 1..n in order of first appearance, links
    1..m in order of their inference line or relation; the map's slug is ``""`` and its
    title the front matter's ``title`` or a first-level first heading), counts of what
    the model cannot hold (``"untitled paragraph"``, ``"heading"``, ``"tag"``) and notes
    on everything dropped or changed.

    Raises ``FormatError`` with line, column and what was expected for syntax errors:
    an unclosed comment, front matter or inference rule; a relation with nothing above
    it or no statement after it; text after a bare ``[Title]`` reference; an argument
    inside a premise-conclusion structure; a structure without inference line or
    conclusion; a contradiction involving an argument; an inference line as a source.
    Raises ``NestingTooDeep`` (a ``FormatError``) where front matter or a data block nests
    deeper than ``budget.max_depth``, and ``BudgetExceeded`` (a ``FormatError``) when the
    file takes more than ``budget.max_steps`` (default limits when ``budget`` is None).
    The work is linear in the text: every character is scanned a bounded number of times.
    """
    if not isinstance(text, str):
        raise TypeError(f"parse_argdown() takes str, not {type(text).__name__}")
    text = text.removeprefix("\ufeff")
    budget = Budget.of(budget)
    lexer = _Lexer(text, budget)
    tokens = lexer.run()
    tally = Tally()
    parser = _Parser(tokens, tally, lexer.loc(len(text)), budget)
    parser.parse()
    graph = _Builder(parser, tally, budget).build()
    return tally.result(graph)
