"""A model's calibration: the affine map from the bundled model's cosine scale, how it
is measured on a store's skills, and how it is read back from a manifest."""

import zlib
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import pytest
from numpy.typing import NDArray

from indexes.embedding.base import TextKind
from indexes.embedding.calibration import IDENTITY, Calibration, CalibrationError
from indexes.training.calibration import (
    CalibrationDataError,
    anchor_texts,
    measure_calibration,
)
from ontology.importers.esco import EscoImporter
from ontology.store import Store
from ontology.writer import OntologyWriter
from service.match.scoring import MatchSettings
from tests.support.fakes import HashingEmbedder
from tests.support.paths import MINI_EN, MINI_NL


@dataclass
class Trigrams(HashingEmbedder):
    """Hashed character trigrams: an alternative label shares some with its preferred
    label, two unrelated skills few, as with a real model."""

    dims: int = 512

    def encode(self, texts: Sequence[str], kind: TextKind) -> NDArray[np.float32]:
        out = np.zeros((len(texts), self.dims), dtype=np.float32)
        for row, text in enumerate(texts):
            padded = f"  {text.lower()} "
            for i in range(len(padded) - 2):
                out[row, zlib.crc32(padded[i : i + 3].encode()) % self.dims] += 1.0
        unit: NDArray[np.float32] = (out / np.linalg.norm(out, axis=1, keepdims=True)).astype(
            np.float32
        )
        return unit


@dataclass
class Squeezed(Trigrams):
    """The hashing embedder with one extra, shared dimension of weight ``b``: every
    cosine becomes (cos + b²) / (1 + b²), an exact affine squeeze towards 1, the way
    e5 bunches its cosines high."""

    b: float = 1.5

    @property
    def dimension(self) -> int:
        return self.dims + 1

    def encode(self, texts: Sequence[str], kind: TextKind) -> NDArray[np.float32]:
        base = super().encode(texts, kind)
        out = np.hstack([base, np.full((len(texts), 1), self.b, dtype=np.float32)])
        unit: NDArray[np.float32] = (out / np.linalg.norm(out, axis=1, keepdims=True)).astype(
            np.float32
        )
        return unit


def _mini(store: Store) -> Store:
    with store.transaction() as conn:
        EscoImporter(OntologyWriter(conn)).run([MINI_EN, MINI_NL])
    return store


def test_the_identity_changes_nothing() -> None:
    assert IDENTITY.is_identity and IDENTITY.scale == 1.0
    assert IDENTITY.cosine(0.85) == 0.85 and IDENTITY.margin(0.04) == 0.04
    assert MatchSettings().on_scale(IDENTITY) == MatchSettings()


def test_a_calibration_maps_cosines_affinely_and_margins_by_its_scale() -> None:
    c = Calibration(
        unrelated=0.5,
        related=0.7,
        base_unrelated=0.8,
        base_related=0.9,
        label_margin=0.3,
        base_label_margin=0.15,
        pairs=100,
    )
    assert c.scale == pytest.approx(2.0) and c.margin_scale == pytest.approx(2.0)
    assert c.cosine(0.8) == 0.5 and c.cosine(0.9) == 0.7  # the anchors map onto each other
    assert c.cosine(0.85) == pytest.approx(0.6) and c.margin(0.04) == pytest.approx(0.08)
    # Margins follow their own anchor, not the cosines' spread.
    assert replace(c, label_margin=0.45).margin(0.04) == pytest.approx(0.12)
    mapped = MatchSettings(story_threshold=0.05).on_scale(c)
    assert mapped.similarity_floor == pytest.approx(c.cosine(0.85))
    assert mapped.similarity_full == pytest.approx(c.cosine(0.93))
    assert mapped.wish_threshold == pytest.approx(0.16)
    assert mapped.story_threshold == pytest.approx(0.10)
    assert mapped.strength_per_margin == pytest.approx(3.0)  # the same margin, half per unit
    assert mapped.covered_at == MatchSettings().covered_at  # credits are not cosines
    assert Calibration.from_json(c.to_json()) == c


STORED = {
    "unrelated": 0.5,
    "related": 0.7,
    "base_unrelated": 0.8,
    "base_related": 0.9,
    "label_margin": 0.2,
    "base_label_margin": 0.1,
    "pairs": 3,
}


@pytest.mark.parametrize(
    ("stored", "message"),
    [
        ([], "must be an object"),
        ({**STORED, "base_related": None}, "base_related"),
        ({**STORED, "unrelated": 0.95}, "not ordered"),
        ({**STORED, "unrelated": "x"}, "mistypes .unrelated."),
        ({**STORED, "label_margin": 0.0}, "must be positive"),
        ({k: v for k, v in STORED.items() if k != "pairs"}, "pairs"),
        ({**STORED, "pairs": 0}, "count its pairs"),
    ],
)
def test_a_broken_stored_calibration_is_refused(stored: object, message: str) -> None:
    with pytest.raises(CalibrationError, match=message):
        Calibration.from_json(stored)


def test_measuring_recovers_a_known_squeeze_of_the_cosines(store: Store) -> None:
    _mini(store)
    base = Trigrams()
    same = measure_calibration(store, base, base)
    assert same.scale == pytest.approx(1.0) and same.cosine(0.85) == pytest.approx(0.85)
    assert same.related > same.unrelated and same.pairs >= 3

    b = 1.5
    squeezed = measure_calibration(store, Squeezed(b=b), base)
    assert squeezed.scale == pytest.approx(1 / (1 + b * b), abs=1e-3)
    assert squeezed.margin_scale == pytest.approx(1 / (1 + b * b), abs=2e-3)
    for cosine in (0.2, 0.5, 0.85):
        assert squeezed.cosine(cosine) == pytest.approx((cosine + b * b) / (1 + b * b), abs=1e-3)


def test_anchor_pairs_are_seeded_and_need_a_store_with_skills(store: Store) -> None:
    with pytest.raises(CalibrationDataError, match="0 skills"):
        anchor_texts(store, seed=1)
    _mini(store)
    first = anchor_texts(store, seed=1, pairs=50)
    assert first == anchor_texts(store, seed=1, pairs=50)
    assert len(first.unrelated) == 50 and all(a != b for a, b in first.unrelated)
    assert first.related and all(a.casefold() != b.casefold() for a, b in first.related)
    # Each label-margin query is another label of the skill whose row it names.
    assert all(text.casefold() != first.collection[row].casefold() for text, row in first.queries)


@dataclass
class _Calibrated(Trigrams):
    scale: Calibration = IDENTITY

    @property
    def calibration(self) -> Calibration:
        return self.scale


def test_a_calibration_change_derives_stored_vacancies_again() -> None:
    from service.vacancies.derive import DERIVATION, derivation_key

    bundled = _Calibrated()
    assert derivation_key(bundled) == f"{bundled.name}|{DERIVATION}"  # unchanged keys
    tuned = _Calibrated(scale=Calibration.from_json(STORED))
    other = _Calibrated(scale=Calibration.from_json({**STORED, "label_margin": 0.3}))
    assert derivation_key(tuned) != derivation_key(bundled)
    assert derivation_key(tuned) != derivation_key(other)  # same weights, other scale
