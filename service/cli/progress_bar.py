"""Progress of long CLI work: a rich bar on a terminal, plain lines elsewhere.

Why plain lines: `reindex`, `import` and `train` run from cron or a container's log,
where a bar is never drawn and the command would say nothing for half an hour. There
each stage prints a line when it starts, one every ``interval`` seconds while it runs,
and one when it ends.
"""

import time
from collections.abc import Callable
from types import TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

PLAIN_INTERVAL = 5.0  # seconds between plain progress lines


class RichProgress:
    """Implements ``ontology.progress.Progress`` with one bar (or line) per stage."""

    def __init__(
        self,
        console: Console,
        interval: float = PLAIN_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._console = console
        self._plain = not console.is_terminal
        self._interval = interval
        self._clock = clock
        self._progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            disable=self._plain,
            transient=False,
        )
        self._task: TaskID | None = None
        self._description = ""
        self._done = 0
        self._total: int | None = None
        self._started = self._said = clock()

    def __enter__(self) -> "RichProgress":
        self._progress.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self._finish()
        self._progress.stop()

    def _finish(self) -> None:
        if self._task is None:
            return
        task = self._progress.tasks[-1]
        if task.total is not None:
            self._progress.update(self._task, completed=task.total)
        if self._plain:
            self._done = self._total if self._total is not None else self._done
            self._say("done")
        self._task = None

    def _say(self, state: str) -> None:
        self._said = self._clock()
        elapsed = self._said - self._started
        count = f"{self._done:,}" + (f"/{self._total:,}" if self._total else "")
        share = f" ({self._done / self._total:.0%})" if self._total else ""
        self._console.print(
            f"{self._description}: {state} {count}{share}, {elapsed:.0f} s",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )

    def stage(self, description: str, total: int | None) -> None:
        """Start a new bar (the previous one is shown as complete)."""
        self._finish()
        self._task = self._progress.add_task(description, total=total)
        self._description, self._total, self._done = description, total, 0
        self._started = self._clock()
        if self._plain:
            self._say("started")

    def advance(self, amount: int = 1) -> None:
        """Move the current bar on."""
        if self._task is None:
            return
        self._progress.advance(self._task, amount)
        self._done += amount
        if self._plain and self._clock() - self._said >= self._interval:
            self._say("at")

    def describe(self, description: str) -> None:
        """Change the current bar's text (e.g. to show a training loss)."""
        if self._task is not None:
            self._progress.update(self._task, description=description)
            self._description = description
