"""The real ``overstap`` CLI, run in-process."""

from typing import Any


class Cli:
    """Runs the real ``overstap`` CLI in-process against this test's store."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url

    def __call__(self, *args: str) -> Any:
        from typer.testing import CliRunner

        from service.cli.commands import app

        result = CliRunner().invoke(app, list(args), catch_exceptions=False)
        return result
