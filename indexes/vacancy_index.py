"""The vacancy index: vectors that come and go every day, searched with filters.

Unlike the ontology snapshots, which are rebuilt whole a few times a year, vacancies
are added and removed in place: a FAISS ``IndexIDMap2`` over an exact inner-product
index, keyed by the vacancy's number in the store. The store is the source of truth:
the index is loaded from it at start-up and follows its change log
(``ontology.vacancy_store``), so nothing acknowledged is lost when a process dies.

Filters (region, occupation, posted since, not expired) become an id selector inside
the FAISS search, so a filtered search returns ``k`` results whenever ``k`` vacancies
pass the filter; nothing is over-fetched and cut afterwards.
"""

import threading
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from indexes.ann import Ids, VectorIndex, create_index
from models.domain import IndexedSkill
from ontology.store import Store
from ontology.vacancy_store import IndexedVacancy, changes_since, indexed_vacancies, last_change

NO_DATE = -1
NEVER = 10**7  # an ordinal after every real expiry date
# A vacancy belongs to every occupation whose title score lies this close to its best:
# titles such as "Monteur/elektricien" name two occupations almost equally. On the
# bundled model's scale; another model's index is given it mapped by its calibration.
OCCUPATION_MARGIN = 0.02


@dataclass(frozen=True)
class VacancyFilter:
    """Which vacancies a search may return; every field narrows, None means any."""

    region: str | None = None  # a province (case-insensitive) or a postcode prefix
    occupations: Sequence[str] | None = None
    posted_since: date | None = None
    today: date | None = None  # vacancies that expired before this day are left out


@dataclass(slots=True)
class VacancyMeta:
    """What ranking needs of an indexed vacancy, besides its vector."""

    id: str
    occupations: list[tuple[str, float]]
    skills: list[IndexedSkill] | None


def _column() -> "array[int]":
    return array("q")


@dataclass
class _Columns:
    """Filter columns, one slot per vector, grown by appends; removed slots are dead
    until ``compact`` rebuilds the columns (the FAISS index itself removes in place).
    Machine integers (``array``), not lists of Python ints: 8 bytes a value, not 36."""

    numbers: "array[int]" = field(default_factory=_column)
    province: "array[int]" = field(default_factory=_column)  # code, see ``_province_code``
    postcode: "array[int]" = field(default_factory=_column)  # the digits as a number
    postcode_digits: "array[int]" = field(default_factory=_column)  # how many digits
    posted: "array[int]" = field(default_factory=_column)
    expires: "array[int]" = field(default_factory=_column)
    alive: "array[int]" = field(default_factory=_column)  # 1 alive, 0 removed


def linked_occupations(
    occupations: Sequence[tuple[str, float]], margin: float = OCCUPATION_MARGIN
) -> list[str]:
    """The occupations a vacancy counts as: its best and those within ``margin``."""
    if not occupations:
        return []
    best = occupations[0][1]
    return [uri for uri, score in occupations if score >= best - margin]


def _discard(members: dict[str, set[int]], key: str, number: int) -> None:
    found = members.get(key)
    if found is not None:
        found.discard(number)
        if not found:
            del members[key]


