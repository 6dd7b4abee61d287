"""Vacancies: ingest, look-ups and search (``service``) and their HTTP answers
(``answer``). How well a person fits a vacancy is shared with the match
(``service.match.vacancy_fit``), so this package builds on ``service.match``."""
