"""Looking into a store from a test."""

from typing import Any

from sqlalchemy import select
from sqlmodel import SQLModel

from ontology.store import Store


def store_contents(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, sorted: proof that a failed import changed nothing."""
    result: dict[str, list[tuple[Any, ...]]] = {}
    with store.reading() as conn:
        for table in SQLModel.metadata.sorted_tables:
            rows = conn.execute(select(table)).all()
            result[table.name] = sorted((tuple(r) for r in rows), key=repr)
    return result
