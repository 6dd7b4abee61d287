"""Embedders and vector indexes over the ontology (built in issue 3: FAISS, snapshots)."""
