"""The README's route table lists every route the service answers, and nothing else: an
integrator reads the table first, so a route added without a row (or a row left after
a route went) is a documentation bug this test catches."""

import re
from pathlib import Path

from service.api.app import create_app
from service.settings import Settings

README = Path(__file__).resolve().parents[1] / "README.md"
ROUTE = re.compile(r"`(GET|POST|PUT|PATCH|DELETE|HEAD) (/[^`?\s]*)[^`]*`")
# Served but not in the OpenAPI document: the page, its documentation and the scrape.
OUTSIDE_OPENAPI = {("GET", "/"), ("GET", "/docs"), ("GET", "/openapi.json"), ("GET", "/metrics")}


def _table_routes() -> set[tuple[str, str]]:
    text = README.read_text(encoding="utf-8")
    section = text.split("\n## The HTTP API\n", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    assert rows, "no route table under '## The HTTP API'"
    found: set[tuple[str, str]] = set()
    for row in rows:
        first_cell = row.split(" | ", 1)[0]
        found |= {(method, path) for method, path in ROUTE.findall(first_cell)}
    return found


def test_the_route_table_lists_every_route(tmp_path: Path) -> None:
    spec = create_app(Settings(data_dir=tmp_path / "var")).openapi()
    served = {
        (method.upper(), path)
        for path, operations in spec["paths"].items()
        for method in operations
    }
    documented = _table_routes()
    assert served - documented == set(), "routes missing from the README's table"
    assert documented - served - OUTSIDE_OPENAPI == set(), "README rows for no route"
    assert documented >= OUTSIDE_OPENAPI, "the page, /docs, /openapi.json or /metrics"
