"""What the service has loaded."""

from fastapi import APIRouter

from models.domain import StoreStats
from service import __version__
from service.api.deps import CatalogDep, StoreDep
from service.schemas.meta import EmbedderInfo, Meta, SnapshotInfo

router = APIRouter(prefix="/v1", tags=["meta"])
API_VERSION = "1"


@router.get(
    "/meta",
    summary="Versions, counts, embedder and snapshot",
    response_model=Meta,
    description="Taxonomy versions and languages loaded, counts, the embedder (name, "
    "dimension), and the active snapshot's id and build time.",
)
def get_meta(store: StoreDep, catalog: CatalogDep) -> Meta:
    """A summary an integrator checks first."""
    stats = store.stats()
    manifest = catalog.snapshot.manifest
    return Meta(
        version=__version__,
        api_version=API_VERSION,
        taxonomy_versions=stats.versions,
        languages=sorted(stats.labels),
        counts={
            "occupations": stats.occupations,
            "skills": stats.skills,
            "essential_relations": stats.relations.get("essential", 0),
            "optional_relations": stats.relations.get("optional", 0),
            "qualifications": stats.qualifications,
            "certificates": stats.certificates,
            "vacancies": stats.vacancies,
        },
        embedder=EmbedderInfo(name=catalog.embedder.name, dimension=catalog.embedder.dimension),
        snapshot=SnapshotInfo(
            id=catalog.snapshot.id,
            built_at=str(manifest.get("built_at", "")),
            labels=dict(manifest.get("collections", {})),
        ),
    )


@router.get(
    "/stats",
    summary="Counts of what the store holds",
    response_model=StoreStats,
    description="Occupations, skills, relations by type, labels by language and kind, "
    "qualifications, certificates, vacancies and taxonomy versions present.",
)
def get_stats(store: StoreDep) -> StoreStats:
    """The same counts `overstap stats --json` prints."""
    return store.stats()
