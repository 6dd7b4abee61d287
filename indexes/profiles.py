"""Occupation profiles: one vector per occupation for its name and description, so a
whole story can be compared with what an occupation *is*, not only skill by skill.

Why: on the full ESCO a Dutch story meets mostly English skill labels, and skill
extraction finds few of its skills; but every ESCO occupation has a Dutch label and a
Dutch description ("Tentenbouwers zetten tijdelijke tentconstructies op …"), which a
story about putting up festival tents resembles as a whole. The match uses the
similarity as one documented part of its score (``service.match.scoring``).

e5's cosines bunch (most story–description pairs sit between 0.75 and 0.85), so a raw
cosine says little; a story's similarity to an occupation is read as a z-score against
its similarity to every occupation in the snapshot (``standardised``). The profiles are
embedded at snapshot build time (as passages: a description is a document, the story
the query), so serving never embeds them.
"""

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

FOLDER = "profiles"
_VECTORS = "occupations.npy"
_URIS = "occupations.json"
MAX_CHARS = 600  # e5-small reads 512 tokens; a description's first lines carry its gist
# Languages tried in this order for a profile's label and description: the stories are
# Dutch; English where a concept has no Dutch text.
LANGUAGES = ("nl", "en")


def profile_text(labels: dict[str, str], descriptions: dict[str, str]) -> str | None:
    """``"<label>: <description>"`` in the first language that has each, cut to
    ``MAX_CHARS``; None when the occupation has neither (it gets no profile)."""
    label = next((labels[lang] for lang in LANGUAGES if labels.get(lang)), "")
    description = next((descriptions[lang] for lang in LANGUAGES if descriptions.get(lang)), "")
    text = " ".join(f"{label}: {description}".split()).strip(": ")
    return text[:MAX_CHARS] or None


@dataclass(frozen=True, eq=False)
class OccupationProfiles:
    """Occupation URIs and their profile vectors (unit length), row for row."""

    uris: list[str]
    vectors: NDArray[np.float32]

    def __post_init__(self) -> None:
        if self.vectors.ndim != 2 or self.vectors.shape[0] != len(self.uris):
            raise ValueError(
                f"{len(self.uris)} occupation URIs but vectors of shape {self.vectors.shape}"
            )

    def __len__(self) -> int:
        return len(self.uris)

    def standardised(self, query: NDArray[np.float32]) -> dict[str, float]:
        """Every occupation's cosine with ``query`` as a z-score over all occupations
        here: how far above the typical occupation this one is for this text. The
        population is the snapshot's, not the request's targets, so a score does not
        depend on which occupations were asked for."""
        if not self.uris:
            return {}
        similarities = np.asarray(self.vectors) @ np.asarray(query, dtype=np.float32)
        spread = float(similarities.std()) or 1.0
        scores = (similarities - float(similarities.mean())) / spread
        return {uri: float(score) for uri, score in zip(self.uris, scores, strict=True)}

    def save(self, folder: Path) -> list[Path]:
        """Write the vectors and URIs; returns the files written."""
        folder.mkdir(parents=True, exist_ok=True)
        vectors, uris = folder / _VECTORS, folder / _URIS
        np.save(vectors, self.vectors.astype(np.float32))
        uris.write_text(json.dumps(self.uris, ensure_ascii=False), encoding="utf-8")
        return [vectors, uris]

    @classmethod
    def load(cls, folder: Path) -> "OccupationProfiles":
        """Read what ``save`` wrote (vectors memory-mapped: they are only read)."""
        vectors = np.load(folder / _VECTORS, mmap_mode="r")
        uris = json.loads((folder / _URIS).read_text(encoding="utf-8"))
        return cls(list(uris), vectors)

    @classmethod
    def build(
        cls, texts: Iterable[tuple[str, str]], vectors: NDArray[np.float32]
    ) -> "OccupationProfiles":
        """From ``(uri, text)`` pairs and their vectors, in the same order."""
        return cls([uri for uri, _ in texts], np.asarray(vectors, dtype=np.float32))
