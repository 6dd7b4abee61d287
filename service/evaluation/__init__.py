"""What ``overstap evaluate`` runs: MELO (``melo``), skill extraction on the Decorte
benchmark (``skills``) and the side-entrant match cases (``match``), whose case files
ship in ``cases/`` with the package."""

from pathlib import Path

# The hand-written case files, shipped as package data so an installed overstap can run
# ``overstap evaluate match`` without a checkout.
CASES_DIR = Path(__file__).parent / "cases"
DEFAULT_CASES = CASES_DIR / "side_entrants.yaml"
ESCO_CASES = CASES_DIR / "side_entrants_esco.yaml"
HONESTY_CASES = CASES_DIR / "honesty.yaml"  # recognised past jobs, abstention (issue 19)
NO_MATCH_QUERIES = CASES_DIR / "no_match.yaml"  # search abstention (issue 19)

__all__ = ["CASES_DIR", "DEFAULT_CASES", "ESCO_CASES", "HONESTY_CASES", "NO_MATCH_QUERIES"]
