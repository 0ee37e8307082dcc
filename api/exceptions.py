"""One error shape for the whole API: ``{"detail": "...", "errors": {field: [...]}}``.

``detail`` is a sentence that names the field at fault; ``errors`` (for 400s) maps each
field to its messages. Service-layer exceptions become their HTTP statuses here, so views
stay thin.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from api.diagrams import (
    DiagramTooBig,
    GraphvizMissing,
    InvalidDiagramOptions,
    RendererBusy,
)
from api.graph.errors import BrokenRule, FormatError
from api.graph.evaluation import EvaluationTooComplex, UnknownSemantics
from api.graph.validate import MISSING, RULE
from api.services import InUse, JobsFull, PreconditionFailed, QuotaExceeded


def flatten_errors(errors: Any, prefix: str = "") -> dict[str, list[str]]:
    """Turn DRF's nested error structure into ``{"field.sub": [messages]}``."""
    flat: dict[str, list[str]] = {}
    if isinstance(errors, dict):
        for key, value in errors.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            flat.update(flatten_errors(value, name))
    elif isinstance(errors, list) and errors and all(isinstance(e, str) for e in errors):
        flat[prefix or "non_field_errors"] = [str(e) for e in errors]
    elif isinstance(errors, list):
        for index, value in enumerate(errors):
            flat.update(flatten_errors(value, f"{prefix}[{index}]" if prefix else f"[{index}]"))
    else:
        flat[prefix or "non_field_errors"] = [str(errors)]
    return flat


_HEADINGS = {
    status.HTTP_400_BAD_REQUEST: "Invalid input",
    status.HTTP_404_NOT_FOUND: "Not found",
    status.HTTP_409_CONFLICT: "Conflict",
    status.HTTP_422_UNPROCESSABLE_ENTITY: "Unprocessable",
}


def validation_response(
    errors: dict[str, list[str]], *, code: int = status.HTTP_400_BAD_REQUEST
) -> Response:
    """The errors of named fields, with the status ``status_for_codes`` picks (400 by
    default)."""
    summary = "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in errors.items())
    return Response({"detail": f"{_HEADINGS[code]}. {summary}", "errors": errors}, status=code)


# Error codes that stand for another status than 400 (a value the schema rules out): a
# value naming an object that does not exist or is not visible ("does_not_exist":
# Django's, DRF's and argmap's), a value that clashes with what is stored ("unique": a
# taken slug, a duplicate link; "conflict": moving a statement or link to another map),
# and a well formed value that breaks a rule of maps ("rule": a quote not in the source,
# a link with no target, undercutters in a cycle; api.graph.validate.RULE).
NOT_FOUND_CODES = frozenset({MISSING})
CONFLICT_CODES = frozenset({"unique", "conflict"})
RULE_CODES = frozenset({RULE})


