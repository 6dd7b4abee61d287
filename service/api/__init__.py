"""HTTP layer: thin routes over the service objects in ``app.state``."""
