"""Spare cores: a lone call spreads its jobs, calls under load keep to one core each."""

import threading

import pytest

from indexes.spare_cores import SpareCores, run_spread, use_spare_cores


def test_spare_cores_share_what_other_calls_leave_free() -> None:
    spare = SpareCores(4)
    with spare.share() as first:
        assert first == 4  # alone: every core
        with spare.share() as second:
            assert second == 1  # none free: its own one
    with spare.share() as third, spare.share() as fourth:
        assert (third, fourth) == (4, 1)  # counted out again
    spare.close()


@pytest.mark.parametrize("workers", [1, 2, 3, 5])
def test_every_job_runs_once_however_it_is_spread(workers: int) -> None:
    done: list[int] = []
    lock = threading.Lock()

    def run(job: int) -> None:
        with lock:
            done.append(job)

    spare = SpareCores(3)
    spare.run_each(workers, list(range(7)), run)
    assert sorted(done) == list(range(7))
    spare.close()


def test_a_call_never_waits_for_helpers_a_busy_pool_has_not_started() -> None:
    """With the pool's only helper held by another call, a spreading call does all its
    jobs itself and returns; its queued helper is called off."""
    spare = SpareCores(2)
    release = threading.Event()
    held = spare._pool.submit(release.wait, 10) if spare._pool else None
    done: list[int] = []
    spare.run_each(2, list(range(5)), done.append)
    assert done == list(range(5))
    release.set()
    assert held is not None and held.result() is True
    spare.close()


def test_spreading_inside_a_helper_runs_inline() -> None:
    spare = SpareCores(2)
    inner: list[str] = []
    barrier = threading.Barrier(2, timeout=10)

    def outer(job: int) -> None:
        barrier.wait()  # both jobs at once: one on the caller, one on the helper
        spare.run_each(2, [job], lambda _: inner.append(threading.current_thread().name))

    spare.run_each(2, [0, 1], outer)
    assert len(inner) == 2
    spare.close()


def test_a_failed_job_fails_the_spread_call() -> None:
    def run(job: int) -> None:
        if job == 3:
            raise RuntimeError("job 3")

    with pytest.raises(RuntimeError, match="job 3"):
        SpareCores(2).run_each(2, list(range(6)), run)


def test_only_a_server_turns_spreading_on() -> None:
    names: set[str] = set()
    barrier = threading.Barrier(2, timeout=10)

    def run(job: int) -> None:
        names.add(threading.current_thread().name)
        barrier.wait()  # both jobs at once: only possible on two threads

    use_spare_cores(2)
    try:
        run_spread([0, 1], run)
    finally:
        use_spare_cores(1)
    assert len(names) == 2
    names.clear()
    run_spread([0], lambda job: names.add(threading.current_thread().name))
    assert names == {threading.current_thread().name}  # off: the caller alone
