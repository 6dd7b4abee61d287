"""The OpenAPI document says what the service really answers: every error under /v1 is
``application/problem+json`` with one ``Problem`` schema (FastAPI would document its
own ``HTTPValidationError`` under ``application/json``), the statuses middleware and
dependencies add (400, 413, 415, 503) are listed, and the key is optional on reads unless
``read_requires_key`` is set. Generated clients and schemathesis rely on this."""

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI

from models.domain import VacancyRecord
from service.api.problems import PROBLEM
from service.settings import Settings

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "RFC 9457 problem details, the shape of every error.",
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {
            "type": "string",
            "description": "A URI naming the kind of problem.",
            "examples": ["https://overstap.example/problems/invalid-request"],
        },
        "title": {
            "type": "string",
            "description": "Short summary of the kind.",
            "examples": ["Invalid request"],
        },
        "status": {"type": "integer", "description": "The HTTP status code.", "examples": [422]},
        "detail": {
            "type": "string",
            "description": "What went wrong in this request.",
            "examples": ["body.limit: Input should be less than or equal to 100"],
        },
        "errors": {
            "type": "array",
            "description": "For invalid requests: each offending field and why.",
            "examples": [[{"field": "body.limit", "message": "Input should be ..."}]],
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {
                    "field": {"type": "string", "examples": ["body.text"]},
                    "message": {"type": "string"},
                    "did_you_mean": {
                        "type": "array",
                        "description": "For a free label no concept fits with confidence "
                        "(`/v1/match` occupations and skills): the three closest concepts.",
                        "items": {
                            "type": "object",
                            "required": ["uri", "id", "label"],
                            "properties": {
                                "uri": {"type": "string"},
                                "id": {"type": "string"},
                                "label": {"type": "string"},
                            },
                        },
                    },
                },
            },
        },
        "results": {
            "type": "array",
            "description": "For a refused atomic vacancy batch: the status of every record.",
            "examples": [[{"id": "vac-1", "status": "invalid"}]],
            "items": {"type": "object"},
        },
    },
    "examples": [
        {
            "type": "https://overstap.example/problems/invalid-request",
            "title": "Invalid request",
            "status": 422,
            "detail": "body.limit: Input should be less than or equal to 100",
            "errors": [{"field": "body.limit", "message": "Input should be ..."}],
        }
    ],
}
ADDED = {
    "400": "The body is not valid JSON (the problem says where).",
    "401": "No API key was given.",
    "403": "The API key is not valid.",
    "413": "The body is larger than the configured limit.",
    "415": "The body is not sent as JSON (`Content-Type: application/json`).",
    "503": "The service is still loading its indexes.",
}
NEEDS_KEY = "403"  # the routes that always need a key declare 401 and 403


def vacancy_schema() -> dict[str, Any]:
    """The upsert's record type: what the service validates each record against."""
    schema = VacancyRecord.model_json_schema(mode="validation")
    schema["title"] = "Vacancy"
    schema["description"] = (
        "A vacancy as a publisher sends it. Checked record by record: an invalid one "
        "comes back with status `invalid` and its errors (or fails an `atomic` batch)."
    )
    return schema


def _document(schema: dict[str, Any], settings: Settings) -> None:
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["Problem"] = PROBLEM_SCHEMA
    components["Vacancy"] = vacancy_schema()
    for path, operations in schema.get("paths", {}).items():
        if not path.startswith("/v1/"):
            continue
        for operation in operations.values():
            responses: dict[str, Any] = operation["responses"]
            keyed = NEEDS_KEY in responses or settings.read_requires_key
            extra = ["503"] + (["400", "413", "415"] if "requestBody" in operation else [])
            extra += ["401", "403"] if keyed else []
            for status in extra:
                responses.setdefault(status, {"description": ADDED[status]})
            for status, response in responses.items():
                if status.isdigit() and int(status) >= 400:
                    response["content"] = {PROBLEM: {"schema": PROBLEM_REF}}
                    if status == "422":
                        response["description"] = "Invalid request: the fields and why."
            if not keyed and operation.get("security"):
                operation["security"] = [{}, *operation["security"]]  # a key is optional
    used = str(schema.get("paths"))
    for name in ("HTTPValidationError", "ValidationError"):
        if f"/{name}'" not in used:
            schema["components"]["schemas"].pop(name, None)


def install(app: FastAPI, settings: Settings) -> None:
    """Replace ``app.openapi`` by one that documents problems (built once, cached)."""
    generate: Callable[[], dict[str, Any]] = app.openapi
    done: list[dict[str, Any]] = []

    def documented() -> dict[str, Any]:
        if not done:
            schema = generate()
            _document(schema, settings)
            done.append(schema)
        return done[0]

    app.openapi = documented  # type: ignore[method-assign]
