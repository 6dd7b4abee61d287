"""RFC 9457 problem details for every error the API returns.

Clients get one shape for all failures (``type``, ``title``, ``status``, ``detail``,
and for validation the offending fields), served as ``application/problem+json``;
unexpected exceptions become a 500 problem without internals.
"""

import logging
import traceback
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from models.domain import error_reason, short_id_of
from service.errors import (
    BatchRejectedError,
    NotFoundError,
    UnknownReferenceError,
    UnresolvedLabelError,
)
from service.schemas.vacancies import RecordResult

PROBLEM = "application/problem+json"
TYPES = "https://overstap.example/problems/"
log = logging.getLogger("overstap.api")


def problem(status: int, title: str, detail: str, **extra: Any) -> JSONResponse:
    """A problem+json response."""
    body = {
        "type": TYPES + title.lower().replace(" ", "-"),
        "title": title,
        "status": status,
        "detail": detail,
        **extra,
    }
    return JSONResponse(body, status_code=status, media_type=PROBLEM)


def _field(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in {"query", "path", "body", "header"}:
        where, rest = parts[0], parts[1:]
        return f"{where}.{'.'.join(rest)}" if rest else where
    return ".".join(parts)


def not_json(error: Any, body: Any) -> JSONResponse:
    """400 for a body that does not parse as JSON, saying where (line, column and
    character, as ``json`` counts them) and why."""
    position = error.get("loc", ("body", 0))[-1]
    reason = str(error.get("ctx", {}).get("error", "not JSON"))
    where = f"character {position}"
    if isinstance(body, str) and isinstance(position, int):
        line = body.count("\n", 0, position) + 1
        column = position - (body.rfind("\n", 0, position) + 1) + 1
        where = f"line {line}, column {column} (character {position})"
    detail = f"the body is not valid JSON: {reason} at {where}"
    return problem(400, "Malformed JSON", detail, errors=[{"field": "body", "message": detail}])


def install(app: FastAPI) -> None:
    """Register the handlers on ``app``."""

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        malformed = [e for e in exc.errors() if e.get("type") == "json_invalid"]
        if malformed:
            return not_json(malformed[0], exc.body)
        errors = [
            {"field": _field(tuple(e.get("loc", ()))), "message": error_reason(e)}
            for e in exc.errors()
        ]
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        return problem(422, "Invalid request", detail, errors=errors)

    @app.exception_handler(UnknownReferenceError)
    async def unknown_reference(_: Request, exc: UnknownReferenceError) -> JSONResponse:
        return problem(
            422,
            "Invalid request",
            str(exc),
            errors=[
                {"field": f"body.{exc.field}", "message": f"unknown: {key}"} for key in exc.keys
            ],
        )

    @app.exception_handler(UnresolvedLabelError)
    async def unresolved_label(_: Request, exc: UnresolvedLabelError) -> JSONResponse:
        errors = [
            {
                "field": f"body.{exc.field}.{position}",
                "message": f"no {exc.kind} fits {label!r} with confidence"
                + (f"; did you mean: {', '.join(name for _, name in near)}" if near else ""),
                "did_you_mean": [
                    {"uri": uri, "id": short_id_of(uri), "label": name} for uri, name in near
                ],
            }
            for position, label, near in exc.labels
        ]
        return problem(422, "Invalid request", str(exc), errors=errors)

    @app.exception_handler(BatchRejectedError)
    async def rejected(_: Request, exc: BatchRejectedError) -> JSONResponse:
        return problem(
            422,
            "Invalid request",
            str(exc),
            errors=problem_errors(exc.results),
            results=[r.model_dump() for r in exc.results],
        )

    @app.exception_handler(NotFoundError)
    async def not_found(_: Request, exc: NotFoundError) -> JSONResponse:
        return problem(404, "Not found", str(exc))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        title = {
            401: "Unauthorized",
            403: "Forbidden",
            404: "Not found",
            405: "Method not allowed",
            409: "Conflict",
            413: "Request too large",
            429: "Too many requests",
            503: "Not ready",
        }.get(exc.status_code, "HTTP error")
        response = problem(exc.status_code, title, str(exc.detail))
        response.headers.update(exc.headers or {})
        return response

    @app.exception_handler(Exception)
    async def crashed(_: Request, exc: Exception) -> JSONResponse:
        # The type and the stack, not the message: a message may quote what the
        # client sent, and request bodies are personal data.
        stack = "".join(traceback.format_tb(exc.__traceback__))
        log.error("unhandled %s", type(exc).__name__, extra={"stack": stack})
        return problem(500, "Internal error", "the server failed to answer; it was logged")


class BodySizeLimit:
    """Refuse bodies over ``limit`` bytes with 413 before anything parses them, whether
    or not the client sent a Content-Length."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await self._refuse(send)
            return
        seen = 0

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise _TooLargeError(self.limit)
            return message

        try:
            await self.app(scope, counting_receive, send)
        except _TooLargeError:
            await self._refuse(send)

    async def _refuse(self, send: Send) -> None:
        response = problem(
            413, "Request too large", f"the request body exceeds {self.limit:,} bytes"
        )
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", PROBLEM.encode()),
                    (b"content-length", str(len(response.body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": response.body})


class _TooLargeError(StarletteHTTPException):
    """Raised while the body is read. An HTTP exception, so FastAPI's body reader lets it
    through to the 413 problem instead of turning it into "error parsing the body"."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the request body exceeds {limit:,} bytes")


def problem_errors(results: list[RecordResult]) -> list[dict[str, Any]]:
    """Per-field errors of a rejected batch, named as request fields."""
    return [
        {
            "field": ".".join(filter(None, ("body.vacancies", str(r.index), e.field))),
            "message": e.message,
        }
        for r in results
        for e in r.errors
    ]
