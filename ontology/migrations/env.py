"""Alembic's entry point: migrations run on the connection ``ontology.schema`` hands in
(never from an ini file's URL), so the CLI, the server and the tests share one path."""

from alembic import context
from sqlalchemy import Connection
from sqlmodel import SQLModel

import models.tables  # noqa: F401  (registers the tables on SQLModel.metadata)


def run() -> None:
    """Run the pending migrations inside the caller's transaction."""
    connection: Connection = context.config.attributes["connection"]
    context.configure(
        connection=connection,
        target_metadata=SQLModel.metadata,
        # SQLite cannot ALTER most things: Alembic's batch mode copies the table.
        render_as_batch=True,
        transaction_per_migration=False,
    )
    with context.begin_transaction():
        context.run_migrations()


run()
