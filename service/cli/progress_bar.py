"""Progress of long CLI work: a rich bar on a terminal, plain lines elsewhere.

Why plain lines: `reindex`, `import` and `train` run from cron or a container's log,
where a bar is never drawn and the command would say nothing for half an hour. There
each stage prints a line when it starts, one every ``interval`` seconds while it runs,
and one when it ends (``ontology.progress.ProgressLines``).
"""

import time
from collections.abc import Callable
from types import TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.text import Text

from ontology.progress import ProgressLines, rate

PLAIN_INTERVAL = 5.0  # seconds between plain progress lines


class RateColumn(ProgressColumn):
    """Units a second (texts, vacancies) over the stage so far."""

    def render(self, task: Task) -> Text:
        return Text(rate(task.completed, task.elapsed or 0.0))


class RichProgress:
    """Implements ``ontology.progress.Progress`` with one bar (or lines) per stage."""

    def __init__(
        self,
        console: Console,
        interval: float = PLAIN_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        plain = not console.is_terminal
        self._lines = (
            ProgressLines(
                lambda line: console.print(line, markup=False, highlight=False, soft_wrap=True),
                interval,
                clock,
            )
            if plain
            else None
        )
        self._progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            RateColumn(),
            console=console,
            get_time=clock,
            disable=plain,
            transient=False,
        )
        self._task: TaskID | None = None

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
        if self._lines is not None:
            self._lines.finish()
        if self._task is not None:
            task = self._progress.tasks[-1]
            if task.total is not None:
                self._progress.update(self._task, completed=task.total)

    def stage(self, description: str, total: int | None) -> None:
        """Start a new bar (the previous one is shown as complete)."""
        self._finish()
        self._task = self._progress.add_task(description, total=total)
        if self._lines is not None:
            self._lines.stage(description, total)

    def advance(self, amount: int = 1) -> None:
        """Move the current bar on."""
        if self._task is not None:
            self._progress.advance(self._task, amount)
        if self._lines is not None:
            self._lines.advance(amount)

    def describe(self, description: str) -> None:
        """Change the current bar's text (e.g. to show a training loss)."""
        if self._task is not None:
            self._progress.update(self._task, description=description)
        if self._lines is not None:
            self._lines.describe(description)
