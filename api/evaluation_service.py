"""A map's evaluation for the API and diagrams: computed in ``api.graph.evaluation``
within the ``ARGMAP_EVALUATION_BUDGET``, cached per map version and semantics (a refusal
too), and shaped as the API's JSON.

Raises domain exceptions only (``EvaluationTooComplex``, ``UnknownSemantics``, both from
``api.graph.evaluation``); ``api.exceptions`` turns them into 422 and 400.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from api.cache import cache_bounded_get_or_set
from api.graph.evaluation import Evaluation, EvaluationTooComplex, evaluate
from api.graph.model import ArgumentGraph
from api.models import ArgumentMap

ADVICE = "Try semantics=grounded, which is always computed in linear time, or dfquad."


def map_evaluation(map_: ArgumentMap, graph: ArgumentGraph, semantics: str) -> Evaluation:
    """Return the evaluation of the map (its current version) under ``semantics``.

    Raises ``EvaluationTooComplex`` when it needs more than ``ARGMAP_EVALUATION_BUDGET``
    steps (remembered for the map version, so asking again costs nothing), and
    ``UnknownSemantics`` for a semantics that does not exist.
    """

    def compute() -> Evaluation | EvaluationTooComplex:
        try:
            return evaluate(graph, semantics, budget=settings.ARGMAP_EVALUATION_BUDGET)
        except EvaluationTooComplex as exc:
            return EvaluationTooComplex(f"{str(exc)[0].upper()}{str(exc)[1:]}. {ADVICE}")

    result = cache_bounded_get_or_set(
        # "v2": results before the solver lack extensions_exact; never read them back.
        f"evaluation:v2:{map_.pk}:{map_.version}:{semantics}",
        compute,
        scope=f"map:{map_.pk}:v{map_.version}",
    )
    if isinstance(result, EvaluationTooComplex):  # the refusal, cached like a result
        raise result
    return result


def evaluation_to_dict(evaluation: Evaluation, version: int) -> dict[str, Any]:
    """The API's shape: labels (or strengths) of every statement and link, and why."""
    value = "strength" if evaluation.semantics == "dfquad" else "label"

    def item(result, extra: dict[str, Any]) -> dict[str, Any]:
        shown = result.strength if value == "strength" else result.label.value
        return {"id": result.id, value: shown, "why": list(result.why), **extra}

    body: dict[str, Any] = {
        "semantics": evaluation.semantics,
        "version": version,
        "statements": [item(r, {}) for _, r in sorted(evaluation.statements.items())],
        "links": [
            item(r, {"premises_blocking": list(r.premises)} if value == "label" else {})
            for _, r in sorted(evaluation.links.items())
        ],
    }
    if evaluation.semantics == "dfquad":
        body.update(converged=evaluation.converged, iterations=evaluation.iterations)
    else:
        # An exact count can pass 2**64 on maps with many independent conflicts.
        body["extensions"] = min(evaluation.extensions or 0, 2**53)
        body["extensions_exact"] = bool(evaluation.extensions_exact)
        if evaluation.semantics == "stable" and not evaluation.extensions:
            body["detail"] = (
                "This map has no stable labelling (an odd cycle of attacks, for instance): "
                "no position settles every conflict. Try semantics=preferred."
            )
    return body
