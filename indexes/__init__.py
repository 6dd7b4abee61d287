"""Vectors and search over the store: embedding models (``embedding/``), fine-tuning
(``training/``), and the index structures: FAISS behind one interface (``ann``), the
lexical channel (``lexical``), labels with fusion (``labels``), immutable snapshots and
their leases (``snapshot``, ``leases``) and the vacancy index (``vacancy_index``)."""
