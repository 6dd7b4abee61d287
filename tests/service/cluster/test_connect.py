"""Joining a cluster fails fast and clearly, without Ray installed too (the quick
suite: nothing here starts a cluster)."""

import os
import sys
from pathlib import Path

import pytest

from service.bench.server import free_port
from service.cluster.connect import ClusterError, host_and_port, probe
from tests.support.cli import Cli


def test_cluster_addresses_are_read_like_ray_reads_them() -> None:
    assert host_and_port("ray://head:10001") == ("head", 10001)
    assert host_and_port("10.0.0.5:6379") == ("10.0.0.5", 6379)
    assert host_and_port("head") == ("head", 6379)  # Ray's default port
    assert host_and_port("ray://head") == ("head", 10001)  # Ray Client's
    assert host_and_port("[::1]:6379") == ("::1", 6379)
    with pytest.raises(ClusterError, match="port 'x'"):
        host_and_port("head:x")


def test_a_closed_port_is_refused_at_once() -> None:
    port = free_port()
    with pytest.raises(ClusterError, match=f"cannot reach the Ray cluster at 127.0.0.1:{port}"):
        probe(f"127.0.0.1:{port}")


def test_without_the_ray_extra_the_cli_says_how_to_get_it(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` now fails
    done = cli("reindex", "--ray", "local")
    assert done.exit_code == 2
    # One line, the last (earlier lines can be logging noise of other tests' handlers).
    assert done.stderr.strip().splitlines()[-1] == (
        "error: running on Ray needs the ray extra: pip install 'overstap[ray]'"
    )


def test_the_setting_names_the_cluster_when_the_option_does_not(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    from service.settings import get_settings

    port = free_port()
    monkeypatch.setenv("OVERSTAP_RAY_ADDRESS", f"127.0.0.1:{port}")
    get_settings.cache_clear()
    done = cli("reindex")
    assert done.exit_code == 2
    assert f"cannot reach the Ray cluster at 127.0.0.1:{port}" in done.stderr


def test_a_pool_larger_than_the_cluster_is_refused() -> None:
    from service.cluster.connect import _sized

    assert _sized("local", 2, None, 1).actors == 2  # one per CPU by default
    assert _sized("local", 8, None, 2).actors == 4
    with pytest.raises(ClusterError, match=r"16 actors of 1 thread.* need 16 CPUs.* has 2"):
        _sized("local", 2, 16, 1)


def test_a_joining_driver_sends_its_token_for_the_block_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from service.cluster.connect import _token_mode

    token = tmp_path / "auth_token"
    monkeypatch.setenv("RAY_AUTH_TOKEN_PATH", str(token))
    monkeypatch.delenv("RAY_AUTH_MODE", raising=False)
    monkeypatch.delenv("RAY_AUTH_TOKEN", raising=False)
    with _token_mode(joining=True):
        assert "RAY_AUTH_MODE" not in os.environ  # no token: nothing to send
    token.write_text("secret")
    with _token_mode(joining=False):
        assert "RAY_AUTH_MODE" not in os.environ  # a local cluster sets its own
    with _token_mode(joining=True):
        assert os.environ["RAY_AUTH_MODE"] == "token"
    assert "RAY_AUTH_MODE" not in os.environ  # restored
    monkeypatch.setenv("RAY_AUTH_MODE", "disabled")
    with _token_mode(joining=True):
        assert os.environ["RAY_AUTH_MODE"] == "disabled"  # an explicit choice stands


def test_a_busy_snapshot_folder_is_refused_before_a_cluster_starts(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from indexes.snapshot import SnapshotDirectory

    monkeypatch.setitem(sys.modules, "ray", None)  # joining first would fail on this
    with SnapshotDirectory(tmp_path / "var" / "snapshots").lock(blocking=False):
        done = cli("reindex", "--ray", "local")
    assert done.exit_code == 2
    assert "ray extra" not in done.stderr and "re-index" in done.stderr, done.stderr