class VacancyIndex:
    """Vectors plus filter columns for the vacancies of one embedder; thread-safe."""

    def __init__(
        self, embedder: str, dimension: int, occupation_margin: float = OCCUPATION_MARGIN
    ) -> None:
        self.embedder = embedder
        self.dimension = dimension
        self.occupation_margin = occupation_margin  # on the embedder's own scale
        self.applied = 0  # the last change-log sequence number applied
        self._index: VectorIndex = create_index(dimension, "flat")
        self._lock = threading.Lock()  # the FAISS index and the columns
        self._sync_lock = threading.Lock()  # one sync at a time
        self._columns = _Columns()
        self._slot: dict[int, int] = {}
        self._meta: dict[int, VacancyMeta] = {}
        self._by_id: dict[str, int] = {}
        self._by_occupation: dict[str, set[int]] = {}
        self._by_skill: dict[str, set[int]] = {}
        self._arrays: dict[str, NDArray[np.int64]] | None = None
        self._provinces: dict[str, int] = {"": 0}
        self._dead = 0

    # -- loading and following the store -----------------------------------------------

    @classmethod
    def load(
        cls,
        store: Store,
        embedder: str,
        dimension: int,
        occupation_margin: float = OCCUPATION_MARGIN,
    ) -> "VacancyIndex":
        """Every vacancy the store holds for ``embedder``."""
        index = cls(embedder, dimension, occupation_margin)
        seq = last_change(store)  # read first: changes after it are replayed by sync
        index._apply(indexed_vacancies(store, embedder), [])
        index.applied = seq
        return index

    def sync(self, store: Store) -> int:
        """Apply the store's changes since the last sync; returns how many vectors changed.

        One sync at a time: two overlapping ones (a request's and the background one)
        could otherwise re-add a vector the other had just removed. When housekeeping
        deleted changes this index had not applied (it was paused for longer than the
        log is kept), it reloads every vacancy instead: the log can no longer tell it
        which were removed."""
        with self._sync_lock:
            changes = changes_since(store, self.applied)
            if changes.missed:
                return self._reload(store)
            if changes.latest:
                latest = changes.latest
                upserted = [number for number, removed in latest.items() if not removed]
                rows = indexed_vacancies(store, self.embedder, upserted) if upserted else []
                found = {row.number for row in rows}
                self._apply(rows, [number for number in latest if number not in found])
            self.applied = max(self.applied, changes.newest)
            return len(changes.latest)

    def _reload(self, store: Store) -> int:
        """Replace every vector by the store's (the sync lock is held).

        The new index is built beside this one and swapped in under the lock at the
        end, so searches go on against the old vectors while it loads (a full load of
        100k vacancies takes seconds) and never see a half-applied state."""
        fresh = VacancyIndex.load(store, self.embedder, self.dimension, self.occupation_margin)
        with self._lock:
            gone = len(self._slot.keys() - fresh._slot.keys())
            self._index, self._columns = fresh._index, fresh._columns
            self._slot, self._meta, self._by_id = fresh._slot, fresh._meta, fresh._by_id
            self._by_occupation, self._by_skill = fresh._by_occupation, fresh._by_skill
            self._arrays, self._provinces = fresh._arrays, fresh._provinces
            self._dead = fresh._dead
        self.applied = fresh.applied
        return len(fresh) + gone

    def _apply(self, rows: Sequence[IndexedVacancy], removed: Iterable[int]) -> None:
        """Replace or add ``rows`` and drop ``removed``, under the lock."""
        vectors = np.frombuffer(b"".join(row.vector for row in rows), dtype=np.float32)
        vectors = vectors.reshape(len(rows), self.dimension)
        with self._lock:
            stale = [n for n in [*removed, *(row.number for row in rows)] if n in self._slot]
            if stale:
                self._index.remove(np.asarray(stale, dtype=np.int64))
                for number in stale:
                    self._forget(number)
            self._index.add(vectors, np.asarray([row.number for row in rows], dtype=np.int64))
            columns = self._columns
            for row in rows:
                self._slot[row.number] = len(columns.numbers)
                columns.numbers.append(row.number)
                columns.province.append(self._province_code((row.region or "").lower()))
                columns.postcode.append(int(row.postcode or 0))
                columns.postcode_digits.append(len(row.postcode or ""))
                columns.posted.append(row.posted.toordinal() if row.posted else NO_DATE)
                columns.expires.append(row.expires.toordinal() if row.expires else NEVER)
                columns.alive.append(1)
                self._meta[row.number] = VacancyMeta(row.id, row.occupations, row.skills)
                self._by_id[row.id] = row.number
                for uri in linked_occupations(row.occupations, self.occupation_margin):
                    self._by_occupation.setdefault(uri, set()).add(row.number)
                for skill in row.skills or []:
                    self._by_skill.setdefault(skill.uri, set()).add(row.number)
            self._arrays = None
            if self._dead > max(1000, len(self._slot) // 2):
                self._compact()

    def _forget(self, number: int) -> None:
        slot = self._slot.pop(number)
        self._columns.alive[slot] = 0
        self._dead += 1
        meta = self._meta.pop(number)
        if self._by_id.get(meta.id) == number:
            del self._by_id[meta.id]
        for uri in linked_occupations(meta.occupations, self.occupation_margin):
            _discard(self._by_occupation, uri, number)
        for skill in meta.skills or []:
            _discard(self._by_skill, skill.uri, number)

    def _compact(self) -> None:
        """Drop dead slots from the filter columns (the lock is held)."""
        old = self._columns
        keep = [slot for slot, alive in enumerate(old.alive) if alive]

        def kept(column: "array[int]") -> "array[int]":
            return array("q", (column[s] for s in keep))

        self._columns = _Columns(
            numbers=kept(old.numbers),
            province=kept(old.province),
            postcode=kept(old.postcode),
            postcode_digits=kept(old.postcode_digits),
            posted=kept(old.posted),
            expires=kept(old.expires),
            alive=array("q", [1] * len(keep)),
        )
        self._slot = {number: slot for slot, number in enumerate(self._columns.numbers)}
        self._dead = 0

    def save(self, path: Path) -> None:
        """Write the FAISS index to one file (its size is what a checkpoint costs)."""
        with self._lock:
            self._index.save(path)

    # -- questions -----------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._slot)

    @property
    def dead_slots(self) -> int:
        """Filter-column slots of removed vectors awaiting compaction."""
        return self._dead

    def number_of(self, vacancy_id: str) -> int | None:
        """The vector number of a vacancy id, when indexed."""
        return self._by_id.get(vacancy_id)

    def skills(self) -> list[str]:
        """Every skill some indexed vacancy asks for."""
        with self._lock:
            return sorted(self._by_skill)

    def asking_for(self, skills: Iterable[str]) -> NDArray[np.int64]:
        """Numbers of the vacancies that ask for any of ``skills``."""
        with self._lock:
            found: set[int] = set()
            for uri in skills:
                found |= self._by_skill.get(uri, set())
        return np.fromiter(found, dtype=np.int64, count=len(found))

    def meta(self, number: int) -> VacancyMeta | None:
        """Ranking inputs of one indexed vacancy."""
        return self._meta.get(number)

    def _allowed(self, where: VacancyFilter) -> NDArray[np.int64] | None:
        """Numbers that pass ``where``; None when every vacancy does (the lock is held)."""
        arrays = self._filter_arrays()
        mask = arrays["alive"].astype(bool)
        narrowed = self._dead > 0
        if where.today is not None:
            mask &= arrays["expires"] >= where.today.toordinal()
            narrowed = True
        if where.posted_since is not None:
            mask &= arrays["posted"] >= where.posted_since.toordinal()
            narrowed = True
        region = (where.region or "").strip().lower()
        if region:
            narrowed = True
            if region.isascii() and region.isdigit():
                # A postcode of n digits starts with the prefix p of length m when it has
                # at least m digits and its first m digits, as a number, equal p.
                digits, value = arrays["postcode_digits"], arrays["postcode"]
                shift = np.maximum(digits - len(region), 0)
                mask &= (digits >= len(region)) & (value // 10**shift == int(region))
            else:
                mask &= arrays["province"] == self._provinces.get(region, -1)
        if where.occupations is not None:
            narrowed = True
            members: set[int] = set()
            for uri in where.occupations:
                members |= self._by_occupation.get(uri, set())
            mask &= np.isin(arrays["numbers"], np.fromiter(members, dtype=np.int64))
        if not narrowed or mask.all():
            return None  # an id selector over every vacancy would only cost time
        allowed: NDArray[np.int64] = arrays["numbers"][mask]
        return allowed

    def _province_code(self, province: str) -> int:
        return self._provinces.setdefault(province, len(self._provinces))

    def _filter_arrays(self) -> dict[str, NDArray[np.int64]]:
        """The columns as arrays, rebuilt on the first search after a change (copies: a
        view would stop the columns from growing)."""
        if self._arrays is None:
            columns = self._columns
            self._arrays = {
                "numbers": np.array(columns.numbers, dtype=np.int64),
                "posted": np.array(columns.posted, dtype=np.int64),
                "expires": np.array(columns.expires, dtype=np.int64),
                "alive": np.array(columns.alive, dtype=np.int64),
                "province": np.array(columns.province, dtype=np.int64),
                "postcode": np.array(columns.postcode, dtype=np.int64),
                "postcode_digits": np.array(columns.postcode_digits, dtype=np.int64),
            }
        return self._arrays

    def search(
        self, vector: NDArray[np.float32], k: int, where: VacancyFilter
    ) -> list[tuple[int, float]]:
        """The ``k`` nearest vacancies that pass ``where``: ``(number, cosine)``."""
        with self._lock:
            allowed = self._allowed(where)
            if allowed is not None and not len(allowed):
                return []
            scores, ids = self._index.search(vector[None, :], k, allowed)
        return [
            (int(number), float(score))
            for number, score in zip(ids[0], scores[0], strict=True)
            if number >= 0
        ]

    def newest(self, numbers: Sequence[int], count: int) -> list[int]:
        """The ``count`` most recently posted of ``numbers`` (undated ones last)."""
        with self._lock:
            posted = self._columns.posted
            dated = [(posted[self._slot[n]], n) for n in numbers if n in self._slot]
        dated.sort(reverse=True)
        return [number for _, number in dated[:count]]

    def passing(self, where: VacancyFilter, among: Ids | None = None) -> list[int]:
        """Numbers that pass ``where`` (optionally only those in ``among``)."""
        with self._lock:
            allowed = self._allowed(where)
            if allowed is None:
                allowed = np.array(self._columns.numbers, dtype=np.int64)
        if among is not None:
            allowed = allowed[np.isin(allowed, among)]
        return [int(n) for n in allowed]
