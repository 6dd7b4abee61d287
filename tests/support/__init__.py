"""Helpers the tests share (paths, the CLI runner, fakes, a served process); fixtures
stay in ``tests/conftest.py``."""
