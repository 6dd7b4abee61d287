"""The match service: a person's story, past occupations, stated skills and held
trainings become a skill profile with evidence; target occupations are assessed
against it (``service.match.scoring``), with gaps, a training route, vacancies and a
Dutch sentence an advisor can read out.

The profile is personal data: it is never stored and never logged.
"""

import logging
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from indexes.lexical import fold
from indexes.vacancy_index import VacancyIndex
from models.domain import short_id_of
from models.vocabulary import ConceptKind
from ontology import queries
from ontology.default import TECHNICAL_COLLECTION
from service.catalog import COLLECTION_OF, Catalog, display_label
from service.errors import NotFoundError, UnknownReferenceError
from service.extraction.extractor import SkillExtractor
from service.match.long_route import NO_ROUTE, LongRoute, QualificationLinker
from service.match.scoring import Assessment, MatchModel, MatchSettings, Route
from service.match.story import MIN_WISH_WORD, WISH_FILLER, Story
from service.match.vacancy_fit import open_vacancies
from service.schemas.match import MatchRequest

# The technical target: the default's techniek collection plus ESCO occupations in
# these ISCO-08 groups: 311–313/315 science and engineering technicians, 71 building
# and related trades, 72 metal and machinery trades, 74 electrical and electronics
# trades, 81 stationary plant and machine operators, 82 assemblers.
TECHNICAL_ISCO_PREFIXES = ("311", "312", "313", "315", "71", "72", "74", "81", "82")


@dataclass(frozen=True)
class ProfileEvidence:
    """Why the profile holds a skill."""

    source: str  # text | occupation | skill | certificate | qualification
    detail: str
    strength: float
    start: int | None = None
    end: int | None = None


log = logging.getLogger("overstap.match")
PastOccupations = dict[str, tuple[int, int] | None]  # occupation → its mention in the story


