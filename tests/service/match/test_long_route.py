"""Linking occupations to qualifications by name (the long route), on hand-made
vectors where the right answer is known."""

import numpy as np

from indexes.labels import LabelIndex, LabelRecord
from models.vocabulary import ConceptKind
from ontology.queries import TrainingView
from service.match.long_route import QualificationLinker


def index(rows: list[tuple[str, str, list[float]]]) -> LabelIndex:
    records = [LabelRecord(concept, "nl", "preferred", text) for concept, text, _ in rows]
    vectors = np.asarray([v for _, _, v in rows], dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return LabelIndex.build(records, vectors)


def qualification(uri: str, dossier: str) -> TrainingView:
    return TrainingView(
        uri, uri, ConceptKind.QUALIFICATION, None, 2, None, None, None, "BOL/BBL", [], dossier
    )


OCCUPATIONS = index(
    [
        ("occ:mechanic", "automonteur", [1.0, 0.0, 0.0]),
        ("occ:cook", "kok", [0.0, 1.0, 0.0]),
        ("occ:welder", "lasser", [0.70, 0.0, 0.71]),
    ]
)


def test_a_clear_winner_of_one_dossier_is_a_confident_link() -> None:
    quals = index(
        [
            ("q:auto-2", "autotechnicus", [0.99, 0.0, 0.1]),
            ("q:auto-3", "eerste autotechnicus", [0.97, 0.0, 0.2]),
            ("q:las-2", "basislasser", [0.3, 0.0, 0.95]),
        ]
    )
    views = [qualification("q:auto-2", "D1"), qualification("q:auto-3", "D1")]
    views.append(qualification("q:las-2", "D2"))
    route = QualificationLinker(OCCUPATIONS, quals, views).route("occ:mechanic")
    assert route.confidence == "hoog" and route.margin >= 0.04
    # Both levels of the dossier, most similar first; the other dossier is not listed.
    assert [q.qualification for q in route.qualifications] == ["q:auto-2", "q:auto-3"]
    # Between the two by meaning; the shared letters of "lasser" decide.
    welder = QualificationLinker(OCCUPATIONS, quals, views).route("occ:welder")
    assert [q.qualification for q in welder.qualifications] == ["q:las-2"]


def test_one_dossier_alone_is_never_a_confident_link() -> None:
    quals = index([("q:auto-2", "autotechnicus", [1.0, 0.0, 0.0])])
    linker = QualificationLinker(OCCUPATIONS, quals, [qualification("q:auto-2", "D1")])
    for occupation in ("occ:mechanic", "occ:cook"):
        route = linker.route(occupation)
        assert route.confidence == "laag" and route.qualifications == []


def test_nothing_to_link_is_said_so() -> None:
    linker = QualificationLinker(OCCUPATIONS, None, [])
    assert linker.route("occ:mechanic").confidence == "geen"
    assert (
        QualificationLinker(OCCUPATIONS, index([("q:x", "x", [1.0, 0, 0])]), [])
        .route("occ:unknown")
        .confidence
        == "geen"
    )
