"""Match results as HTTP answers: labels fetched in one query, every number rounded
for display."""

from models.vocabulary import ConceptKind
from ontology import queries
from ontology.vacancy_store import vacancy_records
from service.catalog import concept_ref
from service.match.long_route import LongRoute
from service.match.matcher import Matcher, MatchOutcome, MatchResult
from service.schemas.common import ConceptRef
from service.schemas.match import (
    ClosedSkill,
    LinkedQualificationOut,
    LongRouteOut,
    Match,
    MatchAnswer,
    MatchedSkill,
    MatchEvidence,
    MissingSkill,
    MissingSkills,
    ProfileOut,
    RelatedOccupation,
    ResolvedInput,
    RouteStepOut,
    ScoreParts,
    TrainingRoute,
    TransitionAnswer,
    WishOut,
)
from service.schemas.vacancies import VacancyFields


def to_transition_answer(
    matcher: Matcher, source: str, results: list[MatchResult], lang: str
) -> TransitionAnswer:
    """The HTTP answer for transitions from occupation ``source``."""
    labels = queries.preferred_labels(matcher.catalog.store, [source])
    return TransitionAnswer(
        taxonomy_versions=matcher.catalog.taxonomy_versions,
        snapshot=matcher.catalog.snapshot.id,
        occupation=concept_ref(labels, source, ConceptKind.OCCUPATION.value, lang),
        transitions=to_matches(matcher, results, lang),
    )


def to_answer(matcher: Matcher, outcome: MatchOutcome, lang: str) -> MatchAnswer:
    """The HTTP answer for a match: the profile as read, the matches or the message."""
    profile = outcome.profile
    uris = sorted(
        {r.concept for r in profile.resolutions if r.concept}
        | {uri for r in profile.resolutions for uri in r.alternatives}
    )
    labels = queries.preferred_labels(matcher.catalog.store, uris)
    inputs = [
        ResolvedInput(
            field=r.field,
            given=r.given,
            start=r.start,
            end=r.end,
            kind=r.kind.value,
            concept=concept_ref(labels, r.concept, r.kind.value, lang) if r.concept else None,
            method=r.method,
            confidence=r.confidence,
            score=r.score,
            did_you_mean=[concept_ref(labels, uri, r.kind.value, lang) for uri in r.alternatives],
        )
        for r in profile.resolutions
    ]
    positive = {(w.start, w.end) for w in profile.story.positive_wishes}
    wishes = [
        WishOut(text=w.text, start=w.start, end=w.end, negated=(w.start, w.end) not in positive)
        for w in profile.story.wishes
    ]
    return MatchAnswer(
        taxonomy_versions=matcher.catalog.taxonomy_versions,
        snapshot=matcher.catalog.snapshot.id,
        profile=ProfileOut(inputs=inputs, wishes=wishes, skills=len(profile.evidence)),
        message=outcome.message,
        matches=to_matches(matcher, outcome.results, lang),
    )


def to_matches(matcher: Matcher, results: list[MatchResult], lang: str) -> list[Match]:
    """Match results for HTTP (labels fetched in one query)."""
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
            uris.update(c.taught for c in step.closes)
        uris.update(result.route.uncovered)
        uris.update(q.qualification for q in result.long_route.qualifications)
        uris.update(r.occupation for r in result.related)
    labels = queries.preferred_labels(matcher.catalog.store, sorted(uris))
    listed = sorted({v for result in results for v in result.vacancies})
    records = vacancy_records(matcher.catalog.store, listed) if listed else {}
    shown = set(VacancyFields.model_fields)

    def vacancies_of(result: MatchResult) -> list[str]:
        # One deleted since the index was synced is left out of both lists.
        return [v for v in result.vacancies if v in records]

    def ref(uri: str, kind: str) -> ConceptRef:
        return concept_ref(labels, uri, kind, lang)

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

    def long_route_out(route: LongRoute) -> LongRouteOut:
        linked = []
        for item in route.qualifications:
            view = matcher.trainings[item.qualification]
            linked.append(
                LinkedQualificationOut(
                    **ref(item.qualification, "qualification").model_dump(),
                    crebo=view.id,
                    level=view.level,
                    leerweg=view.leerweg,
                    domain=view.domain,
                    similarity=item.similarity,
                )
            )
        return LongRouteOut(
            confidence=route.confidence,
            similarity=route.similarity,
            margin=route.margin,
            method=route.method,
            qualifications=linked,
        )

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
                    wish=round(a.wish, 4),
                    story_fit=round(a.story_fit, 4),
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
                            covers=[
                                ClosedSkill(
                                    **ref(c.skill, "skill").model_dump(),
                                    how=c.how,
                                    taught=ref(c.taught, "skill"),
                                )
                                for c in step.closes
                            ],
                        )
                        for step in route.steps
                    ],
                    total_hours=route.total_hours,
                    uncovered=[ref(s, "skill") for s in route.uncovered],
                    long_route=long_route_out(result.long_route),
                ),
                vacancies=vacancies_of(result),
                open_vacancies=[
                    VacancyFields(**records[v].model_dump(include=shown))
                    for v in vacancies_of(result)
                ],
                why=result.why,
                related_occupations=[
                    RelatedOccupation(
                        **ref(r.occupation, "occupation").model_dump(),
                        score=round(r.score, 4),
                    )
                    for r in result.related
                ],
            )
        )
    return matches
