"""Reading a person's profile from a match request: what every input resolved to, how,
and how sure; the skills that follow, with evidence; the wishes set aside.

Nothing is guessed silently. An id or URI resolves as itself (``id``); a free label
resolves when it is a label of the ontology (``exact label``) or when the title
normaliser (skill search for skills) places it in a confidence band (``normaliser``,
bands calibrated per snapshot, ``indexes.confidence``; ``laag`` is echoed as uncertain);
below the lowest band the request is refused (422) with the closest concepts as "did
you mean". In a story, a job named after "als", "ik ben/was" or before "van beroep"
(``service.match.mentions``) goes through the same normaliser and is used at ``middel``
or ``hoog`` only: one it cannot place so is reported in the answer, not used. A label
of five or more characters found anywhere in the experience counts as named.

The profile is personal data: it is never stored and never logged.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from indexes.labels import LabelRecord
from indexes.lexical import fold, fold_phrase
from models.vocabulary import ConceptKind
from ontology.queries import Requirement, TrainingView, preferred_labels
from service.catalog import COLLECTION_OF, Catalog, display_label
from service.errors import UnknownReferenceError, UnresolvedLabelError
from service.extraction.extractor import SkillExtractor
from service.extraction.story import MIN_WISH_WORD, WISH_FILLER, Story
from service.match.mentions import find_mentions, negated
from service.match.scoring import MatchSettings
from service.schemas.match import MatchRequest

Method = Literal["id", "exact label", "normaliser"]
Confidence = Literal["hoog", "middel", "laag", "geen"]
# A label someone typed into a field is meant as one: any band will do (laag is echoed
# as uncertain). A phrase lifted from a story may not be a job at all: middel at least.
ACCEPTED_LISTED: tuple[Confidence, ...] = ("hoog", "middel", "laag")
ACCEPTED_STORY: tuple[Confidence, ...] = ("hoog", "middel")
MIN_PHRASE = 5  # labels found anywhere in a story; shorter ones only after "als" &c.
FIELDS = {
    ConceptKind.OCCUPATION: "occupations",
    ConceptKind.SKILL: "skills",
    ConceptKind.CERTIFICATE: "certificates",
    ConceptKind.QUALIFICATION: "qualifications",
}


@dataclass(frozen=True)
class ProfileEvidence:
    """Why the profile holds a skill."""

    source: str  # text | occupation | skill | certificate | qualification
    detail: str
    strength: float
    start: int | None = None
    end: int | None = None


@dataclass(frozen=True)
class Resolution:
    """What one input (a listed id or label, or a job the story names) resolved to.
    ``concept`` is None when it was not placed with confidence: reported, not used;
    ``alternatives`` are then the closest concepts."""

    field: str  # text | occupations | skills | certificates | qualifications
    given: str
    kind: ConceptKind
    concept: str | None
    method: Method
    confidence: Confidence
    score: float | None = None
    start: int | None = None
    end: int | None = None
    alternatives: tuple[str, ...] = ()


PastOccupations = dict[str, tuple[int, int] | None]  # occupation → its mention in the story


@dataclass
class Profile:
    """A request read: the story split, what each input resolved to, the skills."""

    story: Story
    resolutions: list[Resolution]
    past: PastOccupations
    evidence: dict[str, list[ProfileEvidence]] = field(default_factory=dict)
    # Story skills found at the extract route's one default threshold (a claim), as
    # opposed to the weaker mentions a lower story threshold adds as partial evidence.
    claimed: set[str] = field(default_factory=set)

    @property
    def story_only(self) -> bool:
        """Every skill came from the story's text (no job, skill or training)."""
        return all(e.source == "text" for items in self.evidence.values() for e in items)

    def too_thin(self, min_skills: int) -> bool:
        """A story alone, with fewer than ``min_skills`` skills it claims: too little to
        rank occupations on. Counted at the claim threshold, so weak mentions (which
        only add partial credit) never turn nonsense into a background."""
        return self.story_only and len(self.claimed) < min_skills

    @property
    def strengths(self) -> dict[str, float]:
        """Skill → how strongly the person has it (the best evidence)."""
        return {s: max(e.strength for e in items) for s, items in self.evidence.items()}


