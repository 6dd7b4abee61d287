"""Skill extraction with evidence: free text cut into clauses with offsets
(``clauses``), each linked to ontology skills (``extractor``)."""
