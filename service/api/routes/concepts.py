"""Detail views: occupations, skills, certificates, qualifications."""

from typing import Annotated

from fastapi import APIRouter, Path

from models.vocabulary import ConceptKind
from service.api.deps import CatalogDep
from service.api.params import NOT_FOUND, ConceptId, Lang
from service.schemas.concepts import ConceptDetail, TrainingList, TrainingOut

router = APIRouter(prefix="/v1", tags=["concepts"])


@router.get(
    "/occupations/{id}",
    summary="One occupation",
    response_model=ConceptDetail,
    responses=NOT_FOUND,
    description="Labels in all languages, ISCO group, essential and optional "
    "skills, and the certificates/qualifications that teach its essential skills.",
)
def occupation(
    catalog: CatalogDep,
    id: ConceptId,
    lang: Lang = "nl",
) -> ConceptDetail:
    """Everything about one occupation."""
    return catalog.concept(ConceptKind.OCCUPATION, id, lang)


@router.get(
    "/skills/{id}",
    summary="One skill",
    response_model=ConceptDetail,
    responses=NOT_FOUND,
    description="Labels, type, the occupations that need it (essential/optional), "
    "broader and narrower concepts, and trainings that teach it.",
)
def skill(
    catalog: CatalogDep,
    id: ConceptId,
    lang: Lang = "nl",
) -> ConceptDetail:
    """Everything about one skill."""
    return catalog.concept(ConceptKind.SKILL, id, lang)


@router.get(
    "/certificates",
    summary="All certificates",
    response_model=TrainingList,
    description="Short trainings (mbo-certificates) with hours and taught skills.",
)
def certificates(catalog: CatalogDep, lang: Lang = "nl") -> TrainingList:
    """Every certificate."""
    return catalog.trainings(ConceptKind.CERTIFICATE, lang)


@router.get(
    "/certificates/{id}",
    summary="One certificate",
    response_model=TrainingOut,
    responses=NOT_FOUND,
    description="Hours, level, provider and taught skills.",
)
def certificate(
    catalog: CatalogDep,
    id: Annotated[str, Path(description="Certificate id.", max_length=120, examples=["vca-basis"])],
    lang: Lang = "nl",
) -> TrainingOut:
    """One certificate."""
    return catalog.trainings(ConceptKind.CERTIFICATE, lang, id).results[0]


@router.get(
    "/qualifications/{crebo}",
    summary="One mbo qualification",
    response_model=TrainingOut,
    responses=NOT_FOUND,
    description="Crebo code, level, domain, leerweg and taught skills.",
)
def qualification(
    catalog: CatalogDep,
    crebo: Annotated[
        str, Path(description="Five-digit crebo code.", pattern=r"^\d{5}$", examples=["25333"])
    ],
    lang: Lang = "nl",
) -> TrainingOut:
    """One qualification."""
    return catalog.trainings(ConceptKind.QUALIFICATION, lang, crebo).results[0]
