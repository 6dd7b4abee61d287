"""The side-entrant match and occupation transitions (the ``match`` router)."""

from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    Field,
    model_validator,
)

from service.schemas.common import MAX_TEXT, REQUEST_CONFIG, Answer, ConceptRef, Region, ShortText
from service.schemas.vacancies import VacancyFields


class MatchRequest(BaseModel):
    """A person's background; at least one of text, occupations or skills."""

    model_config = REQUEST_CONFIG

    text: str | None = Field(
        default=None,
        max_length=MAX_TEXT,
        description="The person's own story or CV text.",
        examples=[
            "Ik heb twaalf jaar als vrachtwagenchauffeur gewerkt en deed zelf kleine "
            "reparaties aan de truck."
        ],
    )
    occupations: list[ShortText] = Field(
        default_factory=list,
        max_length=50,
        examples=[["vrachtwagenchauffeur"]],
        description="Past or current occupations: ids, URIs or free titles.",
    )
    skills: list[ShortText] = Field(
        default_factory=list,
        max_length=200,
        examples=[["heftruck rijden"]],
        description="Skills the person states: ids, URIs or free labels.",
    )
    qualifications: list[ShortText] = Field(
        default_factory=list,
        max_length=20,
        examples=[["25333"]],
        description="Held mbo qualifications (crebo codes).",
    )
    certificates: list[ShortText] = Field(
        default_factory=list,
        max_length=50,
        examples=[["vca-basis"]],
        description="Held certificates (ids).",
    )
    target: Literal["techniek", "all"] | Annotated[list[ShortText], Field(max_length=500)] = Field(
        default="techniek",
        examples=["techniek"],
        description="techniek (the default's techniek collection plus ESCO occupations in "
        "ISCO 311–313, 315, 71, 72, 74, 81, 82), all, or a list of occupation ids.",
    )
    region: Region | None = Field(
        default=None,
        examples=["Utrecht"],
        description="Vacancies only in this province (name) or postcode area (a prefix of "
        "1–4 digits, e.g. 35).",
    )
    max_training_hours: int | None = Field(
        default=None, ge=1, le=10_000, examples=[200], description="Budget for the short route."
    )
    limit: int = Field(default=10, ge=1, le=100, examples=[5], description="Matches returned.")
    lang: str = Field(
        default="nl",
        min_length=2,
        max_length=8,
        examples=["nl"],
        description="Language of the display labels.",
    )

    @model_validator(mode="after")
    def _something_to_match(self) -> "MatchRequest":
        if not ((self.text or "").strip() or self.occupations or self.skills):
            raise ValueError("give at least one of text, occupations or skills")
        return self


class MatchEvidence(BaseModel):
    """Where a profile skill came from."""

    source: str = Field(
        description="text, occupation (inferred), skill, certificate or qualification.",
        examples=["text"],
    )
    detail: str = Field(
        description="The text span, or the URI it was inferred from.",
        examples=["kleine reparaties aan de truck"],
    )
    start: int | None = Field(
        default=None,
        description="Offset into `text`: of the span (source text), or of where the story "
        "names the past occupation (source occupation); null otherwise.",
        examples=[62],
    )
    end: int | None = Field(
        default=None, description="End offset (exclusive), as `start`.", examples=[92]
    )
    strength: float = Field(
        description="0–1: how strongly the person has the skill.", examples=[0.9]
    )


class MatchedSkill(ConceptRef):
    """A required skill the person covers."""

    credit: float = Field(description="0–1 coverage credit.", examples=[1.0])
    similarity: float = Field(
        description="Cosine of the person's skill and this one.", examples=[0.899]
    )
    via: ConceptRef | None = Field(default=None, description="The person's skill covering it.")
    evidence: list[MatchEvidence] = Field(description="Where the person's skill came from.")


class MissingSkill(ConceptRef):
    """A required skill not covered."""

    weight: float = Field(description="Specificity weight (IDF over occupations).", examples=[0.8])


class MissingSkills(BaseModel):
    """The gap, most important first."""

    essential: list[MissingSkill] = Field(description="Essential skills not covered.")
    optional: list[MissingSkill] = Field(description="Optional skills not covered.")


class ClosedSkill(ConceptRef):
    """A missing skill a training closes, and how the ontology says it does."""

    how: Literal["exact", "narrower", "broader"] = Field(
        description="exact: the training teaches this skill; narrower: it teaches a "
        "narrower skill of it (part of it); broader: it teaches a broader skill that "
        "includes it. Similarity alone never closes a skill.",
        examples=["exact"],
    )
    taught: ConceptRef = Field(description="The skill the training teaches.")


