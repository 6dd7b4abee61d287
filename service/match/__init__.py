"""The side-entrant match: a story read into experience and wishes (``story``), a skill
profile and its ranking (``matcher``), coverage, gaps and short routes (``scoring``),
the mbo qualifications that lead to an occupation (``long_route``), the fit of a person
to a vacancy that vacancy search shares (``vacancy_fit``) and the HTTP answer
(``answer``)."""
