"""How long-running work reports progress without knowing about terminals.

The ontology layer calls a ``Progress``; the CLI hands in one drawn with rich (or, when
its output is no terminal, ``ProgressLines``), the server's first start hands in
``ProgressLines`` writing to its log, tests hand in ``NO_PROGRESS``.
"""

import time
from collections.abc import Callable
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


def rate(done: int | float, elapsed: float) -> str:
    """Units a second so far, as progress shows it ("85/s"); nothing before a second has
    passed or anything is done. The rate shows whether a job runs at the speed its
    machines should give."""
    return f"{done / elapsed:,.0f}/s" if done and elapsed >= 1 else ""


class ProgressLines:
    """Progress as lines of text, for output nobody watches live (cron, container logs):
    one when a stage starts, one every ``interval`` seconds while it runs, one when it
    ends (at the next stage or ``finish``)."""

    def __init__(
        self,
        say: Callable[[str], None],
        interval: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._say_line = say
        self._interval = interval
        self._clock = clock
        self._description: str | None = None
        self._done = 0
        self._total: int | None = None
        self._started = self._said = clock()

    def stage(self, description: str, total: int | None) -> None:
        """End the running stage and start a new one."""
        self.finish()
        self._description, self._total, self._done = description, total, 0
        self._started = self._clock()
        self._say("started")

    def advance(self, amount: int = 1) -> None:
        """Count ``amount`` done; a line when ``interval`` has passed since the last."""
        if self._description is None:
            return
        self._done += amount
        if self._clock() - self._said >= self._interval:
            self._say("at")

    def describe(self, description: str) -> None:
        """Rename the running stage (e.g. to show a training loss)."""
        if self._description is not None:
            self._description = description

    def finish(self) -> None:
        """End the running stage, if any, with its line."""
        if self._description is None:
            return
        if self._total is not None:
            self._done = self._total
        self._say("done")
        self._description = None

    def _say(self, state: str) -> None:
        self._said = self._clock()
        elapsed = self._said - self._started
        if self._total:
            count = f" {self._done:,}/{self._total:,} ({self._done / self._total:.0%})"
        else:  # unknown size: a count only once there is one
            count = f" {self._done:,}" if self._done else ""
        speed = rate(self._done, elapsed)
        tail = f", {speed}" if speed else ""
        self._say_line(f"{self._description}: {state}{count}, {elapsed:.0f} s{tail}")
