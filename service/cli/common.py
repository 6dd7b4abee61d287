"""What every command shares: the consoles, the exit code for bad input, and turning
expected errors into one readable line (so a script sees exit 2, a person sees why)."""

from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console
from rich.markup import escape

from ontology.errors import SourceError, StoreError
from ontology.store import Store
from service.settings import get_settings

out = Console()
err = Console(stderr=True)

EXIT_BAD_INPUT = 2


@contextmanager
def failing_cleanly(*expected: type[Exception]) -> Iterator[None]:
    """Turn located input errors, and the ``expected`` errors of a command (a bad
    embedder name, a missing benchmark file), into one readable line and exit code 2."""
    handled: tuple[type[Exception], ...] = (StoreError, *expected)
    try:
        yield
    except SourceError as exc:
        err.print(
            f"[red]error:[/red] {escape(exc.location())}: {escape(exc.message)}",
            highlight=False,
            soft_wrap=True,
        )
        err.print("nothing was imported; the store is unchanged", highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    except handled as exc:
        # Escaped: messages name extras and paths in brackets (`overstap[ray]`).
        err.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_BAD_INPUT) from None


def open_store() -> Store:
    settings = get_settings()
    return Store(settings.resolved_database_url, settings.db_upgrade)
