"""Skill extraction with evidence: which ontology skills a free text mentions, and where.

The text is cut into sentences and clauses with their character offsets; each piece
is embedded once (one batch) and searched against the skills snapshot with the same
fused scoring as skill search. e5's cosines bunch high (0.75–0.85 for unrelated text),
so an absolute score cannot tell "mentions a skill" from "is a sentence": the
confidence of a skill in a piece is its *margin*, the score minus the piece's
background (the mean score of its ranks 11–60). Boilerplate ("wij bieden een goed
salaris") is about equally close to many skills and gets a small margin; a real mention
stands out. Every piece at or above the threshold is kept as evidence (``start``/``end``
into the original text), so one piece may support several skills and a skill found in
several places is reported once with all its evidence.
"""

import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from indexes.labels import BACKGROUND, LabelIndex, background
from indexes.spare_cores import run_spread
from models.domain import short_id_of
from models.vocabulary import ConceptKind
from ontology import queries
from service.catalog import COLLECTION_OF, Catalog, display_label, shown_label
from service.extraction.clauses import split_spans
from service.extraction.reading import TextKind, readable
from service.schemas.search import Evidence, ExtractAnswer, ExtractedSkill

PER_SPAN = 5  # skills considered per piece of text
# Pieces whose search is remembered (per snapshot) for vacancy ingest: boilerplate and
# stock phrases repeat across vacancies, and a piece's best rows and background do not
# depend on the rest of the text. How much that saves depends on how often a feed
# repeats itself: 62 % of the pieces of 1,000 SYNTHETIC vacancies repeat (built from
# small phrase pools, so an upper bound). About 700 bytes each. Requests (extract,
# match) do not use it: a person's story is new each time. A remembered piece was
# embedded beside other batch-mates than it would be now, which moves its cosines by
# about 3e-8 (measured): far below the fourth decimal that scores are rounded to.
SPAN_CACHE = 20_000
# Best micro-F1 on Decorte TECH validation with the bundled model (docs/quality.md); another
# model's calibration maps it onto its scale (``indexes.embedding.calibration``).
VALIDATION_THRESHOLD = 0.04
# Sentences every vacancy or CV has and that name no skill. The margins of those that
# survive reading (``service.extraction.reading``: perks, applying and wishes are
# blanked before extraction) set a floor under the default threshold in the loaded
# snapshot, because a margin's scale depends on the collection (a background of 50
# labels out of 1,200 or out of 130,000).
BOILERPLATE: tuple[tuple[TextKind, str], ...] = (
    ("vacancy", "Wij bieden een marktconform salaris en goede secundaire arbeidsvoorwaarden."),
    ("vacancy", "Je krijgt 25 vakantiedagen en een reiskostenvergoeding."),
    ("vacancy", "Stuur je cv en motivatiebrief naar onze recruiter."),
    ("vacancy", "Heb je vragen over deze vacature? Neem dan contact met ons op."),
    ("vacancy", "Wij zijn een familiebedrijf met korte lijnen."),
    ("vacancy", "Solliciteer vandaag nog!"),
    ("story", "Ik ben op zoek naar een nieuwe uitdaging."),
    ("story", "In mijn vrije tijd lees ik graag."),
    ("vacancy", "We offer a competitive salary and a pension plan."),
    ("vacancy", "Apply now and join our team!"),
)


