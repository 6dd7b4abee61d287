"""Fine-tuning the embedding model on the ontology's own labels: training pairs
(``pairs``), the contrastive loop (``fine_tune``) and building a pinned tuned-model
folder (``train``). Only the CLI (``overstap train``) imports this package."""
