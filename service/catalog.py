"""The catalog service: search, suggestions, job-title normalisation and detail views.

Routes and the CLI call this; it owns no HTTP concerns. It answers from one store and
one loaded snapshot; a request keeps the ``Catalog`` it started with, so a snapshot
switch never mixes two snapshots inside one answer.
"""

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from indexes.confidence import Bands, Grade, calibrate
from indexes.embedding.base import Embedder
from indexes.labels import ConceptHit
from indexes.lexical import fold
from indexes.snapshot import Snapshot
from indexes.title_text import clean_title
from models.domain import ConceptView, short_id_of
from models.vocabulary import ConceptKind, LabelKind
from ontology import queries
from ontology.store import Store
from service.errors import NotFoundError
from service.schemas.common import ConceptRef, LabelOut
from service.schemas.concepts import ConceptDetail, LinkedConcept, TrainingList, TrainingOut
from service.schemas.search import NormalizeAnswer, NormalizedTitle, Scores, SearchAnswer, SearchHit

COLLECTION_OF = {
    ConceptKind.OCCUPATION: "occupations",
    ConceptKind.SKILL: "skills",
    ConceptKind.CERTIFICATE: "certificates",
    ConceptKind.QUALIFICATION: "qualifications",
}
FALLBACK_LANGUAGES = ("nl", "en")
PREFIX_BONUS = 0.05  # suggestions: a label starting with what was typed ranks first (bundled scale)
SUGGEST_LEXICAL_WEIGHT = 0.5  # suggestions: characters count more while typing
log = logging.getLogger("overstap.catalog")


