"""The lexical channel: character n-gram TF-IDF over the same labels.

Character 1–3-grams over lowercased, accent-folded text (MELO's char TF-IDF baseline)
catch spelling variants and compound words that embeddings of short job titles miss
("electricien", "elektromonteur" vs "monteur elektro"). Stored as a sparse matrix plus
vocabulary and idf, no pickles.
"""

import json
import unicodedata
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from sklearn.feature_extraction.text import TfidfVectorizer


def fold(text: str) -> str:
    """Lowercase and strip accents via NFKD to ASCII (``coördinator`` → ``coordinator``)."""
    return unicodedata.normalize("NFKD", text.lower()).encode("ascii", "ignore").decode()


def _vectorizer(vocabulary: dict[str, int] | None = None) -> TfidfVectorizer:
    return TfidfVectorizer(
        analyzer="char",
        ngram_range=(1, 3),
        lowercase=False,
        preprocessor=fold,
        vocabulary=vocabulary,
        dtype=np.float32,
    )


class CharNgramIndex:
    """TF-IDF rows for a fixed list of texts; cosine search against them."""

    def __init__(self, vectorizer: TfidfVectorizer, matrix: sp.csr_matrix) -> None:
        self._vectorizer = vectorizer
        self._matrix_t = matrix.T.tocsr()

    @classmethod
    def build(cls, texts: list[str]) -> "CharNgramIndex":
        """Fit the vocabulary and idf on ``texts`` and index them."""
        vectorizer = _vectorizer()
        matrix = vectorizer.fit_transform(texts) if texts else sp.csr_matrix((0, 0))
        return cls(vectorizer, sp.csr_matrix(matrix))

    def scores(self, queries: list[str]) -> sp.csr_matrix:
        """Cosine similarity of each query to every indexed text (sparse)."""
        if self._matrix_t.shape[1] == 0:
            return sp.csr_matrix((len(queries), 0), dtype=np.float32)
        return sp.csr_matrix(self._vectorizer.transform(queries) @ self._matrix_t)

    def search(self, query: str, k: int) -> tuple[NDArray[np.float32], NDArray[np.int64]]:
        """Top-``k`` (score, row) for one query, best first, zero scores dropped."""
        row = self.scores([query]).tocoo()
        if row.nnz == 0:
            return np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.int64)
        data, cols = row.data.astype(np.float32), row.col.astype(np.int64)
        top = np.argsort(-data, kind="stable")[:k]
        return data[top], cols[top]

    def save(self, folder: Path) -> list[Path]:
        """Write vocabulary, idf and matrix; returns the files written."""
        fitted = getattr(self._vectorizer, "vocabulary_", {})  # an empty collection has none
        vocabulary = {term: int(i) for term, i in fitted.items()}
        files = [
            folder / "lexical_vocabulary.json",
            folder / "lexical_idf.npy",
            folder / "lexical_matrix.npz",
        ]
        files[0].write_text(json.dumps(vocabulary, ensure_ascii=False), encoding="utf-8")
        np.save(files[1], getattr(self._vectorizer, "idf_", np.zeros(0, dtype=np.float32)))
        sp.save_npz(files[2], self._matrix_t.T.tocsr())
        return files

    @classmethod
    def load(cls, folder: Path) -> "CharNgramIndex":
        """Read what ``save`` wrote."""
        vocabulary = json.loads((folder / "lexical_vocabulary.json").read_text(encoding="utf-8"))
        matrix = sp.load_npz(folder / "lexical_matrix.npz")
        if not vocabulary:
            return cls(_vectorizer(), sp.csr_matrix(matrix))
        vectorizer = _vectorizer(vocabulary)
        vectorizer.idf_ = np.load(folder / "lexical_idf.npy")
        return cls(vectorizer, sp.csr_matrix(matrix))
