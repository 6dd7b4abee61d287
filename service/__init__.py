"""The product: the service layer by capability (``catalog``, ``extraction``, ``match``,
``vacancies``) over the HTTP contract (``schemas``), what a running server answers from
(``runtime``), the HTTP API (``api``) and advisor page (``web``), and the ``overstap``
command line (``cli``) with what its ``evaluate`` and ``bench`` commands run."""
