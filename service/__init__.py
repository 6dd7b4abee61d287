"""The product: the service layer by capability (``catalog``, ``extraction``, ``match``,
``vacancies``) over the HTTP contract (``schemas``), what a running server answers from
(``runtime``), the HTTP API (``api``) and advisor page (``web``), and the ``overstap``
command line (``cli``) with what its ``evaluate`` and ``bench`` commands run."""

# The release: semantic versioning of the package and of the HTTP contract alike (a
# minor step adds routes or fields, a major one would move the paths to /v2). The
# OpenAPI document's `info.version` and /v1/meta's `version` read it from here.
__version__ = "1.4.0"
