"""What a derivation returns is checked before anything is written: every record back
exactly once, in input order whatever order a cluster returned them in."""

from collections.abc import Iterator
from typing import Any

import pytest

from service.vacancies.derive import DerivationError, check_complete, in_order


def _yielded(*positions: int) -> Iterator[tuple[int, Any]]:
    return iter([(position, f"vacancy {position}") for position in positions])


def test_results_come_back_in_input_order() -> None:
    ordered: list[Any] = list(in_order(_yielded(2, 0, 1), 3))
    assert ordered == ["vacancy 0", "vacancy 1", "vacancy 2"]


@pytest.mark.parametrize(
    "positions",
    [(0, 2), (0, 1, 2, 2), (0, 1, 1), ()],
    ids=["one lost", "one twice", "one twice, one lost", "none"],
)
def test_a_lost_or_repeated_result_is_an_error(positions: tuple[int, ...]) -> None:
    with pytest.raises(DerivationError, match="came back for 3,"):
        in_order(_yielded(*positions), 3)
    with pytest.raises(DerivationError):
        check_complete(list(positions), 3)
