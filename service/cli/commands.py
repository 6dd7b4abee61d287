"""The ``overstap`` command line: imports, stats and the server.

Bad input ends with exit code 2 and one line ``error: FILE:LINE:COLUMN (column 'x'):
message`` on stderr; the store is then exactly as it was, because each import runs in
one transaction.
"""

import json
import os
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from indexes.training.fine_tune import TrainConfig
from indexes.training.pairs import PairRecipe
from indexes.training.train import DEFAULT_NAME
from ontology.default import load_default
from ontology.faults import crash_point
from ontology.importers.certificates import import_certificates
from ontology.importers.competentnl import import_competentnl
from ontology.importers.esco import Dangling, EscoImporter
from ontology.importers.links import UnknownSkills
from ontology.importers.qualifications import import_qualifications
from ontology.importers.report import ImportReport
from ontology.importers.vacancies import read_vacancies
from ontology.writer import OntologyWriter
from service.cli.cluster_option import RayActors, RayAddress, cluster_of
from service.cli.common import EXIT_BAD_INPUT, err, failing_cleanly, open_store, out
from service.cli.db_commands import db_app
from service.cli.progress_bar import RichProgress
from service.cluster.connect import ClusterError
from service.evaluation import DEFAULT_CASES, NO_MATCH_QUERIES
from service.settings import Settings, get_settings
from service.vacancies.derive import DerivationError

if TYPE_CHECKING:  # the catalog pulls in the embedder: imported where a command needs it
    from indexes.snapshot import BuildStats
    from models.domain import VacancyRecord
    from service.catalog import Catalog
    from service.cluster.connect import Cluster
    from service.runtime.services import Services
    from service.vacancies.derive import Derivation

