"""Property-based checks of the whole HTTP API against its own OpenAPI document, on a
running ``overstap serve``: schemathesis generates requests for every operation
(bounded: 30 examples each, under 1,000 requests in all, fixed seed) and checks that
no answer is a 5xx, and that every status, content type and body is the documented
one. Starting a re-index is left out (it would start real jobs); its job lookup is in."""

from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

schemathesis = pytest.importorskip("schemathesis", reason="install the test extra")

from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from service.bench.server import ServerProcess  # noqa: E402
from tests.support.seed import seed_into  # noqa: E402
from tests.support.served import server_env  # noqa: E402

# Fuzzing every operation: `make test-all` (CI) runs it, the quick `make test` not.
pytestmark = pytest.mark.slow
KEY = "schemathesis-key"
EXAMPLES = 30
BUDGET = 1000
CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
    content_type_conformance,
]
sent: dict[str, Counter[str]] = defaultdict(Counter)  # per server (one per database)


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, module_database_url: str, default_seed: Path
) -> Iterator[ServerProcess]:
    folder = tmp_path_factory.mktemp("schemathesis")
    seed_into(default_seed, folder / "var", module_database_url)
    env = server_env(folder, module_database_url, api_keys=KEY)
    with ServerProcess(env, folder / "server.log") as running:
        yield running


@pytest.fixture(scope="module")
def api_schema(server: ServerProcess) -> Any:
    config = schemathesis.Config.from_dict(
        {
            "seed": 20261128,
            "base-url": server.base,
            "headers": {"X-API-Key": KEY},
            "request-timeout": 60,
            "generation": {"max-examples": EXAMPLES, "database": "none"},
            "phases": {"coverage": {"enabled": False}},
        }
    )
    return schemathesis.openapi.from_url(f"{server.base}/openapi.json", config=config)


schema = schemathesis.pytest.from_fixture("api_schema").exclude(
    path="/v1/admin/reindex", method="POST"
)


@schema.parametrize()  # type: ignore[untyped-decorator]
def test_every_answer_is_documented_and_none_is_a_server_error(
    case: Any, server: ServerProcess
) -> None:
    counts = sent[server.base]
    assert sum(counts.values()) < BUDGET, "request budget spent: lower EXAMPLES"
    counts[f"{case.method} {case.path}"] += 1
    case.call_and_validate(checks=CHECKS)


def test_the_run_covered_every_operation_within_the_budget(
    api_schema: Any, server: ServerProcess
) -> None:
    """Runs after the generated tests (file order): they reached every operation but
    the excluded one and stayed under the bound."""
    counts = sent[server.base]
    operations = {f"{op.method.upper()} {op.path}" for op in _operations(api_schema)}
    assert operations - {"POST /v1/admin/reindex"} <= set(counts), operations - set(counts)
    # operations without parameters have one request to make; the others EXAMPLES
    assert 10 * EXAMPLES <= sum(counts.values()) <= BUDGET
    print(f"schemathesis: {sum(counts.values())} requests over {len(counts)} operations")


def _operations(api_schema: Any) -> list[Any]:
    return [result.ok() for result in api_schema.get_all_operations()]