class RouteStepOut(BaseModel):
    """One training of the short route."""

    training: ConceptRef = Field(description="The certificate or qualification.")
    hours: int = Field(description="Its study load.", examples=[80])
    covers: list[ClosedSkill] = Field(
        description="Missing skills it closes: only skills the training teaches (exact) "
        "or their direct neighbours in the skill hierarchy (marked)."
    )


class TrainingRoute(BaseModel):
    """Trainings that together close the most missing essential skills per hour."""

    method: str = Field(
        description="How the route was chosen.",
        examples=["greedy weighted set cover (skill weight per hour)"],
    )
    steps: list[RouteStepOut] = Field(description="In the order chosen.")
    total_hours: int = Field(description="Sum of the steps' hours.", examples=[120])
    uncovered: list[ConceptRef] = Field(
        description="Missing essential skills no training teaches: learned at work or "
        "through the long route."
    )
    long_route: "LongRouteOut" = Field(
        description="The mbo qualifications that lead to the occupation (the long route)."
    )


class LinkedQualificationOut(ConceptRef):
    """One mbo qualification of the long route."""

    crebo: str = Field(description="The qualification's crebo code.", examples=["25182"])
    level: int | None = Field(description="mbo niveau 1–4.", examples=[2])
    leerweg: str | None = Field(
        description="BOL (school-based), BBL (work-based) or BOL/BBL.", examples=["BOL/BBL"]
    )
    domain: str | None = Field(
        description="Opleidingsdomein.", examples=["Mobiliteit, transport, logistiek en maritiem"]
    )
    similarity: float = Field(
        description="Title similarity to the occupation (fused cosine and n-grams).",
        examples=[0.91],
    )


class LongRouteOut(BaseModel):
    """Qualifications linked to the occupation by name, with how sure that link is."""

    confidence: str = Field(
        description="hoog (margin ≥ 0.04 over the best other dossier), middel (≥ 0.015), "
        "laag (a guess; no qualifications listed) or geen (no qualifications loaded). The "
        "margins are the bundled model's; another model's calibration scales them.",
        examples=["hoog"],
    )
    similarity: float = Field(description="Similarity of the best qualification.", examples=[0.9])
    margin: float = Field(
        description="Best similarity minus the best of another kwalificatiedossier.",
        examples=[0.06],
    )
    method: str = Field(
        description="How the link was made.",
        examples=["title similarity: occupation labels vs qualification and dossier names"],
    )
    qualifications: list[LinkedQualificationOut] = Field(
        description="Qualifications of the best dossier, most similar first."
    )


class ScoreParts(BaseModel):
    """The numbers behind `score`."""

    essential_coverage: float = Field(
        description="Weighted essential coverage, 0–1.", examples=[0.62]
    )
    optional_coverage: float = Field(description="Weighted optional coverage, 0–1.", examples=[0.4])
    essential_share: float = Field(
        description="Weight of essential coverage in `score`.", examples=[0.8]
    )
    wish: float = Field(
        description="Bonus included in `score` because the story wishes for this occupation "
        '("ik wil monteur worden"); 0 otherwise.',
        examples=[0.1],
    )
    story_fit: float = Field(
        default=0.0,
        description="Part of `score` from how much the story as a whole (experience and "
        "wishes) resembles the occupation's name and description (occupation-level "
        "evidence, not a skill): at most the configured story-fit weight; 0 when the story "
        "is no closer to it than to the average occupation, or without a story.",
        examples=[0.12],
    )


class RelatedOccupation(ConceptRef):
    """An occupation of the same ISCO unit group as a match, folded under it."""

    score: float = Field(description="Its own match score, as `Match.score`.", examples=[0.41])