class ProfileReader:
    """Reads requests over one catalog (one snapshot); built once, shared."""

    def __init__(
        self,
        catalog: Catalog,
        extractor: SkillExtractor,
        requirements: dict[str, list[Requirement]],
        trainings: dict[str, TrainingView],
        settings: MatchSettings,
    ) -> None:
        self.catalog = catalog
        self.extractor = extractor
        self.requirements = requirements
        self.trainings = trainings
        self.settings = settings
        # From the snapshot's label rows, already in memory (and what search answers
        # from), each label folded once: a second query of the store and a fold per
        # dictionary cost 1.4 s of start-up on the full ESCO (measured).
        occupations = _folded_labels(catalog, ConceptKind.OCCUPATION)
        self._exact: dict[ConceptKind, dict[str, list[str]]] = {
            ConceptKind.OCCUPATION: _phrases(occupations),
            ConceptKind.SKILL: _phrases(_folded_labels(catalog, ConceptKind.SKILL)),
        }
        self._occupation_phrases = {
            phrase: uris
            for phrase, uris in self._exact[ConceptKind.OCCUPATION].items()
            if len(phrase) >= MIN_PHRASE
        }
        self._longest_phrase = max((p.count(" ") + 1 for p in self._occupation_phrases), default=0)
        # Compound heads come from the Dutch names people use, not English or hidden ones.
        self._label_words = _words_of(
            _phrases([(r, f) for r, f in occupations if r.language == "nl" and r.kind != "hidden"])
        )

    # -- resolution -------------------------------------------------------------------

    def resolve(
        self, keys: Sequence[str], kind: ConceptKind, field: str | None = None
    ) -> list[Resolution]:
        """What each id, URI or free label means. Unknown ids and URIs are an error
        naming the request ``field``, as are free labels below the lowest band (with
        "did you mean"); certificates, qualifications and a ``target`` list take ids or
        URIs only."""
        field = field or FIELDS[kind]
        resolved: list[Resolution] = []
        unknown: list[str] = []
        free: list[tuple[int, str]] = []
        for position, key in enumerate(keys):
            view = self.catalog.store.concept(key, kind)
            if view is not None:
                resolved.append(Resolution(field, key, kind, view.uri, "id", "hoog", 1.0))
            elif (
                key.startswith(("http://", "https://", "urn:"))
                or kind not in self._exact
                or field == "target"
            ):
                unknown.append(key)
            else:
                free.append((position, key))
        if unknown:
            raise UnknownReferenceError(field, unknown)
        refused: list[tuple[int, str, list[str]]] = []
        for (position, key), found in zip(
            free, self.place(kind, [key for _, key in free], field), strict=True
        ):
            if found.concept is None:
                refused.append((position, key, list(found.alternatives)))
            else:
                resolved.append(found)
        if refused:
            names = preferred_labels(
                self.catalog.store, sorted({uri for _, _, near in refused for uri in near})
            )
            raise UnresolvedLabelError(
                field,
                kind.value,
                [
                    (
                        position,
                        key,
                        [(uri, display_label(names.get(uri, {}), "nl")[0] or uri) for uri in near],
                    )
                    for position, key, near in refused
                ],
            )
        return resolved

    def place(
        self,
        kind: ConceptKind,
        texts: list[str],
        field: str,
        accepted: tuple[Confidence, ...] = ACCEPTED_LISTED,
    ) -> list[Resolution]:
        """Free labels placed: an exact label of the ontology, else the best hit of the
        normaliser when its band is ``accepted``; otherwise not placed, with the three
        closest concepts."""
        result: list[Resolution | None] = []
        unplaced: list[int] = []
        for i, text in enumerate(texts):
            concepts = self._exact[kind].get(fold_phrase(text), [])
            if len(concepts) == 1:
                result.append(
                    Resolution(field, text, kind, concepts[0], "exact label", "hoog", 1.0)
                )
            else:
                result.append(None)
                unplaced.append(i)
        hits = self._search(kind, [texts[i] for i in unplaced])
        for i, found in zip(unplaced, hits, strict=True):
            best = found[0] if found else None
            confidence: Confidence = best[2] if best else "geen"
            placed = best is not None and confidence in accepted
            result[i] = Resolution(
                field,
                texts[i],
                kind,
                best[0] if best and placed else None,
                "normaliser",
                confidence,
                round(best[1], 4) if best else None,
                alternatives=() if placed else tuple(uri for uri, _, _ in found[:3]),
            )
        return [r for r in result if r is not None]

    def _search(
        self, kind: ConceptKind, texts: list[str]
    ) -> list[list[tuple[str, float, Confidence]]]:
        """(concept, score, confidence) of the top three hits per text."""
        if not texts:
            return []
        if kind is ConceptKind.OCCUPATION:
            answer = self.catalog.normalize(texts, "nl", 3)
            return [
                [(h.uri, h.score, h.confidence) for h in title.occupations]
                for title in answer.results
            ]
        return [
            [(h.uri, h.score, h.confidence) for h in self.catalog.search(kind, t, "nl", 3).results]
            for t in texts
        ]

    # -- the story ----------------------------------------------------------------------

    def named_in(self, text: str) -> list[tuple[str, int, int]]:
        """Occupations whose label (five or more characters) the text contains, with
        the mention's offsets, in text order; not where a negation comes just before
        ("ik ben geen lasser")."""
        found: list[tuple[str, int, int]] = []
        words = [(m.start(), m.end(), fold(m.group())) for m in re.finditer(r"[\w-]+", text)]
        words = [w for w in words if w[2]]
        for first in range(len(words)):
            for size in range(1, min(self._longest_phrase, len(words) - first) + 1):
                phrase = " ".join(w[2] for w in words[first : first + size])
                uris = self._occupation_phrases.get(phrase, [])
                if not uris or negated(text, words[first][0]):
                    continue
                for uri in uris:
                    found.append((uri, words[first][0], words[first + size - 1][1]))
        return found

    def story_jobs(self, story: Story) -> list[Resolution]:
        """Jobs the story's experience names: labels found in it, and phrases after
        "als" &c. placed by the normaliser (strong ones reported when not placed)."""
        experience = story.experience
        # A label several occupations share ("administratief medewerker", "chef") names
        # each of them: all are taken, at middel, so the answer shows the ambiguity.
        named = self.named_in(experience)
        sharing: dict[tuple[int, int], int] = {}
        for _, start, end in named:
            sharing[(start, end)] = sharing.get((start, end), 0) + 1
        found: list[Resolution] = [
            Resolution(
                "text",
                experience[start:end],
                ConceptKind.OCCUPATION,
                uri,
                "exact label",
                "hoog" if sharing[(start, end)] == 1 else "middel",
                1.0,
                start,
                end,
            )
            for uri, start, end in named
        ]
        covered = [(r.start or 0, r.end or 0) for r in found]
        mentions = [
            m
            for m in find_mentions(experience)
            if not any(s <= m.start and m.end <= e for s, e in covered)
        ]
        # Each phrase, then its shorter beginnings ("imker verzorgde" → "imker"), in one
        # batch; the longest one placed wins, so a verb the word list does not know
        # cannot hide the job in front of it.
        spans: list[tuple[int, int, int]] = []
        for i, mention in enumerate(mentions):
            words = list(re.finditer(r"\S+", mention.text))
            for n in range(len(words), 0, -1):
                spans.append((i, mention.start, mention.start + words[n - 1].end()))
        placed = self.place(
            ConceptKind.OCCUPATION,
            [experience[start:end] for _, start, end in spans],
            "text",
            ACCEPTED_STORY,
        )
        best: dict[int, tuple[Resolution, int]] = {}
        for (i, _, end), resolution in zip(spans, placed, strict=True):
            if i not in best or (best[i][0].concept is None and resolution.concept is not None):
                best[i] = (resolution, end)
        for i, mention in enumerate(mentions):
            resolution, end = best[i]
            if resolution.concept is None:
                if not mention.strong:
                    continue  # "ik was blij": not a job, nothing to report
                end = mention.end  # reported as the whole phrase
            found.append(
                Resolution(
                    "text",
                    experience[mention.start : end],
                    ConceptKind.OCCUPATION,
                    resolution.concept,
                    resolution.method,
                    resolution.confidence,
                    resolution.score,
                    mention.start,
                    end,
                    resolution.alternatives,
                )
            )
        return sorted(found, key=lambda r: (r.start or 0, r.end or 0))

    def wished_occupations(self, story: Story) -> set[str]:
        """Occupations a positive wish names, by label or as the head of a compound
        label ("monteur" → automonteur, monteur werktuigbouw)."""
        wished: set[str] = set()
        for wish in story.positive_wishes:
            wished.update(uri for uri, _, _ in self.named_in(wish.text))
            for word in set(re.findall(r"[\w-]+", fold(wish.text))):
                if len(word) < MIN_WISH_WORD or word in WISH_FILLER:
                    continue
                if word not in self._label_words:
                    continue  # not a word any occupation label uses on its own
                for label_word, uris in self._label_words.items():
                    if label_word.endswith(word):
                        wished.update(uris)
        return wished

    # -- the whole request --------------------------------------------------------------

    def read(self, request: MatchRequest) -> Profile:
        """Every part of the request resolved, and skill → evidence from all of them."""
        story = Story.read(request.text)
        resolutions = [
            *self.resolve(request.occupations, ConceptKind.OCCUPATION),
            *self.story_jobs(story),
            *self.resolve(request.skills, ConceptKind.SKILL),
            *self.resolve(request.certificates, ConceptKind.CERTIFICATE),
            *self.resolve(request.qualifications, ConceptKind.QUALIFICATION),
        ]
        past: PastOccupations = {}
        for r in resolutions:
            if r.kind is ConceptKind.OCCUPATION and r.concept is not None:
                mention = (r.start, r.end) if r.start is not None and r.end is not None else None
                if past.get(r.concept) is None:
                    past[r.concept] = mention
        profile = Profile(story, resolutions, past)
        self._add_evidence(profile, request)
        return profile

    def _add_evidence(self, profile: Profile, request: MatchRequest) -> None:
        evidence = profile.evidence

        def add(skill: str, item: ProfileEvidence) -> None:
            evidence.setdefault(skill, []).append(item)

        text = request.text
        if text:
            # Read as a story (wishes and others' clauses blanked, offsets into
            # ``text``) at the one default threshold; a weak mention only gives partial
            # credit (strength follows the margin).
            answer = self.extractor.extract(
                text, request.lang, self.settings.story_threshold, 100, "story"
            )
            claim = self.extractor.default_threshold()
            for skill in answer.skills:
                if skill.confidence >= claim:
                    profile.claimed.add(skill.uri)
                for span in skill.evidence:  # never a span with a blanked part (extractor)
                    add(
                        skill.uri,
                        ProfileEvidence(
                            "text",
                            text[span.start : span.end],
                            min(1.0, 0.4 + span.margin * self.settings.strength_per_margin),
                            span.start,
                            span.end,
                        ),
                    )
        inferred = self.settings.inferred_strength
        for occupation, mention in profile.past.items():
            # Inferred from the occupation; where the story names it, the evidence
            # points at that mention ("…als vrachtwagenchauffeur gewerkt").
            start, end = mention or (None, None)
            for need in self.requirements.get(occupation, []):
                if need.relation == "essential":
                    add(need.skill, ProfileEvidence("occupation", occupation, inferred, start, end))
        for r in profile.resolutions:
            if r.concept is None or r.kind is ConceptKind.OCCUPATION:
                continue
            if r.kind is ConceptKind.SKILL:
                add(r.concept, ProfileEvidence("skill", r.concept, 1.0))
            else:
                for taught in self.trainings[r.concept].skills:
                    add(taught, ProfileEvidence(r.kind.value, r.concept, 1.0))


def _folded_labels(catalog: Catalog, kind: ConceptKind) -> list[tuple[LabelRecord, str]]:
    """The snapshot's label rows of ``kind``, each with its folded text (stored in the
    snapshot)."""
    index = catalog.snapshot.collections.get(COLLECTION_OF[kind])
    return list(zip(index.records, index.folded, strict=True)) if index else []


def _phrases(labels: Sequence[tuple[LabelRecord, str]]) -> dict[str, list[str]]:
    """Folded label → concepts (in the order first seen)."""
    phrases: dict[str, list[str]] = {}
    for record, folded in labels:
        if folded:
            uris = phrases.setdefault(folded, [])
            if record.concept not in uris:
                uris.append(record.concept)
    return phrases


def _words_of(phrases: dict[str, list[str]]) -> dict[str, set[str]]:
    """Word of a label (five or more characters) → concepts, for compound heads."""
    words: dict[str, set[str]] = {}
    for phrase, uris in phrases.items():
        for word in phrase.split():
            if len(word) >= MIN_WISH_WORD:
                words.setdefault(word, set()).update(uris)
    return words
