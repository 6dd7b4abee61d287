"""The vacancy service: ingest (derive, store, index), look-ups, search and the
side-entrant backgrounds that fit a vacancy. Routes and the CLI call this.

Ingest derives everything before it writes: the vacancy's likely occupations (the job
title normaliser of ``/v1/job-titles/normalize``, on the cleaned title, which is what
that normaliser was measured on), its skills with evidence (the extractor of
``/v1/skills/extract``, at its calibrated threshold) and one passage vector of title and
opening text. The write is then one transaction, and the index follows the store's
change log, so an answer of "stored" means the vacancy survives a crash.
"""

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from indexes.vacancy_index import VacancyFilter, VacancyIndex, linked_occupations
from models.domain import DerivedVacancy, StoredVacancy, VacancyRecord
from models.vocabulary import ConceptKind
from ontology import vacancy_store
from ontology.housekeeping import PurgePolicy, PurgeReport, purge
from ontology.store import Store
from service.errors import NotFoundError
from service.match.matcher import Matcher
from service.match.vacancy_fit import VacancyFit, rank_fits
from service.schemas.match import MatchRequest
from service.vacancies.derive import (
    Derivation,
    VacancyDeriver,
    check_complete,
)

log = logging.getLogger("overstap.vacancies")

POOL = 200  # text search: nearest vacancies ranked by the full fit
CATCH_UP_CHUNK = 500  # derived vacancies written per transaction while catching up
# Skills without a text: the fit of this many of the most recently posted vacancies
# asking for a covered skill (a common skill can reach most of a national index).
SKILL_POOL = 2000


@dataclass(frozen=True)
class VacancyQuery:
    """A vacancy search (validated by the HTTP layer)."""

    text: str | None = None
    occupations: Sequence[str] = ()
    skills: Sequence[str] = ()
    region: str | None = None
    posted_since: date | None = None
    min_score: float = 0.0
    limit: int = 10


