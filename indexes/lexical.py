"""The lexical channel: character n-gram TF-IDF over the same labels.

Character 1–3-grams over lowercased, accent-folded text (MELO's char TF-IDF baseline)
catch spelling variants and compound words that embeddings of short job titles miss
("electricien", "elektromonteur" vs "monteur elektro"). Stored as a sparse matrix plus
vocabulary and idf, no pickles.
"""

import json
import re
import unicodedata
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

if TYPE_CHECKING:
    from sklearn.feature_extraction.text import TfidfVectorizer

NGRAMS = (1, 3)
TRANSPOSED = "lexical_matrix_t.npz"  # n-grams × texts, as searched, uncompressed
_RUNS_OF_WHITESPACE = re.compile(r"\s\s+")  # as scikit-learn's char analyzer


def fold(text: str) -> str:
    """Lowercase and strip accents via NFKD to ASCII (``coördinator`` → ``coordinator``)."""
    return unicodedata.normalize("NFKD", text.lower()).encode("ascii", "ignore").decode()


def fold_phrase(text: str) -> str:
    """``fold`` with whitespace runs made one space and the ends trimmed: a label as
    the match compares it with the phrases of a story."""
    return " ".join(fold(text).split())


def char_ngrams(text: str) -> list[str]:
    """The 1–3-grams scikit-learn's ``analyzer="char"`` yields for ``fold(text)``."""
    folded = _RUNS_OF_WHITESPACE.sub(" ", fold(text))
    low, high = NGRAMS
    return [
        folded[i : i + n]
        for n in range(low, min(high + 1, len(folded) + 1))
        for i in range(len(folded) - n + 1)
    ]


def _vectorizer() -> "TfidfVectorizer":
    # Imported here only: scikit-learn costs a second of start-up, and a server that
    # loads a snapshot needs the fitted vocabulary and idf, not the fitting.
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(
        analyzer="char",
        ngram_range=NGRAMS,
        lowercase=False,
        preprocessor=fold,
        dtype=np.float32,
    )


class QueryVectorizer:
    """TF-IDF of query texts against a fitted vocabulary and idf, computed exactly as
    scikit-learn's ``TfidfVectorizer.transform`` does (raw counts × idf, L2-normalised;
    a test checks the two agree)."""

    def __init__(self, vocabulary: dict[str, int], idf: NDArray[np.float32]) -> None:
        self.vocabulary = vocabulary
        self.idf = idf.astype(np.float32)

    def transform(self, texts: list[str]) -> sp.csr_matrix:
        indptr, indices, values = [0], [], []
        for text in texts:
            counts = Counter(self.vocabulary[g] for g in char_ngrams(text) if g in self.vocabulary)
            columns = np.fromiter(sorted(counts), dtype=np.int32, count=len(counts))
            weights = np.array([counts[c] for c in columns], dtype=np.float32)
            weights *= self.idf[columns]
            norm = float(np.sqrt(np.dot(weights, weights)))
            if norm > 0:
                weights /= norm
            indices.append(columns)
            values.append(weights)
            indptr.append(indptr[-1] + len(columns))
        return sp.csr_matrix(
            (
                np.concatenate(values) if values else np.zeros(0, dtype=np.float32),
                np.concatenate(indices) if indices else np.zeros(0, dtype=np.int32),
                np.array(indptr, dtype=np.int64),
            ),
            shape=(len(texts), len(self.idf)),
            dtype=np.float32,
        )


class CharNgramIndex:
    """TF-IDF rows for a fixed list of texts; cosine search against them."""

    def __init__(self, vectorizer: QueryVectorizer, matrix_t: sp.csr_matrix) -> None:
        """``matrix_t``: the n-grams × texts matrix (the texts' TF-IDF rows, transposed),
        which is what a query's row multiplies."""
        self._vectorizer = vectorizer
        self._matrix_t = matrix_t

    @classmethod
    def build(cls, texts: list[str]) -> "CharNgramIndex":
        """Fit the vocabulary and idf on ``texts`` and index them."""
        if not texts:
            empty = QueryVectorizer({}, np.zeros(0, dtype=np.float32))
            return cls(empty, sp.csr_matrix((0, 0), dtype=np.float32))
        fitted = _vectorizer()
        matrix = fitted.fit_transform(texts)
        vocabulary = {term: int(i) for term, i in fitted.vocabulary_.items()}
        return cls(QueryVectorizer(vocabulary, fitted.idf_), sp.csr_matrix(matrix).T.tocsr())

    def scores(self, queries: list[str]) -> sp.csr_matrix:
        """Cosine similarity of each query to every indexed text (sparse)."""
        if self._matrix_t.shape[1] == 0:
            return sp.csr_matrix((len(queries), 0), dtype=np.float32)
        return sp.csr_matrix(self._vectorizer.transform(queries) @ self._matrix_t)

    def dense_scores(self, query: str) -> NDArray[np.float32]:
        """Cosine similarity of one query to every indexed text, as a dense row: the
        same figures as ``scores`` (summed in the same order), but the query's n-gram
        rows are weighted and added into one array rather than multiplied out as a
        sparse product, which for a vacancy sentence (some 2.4 million postings on
        full ESCO's skill labels) took 1.6 times as long (issue 23)."""
        texts = self._matrix_t.shape[1]
        if texts == 0:
            return np.zeros(0, dtype=np.float32)
        row = self._vectorizer.transform([query])
        if row.nnz == 0:
            return np.zeros(texts, dtype=np.float32)
        postings = self._matrix_t[row.indices]
        return np.asarray(postings.T @ row.data, dtype=np.float32)

    def search(self, query: str, k: int) -> tuple[NDArray[np.float32], NDArray[np.int64]]:
        """Top-``k`` (score, row) for one query, best first, zero scores dropped."""
        row = self.scores([query]).tocoo()
        if row.nnz == 0:
            return np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.int64)
        data, cols = row.data.astype(np.float32), row.col.astype(np.int64)
        top = np.argsort(-data, kind="stable")[:k]
        return data[top], cols[top]

    def save(self, folder: Path) -> list[Path]:
        """Write vocabulary, idf and matrix; returns the files written.

        The matrix is written as searched (transposed) and uncompressed: transposing
        and inflating full ESCO's four matrices took 0.6 s of a server's start
        (issue 23)."""
        files = [
            folder / "lexical_vocabulary.json",
            folder / "lexical_idf.npy",
            folder / TRANSPOSED,
        ]
        files[0].write_text(
            json.dumps(self._vectorizer.vocabulary, ensure_ascii=False), encoding="utf-8"
        )
        np.save(files[1], self._vectorizer.idf)
        sp.save_npz(files[2], self._matrix_t, compressed=False)
        return files

    @classmethod
    def load(cls, folder: Path) -> "CharNgramIndex":
        """Read what ``save`` wrote."""
        vocabulary = json.loads((folder / "lexical_vocabulary.json").read_text(encoding="utf-8"))
        idf = np.load(folder / "lexical_idf.npy") if vocabulary else np.zeros(0, np.float32)
        if (folder / TRANSPOSED).exists():
            matrix_t = sp.csr_matrix(sp.load_npz(folder / TRANSPOSED))
        else:  # a snapshot from before issue 23: texts × n-grams, compressed
            matrix_t = sp.csr_matrix(sp.load_npz(folder / "lexical_matrix.npz")).T.tocsr()
        return cls(QueryVectorizer(vocabulary, idf), matrix_t)
