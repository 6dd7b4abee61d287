"""The side-entrant match core: profile → coverage of an occupation's skills → gaps →
training route. Pure computation over in-memory data, so it is exact to unit-test;
the HTTP layer and the catalog feed it (issue 5 builds the request/response on top).

Coverage is semantic: a person's skill covers a required skill by the cosine of their
concept vectors, mapped linearly from 0 credit at ``similarity_floor`` to full credit
at ``similarity_full`` (with the bundled e5 model unrelated skill labels sit at
0.80–0.85 and close ones at 0.90–0.95: "gas- en waterleidingen aanleggen" vs
"leidingen monteren" 0.899, "storingen opsporen" vs "storingen verhelpen" 0.953).
Skills are weighted by specificity (an IDF over occupations), so transversal skills
count but cannot carry a technical occupation on their own.

Similarity credits the *person's* skills only. A training route claims that a course
teaches a skill, and that claim must be true: a training closes a missing skill only
when it teaches that very skill, or (marked so) a narrower or broader skill one step
away in the ontology's skill hierarchy. A similar-sounding taught skill closes nothing
(issue 19: "Onderhoud cv-ketels" was said to teach "afrekenen en kassa bedienen").
"""

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from indexes.embedding.calibration import Calibration
from ontology.queries import Requirement, TrainingView

# An ontology with at least this many occupations that list skills is "large" (ESCO), where
# the story fit counts with ``STORY_FIT_LARGE`` unless configured (``MatchSettings``).
LARGE_ONTOLOGY = 1_000
STORY_FIT_LARGE = 0.5
# The story margin there (bundled scale): ESCO's skills are mostly English labels, and a
# Dutch clause stands out less against a label in another language.
STORY_THRESHOLD_LARGE = 0.01


@dataclass(frozen=True)
class MatchSettings:
    """Every threshold of the match, in one place (configurable, not buried in code).

    Cosines and margins are given on the bundled model's scale, where they were chosen;
    the matcher maps them onto the model in use with ``on_scale``."""

    similarity_floor: float = 0.85
    similarity_full: float = 0.93
    covered_at: float = 0.5  # credit from which a required skill counts as covered
    essential_share: float = 0.8  # score = share · essential coverage + rest · optional
    min_specificity: float = 0.1
    inferred_strength: float = 0.65  # a past occupation's essential skill: likely, not stated
    # A story skill's strength: 0.4 + this · its extraction margin (at most 1), so a weak
    # mention gives partial credit. Per unit of margin on the bundled scale.
    strength_per_margin: float = 6.0
    # Extraction margin from which a story clause is evidence; None: by the ontology's
    # size (``for_ontology``): the extractor's one default threshold (the extract
    # route's, issue 19), or ``STORY_THRESHOLD_LARGE`` on a large ontology. Either way a
    # story alone must hold ``min_story_skills`` skills at the default threshold.
    story_threshold: float | None = None
    # A training that costs more hours than this per missing skill it closes is not a
    # short route (a 400-hour course for one skill); the long route (mbo) covers it.
    max_hours_per_skill: float = 80.0
    wish_bonus: float = 0.1  # added to the score of an occupation the person wishes for
    wish_skills: bool = True  # a wish's skills ("zelf storingen verhelpen") steer too
    # A wish steers only where it clearly names a skill ("wil iets technisch leren" names
    # none): its skills need this margin at least (the extraction default when higher).
    wish_threshold: float = 0.08
    # A profile read from a story alone (no job, skill or training given or named) must
    # hold this many skills to rank occupations on: one weak hit in "Ik hou van mooie
    # dingen" is not a background. Chosen on the dev cases (README, "Honesty").
    min_story_skills: int = 2
    # Occupation-level evidence (issue 20): the story as a whole against each
    # occupation's name and description (``indexes.profiles``), as a z-score over all
    # occupations; the score gains ``story_fit_weight`` times z / ``story_fit_full_z``
    # (0 at or below the average occupation, full from ``story_fit_full_z``). It ranks;
    # it never makes an occupation with no covered skill appear, nor a match out of a
    # profile too thin. None: by the ontology's size (``for_ontology``).
    story_fit_weight: float | None = None
    story_fit_full_z: float = 3.0

    def for_ontology(self, occupations: int) -> "MatchSettings":
        """These settings with the story-fit weight resolved for an ontology with
        ``occupations`` occupations that list skills, unless it was set. Chosen on the
        dev cases: on a large ontology (the full ESCO: 3,007 occupations, mostly
        English skill labels, few skills found in a Dutch story) the story fit lifts
        dev top-5 from 0.43 to 0.69; on the small embedded default, written together
        with its skills, skill coverage already separates occupations and any weight
        costs dev top-5 (0.91 → 0.82 at 0.1), so there it is off (README, "Match
        quality"). Likewise the story margin: on the large one dev top-5 rises from 0.69
        at the default 0.04 to 0.83 at 0.01; on the default it falls (0.91 → 0.82 at
        0.02), so there it stays the extractor's."""
        large = occupations >= LARGE_ONTOLOGY
        weight = self.story_fit_weight
        story = self.story_threshold
        if weight is None:
            weight = STORY_FIT_LARGE if large else 0.0
        if story is None and large:
            story = STORY_THRESHOLD_LARGE
        return replace(self, story_fit_weight=weight, story_threshold=story)

    def on_scale(self, calibration: Calibration) -> "MatchSettings":
        """These settings with every cosine and margin mapped from the bundled model's
        scale onto the model's (unchanged for the bundled model). Apply once."""
        if calibration.is_identity:
            return self
        story = self.story_threshold
        return replace(
            self,
            similarity_floor=calibration.cosine(self.similarity_floor),
            similarity_full=calibration.cosine(self.similarity_full),
            wish_threshold=calibration.margin(self.wish_threshold),
            strength_per_margin=self.strength_per_margin / calibration.margin_scale,
            story_threshold=None if story is None else calibration.margin(story),
        )


