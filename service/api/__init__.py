"""The HTTP layer: the app (``app``), thin routes per resource (``routes/``), the
per-request dependencies (``deps``), keys and rate limits (``access``), problem+json
errors (``problems``) and the OpenAPI document (``openapi_doc``)."""