class Match(BaseModel):
    """One suggested occupation."""

    occupation: ConceptRef = Field(description="The occupation.")
    score: float = Field(
        description="share·essential + (1 − share)·optional coverage + wish bonus + "
        "story fit (`score_parts`); a ranking score, above 1 in rare cases.",
        examples=[0.58],
    )
    score_parts: ScoreParts = Field(description="How the score was computed.")
    matched_skills: list[MatchedSkill] = Field(description="Covered skills with evidence.")
    missing_skills: MissingSkills = Field(description="The gap.")
    training_route: TrainingRoute = Field(description="The short route.")
    vacancies: list[str] = Field(
        description="Ids of up to 5 open vacancies, best fit first (`open_vacancies` has "
        "their titles, employers and places).",
        examples=[["vac-0036"]],
    )
    open_vacancies: list[VacancyFields] = Field(
        description="The same vacancies with what a list shows (title, employer, city, "
        "region, dates), so no request per vacancy is needed.",
    )
    why: str = Field(
        description="Dutch sentences for the advisor about the client: what they bring, "
        "what the percentage means, what is missing and how to learn it.",
        examples=[
            "De cliënt heeft al 6 van de 17 essentiële vaardigheden voor "
            "bedrijfswagenmonteur; gewogen naar hoe vakspecifiek ze zijn is dat 31% van de "
            "kern van het beroep. …"
        ],
    )
    related_occupations: list[RelatedOccupation] = Field(
        default_factory=list,
        description="Up to 3 other occupations of the same ISCO unit group that also "
        "scored, best first, that are not matches of their own in this answer (ESCO's "
        "near-duplicates: wegenwacht and remmenmonteur under automonteur). Listed under "
        "the best match of each group only; empty for the others and for occupations "
        "without an ISCO group.",
    )


class ResolvedInput(BaseModel):
    """What one input resolved to: a listed id or label, or a job the story names."""

    field: str = Field(
        description="Where it came from: text (a job the story names), occupations, "
        "skills, certificates or qualifications.",
        examples=["text"],
    )
    given: str = Field(description="As given, or the story's words.", examples=["kok"])
    start: int | None = Field(
        default=None, description="Offset into `text` (story mentions only).", examples=[22]
    )
    end: int | None = Field(default=None, description="End offset (exclusive).", examples=[25])
    kind: str = Field(
        description="occupation, skill, certificate or qualification.", examples=["occupation"]
    )
    concept: ConceptRef | None = Field(
        description="What it resolved to; null when it could not be placed with confidence "
        "(then it was not used)."
    )
    method: Literal["id", "exact label", "normaliser"] = Field(
        description="id (an id or URI), exact label (a label of the ontology) or normaliser "
        "(the job-title normaliser or skill search, at the `confidence` given).",
        examples=["exact label"],
    )
    confidence: Literal["hoog", "middel", "laag", "geen"] = Field(
        description="hoog for ids and exact labels; the calibrated band otherwise (laag: "
        "uncertain, check it). A listed label below laag is refused (422); a job in the "
        "story is used at hoog or middel only.",
        examples=["hoog"],
    )
    score: float | None = Field(
        default=None,
        description="The normaliser's score (1 for ids and exact labels).",
        examples=[1.0],
    )
    did_you_mean: list[ConceptRef] = Field(
        default_factory=list, description="The closest concepts, when it was not placed."
    )


class WishOut(BaseModel):
    """A clause of the story set aside as a wish (not experience)."""

    text: str = Field(description="The clause.", examples=["wil graag de techniek in"])
    start: int = Field(description="Offset into `text`.", examples=[30])
    end: int = Field(description="End offset (exclusive).", examples=[55])
    negated: bool = Field(
        description='A wish *not* to do something ("ik wil niet meer …"); positive wishes '
        "steer the ranking a little (`score_parts.wish`).",
        examples=[False],
    )


class ProfileOut(BaseModel):
    """The request as read: what each input resolved to and what was set aside."""

    inputs: list[ResolvedInput] = Field(
        description="Every listed id or label and every job the story names: listed "
        "occupations, jobs in the story (in text order), skills, certificates, "
        "qualifications."
    )
    wishes: list[WishOut] = Field(description="Story clauses set aside as wishes.")
    skills: int = Field(description="Skills in the profile (from every source).", examples=[14])


class MatchAnswer(Answer):
    """Suggested occupations, best first; none, with a message, when nothing fits."""

    profile: ProfileOut = Field(description="How the request was read.")
    message: str | None = Field(
        default=None,
        description="When `matches` is empty: why, in Dutch, for the advisor (what was "
        "missing from the profile). Null otherwise.",
        examples=[None],
    )
    matches: list[Match] = Field(description="Best first; empty when nothing fits.")


class TransitionAnswer(Answer):
    """Occupations reachable from one occupation ("van werk naar werk"), best first."""

    occupation: ConceptRef = Field(description="The occupation moved from.")
    transitions: list[Match] = Field(
        description="Best first: coverage of each occupation's essential skills (weighted by "
        "specificity) by the essential skills of the one moved from, with the gap and routes."
    )
