"""How long-running work reports progress without knowing about terminals.

The ontology layer calls a ``Progress``; the CLI hands in one drawn with rich, tests and
the server hand in ``NO_PROGRESS``.
"""

from typing import Protocol


class Progress(Protocol):
    """Receives the stages of a long job and how far each has got."""

    def stage(self, description: str, total: int | None) -> None:
        """A new stage begins; ``total`` units of work are expected (None: unknown)."""

    def advance(self, amount: int = 1) -> None:
        """``amount`` units of the current stage are done."""


class _NoProgress:
    def stage(self, description: str, total: int | None) -> None:
        return None

    def advance(self, amount: int = 1) -> None:
        return None


NO_PROGRESS: Progress = _NoProgress()
