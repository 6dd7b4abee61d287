"""The match service: a person's story, past occupations, stated skills and held
trainings become a skill profile with evidence; target occupations are assessed
against it (``service.matching``), with gaps, a training route, vacancies and a
Dutch sentence an advisor can read out.

The profile is personal data: it is never stored and never logged.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from indexes.lexical import fold
from models.domain import short_id_of
from models.vocabulary import ConceptKind
from ontology import queries
from ontology.default import TECHNICAL_COLLECTION
from service.catalog import COLLECTION_OF, Catalog, display_label
from service.extraction import VALIDATION_THRESHOLD, SkillExtractor
from service.matching import Assessment, MatchModel, MatchSettings, Route
from service.schemas import (
    ConceptRef,
    Match,
    MatchAnswer,
    MatchedSkill,
    MatchEvidence,
    MissingSkill,
    MissingSkills,
    RouteStepOut,
    ScoreParts,
    TrainingRoute,
)

# The technical target: the default's techniek collection plus ESCO occupations in
# these ISCO-08 groups: 311–313/315 science and engineering technicians, 71 building
# and related trades, 72 metal and machinery trades, 74 electrical and electronics
# trades, 81 stationary plant and machine operators, 82 assemblers.
TECHNICAL_ISCO_PREFIXES = ("311", "312", "313", "315", "71", "72", "74", "81", "82")
INFERRED_STRENGTH = 0.8  # a past occupation's essential skill: likely, not stated
# A wish ("ik wil monteur worden") is not experience: such pieces give no skills.
WISH = re.compile(
    r"\b(wil|willen|zou graag|zou ik graag|lijkt me|droom|ambitie|wens|want to|would like)\b",
    re.IGNORECASE,
)


class UnknownReferenceError(ValueError):
    """Ids or URIs in a request that the store does not know."""

    def __init__(self, field: str, keys: list[str]) -> None:
        super().__init__(f"unknown {field}: {', '.join(keys)}")
        self.field = field
        self.keys = keys


@dataclass(frozen=True)
class ProfileEvidence:
    """Why the profile holds a skill."""

    source: str  # text | occupation | skill | certificate | qualification
    detail: str
    strength: float
    start: int | None = None
    end: int | None = None


@dataclass
class MatchRequestData:
    """What a match is computed from (validated by the HTTP layer)."""

    text: str | None = None
    occupations: list[str] = field(default_factory=list)
    skills: list[str] = field(default_factory=list)
    qualifications: list[str] = field(default_factory=list)
    certificates: list[str] = field(default_factory=list)
    target: str | list[str] = "techniek"
    region: str | None = None
    max_training_hours: int | None = None
    limit: int = 10
    lang: str = "nl"


@dataclass
class MatchResult:
    """One ranked occupation with everything the answer shows."""

    assessment: Assessment
    route: Route
    evidence: dict[str, list[ProfileEvidence]]
    vacancies: list[str]
    why: str


class Matcher:
    """Matches over one catalog (one snapshot); built once, shared by requests."""

    def __init__(
        self,
        catalog: Catalog,
        extractor: SkillExtractor,
        settings: MatchSettings | None = None,
    ) -> None:
        self.catalog = catalog
        self.extractor = extractor
        store = catalog.store
        self.requirements = queries.requirements(store)
        trainings = [
            *queries.trainings(store, ConceptKind.CERTIFICATE),
            *queries.trainings(store, ConceptKind.QUALIFICATION),
        ]
        self.model = MatchModel(
            self.requirements, self._skill_vectors(), trainings, settings or MatchSettings()
        )
        self.technical = self._technical_occupations()
        self._occupation_phrases = self._phrases(store.labels_of(ConceptKind.OCCUPATION))
        self._longest_phrase = max((p.count(" ") + 1 for p in self._occupation_phrases), default=0)
        self.trainings = {t.uri: t for t in trainings}
        self._vacancies_by_occupation = self._link_vacancies()

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
        self, request: MatchRequestData, past: Sequence[str] | None = None
    ) -> dict[str, list[ProfileEvidence]]:
        """Skill → evidence, from every part of the request (``past``: the request's
        past occupations when the caller already resolved them)."""
        evidence: dict[str, list[ProfileEvidence]] = {}

        def add(skill: str, item: ProfileEvidence) -> None:
            evidence.setdefault(skill, []).append(item)

        if request.text:
            # A story is not a vacancy: recall matters more than in extraction, and a weak
            # mention only gives partial credit (strength follows the margin).
            answer = self.extractor.extract(request.text, request.lang, VALIDATION_THRESHOLD, 100)
            for skill in answer.skills:
                for span in skill.evidence:
                    if WISH.search(span.text):
                        continue
                    add(
                        skill.uri,
                        ProfileEvidence(
                            "text",
                            span.text,
                            min(1.0, 0.4 + span.margin * 6),
                            span.start,
                            span.end,
                        ),
                    )
        for occupation in self._past_occupations(request) if past is None else past:
            for need in self.requirements.get(occupation, []):
                if need.relation == "essential":
                    add(need.skill, ProfileEvidence("occupation", occupation, INFERRED_STRENGTH))
        for stated in self._resolve(request.skills, ConceptKind.SKILL):
            add(stated, ProfileEvidence("skill", stated, 1.0))
        for kind, keys in (
            (ConceptKind.CERTIFICATE, request.certificates),
            (ConceptKind.QUALIFICATION, request.qualifications),
        ):
            for uri in self._resolve(keys, kind):
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

    def _past_occupations(self, request: MatchRequestData) -> list[str]:
        """Occupations the request names: the listed ones, and those whose label the
        story itself contains ("ik heb als vrachtwagenchauffeur gewerkt")."""
        found = self._resolve(request.occupations, ConceptKind.OCCUPATION)
        if request.text:
            words = re.findall(r"[\w-]+", fold(request.text))
            for start in range(len(words)):
                for size in range(1, min(self._longest_phrase, len(words) - start) + 1):
                    found += self._occupation_phrases.get(" ".join(words[start : start + size]), [])
        return list(dict.fromkeys(found))

    def _resolve(self, keys: Sequence[str], kind: ConceptKind) -> list[str]:
        """URIs for ids/URIs/free labels; ids and URIs that do not exist are an error,
        free labels (occupations, skills) go through search."""
        resolved: list[str] = []
        unknown: list[str] = []
        for key in keys:
            view = self.catalog.store.concept(key, kind)
            if view is not None:
                resolved.append(view.uri)
            elif key.startswith(("http://", "https://", "urn:")) or kind in (
                ConceptKind.CERTIFICATE,
                ConceptKind.QUALIFICATION,
            ):
                unknown.append(key)
            else:
                hits = self.catalog.search(kind, key, "nl", 1).results
                if hits:
                    resolved.append(hits[0].uri)
        if unknown:
            field = {
                ConceptKind.OCCUPATION: "occupations",
                ConceptKind.SKILL: "skills",
                ConceptKind.CERTIFICATE: "certificates",
                ConceptKind.QUALIFICATION: "qualifications",
            }[kind]
            raise UnknownReferenceError(field, unknown)
        return resolved

    # -- match ------------------------------------------------------------------------

    def match(self, request: MatchRequestData) -> list[MatchResult]:
        """Ranked target occupations for the request (deterministic)."""
        past = self._past_occupations(request)
        evidence = self.profile(request, past)
        strengths = {skill: max(e.strength for e in items) for skill, items in evidence.items()}
        if isinstance(request.target, list):
            targets = set(self._resolve(request.target, ConceptKind.OCCUPATION))
        elif request.target == "all":
            targets = set(self.requirements)
        else:
            targets = self.technical
        assessments = sorted(
            (self.model.assess(uri, strengths) for uri in targets - set(past)),
            key=lambda a: (-a.score, a.occupation),
        )[: request.limit]
        names = queries.preferred_labels(self.catalog.store, [a.occupation for a in assessments])
        results = []
        for assessment in assessments:
            route = self.model.route(assessment.missing_essential, request.max_training_hours)
            results.append(
                MatchResult(
                    assessment,
                    route,
                    evidence,
                    self._vacancies(assessment.occupation, request.region),
                    self._why(assessment, route, names.get(assessment.occupation, {})),
                )
            )
        return results

    def _link_vacancies(self) -> dict[str, list[tuple[str, str | None]]]:
        """Open vacancies by the occupation their title normalises to (once, at start-up,
        so requests only filter)."""
        linked: dict[str, list[tuple[str, str | None]]] = {}
        rows = self.catalog.store.vacancy_titles()
        if rows:
            answer = self.catalog.normalize([title for _, title, _ in rows], "nl", 1)
            for (vacancy, _, province), result in zip(rows, answer.results, strict=True):
                if result.occupations:
                    linked.setdefault(result.occupations[0].uri, []).append((vacancy, province))
        return linked

    def _vacancies(self, occupation: str, region: str | None) -> list[str]:
        found = self._vacancies_by_occupation.get(occupation, [])
        wanted = region.lower() if region else None
        return [v for v, province in found if not wanted or (province or "").lower() == wanted][:5]

    def _why(self, assessment: Assessment, route: Route, labels: dict[str, str]) -> str:
        """One Dutch sentence from the numbers (no language model)."""
        name, _, _ = display_label(labels, "nl")
        have = len(assessment.matched)
        missing = len(assessment.missing_essential)
        percent = round(100 * assessment.essential_coverage)
        sentence = (
            f"Voor {name or short_id_of(assessment.occupation)} heeft u al {have} van de "
            f"benodigde vaardigheden ({percent}% van wat essentieel is)"
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


def to_answer(matcher: Matcher, results: list[MatchResult], lang: str) -> MatchAnswer:
    """The HTTP answer for match results (labels fetched in one query)."""
    uris: set[str] = set()
    for result in results:
        a = result.assessment
        uris.add(a.occupation)
        uris.update(c.skill for c in a.matched)
        uris.update(c.via for c in a.matched if c.via)
        uris.update(s for s, _ in a.missing_essential + a.missing_optional)
        for step in result.route.steps:
            uris.add(step.training)
            uris.update(step.covers)
        uris.update(result.route.uncovered)
    labels = queries.preferred_labels(matcher.catalog.store, sorted(uris))

    def ref(uri: str, kind: str) -> ConceptRef:
        text, language, fallback = display_label(labels.get(uri, {}), lang)
        return ConceptRef(
            uri=uri,
            id=short_id_of(uri),
            kind=kind,
            label=text,
            label_language=language,
            label_fallback=fallback,
        )

    def evidence_of(result: MatchResult, skill: str | None) -> list[MatchEvidence]:
        return [
            MatchEvidence(
                source=e.source,
                detail=e.detail,
                start=e.start,
                end=e.end,
                strength=round(e.strength, 4),
            )
            for e in (result.evidence.get(skill, []) if skill else [])
        ]

    matches = []
    for result in results:
        a, route = result.assessment, result.route
        matched = [
            MatchedSkill(
                **ref(c.skill, "skill").model_dump(),
                credit=round(c.credit, 4),
                similarity=round(c.similarity, 4),
                via=ref(c.via, "skill") if c.via else None,
                evidence=evidence_of(result, c.via),
            )
            for c in a.matched
        ]
        matches.append(
            Match(
                occupation=ref(a.occupation, "occupation"),
                score=round(a.score, 4),
                score_parts=ScoreParts(
                    essential_coverage=round(a.essential_coverage, 4),
                    optional_coverage=round(a.optional_coverage, 4),
                    essential_share=matcher.model.settings.essential_share,
                ),
                matched_skills=matched,
                missing_skills=MissingSkills(
                    essential=[
                        MissingSkill(**ref(s, "skill").model_dump(), weight=round(w, 4))
                        for s, w in a.missing_essential
                    ],
                    optional=[
                        MissingSkill(**ref(s, "skill").model_dump(), weight=round(w, 4))
                        for s, w in a.missing_optional
                    ],
                ),
                training_route=TrainingRoute(
                    method=route.method,
                    steps=[
                        RouteStepOut(
                            training=ref(
                                step.training, matcher.trainings[step.training].kind.value
                            ),
                            hours=step.hours,
                            covers=[ref(s, "skill") for s in step.covers],
                        )
                        for step in route.steps
                    ],
                    total_hours=route.total_hours,
                    uncovered=[ref(s, "skill") for s in route.uncovered],
                ),
                vacancies=result.vacancies,
                why=result.why,
            )
        )
    return MatchAnswer(
        taxonomy_versions=matcher.catalog.taxonomy_versions,
        snapshot=matcher.catalog.snapshot.id,
        matches=matches,
    )
