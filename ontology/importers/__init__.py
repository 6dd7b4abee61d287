"""Importers: each turns one kind of source into rows for the store, in one transaction."""
