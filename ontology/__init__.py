"""The ontology store and its importers (ESCO CSV, CompetentNL, mbo, certificates,
vacancies) plus the embedded Dutch default ontology."""
