"""The shell scripts a newcomer runs: they explain themselves and refuse bad input
before touching any store (the full run is the README's ESCO set-up, measured in
docs/quality.md)."""

import os
import subprocess
from pathlib import Path

from tests.support.paths import REPO_ROOT

DEPLOY = REPO_ROOT / "scripts" / "esco_deployment.sh"


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "OVERSTAP_DATA_DIR": str(cwd / "var")}
    return subprocess.run(
        ["bash", str(DEPLOY), *args], capture_output=True, text=True, cwd=cwd, env=env
    )


def test_the_esco_script_explains_itself(tmp_path: Path) -> None:
    shown = _run("--help", cwd=tmp_path)
    assert shown.returncode == 0
    assert "--tuned" in shown.stdout and "OVERSTAP_DATA_DIR" in shown.stdout


def test_the_esco_script_refuses_bad_input_before_writing(tmp_path: Path) -> None:
    wrong = _run("--quick", cwd=tmp_path)
    assert wrong.returncode == 2 and "unknown option --quick" in wrong.stderr
    missing = _run(str(tmp_path / "nowhere"), cwd=tmp_path)
    assert missing.returncode == 2 and "esco-v1.1.1-en" in missing.stderr
    assert not (tmp_path / "var").exists()  # nothing was imported or created