def _codes(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [code for item in value.values() for code in _codes(item)]
    if isinstance(value, list):
        return [code for item in value for code in _codes(item)]
    return [str(value)]


def status_for_codes(codes: Any) -> int:
    """400 if any error is one the schema states (or of no known kind); otherwise 404 if
    any names an object that does not exist, then 409 for a clash with what is stored,
    then 422 for a broken rule: a request the schema allows is refused only for what it
    cannot state, and the status says which."""
    found = set(_codes(codes))
    if not found or found - NOT_FOUND_CODES - CONFLICT_CODES - RULE_CODES:
        return status.HTTP_400_BAD_REQUEST
    if found & NOT_FOUND_CODES:
        return status.HTTP_404_NOT_FOUND
    if found & CONFLICT_CODES:
        return status.HTTP_409_CONFLICT
    return status.HTTP_422_UNPROCESSABLE_ENTITY


class PreconditionRequired(exceptions.APIException):
    status_code = 428
    default_detail = (
        "This write replaces the whole map: send If-Match with the version you read (the "
        'ETag of GET, e.g. "7").'
    )
    default_code = "precondition_required"


class MapMoved(exceptions.APIException):
    """A map's URL under a slug it had before a rename: a permanent redirect (308, which
    keeps the method and body) to the same URL under its slug now."""

    status_code = status.HTTP_308_PERMANENT_REDIRECT
    default_code = "moved"

    def __init__(self, slug: str, new_slug: str, location: str) -> None:
        super().__init__(f"The map {slug!r} is now {new_slug!r}: {location}")
        self.new_slug = new_slug
        self.location = location


class JobNotDone(exceptions.APIException):
    """A job's result asked for before the job is done."""

    status_code = status.HTTP_409_CONFLICT

    def __init__(self, job) -> None:
        if job.state == "failed":
            detail = f"Job {job.pk} failed, so it has no result: {job.error}"
        else:
            detail = (
                f"Job {job.pk} is {job.state} ({job.pages_done} of {job.pages_total or '?'} "
                f"pages laid out); its result is ready once GET /api/jobs/{job.pk}/ says done."
            )
        super().__init__(detail)


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_large"


# Diagram failures (api.diagrams): status and error code.
DIAGRAM_ERRORS: dict[type[Exception], tuple[int, str]] = {
    GraphvizMissing: (status.HTTP_503_SERVICE_UNAVAILABLE, "graphviz_missing"),
    RendererBusy: (status.HTTP_503_SERVICE_UNAVAILABLE, "renderer_busy"),
    DiagramTooBig: (status.HTTP_422_UNPROCESSABLE_ENTITY, "diagram_too_big"),
}


def _is_file_upload(context: dict) -> bool:
    request = context.get("request")
    return (getattr(request, "content_type", "") or "").startswith("multipart/")


def exception_handler(exc: Exception, context: dict) -> Response | None:
    """Every error as ``{"detail", "errors"}`` (``errors`` empty when no field is at
    fault), with the status the exception stands for."""
    response = _handle(exc, context)
    if response is not None and isinstance(response.data, dict):
        response.data.setdefault("errors", {})
    return response


def _handle(exc: Exception, context: dict) -> Response | None:
    if isinstance(exc, InvalidDiagramOptions):
        code: int
        if exc.missing:
            code = status.HTTP_404_NOT_FOUND
        elif exc.rule:
            code = status.HTTP_422_UNPROCESSABLE_ENTITY
        else:
            code = status.HTTP_400_BAD_REQUEST
        return validation_response(exc.errors, code=code)
    if type(exc) in DIAGRAM_ERRORS:
        code, name = DIAGRAM_ERRORS[type(exc)]
        response = Response({"detail": str(exc), "code": name}, status=code)
        if isinstance(exc, RendererBusy):
            response["Retry-After"] = str(exc.retry_after)
        return response
    if isinstance(exc, FormatError):
        upload = _is_file_upload(context)
        where = exc.pointer if exc.pointer is not None else ("file" if upload else "body")
        what = "Invalid file." if upload else "Invalid request body."
        body = {
            "detail": f"{what} {exc}",
            "errors": {where or "/": [exc.message]},
            "pointer": exc.pointer,
            "line": exc.line,
            "column": exc.column,
        }
        # A file's content, and a body's that breaks a rule of maps, are beyond what the
        # schema can state: 422. The shape of a JSON body is the schema's: 400.
        unprocessable = upload or isinstance(exc, BrokenRule)
        return Response(
            body,
            status=status.HTTP_422_UNPROCESSABLE_ENTITY
            if unprocessable
            else status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, JobsFull):
        response = Response(
            {"detail": str(exc), "limit": exc.limit}, status=status.HTTP_429_TOO_MANY_REQUESTS
        )
        response["Retry-After"] = str(exc.retry_after)
        return response
    if isinstance(exc, QuotaExceeded):
        return Response(
            {"detail": str(exc), "quota": exc.quota, "limit": exc.limit},
            status=status.HTTP_403_FORBIDDEN,
        )
    if isinstance(exc, EvaluationTooComplex):
        return Response({"detail": str(exc)}, status=status.HTTP_422_UNPROCESSABLE_ENTITY)
    if isinstance(exc, UnknownSemantics):
        return validation_response({"semantics": [str(exc)]})
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            codes = {k: [e.code for e in v] for k, v in exc.error_dict.items()}
            return validation_response(
                {k: list(v) for k, v in exc.message_dict.items()}, code=status_for_codes(codes)
            )
        return validation_response({"non_field_errors": list(exc.messages)})
    if isinstance(exc, PreconditionFailed):
        response = Response(
            {
                "detail": f"Precondition failed: If-Match is stale; {exc}.",
                "current_version": exc.current_version,
            },
            status=status.HTTP_412_PRECONDITION_FAILED,
        )
        response["ETag"] = f'"{exc.current_version}"'
        return response
    if isinstance(exc, MapMoved):
        response = Response(
            {"detail": str(exc.detail), "slug": exc.new_slug}, status=exc.status_code
        )
        response["Location"] = exc.location
        return response
    if isinstance(exc, InUse):
        return Response(
            {
                "detail": f"{exc} Delete them first, or repeat with ?cascade=true.",
                "links": exc.link_ids,
            },
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, exceptions.ValidationError):
        return validation_response(
            flatten_errors(exc.detail), code=status_for_codes(exc.get_codes())
        )
    if isinstance(exc, exceptions.ParseError):
        message = str(exc.detail)
        return Response(
            {
                "detail": f"The request body cannot be read: {message}",
                "errors": {"body": [message]},
            },
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, exceptions.UnsupportedMediaType):
        view = context.get("view")
        accepted = [parser.media_type for parser in getattr(view, "parser_classes", [])]
        return Response(
            {
                "detail": f"{exc.detail} Send the body as {' or '.join(accepted)}.",
                "errors": {"Content-Type": [f"Must be {' or '.join(accepted)}."]},
            },
            status=status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
        )
    return drf_exception_handler(exc, context)
