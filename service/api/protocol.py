"""HTTP rules the router leaves open: a wrong method, HEAD, and bodies that are not JSON.

Why a middleware: Starlette tries routes in order, and a parameter route swallows the
static path of another method (``GET /v1/skills/extract`` reaches ``GET
/v1/skills/{id}`` and answers "no skill with id 'extract'"), so a wrong method on a
static path is decided here, before routing, from the documented paths: 405 with
``Allow``.
FastAPI registers GET routes without HEAD, which load balancers use, so HEAD is
served as GET with the body left out (headers, ``Content-Length`` included, as GET's).
A body that is not JSON would reach validation as bytes and come back as a confusing
422; it gets 415 and says what to send.
"""

import re
from collections.abc import Callable, Iterable, Mapping
from email.message import Message as MimeMessage
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.api.problems import problem

WRITES = frozenset({"POST", "PUT", "PATCH"})
# A path parameter: one segment, or a whole URI (detail routes take ESCO's
# http://data.europa.eu/esco/… ids, slashes and all).
PARAMETER = r"(?:(?:https?:/|urn:)[^?#]*?|[^/]+)"


class AllowedMethods:
    """The methods a request path answers, from the OpenAPI document's paths (the route
    table as documented, included routers and all), HEAD wherever GET is. A static path
    answers only its own methods, even where a parameter route would also match it
    (``/v1/vacancies/search`` is not a vacancy id); another path answers the methods
    of every template it fits (``/v1/vacancies/{id}``: GET and DELETE)."""

    def __init__(self, paths: Mapping[str, Iterable[str]]) -> None:
        self.static: dict[str, frozenset[str]] = {}
        self.templates: list[tuple[re.Pattern[str], frozenset[str]]] = []
        for path, methods in paths.items():
            found = {m.upper() for m in methods}
            allowed = frozenset(found | ({"HEAD"} if "GET" in found else set()))
            if "{" in path:
                pattern = "".join(
                    PARAMETER if part.startswith("{") else re.escape(part)
                    for part in re.split(r"(\{[^}]+\})", path)
                )
                self.templates.append((re.compile(pattern), allowed))
            else:
                self.static[path] = allowed

    def of(self, path: str) -> frozenset[str] | None:
        """The methods ``path`` answers; None for a path no route documents."""
        if path in self.static:
            return self.static[path]
        found = [allowed for pattern, allowed in self.templates if pattern.fullmatch(path)]
        return frozenset().union(*found) if found else None


def is_json(content_type: str) -> bool:
    """``application/json`` or any ``application/*+json``, parameters ignored."""
    message = MimeMessage()
    message["content-type"] = content_type
    subtype = message.get_content_subtype()
    return message.get_content_maintype() == "application" and (
        subtype == "json" or subtype.endswith("+json")
    )


def _has_body(headers: dict[bytes, bytes]) -> bool:
    length = headers.get(b"content-length")
    if length is not None:
        return length.strip() not in (b"", b"0")
    return b"transfer-encoding" in headers


class HttpProtocol:
    """405 with ``Allow`` for a method the path does not answer, HEAD as GET without a
    body, 415 for a body under ``/v1/`` that is not JSON. ``paths`` (path → methods)
    is read on the first request, when every route is registered."""

    def __init__(self, app: ASGIApp, paths: Callable[[], Mapping[str, Iterable[str]]]) -> None:
        self.app = app
        self._paths = paths
        self._allowed: AllowedMethods | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self._allowed is None:
            self._allowed = AllowedMethods(self._paths())
        method: str = scope["method"]
        allowed = self._allowed.of(scope["path"])
        if allowed is None and scope["path"].startswith("/v1/"):
            # Not handed on: the advisor page's static files would answer 405 for a POST.
            await self._answer(scope, send, _no_route(scope["path"]))
            return
        if allowed is not None and method not in allowed:
            await self._answer(scope, send, _method_not_allowed(method, scope["path"], allowed))
            return
        headers = dict(scope.get("headers", []))
        if method in WRITES and scope["path"].startswith("/v1/") and _has_body(headers):
            content_type = headers.get(b"content-type", b"").decode("latin-1")
            if content_type and not is_json(content_type):
                await self._answer(scope, send, _not_json(content_type))
                return
        if method == "HEAD":
            # In place, so what routing records in the scope (the route, for the access
            # log) is seen outside; the log then says HEAD again.
            scope["method"] = "GET"
            try:
                await self.app(scope, receive, _without_body(send))
            finally:
                scope["method"] = "HEAD"
            return
        await self.app(scope, receive, send)

    @staticmethod
    async def _answer(scope: Scope, send: Send, response: Any) -> None:
        await response(scope, _refuse_receive, send)


async def _refuse_receive() -> Message:
    return {"type": "http.disconnect"}


def _method_not_allowed(method: str, path: str, allowed: frozenset[str]) -> Any:
    allow = ", ".join(sorted(allowed))
    response = problem(405, "Method not allowed", f"{path} answers {allow}, not {method}")
    response.headers["Allow"] = allow
    return response


def _no_route(path: str) -> Any:
    return problem(404, "Not found", f"no route {path}; see /docs for the routes")


def _not_json(content_type: str) -> Any:
    return problem(
        415,
        "Unsupported media type",
        f"the body must be JSON (Content-Type: application/json), not {content_type!r}",
    )


def _without_body(send: Send) -> Send:
    """Send GET's answer as HEAD's: the same status and headers, no body bytes."""

    async def head_send(message: Message) -> None:
        if message["type"] == "http.response.body":
            message = {**message, "body": b""}
        await send(message)

    return head_send
