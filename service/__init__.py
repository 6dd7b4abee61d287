"""The FastAPI service, its settings and the ``overstap`` command line."""
