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


class UnresolvedLabelError(ValueError):
    """Free labels in a request that no concept fits with confidence; each with its
    position in the field and the closest concepts ("did you mean": URI, label)."""

    def __init__(
        self, field: str, kind: str, labels: list[tuple[int, str, list[tuple[str, str]]]]
    ) -> None:
        names = ", ".join(repr(label) for _, label, _ in labels)
        super().__init__(f"no {kind} fits {names} with confidence")
        self.field = field
        self.kind = kind
        self.labels = labels


class BatchRejectedError(Exception):
    """An atomic batch with invalid records: nothing was stored."""

    def __init__(self, invalid: list[RecordResult], total: int) -> None:
        bad = [r for r in invalid if r.errors]
        super().__init__(f"{len(bad)} of {total} records are invalid; nothing was stored")
        self.results = bad