@dataclass
class VacancyService:
    """Vacancies over one matcher (one snapshot) and one vacancy index."""

    matcher: Matcher
    index: VacancyIndex

    @property
    def store(self) -> Store:
        """The store the catalog reads."""
        return self.matcher.catalog.store

    # -- ingest -----------------------------------------------------------------------

    @property
    def deriver(self) -> VacancyDeriver:
        """Derivation against this service's catalog and extractor."""
        return VacancyDeriver(self.matcher.catalog, self.matcher.extractor)

    @property
    def derived_with(self) -> str:
        """The key derived data is stored under (``derivation_key``)."""
        return self.deriver.key

    def ingest(
        self,
        records: Sequence[VacancyRecord],
        skills: bool = True,
        on_progress: Callable[[int], None] | None = None,
    ) -> dict[str, str]:
        """Derive what changed, store in one transaction, then bring the index up to
        date; per id ``created``, ``updated`` or ``unchanged``. Records stored with the
        same content are not derived again (a daily full-feed resend costs a query)."""
        same = vacancy_store.unchanged_ids(self.store, records, self.derived_with, skills)
        todo = [record for record in records if record.id not in same]
        if on_progress and same:
            on_progress(len(same))
        derived = self.deriver.derive(todo, skills, on_progress)
        statuses = vacancy_store.write_vacancies(self.store, derived)
        self._follow()
        return {**dict.fromkeys(same, "unchanged"), **statuses}

    def _follow(self) -> None:
        """Apply the write to this process's index. The write is committed whatever
        happens here: a failure is logged and the background sync retries it."""
        try:
            self.index.sync(self.store)
        except Exception:
            log.exception("vacancy index sync after a write failed; the next sync retries")

    def catch_up(
        self,
        on_progress: Callable[[int], None] | None = None,
        derivation: Derivation | None = None,
        pending: Sequence[VacancyRecord] | None = None,
    ) -> int:
        """Derive vacancies the store holds without derived data for this embedder (bulk
        rows of the default data, or derived with another model; ``pending`` when the
        caller read them already), here or by ``derivation`` (a cluster), committing
        every ``CATCH_UP_CHUNK`` so an interruption keeps what was done; how many."""
        pending = self.pending() if pending is None else pending
        if pending:
            log.info("deriving %d stored vacancies", len(pending))
        done: list[DerivedVacancy] = []
        positions: list[int] = []
        for position, derived in (derivation or self.deriver.derive_each)(
            pending, True, on_progress
        ):
            done.append(derived)
            positions.append(position)
            if len(done) >= CATCH_UP_CHUNK:
                self._write_derived(done)
                done = []
        if done:
            self._write_derived(done)
        check_complete(positions, len(pending))
        return len(pending)

    def pending(self) -> list[VacancyRecord]:
        """Stored vacancies without derived data for this embedder."""
        return vacancy_store.vacancies_to_derive(self.store, self.derived_with)

    def _write_derived(self, derived: Sequence[DerivedVacancy]) -> None:
        vacancy_store.write_vacancies(self.store, derived, entries_only=True)
        self._follow()

    def delete(self, vacancy_id: str) -> None:
        """Remove a vacancy everywhere; NotFoundError when unknown."""
        if not vacancy_store.delete_vacancy(self.store, vacancy_id):
            raise NotFoundError("vacancy", vacancy_id)
        self._follow()

    def purge(self, policy: PurgePolicy, dry_run: bool = False) -> PurgeReport:
        """Housekeeping (``ontology.housekeeping``); this server's index drops the
        deleted vacancies at once, the others at their next sync."""
        report = purge(self.store, policy, dry_run)
        if not dry_run:
            self._follow()
        return report

    def get(self, vacancy_id: str) -> StoredVacancy:
        """One vacancy with what was derived from it."""
        found = vacancy_store.stored_vacancy(self.store, vacancy_id)
        if found is None:
            raise NotFoundError("vacancy", vacancy_id)
        return found

    # -- search -----------------------------------------------------------------------

    def search(self, query: VacancyQuery, today: date) -> list[VacancyFit]:
        """Open vacancies ranked by fit (``service.match.vacancy_fit``), filters applied inside
        the vector search; without a text, every vacancy that passes is ranked."""
        matcher = self.matcher
        occupations = [
            r.concept or ""
            for r in matcher.reader.resolve(query.occupations, ConceptKind.OCCUPATION)
        ]
        # Only the profile is read from it; the vacancy request was validated already.
        profile = MatchRequest.model_construct(text=query.text, skills=list(query.skills))
        strengths = matcher.reader.read(profile).strengths
        where = VacancyFilter(query.region, occupations or None, query.posted_since, today)
        candidates: dict[int, float | None]
        if query.text:
            vector = matcher.catalog.embedder.encode([query.text], "query")[0]
            pool = max(POOL, query.limit)
            candidates = dict(self.index.search(vector, pool, where))
        elif strengths:
            # Only vacancies asking for a skill the person covers can score on skills.
            covers = matcher.model.cover(strengths, self.index.skills())
            covered = [
                s for s, c in covers.items() if c.credit >= matcher.model.settings.covered_at
            ]
            asking = self.index.passing(where, among=self.index.asking_for(covered))
            candidates = dict.fromkeys(self.index.newest(asking, SKILL_POOL))
        else:
            # Nothing to rank by but the occupation: the most recently posted that pass.
            passing = self.index.passing(where)
            keep = max(POOL, query.limit) if occupations else query.limit
            candidates = dict.fromkeys(self.index.newest(passing, keep))
        fits = rank_fits(
            self.index,
            matcher.model,
            candidates,
            strengths,
            occupations or None,
            query.min_score,
        )
        return fits[: query.limit]

    def candidate_occupations(
        self, vacancy_id: str, limit: int
    ) -> list[tuple[str, float, list[str]]]:
        """Occupations whose skills cover this vacancy's best: side-entrant backgrounds.
        The vacancy's needs are its extracted skills (weighted by confidence), or the
        essential skills of its occupation when none were extracted. An occupation's
        score is the weighted share of those needs among its own skills (essential or
        optional); the vacancy's own occupations are left out."""
        stored = self.get(vacancy_id)
        requirements = self.matcher.requirements
        own = set(linked_occupations(stored.occupations, self.index.occupation_margin))
        needs = {s.uri: s.confidence for s in stored.skills or []}
        if not needs:
            for uri in own:
                for need in requirements.get(uri, []):
                    if need.relation == "essential":
                        needs[need.skill] = 1.0
        total = sum(needs.values())
        ranked: list[tuple[str, float, list[str]]] = []
        if total:
            for occupation, skills in requirements.items():
                if occupation in own:
                    continue
                shared = sorted({n.skill for n in skills} & set(needs), key=lambda s: -needs[s])
                if shared:
                    score = sum(needs[s] for s in shared) / total
                    ranked.append((occupation, score, shared))
        ranked.sort(key=lambda item: (-item[1], item[0]))
        return ranked[:limit]