@dataclass
class MatchResult:
    """One ranked occupation with everything the answer shows."""

    assessment: Assessment
    route: Route
    evidence: dict[str, list[ProfileEvidence]]
    vacancies: list[str]
    why: str
    long_route: LongRoute = NO_ROUTE


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
        self.requirements = queries.requirements(store)
        trainings = [
            *queries.trainings(store, ConceptKind.CERTIFICATE),
            *queries.trainings(store, ConceptKind.QUALIFICATION),
        ]
        self.model = MatchModel(
            self.requirements,
            self._skill_vectors(),
            trainings,
            settings or MatchSettings(),
            queries.skill_hierarchy(store),
        )
        self.technical = self._technical_occupations()
        labels = store.labels_of(ConceptKind.OCCUPATION)
        self._occupation_phrases = self._phrases(labels)
        self._longest_phrase = max((p.count(" ") + 1 for p in self._occupation_phrases), default=0)
        # Compound heads come from the Dutch names people use, not English or hidden ones.
        self._label_words = self._words_of(
            self._phrases([row for row in labels if row[1] == "nl" and row[2] != "hidden"])
        )
        self.trainings = {t.uri: t for t in trainings}
        collections = catalog.snapshot.collections
        self.linker = QualificationLinker(
            collections.get(COLLECTION_OF[ConceptKind.OCCUPATION]),
            collections.get(COLLECTION_OF[ConceptKind.QUALIFICATION]),
            [t for t in trainings if t.kind is ConceptKind.QUALIFICATION],
        )

    # -- set-up -----------------------------------------------------------------------

    def _skill_vectors(self) -> dict[str, NDArray[np.float32]]:
        """A skill's vector: the normalised mean of its preferred labels' vectors."""
        index = self.catalog.snapshot.collections.get(COLLECTION_OF[ConceptKind.SKILL])
        if index is None:
            return {}
        rows: dict[str, list[int]] = {}
        fallback: dict[str, list[int]] = {}
        for row, record in enumerate(index.records):
            target = rows if record.kind == "preferred" else fallback
            target.setdefault(record.concept, []).append(row)
        vectors: dict[str, NDArray[np.float32]] = {}
        for concept in set(rows) | set(fallback):
            chosen = rows.get(concept) or fallback[concept]
            mean = np.asarray(index.vectors[chosen], dtype=np.float32).mean(axis=0)
            norm = float(np.linalg.norm(mean)) or 1.0
            vectors[concept] = (mean / norm).astype(np.float32)
        return vectors

    def _technical_occupations(self) -> set[str]:
        members = queries.scheme_members(self.catalog.store, TECHNICAL_COLLECTION)
        by_isco = {
            uri
            for uri, isco in self.catalog.store.isco_groups_of_occupations()
            if isco and isco.startswith(TECHNICAL_ISCO_PREFIXES)
        }
        return (members | by_isco) & set(self.requirements)

    # -- profile ----------------------------------------------------------------------

    def profile(
        self,
        request: MatchRequest,
        past: PastOccupations | None = None,
        story: Story | None = None,
    ) -> dict[str, list[ProfileEvidence]]:
        """Skill → evidence, from every part of the request (``past``: the request's
        past occupations when the caller already resolved them)."""
        evidence: dict[str, list[ProfileEvidence]] = {}
        if story is None:
            story = Story.read(request.text)

        def add(skill: str, item: ProfileEvidence) -> None:
            evidence.setdefault(skill, []).append(item)

        if text := request.text:
            # A story is not a vacancy: recall matters more than in extraction, and a weak
            # mention only gives partial credit (strength follows the margin).
            # The experience: wish clauses blanked, so offsets still fit ``text``.
            answer = self.extractor.extract(
                story.experience, request.lang, self.model.settings.story_threshold, 100
            )
            for skill in answer.skills:
                for span in skill.evidence:
                    if story.experience[span.start : span.end] != text[span.start : span.end]:
                        continue  # a sentence around a blanked wish: its clauses count
                    add(
                        skill.uri,
                        ProfileEvidence(
                            "text",
                            text[span.start : span.end],
                            min(1.0, 0.4 + span.margin * 6),
                            span.start,
                            span.end,
                        ),
                    )
        if past is None:
            past = self._past_occupations(request, story)
        inferred = self.model.settings.inferred_strength
        for occupation, mention in past.items():
            # Inferred from the occupation; where the story names it, the evidence
            # points at that mention ("…als vrachtwagenchauffeur gewerkt").
            start, end = mention or (None, None)
            for need in self.requirements.get(occupation, []):
                if need.relation == "essential":
                    add(
                        need.skill,
                        ProfileEvidence("occupation", occupation, inferred, start, end),
                    )
        for stated in self.resolve(request.skills, ConceptKind.SKILL):
            add(stated, ProfileEvidence("skill", stated, 1.0))
        for kind, keys in (
            (ConceptKind.CERTIFICATE, request.certificates),
            (ConceptKind.QUALIFICATION, request.qualifications),
        ):
            for uri in self.resolve(keys, kind):
                for taught in self.trainings[uri].skills:
                    add(taught, ProfileEvidence(kind.value, uri, 1.0))
        return evidence

    @staticmethod
    def _phrases(labels: Sequence[tuple[str, str, str, str]]) -> dict[str, list[str]]:
        """Folded occupation label (5+ characters) → occupations, for finding the jobs a
        story names without a search per label."""
        phrases: dict[str, list[str]] = {}
        for uri, _, _, label in labels:
            folded = " ".join(fold(label).split())
            if len(folded) >= 5:
                phrases.setdefault(folded, [])
                if uri not in phrases[folded]:
                    phrases[folded].append(uri)
        return phrases

    @staticmethod
    def _words_of(phrases: dict[str, list[str]]) -> dict[str, set[str]]:
        """Word of an occupation label (5+ characters) → occupations, for compound heads."""
        words: dict[str, set[str]] = {}
        for phrase, uris in phrases.items():
            for word in phrase.split():
                if len(word) >= MIN_WISH_WORD:
                    words.setdefault(word, set()).update(uris)
        return words

    def _named_in(self, text: str) -> list[tuple[str, int, int]]:
        """Occupations whose label (5+ characters) the text contains, with the mention's
        offsets, in text order."""
        found: list[tuple[str, int, int]] = []
        words = [(m.start(), m.end(), fold(m.group())) for m in re.finditer(r"[\w-]+", text)]
        words = [w for w in words if w[2]]
        for first in range(len(words)):
            for size in range(1, min(self._longest_phrase, len(words) - first) + 1):
                phrase = " ".join(w[2] for w in words[first : first + size])
                for uri in self._occupation_phrases.get(phrase, []):
                    found.append((uri, words[first][0], words[first + size - 1][1]))
        return found

    def _past_occupations(self, request: MatchRequest, story: Story) -> PastOccupations:
        """Occupations the request names: the listed ones, and those whose label the
        story's experience contains ("ik heb als vrachtwagenchauffeur gewerkt"), with
        the first mention; a wished-for occupation ("wil monteur worden") is not a past one."""
        found: PastOccupations = dict.fromkeys(
            self.resolve(request.occupations, ConceptKind.OCCUPATION)
        )
        for uri, start, end in self._named_in(story.experience):
            if found.get(uri) is None:
                found[uri] = (start, end)
        return found

    def wished_occupations(self, story: Story) -> set[str]:
        """Occupations a positive wish names, by label or as the head of a compound
        label ("monteur" → automonteur, monteur werktuigbouw)."""
        wished: set[str] = set()
        for wish in story.positive_wishes:
            wished.update(uri for uri, _, _ in self._named_in(wish.text))
            for word in set(re.findall(r"[\w-]+", fold(wish.text))):
                if len(word) < MIN_WISH_WORD or word in WISH_FILLER:
                    continue
                if word not in self._label_words:
                    continue  # not a word any occupation label uses on its own
                for label_word, uris in self._label_words.items():
                    if label_word.endswith(word):
                        wished.update(uris)
        return wished

    def wishes(self, story: Story, targets: set[str], lang: str) -> dict[str, float]:
        """How clearly the story wishes for each target occupation (0–1): 1 when a wish
        names it; otherwise the best credit with which a skill named in a wish ("zelf
        die storingen verhelpen") covers one of its essential skills."""
        strengths = dict.fromkeys(self.wished_occupations(story) & targets, 1.0)
        settings = self.model.settings
        positive = story.positive_wishes
        if not settings.wish_skills or not positive:
            return strengths
        # The extractor's own (boilerplate-calibrated) threshold: a wish steers only
        # where it clearly names a skill; "wil monteur worden" names none.
        answer = self.extractor.extract(
            "\n".join(w.text for w in positive), lang, self.extractor.default_threshold(), 20
        )
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

    def resolve(
        self, keys: Sequence[str], kind: ConceptKind, field: str | None = None
    ) -> list[str]:
        """URIs for ids/URIs/free labels; ids and URIs that do not exist are an error
        naming the request ``field``, free labels (occupations, skills) go through search.
        A ``target`` list takes ids or URIs only: what to assess is not guessed."""
        resolved: list[str] = []
        unknown: list[str] = []
        for key in keys:
            view = self.catalog.store.concept(key, kind)
            if view is not None:
                resolved.append(view.uri)
            elif (
                key.startswith(("http://", "https://", "urn:"))
                or kind in (ConceptKind.CERTIFICATE, ConceptKind.QUALIFICATION)
                or field == "target"
            ):
                unknown.append(key)
            else:
                hits = self.catalog.search(kind, key, "nl", 1).results
                if hits:
                    resolved.append(hits[0].uri)
        if unknown:
            field = (
                field
                or {
                    ConceptKind.OCCUPATION: "occupations",
                    ConceptKind.SKILL: "skills",
                    ConceptKind.CERTIFICATE: "certificates",
                    ConceptKind.QUALIFICATION: "qualifications",
                }[kind]
            )
            raise UnknownReferenceError(field, unknown)
        return resolved

    # -- match ------------------------------------------------------------------------

    def match(self, request: MatchRequest) -> list[MatchResult]:
        """Ranked target occupations for the request (deterministic). Logs counts,
        the time taken and the snapshot id only: the request is personal data."""
        started = time.perf_counter()
        story = Story.read(request.text)
        past = self._past_occupations(request, story)
        evidence = self.profile(request, past, story)
        strengths = {skill: max(e.strength for e in items) for skill, items in evidence.items()}
        if isinstance(request.target, list):
            targets = set(self.resolve(request.target, ConceptKind.OCCUPATION, "target"))
        elif request.target == "all":
            targets = set(self.requirements)
        else:
            targets = self.technical
        assessments = sorted(
            self.model.assess_many(
                sorted(targets - set(past)), strengths, self.wishes(story, targets, request.lang)
            ),
            key=lambda a: (-a.score, a.occupation),
        )[: request.limit]
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
            results.append(
                MatchResult(
                    assessment,
                    route,
                    evidence,
                    self._vacancies(assessment.occupation, request.region, strengths),
                    self._why(assessment, route, long_route, names),
                    long_route,
                )
            )
        log.info(
            "match: %d profile skills, %d targets, %d results in %.0f ms, snapshot %s",
            len(strengths),
            len(targets),
            len(results),
            1000 * (time.perf_counter() - started),
            self.catalog.snapshot.id,
        )
        return results

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
        return view.uri, self.match(request)

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

    def _why(
        self,
        assessment: Assessment,
        route: Route,
        long_route: LongRoute,
        names: dict[str, dict[str, str]],
    ) -> str:
        """Dutch sentences from the numbers (no language model)."""
        sentence = self._why_short(assessment, route, names.get(assessment.occupation, {}))
        if long_route.qualifications:
            first = long_route.qualifications[0].qualification
            view = self.trainings[first]
            title, _, _ = display_label(names.get(first, {}), "nl")
            sentence += (
                f" De mbo-opleiding {title or view.id} (niveau {view.level}, "
                f"{view.leerweg}) leidt "
                + ("waarschijnlijk " if long_route.confidence == "middel" else "")
                + "tot dit beroep."
            )
        return sentence

    def _why_short(self, assessment: Assessment, route: Route, labels: dict[str, str]) -> str:
        name, _, _ = display_label(labels, "nl")
        needs = self.requirements.get(assessment.occupation, [])
        essential = sum(1 for need in needs if need.relation == "essential")
        missing = len(assessment.missing_essential)
        percent = round(100 * assessment.essential_coverage)
        sentence = (
            f"Voor {name or short_id_of(assessment.occupation)} heeft u al {essential - missing} "
            f"van de {essential} essentiële vaardigheden (gewogen {percent}%)"
        )
        if missing == 0:
            return sentence + "; er ontbreekt niets essentieels."
        if route.steps:
            sentence += (
                f"; er ontbreken er {missing}, waarvan {missing - len(route.uncovered)} "
                f"met {len(route.steps)} korte opleiding(en) van samen {route.total_hours} "
                "uur te leren zijn"
            )
            if route.uncovered:
                sentence += (
                    f"; {len(route.uncovered)} leert u in de praktijk of via een mbo-opleiding"
                )
            return sentence + "."
        return sentence + f"; er ontbreken er {missing}, waarvoor geen korte opleiding bekend is."
