"""Confidence bands: how a hit is graded, and calibration on a small index."""

import numpy as np
from numpy.typing import NDArray

from indexes.confidence import Bands, calibrate, calibration_side, nonsense_strings
from indexes.labels import LabelIndex, LabelRecord


def test_grading_follows_the_bands() -> None:
    bands = Bands(score_floor=0.8, laag=0.04, middel=0.06, hoog=0.1)
    assert bands.grade(0.95, 0.2) == "hoog"
    assert bands.grade(0.95, 0.07) == "middel"
    assert bands.grade(0.95, 0.05) == "laag"
    assert bands.grade(0.95, 0.03) is None  # does not stand out: no match
    assert bands.grade(0.7, 0.5) is None  # under what nonsense reaches: no match
    assert Bands.from_json(bands.to_json()) == bands


def test_nonsense_strings_are_deterministic_and_varied() -> None:
    strings = nonsense_strings()
    assert strings == nonsense_strings() and len(set(strings)) == len(strings) == 200
    assert any(" " in s for s in strings) and any(c.isdigit() for s in strings for c in s)


def test_calibration_on_a_small_index_orders_the_bands() -> None:
    rng = np.random.default_rng(0)
    records, vectors = [], []
    for concept in range(60):
        centre = rng.normal(size=32)
        for label in range(3):
            kind = "preferred" if label == 0 else "alternative"
            records.append(
                LabelRecord(f"c{concept}", "nl", kind, f"concept {concept} label {label}")
            )
            vector = centre + 0.3 * rng.normal(size=32)
            vectors.append(vector / np.linalg.norm(vector))
    index = LabelIndex.build(records, np.asarray(vectors, dtype=np.float32))

    def encode(texts: list[str]) -> NDArray[np.float32]:
        random = np.random.default_rng(len(texts)).normal(size=(len(texts), 32))
        unit: NDArray[np.float32] = (random / np.linalg.norm(random, axis=1, keepdims=True)).astype(
            np.float32
        )
        return unit

    bands = calibrate(index, (0.1,), encode)[0.1]
    assert bands.laag <= bands.middel <= bands.hoog
    assert bands.data["present_found"] >= 20 and bands.data["nonsense"] == 200
    # Only one side of the hash split was sampled; the other stays for evaluation.
    assert any(calibration_side(f"c{i}") for i in range(60))
    assert not all(calibration_side(f"c{i}") for i in range(60))
