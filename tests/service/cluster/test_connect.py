"""Joining a cluster fails fast and clearly, without Ray installed too (the quick
suite: nothing here starts a cluster)."""

import socket
import sys

import pytest

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


def _free_port() -> int:
    with socket.socket() as probe_socket:
        probe_socket.bind(("127.0.0.1", 0))
        port: int = probe_socket.getsockname()[1]
        return port


def test_a_closed_port_is_refused_at_once() -> None:
    port = _free_port()
    with pytest.raises(ClusterError, match=f"cannot reach the Ray cluster at 127.0.0.1:{port}"):
        probe(f"127.0.0.1:{port}")


def test_without_the_ray_extra_the_cli_says_how_to_get_it(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` now fails
    done = cli("reindex", "--ray", "local")
    assert done.exit_code == 2
    assert "pip install 'overstap[ray]'" in done.stderr
    assert "Traceback" not in done.stderr


def test_the_setting_names_the_cluster_when_the_option_does_not(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    from service.settings import get_settings

    port = _free_port()
    monkeypatch.setenv("OVERSTAP_RAY_ADDRESS", f"127.0.0.1:{port}")
    get_settings.cache_clear()
    done = cli("reindex")
    assert done.exit_code == 2
    assert f"cannot reach the Ray cluster at 127.0.0.1:{port}" in done.stderr
