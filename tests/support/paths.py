"""Where the tests' data lies: the fixture files, and the real data beside the checkout."""

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
# The layers that ship (pyproject.toml), bottom up; scripts/ and tests/ stay in the checkout.
PACKAGES = ("models", "ontology", "indexes", "service")
FIXTURES = REPO_ROOT / "tests" / "fixtures"
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"
MINI_EN = FIXTURES / "esco-v1.0.0-mini-en"
MINI_NL = FIXTURES / "esco-v1.0.0-mini-nl"

needs_shared_data = pytest.mark.skipif(
    not (SHARED_DATA / "esco-v1.1.1-en").is_dir(),
    reason=f"real data not found at {SHARED_DATA} (it lies beside the project root in CI)",
)
