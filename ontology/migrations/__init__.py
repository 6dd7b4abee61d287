"""Alembic migrations of the store's schema (see ``ontology.schema``, which runs them)."""
