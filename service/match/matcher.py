"""The match service: a person's story, past occupations, stated skills and held
trainings become a skill profile with evidence; target occupations are assessed
against it (``service.match.scoring``), with gaps, a training route, vacancies and a
Dutch sentence an advisor can read out.

The profile is personal data: it is never stored and never logged.
"""

import logging
import time
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from indexes.vacancy_index import VacancyIndex
from models.vocabulary import ConceptKind
from ontology import queries
from ontology.default import TECHNICAL_COLLECTION
from service.catalog import COLLECTION_OF, Catalog
from service.errors import NotFoundError
from service.extraction.extractor import SkillExtractor
from service.extraction.story import Story
from service.match import wording
from service.match.long_route import NO_ROUTE, LongRoute, QualificationLinker
from service.match.profile import Profile, ProfileEvidence, ProfileReader
from service.match.scoring import Assessment, MatchModel, MatchSettings, Route
from service.match.vacancy_fit import open_vacancies
from service.schemas.match import MatchRequest

# The technical target: the default's techniek collection plus ESCO occupations in
# these ISCO-08 groups: 311–313/315 science and engineering technicians, 71 building
# and related trades, 72 metal and machinery trades, 74 electrical and electronics
# trades, 81 stationary plant and machine operators, 82 assemblers.
TECHNICAL_ISCO_PREFIXES = ("311", "312", "313", "315", "71", "72", "74", "81", "82")


RELATED = 3  # related occupations listed under a result

log = logging.getLogger("overstap.match")


@dataclass
class MatchResult:
    """One ranked occupation with everything the answer shows."""

    assessment: Assessment
    route: Route
    evidence: dict[str, list[ProfileEvidence]]
    vacancies: list[str]
    why: str
    long_route: LongRoute = NO_ROUTE
    # Other occupations of its ISCO unit group that also scored, best first, not shown
    # as results of their own: ESCO's near-duplicates, folded under the best of them.
    related: list[Assessment] = field(default_factory=list)


@dataclass
class MatchOutcome:
    """A match answer before wording for HTTP: the profile as read, the ranked
    results, and (when there are none) why."""

    profile: Profile
    results: list[MatchResult] = field(default_factory=list)
    message: str | None = None