@dataclass(frozen=True)
class Cover:
    """How a required skill is covered: by which of the person's skills, how well."""

    skill: str
    credit: float
    via: str | None
    similarity: float


@dataclass(frozen=True)
class Assessment:
    """One occupation measured against one profile."""

    occupation: str
    score: float
    essential_coverage: float
    optional_coverage: float
    matched: list[Cover]
    missing_essential: list[tuple[str, float]]  # (skill, specificity), most important first
    missing_optional: list[tuple[str, float]]
    wish: float = 0.0  # the wish bonus included in ``score``
    story_fit: float = 0.0  # the occupation-level part included in ``score``


Closure = Literal["exact", "narrower", "broader"]
# Order of trust: a training that teaches the skill itself, one that teaches a narrower
# skill of it (part of it), one that teaches a broader skill (which includes it).
CLOSURE_ORDER: dict[str, int] = {"exact": 0, "narrower": 1, "broader": 2}


@dataclass(frozen=True)
class Closed:
    """A missing skill a training closes: how, and through which taught skill."""

    skill: str
    how: Closure
    taught: str


@dataclass(frozen=True)
class RouteStep:
    """One training of a route and the missing skills it closes."""

    training: str
    hours: int
    closes: list[Closed]

    @property
    def covers(self) -> list[str]:
        """The missing skills it closes, in route order."""
        return [c.skill for c in self.closes]


@dataclass
class Route:
    """A short training route for a gap."""

    method: str
    steps: list[RouteStep] = field(default_factory=list)
    uncovered: list[str] = field(default_factory=list)

    @property
    def total_hours(self) -> int:
        """Hours of all steps."""
        return sum(step.hours for step in self.steps)


