"""What ``pip install .`` ships: the four layers with their data, nothing of the checkout.

An installed overstap has no ``tests/`` or ``scripts/`` beside it (the Docker image copies
only the packages), so everything a command needs at run time must be package data:
the embedded default, the advisor page and the evaluation cases.
"""

import shutil
import subprocess
import sys
import zipfile

import pytest

from tests.support.paths import PACKAGES, REPO_ROOT


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """The names in a wheel built from this checkout, as ``pip install .`` builds it.

    Built from a copy, so no ``build/`` folder is left in the checkout and none left
    there by an earlier build (which may hold modules since moved) leaks into it."""
    source = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO_ROOT / name, source / name)
    for top in PACKAGES:
        shutil.copytree(REPO_ROOT / top, source / top, ignore=shutil.ignore_patterns("__pycache__"))
    out = tmp_path_factory.mktemp("wheel")
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q"]
    command += ["--wheel-dir", str(out), str(source)]
    subprocess.run(command, check=True, capture_output=True)
    (built,) = out.glob("overstap-*.whl")
    with zipfile.ZipFile(built) as archive:
        return archive.namelist()


def test_the_wheel_carries_what_commands_read(wheel: list[str]) -> None:
    names = set(wheel)
    assert "service/evaluation/cases/side_entrants.yaml" in names  # overstap evaluate match
    assert "service/evaluation/cases/side_entrants_esco.yaml" in names
    assert "service/web/index.html" in names  # the advisor page
    assert "ontology/default_data/certificates.csv" in names  # the embedded default
    assert any(n.startswith("ontology/default_data/esco/") for n in names)
    assert {"service/cli/__main__.py", "service/cli/commands.py"} <= names
    # Every store is opened through the migrations (ontology.schema).
    assert {"ontology/migrations/env.py", "ontology/migrations/script.py.mako"} <= names
    assert any(n.startswith("ontology/migrations/versions/0001_") for n in names)


def test_every_package_is_in_the_wheel(wheel: list[str]) -> None:
    """A subpackage missing from the build would import in the checkout and fail only
    when installed."""
    names = set(wheel)
    for top in PACKAGES:
        for init in (REPO_ROOT / top).rglob("__init__.py"):
            relative = init.relative_to(REPO_ROOT).as_posix()
            assert relative in names, f"{relative} is not in the wheel"
            for module in init.parent.glob("*.py"):
                assert module.relative_to(REPO_ROOT).as_posix() in names


def test_the_checkout_stays_out(wheel: list[str]) -> None:
    assert not [n for n in wheel if n.startswith(("tests/", "scripts/"))]


def test_default_cases_resolve_inside_the_package() -> None:
    from service.evaluation import DEFAULT_CASES, ESCO_CASES

    assert DEFAULT_CASES.is_file() and ESCO_CASES.is_file()
    assert DEFAULT_CASES.parent.parent.name == "evaluation"