@dataclass
class Catalog:
    """Search and lookups over one store + one snapshot."""

    store: Store
    embedder: Embedder
    snapshot: Snapshot
    lexical_weight: float
    suggest_lexical_weight: float = SUGGEST_LEXICAL_WEIGHT

    def __post_init__(self) -> None:
        self._skill_types: dict[str, str] | None = None
        self._bands: dict[tuple[ConceptKind, float], Bands] = {}
        self._bands_lock = threading.Lock()  # calibrating twice at once would waste seconds

    # -- confidence -------------------------------------------------------------------

    def bands(self, kind: ConceptKind, lexical_weight: float) -> Bands:
        """The confidence bands of a collection at a weight: from the snapshot, or
        (a snapshot built before they existed, or for another weight) calibrated now,
        once per catalog, for this weight and both of the catalog's."""
        key = (kind, lexical_weight)
        with self._bands_lock:
            if key in self._bands:
                return self._bands[key]
            name = COLLECTION_OF[kind]
            found = self.snapshot.bands(name, lexical_weight)
            if found is not None:
                self._bands[key] = found
                return found
            log.warning(
                "snapshot %s has no confidence bands for %s at weight %.3f; "
                "calibrating now (run `overstap reindex` to store them)",
                self.snapshot.id,
                name,
                lexical_weight,
            )
            calibrated = calibrate(
                self.snapshot.collections[name],
                (lexical_weight, self.lexical_weight, self.suggest_lexical_weight),
                lambda texts: self.embedder.encode(texts, "query"),
                clean_title if kind is ConceptKind.OCCUPATION else str,
            )
            for weight, bands in calibrated.items():
                self._bands.setdefault((kind, weight), bands)
            return self._bands[key]

    def warm(self) -> None:
        """Load (or calibrate) the bands of every collection at both weights now, not
        in the first request that needs them."""
        for kind in COLLECTION_OF:
            if COLLECTION_OF[kind] in self.snapshot.collections:
                for weight in (self.lexical_weight, self.suggest_lexical_weight):
                    self.bands(kind, weight)

    def grade(self, kind: ConceptKind, hit: ConceptHit, lexical_weight: float) -> Grade | None:
        """The band of a hit (None: no match)."""
        return self.bands(kind, lexical_weight).grade(hit.score, hit.margin)

    # -- provenance -------------------------------------------------------------------

    @property
    def taxonomy_versions(self) -> list[str]:
        """Releases in the snapshot (what answered, not what the store has now)."""
        return list(self.snapshot.manifest.get("ontology", {}).get("versions", []))

    # -- search -----------------------------------------------------------------------

    def search(
        self,
        kind: ConceptKind,
        query: str,
        lang: str,
        limit: int,
        skill_type: str | None = None,
    ) -> SearchAnswer:
        """Concepts of one kind ranked for ``query`` over labels in every language
        (so Dutch queries reach concepts with English labels only)."""
        text = clean_title(query) if kind == ConceptKind.OCCUPATION else query
        vector = self.embedder.encode([text], "query")[0]
        hits = self._search(kind, text, vector, limit, self.lexical_weight, skill_type)
        results = self._hits([(kind, hit) for hit in hits], lang, self.lexical_weight)
        return SearchAnswer(
            taxonomy_versions=self.taxonomy_versions,
            snapshot=self.snapshot.id,
            query=query,
            no_match=not results or results[0].confidence == "geen",
            results=results,
        )

    def suggest(
        self, query: str, kinds: Sequence[ConceptKind], lang: str, limit: int
    ) -> SearchAnswer:
        """As-you-type suggestions across kinds: more weight on characters (prefixes and
        typos matter while typing) and a small bonus for labels starting with the query."""
        typed = fold(query.strip())
        vector = self.embedder.encode([query], "query")[0]  # once for every kind
        scored: list[tuple[ConceptKind, ConceptHit, Grade | None]] = []
        weight = self.suggest_lexical_weight
        prefix_bonus = self.embedder.calibration.margin(PREFIX_BONUS)  # a score gap
        for kind in kinds:
            hits = self._search(kind, query, vector, limit, weight, None)
            for hit in hits:
                grade = self.grade(kind, hit, weight)  # before the bonus: calibrated so
                bonus = prefix_bonus if fold(hit.label.text).startswith(typed) else 0.0
                scored.append((kind, replace(hit, score=hit.score + bonus), grade))
        scored.sort(key=lambda item: -item[1].score)
        labels = queries.preferred_labels(self.store, [h.concept for _, h, _ in scored[:limit]])
        results = [self._hit(k, h, lang, labels, grade) for k, h, grade in scored[:limit]]
        return SearchAnswer(
            taxonomy_versions=self.taxonomy_versions,
            snapshot=self.snapshot.id,
            query=query,
            no_match=all(hit.confidence == "geen" for hit in results),
            results=results,
        )

    def normalize(self, titles: list[str], lang: str, limit: int) -> NormalizeAnswer:
        """Occupations for many titles (cleaned of gender markers, hours and seniority
        words first): one embedding batch, then one search each."""
        index = self.snapshot.collections[COLLECTION_OF[ConceptKind.OCCUPATION]]
        cleaned = [clean_title(title) for title in titles]
        vectors = self.embedder.encode(cleaned, "query")
        results = []
        all_hits = [
            index.search_concepts(vectors[i], title, limit, self.lexical_weight)
            for i, title in enumerate(cleaned)
        ]
        labels = queries.preferred_labels(
            self.store, sorted({h.concept for hits in all_hits for h in hits})
        )
        kind = ConceptKind.OCCUPATION
        for title, hits in zip(titles, all_hits, strict=True):
            found = [
                self._hit(kind, h, lang, labels, self.grade(kind, h, self.lexical_weight))
                for h in hits
            ]
            results.append(
                NormalizedTitle(
                    title=title,
                    no_match=not found or found[0].confidence == "geen",
                    occupations=found,
                )
            )
        return NormalizeAnswer(
            taxonomy_versions=self.taxonomy_versions, snapshot=self.snapshot.id, results=results
        )

    def _search(
        self,
        kind: ConceptKind,
        query: str,
        vector: NDArray[np.float32],
        limit: int,
        lexical_weight: float,
        skill_type: str | None,
    ) -> list[ConceptHit]:
        index = self.snapshot.collections.get(COLLECTION_OF[kind])
        if index is None or not len(index):
            return []
        fetch = limit * 4 if skill_type else limit
        hits = index.search_concepts(vector, query, fetch, lexical_weight)
        if skill_type:
            types = self._types()
            hits = [h for h in hits if types.get(h.concept) == skill_type]
        return hits[:limit]

    def _types(self) -> dict[str, str]:
        if self._skill_types is None:
            self._skill_types = dict(self.store.skill_types())
        return self._skill_types

    def _hits(
        self, hits: list[tuple[ConceptKind, ConceptHit]], lang: str, lexical_weight: float
    ) -> list[SearchHit]:
        labels = queries.preferred_labels(self.store, [h.concept for _, h in hits])
        return [
            self._hit(kind, hit, lang, labels, self.grade(kind, hit, lexical_weight))
            for kind, hit in hits
        ]

    def _hit(
        self,
        kind: ConceptKind,
        hit: ConceptHit,
        lang: str,
        labels: dict[str, dict[str, str]],
        grade: Grade | None,
    ) -> SearchHit:
        label, language, fallback = display_label(labels.get(hit.concept, {}), lang)
        matched = LabelOut(text=hit.label.text, language=hit.label.language, kind=hit.label.kind)
        if hit.label.kind == LabelKind.HIDDEN.value:
            matched = LabelOut(
                text=shown_label(hit.label.text, hit.label.kind, label, hit.concept),
                language=language or lang,
                kind=hit.label.kind,
            )
        return SearchHit(
            uri=hit.concept,
            id=short_id_of(hit.concept),
            kind=kind.value,
            label=label,
            label_language=language,
            label_fallback=fallback,
            score=round(hit.score, 4),
            margin=round(hit.margin, 4),
            confidence=grade or "geen",
            matched_label=matched,
            scores=Scores(dense=round(hit.dense, 4), lexical=round(hit.lexical, 4)),
        )

    # -- details ----------------------------------------------------------------------

    def concept(self, kind: ConceptKind, key: str, lang: str) -> ConceptDetail:
        """Everything about one occupation or skill."""
        view = self.store.concept(key, kind)
        if view is None:
            raise NotFoundError(kind.value, key)
        links = queries.neighbourhood(self.store, view.uri)
        linked = [
            *links.skills,
            *links.occupations,
            *links.broader,
            *links.narrower,
            *links.trainings,
        ]
        labels = queries.preferred_labels(self.store, [link.uri for link in linked])

        def refs(items: list[queries.Link]) -> list[LinkedConcept]:
            return [
                LinkedConcept(
                    uri=link.uri,
                    id=link.id,
                    kind=link.kind,
                    **_display_fields(labels, link.uri, lang),
                    relation=link.relation,
                    weight=link.weight,
                )
                for link in items
            ]

        text, language, fallback = display_label(_preferred(view), lang)
        return ConceptDetail(
            uri=view.uri,
            id=view.id,
            kind=view.kind.value,
            label=text,
            label_language=language,
            label_fallback=fallback,
            status=view.status.value,
            taxonomy=view.taxonomy,
            version=view.version,
            description=_pick(view.descriptions, lang),
            labels=[
                LabelOut(text=lbl.text, language=lbl.language, kind=lbl.kind.value)
                for lbl in view.labels
            ],
            isco_group=view.isco_group,
            skill_type=view.skill_type.value if view.skill_type else None,
            reuse_level=view.reuse_level,
            essential_skills=refs([s for s in links.skills if s.relation == "essential"]),
            optional_skills=refs([s for s in links.skills if s.relation == "optional"]),
            occupations=refs(links.occupations),
            broader=refs(links.broader),
            narrower=refs(links.narrower),
            trainings=refs(links.trainings),
        )

    def trainings(self, kind: ConceptKind, lang: str, key: str | None = None) -> TrainingList:
        """Certificates or qualifications (all, or the one with ``key``)."""
        views = queries.trainings(self.store, kind, key)
        if key is not None and not views:
            raise NotFoundError(kind.value, key)
        uris = [v.uri for v in views] + [s for v in views for s in v.skills]
        labels = queries.preferred_labels(self.store, sorted(set(uris)))
        texts = queries.descriptions(self.store, [v.uri for v in views])
        results = [
            TrainingOut(
                uri=view.uri,
                id=view.id,
                kind=view.kind.value,
                **_display_fields(labels, view.uri, lang),
                hours=view.hours,
                level=view.level,
                provider=view.provider,
                qualification=view.qualification_crebo,
                domain=view.domain,
                leerweg=view.leerweg,
                description=_pick(texts.get(view.uri, {}), lang),
                skills=[concept_ref(labels, skill, "skill", lang) for skill in view.skills],
            )
            for view in views
        ]
        return TrainingList(
            taxonomy_versions=self.taxonomy_versions, snapshot=self.snapshot.id, results=results
        )