class MatchModel:
    """Requirements, skill vectors and trainings of one snapshot, ready to match."""

    def __init__(
        self,
        requirements: Mapping[str, Sequence[Requirement]],
        skill_vectors: Mapping[str, NDArray[np.float32]],
        trainings: Sequence[TrainingView],
        settings: MatchSettings = MatchSettings(),
        broader: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        self.requirements = requirements
        self.settings = settings
        self.trainings = [t for t in trainings if t.hours and t.skills]
        # Skill → its direct broader skills, and the reverse: the hierarchy a route's
        # "narrower"/"broader" claims come from (ESCO has one; the default has none).
        self.broader: dict[str, set[str]] = {k: set(v) for k, v in (broader or {}).items()}
        self.narrower: dict[str, set[str]] = {}
        for skill, parents in self.broader.items():
            for parent in parents:
                self.narrower.setdefault(parent, set()).add(skill)
        self._uris = sorted(skill_vectors)
        self._row = {uri: i for i, uri in enumerate(self._uris)}
        dimension = len(next(iter(skill_vectors.values()))) if skill_vectors else 1
        self._vectors = (
            np.stack([skill_vectors[u] for u in self._uris]).astype(np.float32)
            if self._uris
            else np.zeros((0, dimension), dtype=np.float32)
        )
        self.specificity = self._idf()

    def _idf(self) -> dict[str, float]:
        """IDF over occupations, scaled to [min_specificity, 1]: a skill every
        occupation needs weighs little, one only a few need weighs fully."""
        counts: dict[str, int] = {}
        for needs in self.requirements.values():
            for requirement in needs:
                counts[requirement.skill] = counts.get(requirement.skill, 0) + 1
        total = max(len(self.requirements), 1)
        raw = {skill: math.log((1 + total) / (1 + n)) for skill, n in counts.items()}
        top = max(raw.values(), default=1.0) or 1.0
        low = self.settings.min_specificity
        return {skill: low + (1 - low) * value / top for skill, value in raw.items()}

    def credit(self, similarity: NDArray[np.float32]) -> NDArray[np.float64]:
        """Credit for similarities: 0 below the floor, 1 from ``similarity_full``."""
        s = self.settings
        scaled = (similarity.astype(np.float64) - s.similarity_floor) / (
            s.similarity_full - s.similarity_floor
        )
        return np.clip(scaled, 0.0, 1.0)

    def cover(self, profile: Mapping[str, float], required: Sequence[str]) -> dict[str, Cover]:
        """For each required skill, the best cover from the profile (skill → strength)."""
        result: dict[str, Cover] = {}
        known = [u for u in profile if u in self._row]
        columns: dict[str, int] = {}
        for skill in required:
            if skill in self._row and skill not in columns:
                columns[skill] = len(columns)
        # Only the required columns: a profile against all of ESCO's 13,896 skills for
        # every target occupation would cost seconds per request.
        matrix = (
            self._vectors[[self._row[u] for u in known]]
            @ self._vectors[[self._row[s] for s in columns]].T
            if known and columns
            else np.zeros((len(known), len(columns)), dtype=np.float32)
        )
        strengths = np.asarray([profile[u] for u in known], dtype=np.float64)[:, None]
        credits = strengths * self.credit(matrix)
        best_rows = (
            np.argmax(credits, axis=0)  # first of equals: profile order
            if known
            else np.zeros(len(columns), dtype=np.intp)
        )
        for skill in required:
            best = Cover(skill, 0.0, None, 0.0)
            if skill in profile:
                best = Cover(skill, profile[skill], skill, 1.0)
            column = columns.get(skill)
            if column is not None and known:
                i = int(best_rows[column])
                if credits[i, column] > best.credit:
                    best = Cover(
                        skill, float(credits[i, column]), known[i], float(matrix[i, column])
                    )
            result[skill] = best
        return result

    def assess_many(
        self,
        occupations: Sequence[str],
        profile: Mapping[str, float],
        wishes: Mapping[str, float],
        fits: Mapping[str, float] | None = None,
    ) -> list[Assessment]:
        """``assess`` for many occupations with one cover computation for all the skills
        they need (a full ESCO target set shares most of its skills)."""
        needed = sorted({n.skill for o in occupations for n in self.requirements.get(o, [])})
        covers = self.cover(profile, needed)
        fits = fits or {}
        return [
            self.assess(o, profile, wishes.get(o, 0.0), covers, fits.get(o, 0.0))
            for o in occupations
        ]

    def story_fit(self, z: float) -> float:
        """The score part for a story whose similarity to an occupation's profile is
        ``z`` standard deviations above the average occupation's."""
        settings = self.settings
        if not settings.story_fit_weight or settings.story_fit_full_z <= 0:
            return 0.0
        share = min(max(z, 0.0) / settings.story_fit_full_z, 1.0)
        return round(settings.story_fit_weight * share, 6)

    def assess(
        self,
        occupation: str,
        profile: Mapping[str, float],
        wish: float = 0.0,
        covers: Mapping[str, Cover] | None = None,
        fit: float = 0.0,
    ) -> Assessment:
        """Weighted coverage of an occupation's essential and optional skills, plus the
        wish bonus times how clearly the person wished for this occupation (``wish``,
        0–1; ``covers``: computed already for this profile), plus ``fit``, the story-fit
        part (``story_fit``)."""
        needs = self.requirements.get(occupation, [])
        if covers is None:
            covers = self.cover(profile, [n.skill for n in needs])
        parts: dict[str, tuple[float, float]] = {"essential": (0.0, 0.0), "optional": (0.0, 0.0)}
        missing: dict[str, list[tuple[str, float]]] = {"essential": [], "optional": []}
        matched: list[Cover] = []
        for need in needs:
            weight = self.specificity.get(need.skill, 1.0)
            kind = "essential" if need.relation == "essential" else "optional"
            got, total = parts[kind]
            cover = covers[need.skill]
            parts[kind] = (got + weight * cover.credit, total + weight)
            if cover.credit >= self.settings.covered_at:
                matched.append(cover)
            else:
                missing[kind].append((need.skill, weight))
        essential = parts["essential"][0] / parts["essential"][1] if parts["essential"][1] else 0.0
        optional = parts["optional"][0] / parts["optional"][1] if parts["optional"][1] else 0.0
        share = self.settings.essential_share
        for kind in missing:
            missing[kind].sort(key=lambda item: (-item[1], item[0]))
        matched.sort(key=lambda c: (-c.credit, c.skill))
        bonus = round(self.settings.wish_bonus * wish, 6)
        return Assessment(
            occupation=occupation,
            score=round(share * essential + (1 - share) * optional + bonus + fit, 6),
            wish=bonus,
            story_fit=round(fit, 6),
            essential_coverage=round(essential, 6),
            optional_coverage=round(optional, 6),
            matched=matched,
            missing_essential=missing["essential"],
            missing_optional=missing["optional"],
        )

    def route(self, missing: Sequence[tuple[str, float]], max_hours: int | None = None) -> Route:
        """Greedy weighted set cover: repeatedly take the training that closes the most
        missing-skill weight per hour (within the hours budget, and at most
        ``max_hours_per_skill`` hours per skill it closes) until nothing helps.
        Greedy is within a factor ln(n) of optimal and exact on the small gaps here."""
        weights = dict(missing)
        open_skills = set(weights)
        route = Route(method="greedy weighted set cover (skill weight per hour)")
        closes = {t.uri: self.closes(t.skills, open_skills) for t in self.trainings}
        hours = {t.uri: int(t.hours or 0) for t in self.trainings}
        used: set[str] = set()
        while open_skills:
            best: tuple[float, str] | None = None
            for training in sorted(closes):
                if training in used:
                    continue
                if max_hours is not None and route.total_hours + hours[training] > max_hours:
                    continue
                closing = closes[training].keys() & open_skills
                gain = sum(weights[s] for s in closing)
                if gain <= 0 or hours[training] > self.settings.max_hours_per_skill * len(closing):
                    continue
                value = gain / hours[training]
                if best is None or value > best[0]:
                    best = (value, training)
            if best is None:
                break
            training = best[1]
            covered = sorted(closes[training].keys() & open_skills, key=lambda s: (-weights[s], s))
            route.steps.append(
                RouteStep(training, hours[training], [closes[training][s] for s in covered])
            )
            open_skills -= set(covered)
            used.add(training)
        route.uncovered = sorted(open_skills, key=lambda s: (-weights[s], s))
        return route

    def closes(self, taught: Sequence[str], wanted: set[str]) -> dict[str, Closed]:
        """Missing skills a training closes: taught exactly, or one step away in the
        skill hierarchy (the taught skill is narrower or broader than the missing one).
        Never by similarity: what a course teaches is a fact, not a guess."""
        result: dict[str, Closed] = {}
        for skill in taught:
            candidates: list[tuple[str, Closure]] = [(skill, "exact")]
            candidates += [(parent, "narrower") for parent in sorted(self.broader.get(skill, ()))]
            candidates += [(child, "broader") for child in sorted(self.narrower.get(skill, ()))]
            for missing, how in candidates:
                if missing not in wanted:
                    continue
                known = result.get(missing)
                if known is None or CLOSURE_ORDER[how] < CLOSURE_ORDER[known.how]:
                    result[missing] = Closed(missing, how, skill)
        return result
