"""The errors the service layer raises for a caller's mistake, in one place.

The HTTP layer turns each into a problem+json answer (``service.api.problems``), the CLI
into an exit code; neither needs to know which capability raised it.
"""

from service.schemas.vacancies import RecordResult


class NotFoundError(Exception):
    """No concept of that kind with that id."""

    def __init__(self, kind: str, key: str) -> None:
        super().__init__(f"no {kind} with id {key!r}")
        self.kind = kind
        self.key = key


class UnknownReferenceError(ValueError):
    """Ids or URIs in a request that the store does not know."""

    def __init__(self, field: str, keys: list[str]) -> None:
        super().__init__(f"unknown {field}: {', '.join(keys)}")
        self.field = field
        self.keys = keys


class BatchRejectedError(Exception):
    """An atomic batch with invalid records: nothing was stored."""

    def __init__(self, results: list[RecordResult]) -> None:
        bad = [r for r in results if r.errors]
        super().__init__(f"{len(bad)} of {len(results)} records are invalid; nothing was stored")
        self.results = bad