@dataclass
class SkillExtractor:
    """Extraction over a catalog's skills collection."""

    catalog: Catalog
    # The default threshold when already known (a cluster's actors take the driver's,
    # so a rounding boundary can never make them extract differently).
    preset_default: float | None = None

    def __post_init__(self) -> None:
        self._default: float | None = self.preset_default
        # piece → (background, best rows, their scores), least recently used first
        self._searched: OrderedDict[str, tuple[float, NDArray[np.int64], NDArray[np.float32]]]
        self._searched = OrderedDict()
        self._lock = threading.Lock()

    def _search(
        self, texts: list[str], index: LabelIndex, remember: bool
    ) -> list[tuple[float, NDArray[np.int64], NDArray[np.float32]]]:
        """Each piece's background and best ``PER_SPAN * 3`` rows, each distinct text
        embedded once, in one batch; with ``remember``, pieces searched before come
        from the cache and new ones go into it."""
        found: dict[str, tuple[float, NDArray[np.int64], NDArray[np.float32]]] = {}
        with self._lock:
            for text in texts if remember else ():
                if text in self._searched:
                    self._searched.move_to_end(text)
                    found[text] = self._searched[text]
        missing = [text for text in dict.fromkeys(texts) if text not in found]
        if missing:
            vectors = self.catalog.embedder.encode(missing, "query")

            def search(at: int) -> None:
                rows = index.search_rows(
                    vectors[at], missing[at], BACKGROUND[1], self.catalog.lexical_weight
                )
                best = rows[: PER_SPAN * 3]
                found[missing[at]] = (
                    background(rows),
                    np.array([r.row for r in best], dtype=np.int64),
                    np.array([r.score for r in best], dtype=np.float32),
                )

            # A server's lone request searches its pieces on the idle cores as well.
            run_spread(range(len(missing)), search)
            with self._lock:
                for text in missing if remember else ():
                    self._searched[text] = found[text]
                while len(self._searched) > SPAN_CACHE:
                    self._searched.popitem(last=False)
        return [found[text] for text in texts]

    def default_threshold(self) -> float:
        """The one default threshold, for the extract route and the match alike: the
        validation-chosen one, raised to just above what boilerplate that survives
        reading reaches in this snapshot (computed once per catalog). The floor is the
        second-highest such margin, so one lexical coincidence ("pension plan" →
        "develop pension schemes") does not silence a whole collection."""
        if self._default is None:
            margins = sorted(
                max(
                    (s.confidence for s in self.extract(t, "nl", -1.0, 1, kind).skills),
                    default=0.0,
                )
                for kind, t in BOILERPLATE
            )
            floor = margins[-2] if len(margins) > 1 else 0.0
            chosen = self.catalog.embedder.calibration.margin(VALIDATION_THRESHOLD)
            self._default = round(max(chosen, floor + 0.005), 4)
        return self._default

    def extract(
        self,
        text: str,
        lang: str,
        threshold: float | None,
        limit: int,
        kind: TextKind = "plain",
        remember: bool = False,
    ) -> ExtractAnswer:
        """Skills mentioned in the part of ``text`` that ``kind`` reads (offsets into
        ``text``) with confidence ≥ ``threshold`` (None: the default threshold), best
        first. ``remember``: reuse and keep the searches of its pieces (``SPAN_CACHE``;
        vacancy ingest)."""
        if threshold is None:
            threshold = self.default_threshold()
        # A sentence with a blanked part (a wish clause, a perk) is not read whole:
        # its clauses, which are pieces of their own, are.
        spans = [s for s in split_spans(readable(text, kind)) if text[s.start : s.end] == s.text]
        index = self.catalog.snapshot.collections.get(COLLECTION_OF[ConceptKind.SKILL])
        # Per concept: best margin, and its evidence with the kind of label each matched.
        found: dict[str, tuple[float, list[tuple[Evidence, str]]]] = {}
        if spans and index is not None and len(index):
            searched = self._search([s.text for s in spans], index, remember)
            for span, (floor, rows, scores) in zip(spans, searched, strict=True):
                kept: set[str] = set()
                for row, score in zip(rows.tolist(), scores.tolist(), strict=True):
                    record = index.records[row]
                    if record.concept in kept or len(kept) >= PER_SPAN:
                        continue
                    kept.add(record.concept)
                    margin = score - floor
                    if margin < threshold:
                        continue
                    best, evidence = found.get(record.concept, (-1.0, []))
                    evidence.append(
                        (
                            Evidence(
                                start=span.start,
                                end=span.end,
                                text=span.text,
                                score=round(score, 4),
                                margin=round(margin, 4),
                                matched_label=record.text,
                            ),
                            record.kind,
                        )
                    )
                    found[record.concept] = (max(best, margin), evidence)
        ranked = sorted(found.items(), key=lambda item: -item[1][0])[:limit]
        labels = queries.preferred_labels(self.catalog.store, [uri for uri, _ in ranked])
        skills = []
        for uri, (confidence, matched) in ranked:
            label, language, fallback = display_label(labels.get(uri, {}), lang)
            shown = [
                e
                if (text := shown_label(e.matched_label, kind, label, uri)) == e.matched_label
                else e.model_copy(update={"matched_label": text})
                for e, kind in matched
            ]
            shown.sort(key=lambda e: (-e.margin, e.start))
            skills.append(
                ExtractedSkill(
                    uri=uri,
                    id=short_id_of(uri),
                    kind="skill",
                    label=label,
                    label_language=language,
                    label_fallback=fallback,
                    confidence=round(confidence, 4),
                    evidence=shown,
                )
            )
        return ExtractAnswer(
            taxonomy_versions=self.catalog.taxonomy_versions,
            snapshot=self.catalog.snapshot.id,
            threshold=threshold,
            spans=len(spans),
            skills=skills,
        )
