"""Evaluations for the API and diagrams: computed in ``api.graph.evaluation``, cached per
map version and semantics, and shaped as the API's JSON."""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from rest_framework import exceptions, status

from api.graph.evaluation import Evaluation, EvaluationTooComplex, evaluate
from api.graph.model import ArgumentGraph
from api.models import ArgumentMap


class TooComplex(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_code = "too_complex"


def map_evaluation(map_: ArgumentMap, graph: ArgumentGraph, semantics: str) -> Evaluation:
    """Return the evaluation of the map (its current version) under ``semantics``."""
    key = f"evaluation:{map_.pk}:{map_.version}:{semantics}"
    result = cache.get(key)
    if result is None:
        try:
            result = evaluate(graph, semantics)
        except EvaluationTooComplex as exc:
            raise TooComplex(
                f"{str(exc)[0].upper()}{str(exc)[1:]}. Try semantics=grounded, which is "
                "always computed in linear time, or dfquad."
            ) from None
        cache.set(key, result)
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
        if evaluation.semantics == "stable" and not evaluation.extensions:
            body["detail"] = (
                "This map has no stable labelling (an odd cycle of attacks, for instance): "
                "no position settles every conflict. Try semantics=preferred."
            )
    return body
