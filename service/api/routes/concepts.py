"""Detail views: occupations, skills, certificates, qualifications."""

from typing import Annotated

from fastapi import APIRouter, Path

from models.vocabulary import ConceptKind
from service.api.deps import CatalogDep
from service.api.params import NOT_FOUND, ConceptId, Lang
from service.schemas.concepts import ConceptDetail, TrainingList, TrainingOut

router = APIRouter(prefix="/v1", tags=["concepts"])


@router.get(
    "/occupations/{id:path}",
    summary="One occupation",
    response_model=ConceptDetail,
    responses=NOT_FOUND,
    description="Labels in all languages, ISCO group, essential and optional "
    "skills, and the certificates/qualifications that teach its essential skills.",
)
def get_occupation(
    catalog: CatalogDep,
    id: ConceptId,
    lang: Lang = "nl",
) -> ConceptDetail:
    """Everything about one occupation."""
    return catalog.concept(ConceptKind.OCCUPATION, id, lang)


@router.get(
    "/skills/{id:path}",
    summary="One skill",
    response_model=ConceptDetail,
    responses=NOT_FOUND,
    description="Labels, type, the occupations that need it (essential/optional), "
    "broader and narrower concepts, and trainings that teach it.",
)
def get_skill(
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
def list_certificates(catalog: CatalogDep, lang: Lang = "nl") -> TrainingList:
    """Every certificate."""
    return catalog.trainings(ConceptKind.CERTIFICATE, lang)


@router.get(
    "/certificates/{id:path}",
    summary="One certificate",
    response_model=TrainingOut,
    responses=NOT_FOUND,
    description="Hours, level, provider and taught skills.",
)
def get_certificate(
    catalog: CatalogDep,
    id: Annotated[
        str,
        Path(description="Certificate id or URI.", max_length=300, examples=["vca-basis"]),
    ],
    lang: Lang = "nl",
) -> TrainingOut:
    """One certificate."""
    return catalog.trainings(ConceptKind.CERTIFICATE, lang, id).results[0]


@router.get(
    "/qualifications",
    summary="All mbo qualifications",
    response_model=TrainingList,
    description="mbo qualifications (crebo, level, domain, leerweg) with taught skills, "
    "as certificates are listed.",
)
def list_qualifications(catalog: CatalogDep, lang: Lang = "nl") -> TrainingList:
    """Every qualification."""
    return catalog.trainings(ConceptKind.QUALIFICATION, lang)


@router.get(
    "/qualifications/{crebo:path}",
    summary="One mbo qualification",
    response_model=TrainingOut,
    responses=NOT_FOUND,
    description="Crebo code, level, domain, leerweg and taught skills.",
)
def get_qualification(
    catalog: CatalogDep,
    crebo: Annotated[
        str,
        Path(
            description="Five-digit crebo code, or the qualification's URI.",
            pattern=r"^(\d{5}|(https?://|urn:)\S+)$",
            max_length=300,
            examples=["25333"],
        ),
    ],
    lang: Lang = "nl",
) -> TrainingOut:
    """One qualification."""
    return catalog.trainings(ConceptKind.QUALIFICATION, lang, crebo).results[0]
