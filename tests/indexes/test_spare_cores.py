"""Spare cores: a lone call spreads its jobs, calls under load keep to one core each."""

import threading

import pytest

from indexes.spare_cores import SpareCores, run_spread, use_spare_cores


def test_spare_cores_share_what_other_calls_leave_free() -> None:
    spare = SpareCores(3)
    with spare.share() as first:
        assert first == 3  # alone: every core
        with spare.share() as second, spare.share() as third:
            assert (second, third) == (2, 1)  # the last of three calls gets one
    with spare.share() as again:
        assert again == 3  # counted out again


@pytest.mark.parametrize("workers", [1, 2, 3, 5])
def test_every_job_runs_once_however_it_is_spread(workers: int) -> None:
    done: list[int] = []
    lock = threading.Lock()

    def run(job: int) -> None:
        with lock:
            done.append(job)

    SpareCores(3).run_each(workers, list(range(7)), run)
    assert sorted(done) == list(range(7))


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