class Matcher:
    """Matches over one catalog (one snapshot); built once, shared by requests."""

    def __init__(
        self,
        catalog: Catalog,
        extractor: SkillExtractor,
        settings: MatchSettings | None = None,
        vacancies: VacancyIndex | None = None,
    ) -> None:
        self.catalog = catalog
        self.extractor = extractor
        self.vacancies = vacancies
        store = catalog.store
        # As indexed (the snapshot's copy; an older snapshot has none: the store's).
        stored = catalog.snapshot.requirements
        self.requirements = stored if stored is not None else queries.requirements(store)
        calibration = catalog.embedder.calibration
        settings = (
            (settings or MatchSettings()).for_ontology(len(self.requirements)).on_scale(calibration)
        )
        trainings = [
            *queries.trainings(store, ConceptKind.CERTIFICATE),
            *queries.trainings(store, ConceptKind.QUALIFICATION),
        ]
        self.model = MatchModel(
            self.requirements,
            self._skill_vectors(),
            trainings,
            settings,
            queries.skill_hierarchy(store),
        )
        self.technical = self._technical_occupations()
        self.families = {uri: isco[:4] for uri, isco in store.isco_groups_of_occupations() if isco}
        if self.model.settings.story_fit_weight and catalog.snapshot.profiles is None:
            log.warning(
                "snapshot %s has no occupation profiles (built before issue 20): the match "
                "scores without the story fit until `overstap reindex`",
                catalog.snapshot.id,
            )
        self.trainings = {t.uri: t for t in trainings}
        self.reader = ProfileReader(
            catalog, extractor, self.requirements, self.trainings, self.model.settings
        )
        collections = catalog.snapshot.collections
        self.linker = QualificationLinker(
            collections.get(COLLECTION_OF[ConceptKind.OCCUPATION]),
            collections.get(COLLECTION_OF[ConceptKind.QUALIFICATION]),
            [t for t in trainings if t.kind is ConceptKind.QUALIFICATION],
            calibration,
        )

    # -- set-up -----------------------------------------------------------------------

    def _skill_vectors(self) -> dict[str, NDArray[np.float32]]:
        """A skill's vector: the normalised mean of its preferred labels' vectors (of
        all its labels when it has no preferred one). Summed in one sparse product, not a
        mean per skill: on full ESCO 13,896 small means took 0.21 s of a server's start,
        the product 0.07 s (issue 23)."""
        index = self.catalog.snapshot.collections.get(COLLECTION_OF[ConceptKind.SKILL])
        if index is None or not index.records:
            return {}
        preferred = {r.concept for r in index.records if r.kind == "preferred"}
        position: dict[str, int] = {}
        rows: list[int] = []
        owners: list[int] = []
        for row, record in enumerate(index.records):
            if record.kind == "preferred" or record.concept not in preferred:
                rows.append(row)
                owners.append(position.setdefault(record.concept, len(position)))
        # skills × rows, a one where a row belongs to a skill: the product sums them.
        membership = sp.csr_matrix(
            (np.ones(len(rows), dtype=np.float32), (owners, np.arange(len(rows)))),
            shape=(len(position), len(rows)),
        )
        sums = np.asarray(membership @ index.vectors[rows])
        norms = np.linalg.norm(sums, axis=1, keepdims=True)
        unit = (sums / np.where(norms > 0, norms, 1.0)).astype(np.float32)
        return {concept: unit[i] for concept, i in position.items()}

    def _technical_occupations(self) -> set[str]:
        members = queries.scheme_members(self.catalog.store, TECHNICAL_COLLECTION)
        by_isco = {
            uri
            for uri, isco in self.catalog.store.isco_groups_of_occupations()
            if isco and isco.startswith(TECHNICAL_ISCO_PREFIXES)
        }
        return (members | by_isco) & set(self.requirements)

    # -- steering by wishes -----------------------------------------------------------

    def wishes(self, story: Story, targets: set[str], lang: str) -> dict[str, float]:
        """How clearly the story wishes for each target occupation (0–1): 1 when a wish
        names it; otherwise the best credit with which a skill named in a wish ("zelf
        die storingen verhelpen") covers one of its essential skills."""
        strengths = dict.fromkeys(self.reader.wished_occupations(story) & targets, 1.0)
        settings = self.model.settings
        positive = story.positive_wishes
        if not settings.wish_skills or not positive:
            return strengths
        # A stricter margin than for experience: a wish steers only where it clearly
        # names a skill; "wil monteur worden" names none.
        threshold = max(settings.wish_threshold, self.extractor.default_threshold())
        answer = self.extractor.extract("\n".join(w.text for w in positive), lang, threshold, 20)
        wanted = dict.fromkeys((skill.uri for skill in answer.skills), 1.0)
        if not wanted:
            return strengths
        essentials = {
            o: [n.skill for n in self.requirements.get(o, []) if n.relation == "essential"]
            for o in targets
        }
        covers = self.model.cover(wanted, sorted({s for need in essentials.values() for s in need}))
        for occupation, needs in essentials.items():
            best = max((covers[s].credit for s in needs), default=0.0)
            if best >= settings.covered_at:
                strengths[occupation] = max(strengths.get(occupation, 0.0), best)
        return strengths

    # -- occupation-level evidence ----------------------------------------------------

    def story_fits(self, story: Story, targets: set[str]) -> dict[str, float]:
        """The story-fit score part per target occupation: the person's own experience
        and positive wishes (not someone else's job, not a negated wish) against each
        occupation's name and description, as a z-score over every occupation in the
        snapshot (``indexes.profiles``). Empty without a story or without profiles (a
        snapshot built before issue 20)."""
        profiles = self.catalog.snapshot.profiles
        own = " ".join([story.experience, *(w.text for w in story.positive_wishes)])
        text = " ".join(own.split())
        if (
            profiles is None
            or not len(profiles)
            or not text
            or not self.model.settings.story_fit_weight
        ):
            return {}
        query = self.catalog.embedder.encode([text], "query")[0]
        scores = profiles.standardised(query)
        return {o: part for o in targets if (part := self.model.story_fit(scores.get(o, 0.0))) > 0}

    # -- match ------------------------------------------------------------------------

    def match(self, request: MatchRequest) -> MatchOutcome:
        """Ranked target occupations for the request (deterministic), or none and a
        message when the profile holds nothing to match on: never a list at 0 %.
        Logs counts, the time taken and the snapshot id only: the request is
        personal data."""
        started = time.perf_counter()
        profile = self.reader.read(request)
        strengths = profile.strengths
        if isinstance(request.target, list):
            targets = {
                r.concept or ""
                for r in self.reader.resolve(request.target, ConceptKind.OCCUPATION, "target")
            }
        elif request.target == "all":
            targets = set(self.requirements)
        else:
            targets = self.technical
        outcome = MatchOutcome(profile)
        too_thin = profile.too_thin(self.model.settings.min_story_skills)
        if strengths and not too_thin:
            ranked = sorted(
                (
                    a
                    for a in self.model.assess_many(
                        sorted(targets - set(profile.past)),
                        strengths,
                        self.wishes(profile.story, targets, request.lang),
                        self.story_fits(profile.story, targets),
                    )
                    if a.essential_coverage + a.optional_coverage > 0
                ),
                key=lambda a: (-a.score, a.occupation),
            )
            assessments = ranked[: request.limit]
            outcome.results = self._results(assessments, request, profile, strengths)
            self._fold_related(outcome.results, ranked)
        if not outcome.results:
            names = queries.preferred_labels(self.catalog.store, sorted(profile.evidence))
            outcome.message = wording.abstention(
                profile, self.model.settings.min_story_skills, names
            )
        log.info(
            "match: %d profile skills, %d targets, %d results in %.0f ms, snapshot %s",
            len(strengths),
            len(targets),
            len(outcome.results),
            1000 * (time.perf_counter() - started),
            self.catalog.snapshot.id,
        )
        return outcome

    def _results(
        self,
        assessments: list[Assessment],
        request: MatchRequest,
        profile: Profile,
        strengths: dict[str, float],
    ) -> list[MatchResult]:
        results = []
        long_routes = {a.occupation: self.linker.route(a.occupation) for a in assessments}
        names = queries.preferred_labels(
            self.catalog.store,
            [a.occupation for a in assessments]
            + [q.qualification for r in long_routes.values() for q in r.qualifications],
        )
        for assessment in assessments:
            route = self.model.route(assessment.missing_essential, request.max_training_hours)
            long_route = long_routes[assessment.occupation]
            needs = self.requirements.get(assessment.occupation, [])
            essential = sum(1 for need in needs if need.relation == "essential")
            results.append(
                MatchResult(
                    assessment,
                    route,
                    profile.evidence,
                    self._vacancies(assessment.occupation, request.region, strengths),
                    wording.why(assessment, route, long_route, essential, names, self.trainings),
                    long_route,
                )
            )
        return results

    def _fold_related(self, results: list[MatchResult], ranked: list[Assessment]) -> None:
        """Give the best result of each ISCO unit group up to ``RELATED`` occupations of
        that group from the rest of the ranking (not results themselves), so the advisor
        sees the near-duplicates ESCO lists (wegenwacht, remmenmonteur …) under one card
        instead of more cards. Ranking by family was measured and cost a dev case
        (README, "Match quality"), so this only adds; it never reorders."""
        shown = {r.assessment.occupation for r in results}
        wanted = {f for r in results if (f := self.families.get(r.assessment.occupation))}
        members: dict[str, list[Assessment]] = {}
        for a in ranked:  # one pass, best first
            family = self.families.get(a.occupation)
            if family in wanted and a.occupation not in shown:
                siblings = members.setdefault(family, [])
                if len(siblings) < RELATED:
                    siblings.append(a)
        for result in results:
            family = self.families.get(result.assessment.occupation)
            if family is not None:  # listed once, under the best result of its family
                result.related = members.pop(family, [])

    def transitions(
        self, key: str, target: Literal["techniek", "all"], limit: int, max_hours: int | None
    ) -> tuple[str, list[MatchResult]]:
        """Occupations reachable from occupation ``key`` (id or URI): a match whose only
        input is that occupation, so its essential skills are the (inferred) profile.
        An occupation without essential skills (some ESCO ones list optional skills
        only) reaches nothing: every score would be 0."""
        view = self.catalog.store.concept(key, ConceptKind.OCCUPATION)
        if view is None:
            raise NotFoundError(ConceptKind.OCCUPATION.value, key)
        needs = self.requirements.get(view.uri, [])
        if not any(need.relation == "essential" for need in needs):
            return view.uri, []
        request = MatchRequest.model_construct(  # from inputs the route validated
            occupations=[view.uri], target=target, limit=limit, max_training_hours=max_hours
        )
        return view.uri, self.match(request).results

    def _vacancies(
        self, occupation: str, region: str | None, strengths: dict[str, float]
    ) -> list[str]:
        """Up to five open vacancies for the occupation; ``region`` is a province name or
        a postcode prefix."""
        if self.vacancies is None:
            return []
        return open_vacancies(
            self.vacancies, self.model, occupation, region, strengths, date.today()
        )