def shown_label(text: str, kind: str, display: str | None, uri: str) -> str:
    """The text to show for a matched label: a hidden one is a misspelling kept for
    search ("heftrukchauffeur"), matched but never shown; the concept's display label
    (or, for a concept with hidden labels only, its id) stands in for it."""
    if kind != LabelKind.HIDDEN.value:
        return text
    return display or short_id_of(uri)


def concept_ref(labels: dict[str, dict[str, str]], uri: str, kind: str, lang: str) -> ConceptRef:
    """A reference to ``uri`` labelled from ``labels`` (preferred labels by language)."""
    return ConceptRef(uri=uri, id=short_id_of(uri), kind=kind, **_display_fields(labels, uri, lang))


def _display_fields(labels: dict[str, dict[str, str]], uri: str, lang: str) -> dict[str, Any]:
    """``label``, ``label_language`` and ``label_fallback`` of a concept reference."""
    text, language, fallback = display_label(labels.get(uri, {}), lang)
    return {"label": text, "label_language": language, "label_fallback": fallback}


def _preferred(view: ConceptView) -> dict[str, str]:
    return {lbl.language: lbl.text for lbl in view.labels if lbl.kind is LabelKind.PREFERRED}


def _pick(by_language: dict[str, str], lang: str) -> str | None:
    text, _, _ = display_label(by_language, lang)
    return text


def display_label(by_language: dict[str, str], lang: str) -> tuple[str | None, str | None, bool]:
    """The text in ``lang``, else Dutch, else English, else any: (text, language, fallback)."""
    if lang in by_language:
        return by_language[lang], lang, False
    for language in (*FALLBACK_LANGUAGES, *sorted(by_language)):
        if language in by_language:
            return by_language[language], language, True
    return None, None, True
