"""Search, suggestions, job-title normalisation and skill extraction (the ``search``
router)."""

from typing import Literal

from pydantic import (
    BaseModel,
    Field,
    field_validator,
)

from service.schemas.common import (
    MAX_BATCH,
    MAX_QUERY,
    MAX_TEXT,
    REQUEST_CONFIG,
    Answer,
    ConceptRef,
    LabelOut,
)


class Scores(BaseModel):
    """The parts of a search score, so a client can show why something ranked."""

    dense: float = Field(description="Cosine similarity of the embeddings.", examples=[0.91])
    lexical: float = Field(
        description="Cosine similarity of character 1–3-gram TF-IDF.", examples=[0.78]
    )


Confidence = Literal["hoog", "middel", "laag", "geen"]
CONFIDENCE_HELP = (
    "How sure the hit is, from how far it stands out from the query's background "
    "(`margin`), in bands calibrated on this snapshot's own labels (README, "
    '"Confidence"): hoog, middel, laag, or geen (no match: below the lowest band).'
)
NO_MATCH_HELP = (
    "True when nothing fits: the best hit is below the lowest band (or there is none). "
    "The hits are still listed, for inspection, but are not an answer."
)


class SearchHit(ConceptRef):
    """A ranked concept found through its best-matching label."""

    score: float = Field(description="Fused score: (1 − w)·dense + w·lexical.", examples=[0.895])
    margin: float = Field(
        description="`score` minus the query's background (the mean score of label "
        "ranks 11–60): how far this hit stands out.",
        examples=[0.12],
    )
    confidence: Confidence = Field(description=CONFIDENCE_HELP, examples=["hoog"])
    matched_label: LabelOut = Field(
        description="The label that matched the query best. A hidden label (a common "
        "misspelling the ontology keeps for search) is never shown: the preferred label "
        "stands in for it and `kind` says `hidden`."
    )
    scores: Scores = Field(description="The channel scores behind `score`.")


class SearchAnswer(Answer):
    """Ranked concepts for one query."""

    query: str = Field(description="The query as received.", examples=["elektricien"])
    no_match: bool = Field(description=NO_MATCH_HELP, examples=[False])
    results: list[SearchHit] = Field(description="Best first.")


class NormalizeRequest(BaseModel):
    """Job titles as people or vacancies write them."""

    model_config = REQUEST_CONFIG

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
    no_match: bool = Field(description=NO_MATCH_HELP, examples=[False])
    occupations: list[SearchHit] = Field(description="Most likely occupations, best first.")


class NormalizeAnswer(Answer):
    """One entry per title, in the order sent."""

    results: list[NormalizedTitle] = Field(description="One entry per title, in order.")


class ExtractRequest(BaseModel):
    """A free text: a CV paragraph, a vacancy, a person's own story."""

    model_config = REQUEST_CONFIG

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
    text_kind: Literal["story", "vacancy", "plain"] = Field(
        default="story",
        examples=["story"],
        description="What the text is, which says what part of it may yield skills. story "
        '(a person\'s own words or CV): not wishes ("ik wil …") or what someone else did; '
        'vacancy: not the offer (salary, lease car, "Wat bieden wij"), the employer or '
        "how to apply; plain: every sentence.",
    )


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
