"""Structured logs: one JSON object per line, and one access line per request.

The access line carries what an operator needs to follow a request (request id,
route template, status, milliseconds, snapshot id, key fingerprint) and nothing a
client sent: no body, no query string, no header values other than the request id.
Stories and CVs are personal data and must never reach a log (tested with a marker).
"""

import json
import logging
import logging.config
import re
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUEST_ID = "X-Request-ID"
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "color_message"}
access_log = logging.getLogger("overstap.access")


class JsonFormatter(logging.Formatter):
    """A log record as one JSON line; fields given as ``extra=`` are kept."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


OUR_LOGGERS = ("overstap", "service", "indexes", "ontology", "models")


def configure(level: int = logging.INFO) -> dict[str, Any]:
    """Send every log line (ours and uvicorn's) through the JSON formatter; returns the
    ``log_config`` to give uvicorn so it does not install its own plain handlers."""
    config: dict[str, Any] = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonFormatter}},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json"}},
        # Libraries log at WARNING and above only (sentence-transformers' loading lines,
        # onnxruntime's graph fusions, …); our own packages at ``level``.
        "root": {"handlers": ["stderr"], "level": "WARNING"},
        "loggers": {
            **{name: {"level": logging.getLevelName(level)} for name in OUR_LOGGERS},
            "uvicorn": {"level": "INFO"},
            "uvicorn.error": {"level": "INFO"},
            # Its lines carry the query string, which may hold what an advisor typed;
            # ours (overstap.access) replaces it.
            "uvicorn.access": {"level": "WARNING"},
        },
    }
    logging.config.dictConfig(config)
    return config


class AccessLog:
    """Gives every request an id (a client's own ``X-Request-ID`` when it is a plain
    token, else a new one), returns it in the response, and logs one line when the
    response has been sent."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope.get("headers", [])).get(REQUEST_ID.lower().encode(), b"").decode()
        request_id = given if _SAFE_ID.match(given) else uuid.uuid4().hex
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        started = time.perf_counter()
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [
                    *message["headers"],
                    (REQUEST_ID.lower().encode(), request_id.encode()),
                ]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            route = scope.get("route")
            access_log.info(
                "request",
                extra={
                    "request_id": request_id,
                    "method": scope.get("method"),
                    "route": getattr(route, "path", None)
                    or getattr(route, "name", None)  # the mounted page: "web"
                    or "(unmatched)",
                    "status": status,
                    "ms": round((time.perf_counter() - started) * 1000, 1),
                    "snapshot": state.get("snapshot"),
                    "client_key": state.get("client_key"),
                },
            )