app = typer.Typer(
    help="overstap: skills-ontology matching for side-entrants into technical work.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
import_app = typer.Typer(help="Import sources into the store (each import is all-or-nothing).")
app.add_typer(import_app, name="import")
app.add_typer(db_app, name="db")


@contextmanager
def _evaluated_catalog(*expected: type[Exception]) -> Iterator["Catalog"]:
    """The store's active catalog for an evaluation, the store closed afterwards and
    the ``expected`` errors (a malformed benchmark file) turned into exit code 2."""
    from service.runtime.services import open_catalog

    with failing_cleanly(*expected):
        store = open_store()
        try:
            yield open_catalog(get_settings(), store)
        finally:
            store.close()


def _run_import(work: Callable[[OntologyWriter, RichProgress], ImportReport]) -> None:
    with failing_cleanly():
        store = open_store()
        try:
            with RichProgress(err) as progress, store.transaction() as conn:
                report = work(OntologyWriter(conn), progress)
                crash_point("import-before-commit")
        finally:
            store.close()
    _print_report(report)


def _print_report(report: ImportReport) -> None:
    total = sum(report.rows.values())
    out.print(f"imported {report.source}: {total:,} rows from {len(report.rows)} file(s)")
    for name, count in report.rows.items():
        out.print(f"  {name}: {count:,}", highlight=False, soft_wrap=True)
    if report.obsoleted:
        out.print(f"  marked obsolete: {report.obsoleted:,}")
    for note in report.notes:
        out.print(f"  note: {note}", highlight=False, soft_wrap=True)


VersionOpt = Annotated[
    str | None,
    typer.Option("--version", help="Release of the source; default: read from the name."),
]


@import_app.command("esco")
def import_esco(
    folders: Annotated[list[Path], typer.Argument(help="ESCO CSV export folders to merge.")],
    version: VersionOpt = None,
    taxonomy: Annotated[str, typer.Option(help="Name of the taxonomy.")] = "esco",
    on_dangling: Annotated[
        Dangling,
        typer.Option(
            help="Links to concepts the import does not define: fail (error), drop them "
            "(skip), or keep them with an obsolete placeholder concept (obsolete).",
        ),
    ] = Dangling.ERROR,
) -> None:
    """Import ESCO CSV folders (plain or .gz), merged by concept URI."""
    _run_import(
        lambda writer, progress: EscoImporter(writer, taxonomy, progress, on_dangling).run(
            folders, version
        )
    )


@import_app.command("competentnl")
def import_competentnl_cmd(
    folder: Annotated[Path, typer.Argument(help="The CompetentNL extract folder.")],
    version: VersionOpt = None,
) -> None:
    """Import CompetentNL occupations, capabilities and knowledge areas with labels."""
    _run_import(lambda writer, progress: import_competentnl(writer, folder, version, progress))


@import_app.command("qualifications")
def import_qualifications_cmd(
    file: Annotated[Path, typer.Argument(help="CSV in the HKS kwalificaties layout.")],
    version: VersionOpt = None,
) -> None:
    """Import mbo qualifications (crebo, niveau, domain, leerweg)."""
    _run_import(
        lambda writer, progress: import_qualifications(writer, file, version, progress=progress)
    )


@import_app.command("certificates")
def import_certificates_cmd(
    file: Annotated[Path, typer.Argument(help="Certificates CSV (see README).")],
    version: VersionOpt = None,
    unknown_skills: Annotated[
        UnknownSkills,
        typer.Option(
            help="Skills the store does not hold: fail (error) or drop them (skip), e.g. "
            "to lay the embedded default's certificates over a full ESCO.",
        ),
    ] = UnknownSkills.ERROR,
) -> None:
    """Import certificates (short trainings) and the skills they teach."""
    _run_import(
        lambda writer, progress: import_certificates(
            writer, file, version, progress=progress, unknown_skills=unknown_skills
        )
    )


@import_app.command("vacancies")
def import_vacancies_cmd(
    file: Annotated[Path, typer.Argument(help="Vacancies as JSON Lines (see README).")],
    skills: Annotated[
        bool,
        typer.Option(
            help="Extract each vacancy's skills (most of the time of an import); "
            "--no-skills stores occupations and vectors only."
        ),
    ] = True,
    ray: RayAddress = None,
    ray_actors: RayActors = None,
) -> None:
    """Import (upsert by id) vacancies: check every line, derive occupations, skills
    and vectors (here, or on a Ray cluster with --ray), then store all in one
    transaction; a running server picks them up."""
    from indexes.embedding.base import EmbedderError
    from ontology.vacancy_store import write_vacancies
    from service.runtime.services import open_services
    from service.vacancies.derive import in_order

    settings = get_settings()
    with failing_cleanly(EmbedderError, ClusterError, DerivationError):
        store = open_store()
        try:
            with cluster_of(settings, ray, ray_actors) as cluster, RichProgress(err) as progress:
                records = read_vacancies(file, progress)
                progress.stage("opening indexes", None)
                services = open_services(settings, store, catch_up=False)
                derivation = _derivation(services, settings, cluster)
                where = _where(cluster)
                _derive_stored(services, derivation, progress, where, services.vacancies.pending())
                progress.stage(f"deriving occupations, skills and vectors{where}", len(records))
                derived = in_order(derivation(records, skills, progress.advance), len(records))
                progress.stage("storing", None)
                statuses = write_vacancies(store, derived)
        finally:
            store.close()
    counts = Counter(statuses.values())
    out.print(
        f"imported vacancies: {len(records):,} from {file.name} "
        f"({counts['created']:,} created, {counts['updated']:,} updated, "
        f"{counts['unchanged']:,} unchanged)",
        highlight=False,
        soft_wrap=True,
    )


def _where(cluster: "Cluster | None") -> str:
    """How a stage says it runs on the cluster."""
    return "" if cluster is None else " on the cluster"


def _derivation(
    services: "Services", settings: Settings, cluster: "Cluster | None"
) -> "Derivation":
    """How vacancies are derived: on the cluster when there is one, else here."""
    if cluster is None:
        return services.vacancies.deriver.derive_each
    from service.cluster.derive import cluster_derivation

    return cluster_derivation(cluster, settings, services.vacancies.deriver)


def _derive_stored(
    services: "Services",
    derivation: "Derivation",
    progress: RichProgress,
    where: str,
    pending: "Sequence[VacancyRecord]",
) -> None:
    """Derive the stored vacancies that lack derived data for this model (``pending``:
    after a model change, or bulk-loaded rows), so no server has to at its start."""
    if pending:
        progress.stage(f"stored vacancies: deriving for this model{where}", len(pending))
        services.vacancies.catch_up(progress.advance, derivation, pending)


@import_app.command("default")
def import_default() -> None:
    """Import the embedded Dutch default ontology, certificates and vacancies."""
    with failing_cleanly():
        store = open_store()
        try:
            with RichProgress(err) as progress:
                report = load_default(store, progress)
        finally:
            store.close()
    _print_report(report)


@app.command()
def stats(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Print what the store holds."""
    with failing_cleanly():
        store = open_store()
        try:
            result = store.stats()
        finally:
            store.close()
    if as_json:
        print(json.dumps(result.model_dump(), indent=2, ensure_ascii=False))
        return
    table = Table("what", "count", title="overstap store")
    table.add_row("occupations", f"{result.occupations:,}")
    table.add_row("skills", f"{result.skills:,}")
    for skill_type, count in sorted(result.skills_by_type.items()):
        table.add_row(f"  {skill_type}", f"{count:,}")
    table.add_row("skill groups", f"{result.skill_groups:,}")
    table.add_row("ISCO groups", f"{result.isco_groups:,}")
    for rtype, count in result.relations.items():
        table.add_row(f"relations: {rtype}", f"{count:,}")
    for language, kinds in sorted(result.labels.items()):
        for kind, count in sorted(kinds.items()):
            table.add_row(f"labels {language}: {kind}", f"{count:,}")
    table.add_row("qualifications", f"{result.qualifications:,}")
    table.add_row("certificates", f"{result.certificates:,}")
    table.add_row("vacancies", f"{result.vacancies:,}")
    table.add_row("obsolete concepts", f"{result.obsolete_concepts:,}")
    table.add_row("versions", ", ".join(result.versions) or "-")
    out.print(table)


@app.command()
def reindex(ray: RayAddress = None, ray_actors: RayActors = None) -> None:
    """Build a new index snapshot of the store and activate it atomically, then derive
    stored vacancies the model has not derived yet; running servers sharing the data
    folder switch within OVERSTAP_SNAPSHOT_SYNC_SECONDS. With --ray the embedding and
    the derivation run on a Ray cluster; this process writes. Refused (exit 2) while
    another re-index runs on the same folder."""
    from indexes.embedding.base import EmbedderError
    from indexes.leases import SnapshotBusyError
    from indexes.snapshot import SnapshotDirectory
    from ontology.vacancy_store import vacancies_to_derive
    from service.runtime.services import build_snapshot, open_embedder, open_services
    from service.vacancies.derive import derivation_key

    settings = get_settings()
    with failing_cleanly(EmbedderError, SnapshotBusyError, ClusterError, DerivationError):
        store = open_store()
        try:
            # The build lock first: a busy folder is refused before a cluster starts.
            with (
                SnapshotDirectory(settings.snapshots_dir).lock(blocking=False) as lock,
                cluster_of(settings, ray, ray_actors) as cluster,
                RichProgress(err) as progress,
            ):
                embedder = open_embedder(settings)
                batches = None
                if cluster is not None:
                    from service.cluster.embed import cluster_batches

                    batches = cluster_batches(cluster, settings, embedder)
                stats = build_snapshot(
                    settings, store, embedder, progress.stage, progress.advance, lock, batches
                )
                lock.release()  # the next re-index may start while vacancies are derived
                _print_build(stats)  # active now, whatever the derivation below does
                pending = vacancies_to_derive(store, derivation_key(embedder))
                if pending:
                    progress.stage("opening indexes", None)
                    services = open_services(settings, store, embedder, catch_up=False)
                    where = _where(cluster)
                    derivation = _derivation(services, settings, cluster)
                    _derive_stored(services, derivation, progress, where, pending)
        finally:
            store.close()


def _print_build(stats: "BuildStats") -> None:
    out.print(
        f"snapshot {stats.snapshot_id} active: {stats.texts:,} labels and descriptions "
        f"({stats.embedded:,} texts embedded, others read from the cache) in "
        f"{stats.seconds:.1f} s, {stats.texts_per_second:,.0f} texts/s",
        highlight=False,
        soft_wrap=True,
    )
    for name, count in stats.counts.items():
        out.print(f"  {name}: {count:,} labels", highlight=False)


@app.command()
def train(
    max_pairs: Annotated[
        int, typer.Option(min=2, help="Label pairs drawn from the store (at most).")
    ] = PairRecipe.max_pairs,
    epochs: Annotated[int, typer.Option(min=1)] = TrainConfig.epochs,
    batch_size: Annotated[int, typer.Option(min=2)] = TrainConfig.batch_size,
    learning_rate: Annotated[float, typer.Option(min=0.0)] = TrainConfig.learning_rate,
    seed: Annotated[int, typer.Option()] = TrainConfig.seed,
    bf16: Annotated[
        bool, typer.Option(help="bfloat16 matrix products where the CPU has bf16 units.")
    ] = TrainConfig.bf16,
    nl_en_any_english: Annotated[
        bool,
        typer.Option(
            help="Pair Dutch occupation labels with any English label of the concept, not "
            "only the preferred one."
        ),
    ] = PairRecipe.nl_en_any_english,
    skill_pairs: Annotated[
        int,
        typer.Option(
            min=0, help="Skill label pairs (alternative → preferred, Dutch → English), at most."
        ),
    ] = PairRecipe.max_skill_pairs,
    description_pairs: Annotated[
        int,
        typer.Option(
            min=0, help="Skill description → label pairs (first sentence), at most; 0: none."
        ),
    ] = PairRecipe.max_description_pairs,
    hard_negatives: Annotated[
        int,
        typer.Option(
            min=0,
            help="Give each occupation pair one label of another occupation, drawn from the "
            "base model's N nearest, as a hard negative (5: chosen on MELO dev); 0: none.",
        ),
    ] = PairRecipe.hard_negatives,
    train_word_embeddings: Annotated[
        bool,
        typer.Option(
            help="Train the word-embedding table too (frozen by default: it holds most of "
            "the weights, and words the pairs never show keep their base vectors)."
        ),
    ] = not TrainConfig.freeze_word_embeddings,
    max_steps: Annotated[
        int | None, typer.Option(min=1, help="Stop after this many batches (smoke runs).")
    ] = None,
    name: Annotated[str, typer.Option(help="Folder name prefix under DATA_DIR/models.")] = (
        DEFAULT_NAME
    ),
    force: Annotated[bool, typer.Option(help="Rebuild even if the same build exists.")] = False,
) -> None:
    """Fine-tune the bundled model on the store's label pairs (seeded, reproducible).

    The model lands in DATA_DIR/models/<name>-<hash of the inputs>; serve it with
    OVERSTAP_EMBEDDER=tuned:<that folder> and run `overstap reindex`."""
    from indexes.embedding.base import EmbedderError
    from indexes.embedding.load import bundled_folder
    from indexes.embedding.torch_runtime import configure_threads
    from indexes.embedding.tuned import TunedModelError
    from indexes.training.train import train_model

    settings = get_settings()
    recipe = PairRecipe(
        max_pairs=max_pairs,
        nl_en_any_english=nl_en_any_english,
        max_skill_pairs=skill_pairs,
        max_description_pairs=description_pairs,
        hard_negatives=hard_negatives,
    )
    config = TrainConfig(
        seed=seed,
        epochs=epochs,
        batch_size=batch_size,
        learning_rate=learning_rate,
        bf16=bf16,
        freeze_word_embeddings=not train_word_embeddings,
        max_steps=max_steps,
    )
    with failing_cleanly(EmbedderError, TunedModelError):
        configure_threads(settings.threads)
        store = open_store()
        try:
            with RichProgress(err) as progress:

                def on_step(step: int, total: int, loss: float) -> None:
                    if step == 1:
                        progress.stage("training", total)
                    progress.advance()
                    progress.describe(f"training (loss {loss:.3f})")
                    if not err.is_terminal and step % max(total // 20, 1) == 0:
                        err.print(f"step {step}/{total}, loss {loss:.3f}", highlight=False)

                result = train_model(
                    store,
                    bundled_folder(settings.models_dir),
                    settings.models_dir,
                    recipe,
                    config,
                    prefix=name,
                    on_stage=lambda message: err.print(message, highlight=False),
                    on_step=on_step,
                    force=force,
                )
        finally:
            store.close()
    if result.stats is not None:
        stats = result.stats
        out.print(
            f"trained {stats.steps} steps on {stats.pairs:,} pairs in {stats.seconds:.0f} s "
            f"(loss {stats.first_loss:.3f} → {stats.last_loss:.3f})",
            highlight=False,
        )
    if result.calibration is not None:
        from service.match.scoring import MatchSettings

        c, bundled = result.calibration, MatchSettings()
        floor, full = c.cosine(bundled.similarity_floor), c.cosine(bundled.similarity_full)
        out.print(
            f"calibrated: unrelated skills at {c.unrelated:.3f} (bundled {c.base_unrelated:.3f}), "
            f"related at {c.related:.3f} (bundled {c.base_related:.3f}); cosines scale "
            f"{c.scale:.2f}×, coverage floor/full {floor:.3f}/{full:.3f}; margins "
            f"{c.margin_scale:.2f}×",
            highlight=False,
        )
    out.print(f"model: {result.folder}", highlight=False, soft_wrap=True)
    out.print(f"use it: OVERSTAP_EMBEDDER={result.embedder_spec} overstap reindex", highlight=False)


evaluate_app = typer.Typer(help="Quality evaluations on public benchmarks.")
app.add_typer(evaluate_app, name="evaluate")


@evaluate_app.command("melo")
def evaluate_melo(
    data: Annotated[Path, typer.Option(help="The MELO benchmark folder.")],
    dataset: Annotated[str, typer.Option(help="e.g. nld_q_nl_c_nl")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON only.")] = False,
    lexical_weight: Annotated[
        float | None,
        typer.Option(help="Fusion weight of char TF-IDF (default: the service's setting)."),
    ] = None,
    lexical_only: Annotated[
        bool, typer.Option(help="Char TF-IDF alone (MELO's baseline), no embedder.")
    ] = False,
    level: Annotated[
        str,
        typer.Option(
            help="element (MELO's protocol) or concept (labels aggregated per "
            "ESCO concept, as the service's concept search does)."
        ),
    ] = "element",
    aggregation: Annotated[str, typer.Option(help="With --level concept: max or lse.")] = "max",
    rrf: Annotated[
        int,
        typer.Option(
            help="Fuse by reciprocal rank fusion with this k instead of the weighted sum "
            "(for comparison; the service uses the weighted sum)."
        ),
    ] = 0,
    ray: RayAddress = None,
    ray_actors: RayActors = None,
) -> None:
    """Rank MELO's ESCO surface forms for each query exactly as the service searches
    (embedding on a Ray cluster with --ray, element level)."""
    from indexes.embedding.cache import EmbeddingCache
    from service.evaluation.melo import MeloError, evaluate, evaluate_concepts, load_dataset
    from service.runtime.services import open_embedder

    settings = get_settings()
    with failing_cleanly(MeloError):
        melo = load_dataset(data, dataset)
    cluster_can_embed = not lexical_only and level == "element"
    if ray and not cluster_can_embed:
        err.print("[red]error:[/red] --ray embeds at --level element, with an embedder")
        raise typer.Exit(EXIT_BAD_INPUT)
    weight = (
        1.0
        if lexical_only
        else (settings.lexical_weight if lexical_weight is None else lexical_weight)
    )
    embedder = None if lexical_only else open_embedder(settings)
    cache = None if lexical_only else EmbeddingCache(settings.cache_path)
    try:
        with (
            failing_cleanly(ClusterError),
            cluster_of(settings, ray, ray_actors, from_settings=cluster_can_embed) as cluster,
            RichProgress(err) as progress,
        ):
            batches = None
            if cluster is not None and embedder is not None:
                from service.cluster.embed import cluster_batches

                batches = cluster_batches(cluster, settings, embedder)
            progress.stage(
                f"{dataset}: embedding{_where(cluster)}",
                None if lexical_only else len(melo.corpus) + len(melo.queries),
            )
            if level == "concept" and embedder is not None and aggregation in ("max", "lse"):
                result = evaluate_concepts(
                    data,
                    melo,
                    embedder,
                    weight,
                    "lse" if aggregation == "lse" else "max",
                    cache,
                    settings.label_index,
                )
            elif level == "element":
                result = evaluate(
                    melo,
                    embedder,
                    weight,
                    cache,
                    progress.advance,
                    rrf,
                    batches,
                    settings.label_index,
                )
            else:
                err.print(
                    "[red]error:[/red] --level is element or concept (concept needs "
                    "an embedder; --aggregation is max or lse)"
                )
                raise typer.Exit(EXIT_BAD_INPUT)
    finally:
        if cache:
            cache.close()
    if as_json:
        print(json.dumps(result, indent=2))
        return
    out.print_json(data=result)


@evaluate_app.command("skills")
def evaluate_skills(
    data: Annotated[Path, typer.Option(help="The Decorte skill-extraction benchmark folder.")],
    split: Annotated[
        str, typer.Option(help="test, or validation (adds a threshold sweep).")
    ] = "test",
) -> None:
    """Run TECH and HOUSE through the /v1/skills/extract code against the store's ESCO."""
    from service.evaluation.skills import SkillEvalError, evaluate

    with _evaluated_catalog(SkillEvalError) as catalog:
        result = evaluate(catalog, data, split)
    print(json.dumps(result, indent=2))


@evaluate_app.command("match")
def evaluate_match(
    cases: Annotated[
        Path,
        typer.Option(help="YAML file of side-entrant cases (default: the embedded default's)."),
    ] = DEFAULT_CASES,
    families: Annotated[
        int | None,
        typer.Option(
            min=1,
            max=4,
            help="Rank families instead: keep the best occupation of each ISCO group of "
            "this many digits (4: unit group).",
        ),
    ] = None,
) -> None:
    """Top-1/top-5 hit rates of the side-entrant match on hand-written cases."""
    from service.evaluation.match import CaseError, evaluate_splits, load_cases
    from service.extraction.extractor import SkillExtractor
    from service.match.matcher import Matcher
    from service.runtime.services import match_settings

    with failing_cleanly(CaseError):
        loaded = load_cases(cases)
    with _evaluated_catalog() as catalog:
        matcher = Matcher(catalog, SkillExtractor(catalog), match_settings(get_settings()))
        result = evaluate_splits(matcher, loaded, families)
    print(json.dumps(result, indent=2, ensure_ascii=False))


@evaluate_app.command("routes")
def evaluate_routes_cmd(
    cases: Annotated[
        Path,
        typer.Option(help="YAML file of side-entrant cases (default: the embedded default's)."),
    ] = DEFAULT_CASES,
    occupations: Annotated[
        int | None,
        typer.Option(
            help="Check the transitions of only the first N technical occupations "
            "(default: all; about 0.5 s each on the full ESCO)."
        ),
    ] = None,
) -> None:
    """Route precision: is every "this training closes that skill" claim true?"""
    from service.evaluation.match import CaseError, load_cases
    from service.evaluation.routes import evaluate_routes
    from service.extraction.extractor import SkillExtractor
    from service.match.matcher import Matcher
    from service.runtime.services import match_settings

    with failing_cleanly(CaseError):
        loaded = load_cases(cases)
    with _evaluated_catalog() as catalog:
        matcher = Matcher(catalog, SkillExtractor(catalog), match_settings(get_settings()))
        with RichProgress(err) as progress:
            sources = len(matcher.technical)
            if occupations is not None:
                sources = min(sources, occupations)
            progress.stage("answers checked", len(loaded) + sources)
            result = evaluate_routes(matcher, loaded, occupations, progress.advance)
    print(json.dumps(result, indent=2, ensure_ascii=False))


@evaluate_app.command("abstention")
def evaluate_abstention_cmd(
    queries: Annotated[
        Path, typer.Option(help="YAML with 'nonsense' and 'off_domain' query lists.")
    ] = NO_MATCH_QUERIES,
    labels: Annotated[int, typer.Option(help="Held-out alternative labels per collection.")] = 300,
) -> None:
    """Search abstention: nonsense answered no_match, real labels found with confidence."""
    from service.evaluation.abstention import (
        AbstentionError,
        evaluate_abstention,
        load_queries,
    )

    with failing_cleanly(AbstentionError):
        loaded = load_queries(queries)
    with _evaluated_catalog() as catalog, RichProgress(err) as progress:
        progress.stage("held-out labels asked", 2 * labels)
        result = evaluate_abstention(catalog, loaded, labels, progress.advance)
    print(json.dumps(result, indent=2, ensure_ascii=False))


@evaluate_app.command("titles")
def evaluate_titles_cmd(
    data: Annotated[
        Path, typer.Option(help="The JobBERT evaluation dataset folder (titles.csv[.gz]).")
    ],
    split: Annotated[
        str, typer.Option(help="dev (titles.csv: choose on it) or test (titles.test.csv).")
    ] = "dev",
    limit: Annotated[
        int | None, typer.Option(min=1, help="Only the first N titles (quick runs).")
    ] = None,
    all_languages: Annotated[
        bool,
        typer.Option(help="Search labels in every language (default: English labels only)."),
    ] = False,
) -> None:
    """Vacancy-title normalisation (JobBERT set): the service's MRR next to character
    TF-IDF over the same occupation labels, in one run."""
    from service.evaluation.titles import TitlesError, evaluate_titles, load_titles

    with failing_cleanly(TitlesError):
        titles = load_titles(data, split)[:limit]
    languages = None if all_languages else ("en",)
    with _evaluated_catalog() as catalog, RichProgress(err) as progress:
        progress.stage("titles normalised", len(titles))
        result = evaluate_titles(catalog, titles, languages, progress.advance)
    print(json.dumps({"split": split, **result}, indent=2, ensure_ascii=False))


@app.command()
def bench(
    ontology: Annotated[
        str, typer.Option(help="default (embedded) or esco (the full import from ../shared/data).")
    ] = "default",
    vacancies: Annotated[
        int, typer.Option(min=0, help="Generate and index this many SYNTHETIC vacancies.")
    ] = 0,
    quick: Annotated[
        bool, typer.Option(help="A small run (under 2 minutes on the default) for smoke tests.")
    ] = False,
    melo: Annotated[
        bool, typer.Option(help="Check the fast runtime's MELO MRR against torch (full runs).")
    ] = True,
    keep: Annotated[
        Path | None,
        typer.Option(help="Build in this new folder and keep it (default: a temp one)."),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--out", help="Also write the JSON document to this file.")
    ] = None,
    profile: Annotated[
        Path | None,
        typer.Option(help="Also profile the server per endpoint with py-spy into this folder."),
    ] = None,
    peer: Annotated[
        str | None,
        typer.Option(
            help="txtai: also run txtai's API over the same labels and model and compare "
            "search under the same load (pip install 'overstap[peer]')."
        ),
    ] = None,
) -> None:
    """Measure the service against its floor in one run: indexing, query embedding and
    FAISS in-process, then a real server under 1, 4 and 8 clients (and, with --peer,
    txtai beside it). Prints a table on stderr and one JSON document (with `ratios`) on
    stdout."""
    from service.bench.harness import BenchError, BenchOptions, run, table_rows
    from service.bench.server import BenchServerError

    options = BenchOptions(ontology, vacancies, quick, melo, keep, profile, peer)
    started = time.perf_counter()
    with failing_cleanly(BenchError, BenchServerError):
        report = run(
            options,
            lambda text: err.print(f"[dim]{time.perf_counter() - started:6.1f} s[/dim] {text}"),
        )
    report["seconds"] = round(time.perf_counter() - started, 1)
    table = Table("figure", "value", title="overstap bench")
    for name, value in table_rows(report):
        table.add_row(name, value)
    err.print(table)
    document = json.dumps(report, indent=2)
    if output is not None:
        output.write_text(document + "\n", encoding="utf-8")
    print(document)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address.")] = None,
    port: Annotated[int | None, typer.Option(help="Port.")] = None,
) -> None:
    """Serve the API (loads the embedded default first when the store is empty)."""
    # Before the model libraries are imported: their download and loading bars would
    # fill the log of a first start (huggingface_hub reads this once, on import).
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    from indexes.spare_cores import usable_cores
    from service.runtime.memory import collection_paused, limit_malloc_arenas

    limit_malloc_arenas(usable_cores())  # before any request thread

    with collection_paused():  # modules stay: 0.1 s of a server's start (issue 23)
        import uvicorn

        from service.api.app import create_app
        from service.logs import configure

    configured = get_settings()
    settings = configured.model_copy(
        update={"host": host or configured.host, "port": port or configured.port}
    )
    # JSON lines: counts, timings, request ids and snapshot ids; never request bodies.
    log_config = configure()
    with failing_cleanly():
        # The store's schema first (upgraded, or refused with the reason), so a store
        # this release cannot serve ends in one line and exit 2, not a traceback.
        open_store().close()
        application = create_app(settings)
        uvicorn.run(
            application,
            host=settings.host,
            port=settings.port,
            log_config=log_config,
            access_log=False,
        )
