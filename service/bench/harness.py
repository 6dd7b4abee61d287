"""``overstap bench``: the service measured against its physical floor, in one run.

Speed is judged as ratios of figures measured in the same run on the same machine
(these machines are shared and noisy), never by absolute thresholds. One run:

1. builds a fresh data folder with the chosen ontology (the embedded default, or the
   full ESCO import from ``../shared/data``) and optionally N synthetic vacancies;
2. **indexing**: a cold re-index (empty embedding cache) and a warm one (nothing
   changed), texts/s and seconds;
3. **floor**, in-process with the server's configuration: embedding one query plus one
   FAISS search over each index (median of ≥ 200), the same query through plain
   sentence-transformers on torch (interleaved, so noise hits both), and each
   endpoint's service call without HTTP;
4. **quality of the fast path** (unless ``--quick`` or the data is absent): MELO
   nld_q_nl_c_nl MRR with the torch and the ONNX runtime, both embedded afresh;
5. **service**: ``overstap serve`` as a real uvicorn process on a free loopback port,
   time to ``/readyz`` from the snapshot built above, then 1, 4 and 8 concurrent
   clients from a separate process per endpoint (p50/p95/p99, requests/s), and the
   server's peak RSS;
6. **peer** (``--peer txtai``): txtai's API over the same occupation labels and model
   folder (``service.bench.peer``), and a fresh overstap server, both driven by the same
   load driver with the same queries in alternating order over three rounds (one with
   ``--quick``); requests/s of each, their ratio, and each one's top-10 agreement with
   an exact search over the same label vectors.

It prints a readable table on stderr and one JSON document on stdout, with a top-level
``ratios`` object.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

# The checkout's sibling ../shared/data (the real data sets; absent from installed copies).
SHARED_DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
ENDPOINTS = ("search", "suggest", "normalize", "extract", "match")
CONCURRENCY = (1, 4, 8)
PEERS = ("txtai",)
PEER_ROUNDS = 3
FLOOR_REPEATS = 200
FLOOR_BLOCK = 20
MELO_DATASET = "nld_q_nl_c_nl"
REAL_VACANCIES = 200  # derived for real by ``--vacancies``; the rest are stand-ins of them


class BenchError(RuntimeError):
    """The benchmark cannot run as asked (missing data, a server that never starts)."""


@dataclass(frozen=True)
class BenchOptions:
    """What ``overstap bench`` was asked for."""

    ontology: str = "default"  # default | esco
    vacancies: int = 0
    quick: bool = False
    melo: bool = True
    keep: Path | None = None  # keep the data folder here instead of a temporary one
    profile: Path | None = None  # py-spy profiles of the server at 1 client, per endpoint
    peer: str | None = None  # txtai: measure it beside overstap (``service.bench.peer``)


@dataclass(frozen=True)
class Load:
    """Requests per (endpoint, concurrency) and the time cap of each such run."""

    counts: dict[str, int]
    max_seconds: float
    in_process: dict[str, int]


FULL = Load(
    {"search": 400, "suggest": 400, "normalize": 40, "extract": 40, "match": 40},
    60.0,
    {"search": 100, "suggest": 100, "normalize": 10, "extract": 10, "match": 10},
)
QUICK = Load(
    {"search": 60, "suggest": 60, "normalize": 6, "extract": 6, "match": 6},
    4.0,
    {"search": 20, "suggest": 20, "normalize": 2, "extract": 2, "match": 2},
)


Stage = Callable[[str], None]


def run(options: BenchOptions, stage: Stage) -> dict[str, Any]:
    """Every figure of one run, as the JSON document ``overstap bench`` prints."""
    from service.settings import get_settings

    if options.ontology not in ("default", "esco"):
        raise BenchError("--ontology is default or esco")
    if options.peer is not None:
        from service.bench import peer

        if options.peer not in PEERS:
            raise BenchError(f"--peer is one of {', '.join(PEERS)}")
        if not peer.available():
            raise BenchError(f"--peer txtai needs txtai: {peer.INSTALL}")
    if options.ontology == "esco" and not (SHARED_DATA / "esco-v1.1.1-en").is_dir():
        raise BenchError(f"--ontology esco needs the ESCO data at {SHARED_DATA}")
    base = get_settings()
    load = QUICK if options.quick else FULL
    report: dict[str, Any] = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": _machine(),
        "config": {
            "ontology": options.ontology,
            "vacancies": options.vacancies,
            "vacancy_data": "SYNTHETIC (service.bench.synthetic_vacancies)"
            if options.vacancies
            else None,
            "quick": options.quick,
            "embedder": base.embedder,
            "runtime": base.runtime,
            "request_threads": base.request_threads,
            "batch_threads": base.threads or os.cpu_count(),
        },
    }
    with _workspace(options.keep) as data_dir:
        settings = base.model_copy(
            update={
                "data_dir": data_dir,
                "database_url": None,
                "models_dir_override": base.models_dir,
                "load_default": options.ontology == "default",
            }
        )
        report["populate"] = _populate(settings, options.ontology, stage)
        report["indexing"] = _reindex(settings, stage)
        if options.vacancies:
            report["vacancies"] = _vacancies(settings, options.vacancies, stage)
        report["floor"], report["in_process"] = _floor(settings, load, stage)
        if options.melo and not options.quick:
            report["melo"] = _melo(settings, stage)
        report["service"] = _service(settings, load, stage, options.profile)
        if options.peer is not None:
            report["peer"] = _peer_or_failure(
                settings, load, stage, 1 if options.quick else PEER_ROUNDS
            )
    report["ratios"] = _ratios(report)
    return report


# --------------------------------------------------------------------------- set-up


@contextmanager
def _workspace(keep: Path | None) -> Iterator[Path]:
    if keep is not None:
        if keep.exists() and any(keep.iterdir()):
            raise BenchError(f"--keep {keep}: the folder must be new or empty")
        keep.mkdir(parents=True, exist_ok=True)
        yield keep
        return
    folder = Path(tempfile.mkdtemp(prefix="overstap-bench-"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _machine() -> dict[str, Any]:
    model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    import faiss
    import onnxruntime

    return {
        "cpus": os.cpu_count(),
        "cpu": model,
        "python": platform.python_version(),
        "onnxruntime": onnxruntime.__version__,
        "faiss": faiss.__version__,
    }


def _populate(settings: Any, ontology: str, stage: Stage) -> dict[str, Any]:
    from ontology.default import ensure_populated
    from ontology.store import Store

    stage(f"loading the {ontology} ontology")
    started = time.perf_counter()
    store = Store(settings.resolved_database_url, settings.db_upgrade)
    try:
        if ontology == "default":
            ensure_populated(store)
        else:
            _import_esco(store)
        stats = store.stats()
    finally:
        store.close()
    return {
        "seconds": round(time.perf_counter() - started, 1),
        "occupations": stats.occupations,
        "skills": stats.skills,
        "versions": stats.versions,
    }


def _import_esco(store: Any) -> None:
    """ESCO v1.1.1 (English, with relations) plus the Dutch v1.1 labels, the mbo
    qualifications and the default's certificates: what a Dutch deployment loads."""
    from ontology.default import DEFAULT_DATA
    from ontology.importers.certificates import import_certificates
    from ontology.importers.esco import Dangling, EscoImporter
    from ontology.importers.links import UnknownSkills
    from ontology.importers.qualifications import import_qualifications
    from ontology.writer import OntologyWriter

    with store.transaction() as conn:
        writer = OntologyWriter(conn)
        EscoImporter(writer, dangling=Dangling.OBSOLETE).run(
            [SHARED_DATA / "esco-v1.1.1-en", SHARED_DATA / "esco-v1.1-nl-collections"]
        )
        import_qualifications(
            writer, SHARED_DATA / "mbo-kwalificaties-hks2015" / "kwalificaties_hks_2015-2016.csv"
        )
        import_certificates(
            writer,
            DEFAULT_DATA / "certificates.csv",
            version="2026.11",
            unknown_skills=UnknownSkills.SKIP,
        )


def _reindex(settings: Any, stage: Stage) -> dict[str, Any]:
    """Cold (empty embedding cache) then warm (nothing changed) re-index, each with
    the batch configuration ``overstap reindex`` uses."""
    from ontology.store import Store
    from service.runtime.services import build_snapshot, open_embedder

    embedder = open_embedder(settings)
    store = Store(settings.resolved_database_url, settings.db_upgrade)
    figures: dict[str, Any] = {}
    try:
        for name in ("cold", "warm"):
            stage(f"re-index, {name}")
            stats = build_snapshot(settings, store, embedder)
            figures[name] = {
                "seconds": round(stats.seconds, 2),
                "texts": stats.texts,
                "embedded": stats.embedded,
                "texts_per_s": round(stats.texts / stats.seconds, 1) if stats.seconds else None,
            }
    finally:
        store.close()
    return figures


def _vacancies(settings: Any, count: int, stage: Stage) -> dict[str, Any]:
    """``count`` synthetic vacancies in the store: the first ``REAL_VACANCIES`` derived
    for real with skills, as an import derives them (their rate is the ingest figure),
    the rest stand-ins of those (``service.bench.stand_ins``), so that 100,000 on full
    ESCO fit a run: what the servers started later hold per vacancy is the same."""
    from ontology.store import Store
    from service.bench.stand_ins import derive_real, stand_ins, write
    from service.runtime.services import open_services

    real_count = min(count, REAL_VACANCIES)
    stage(f"{real_count} synthetic vacancies derived with skills")
    store = Store(settings.resolved_database_url, settings.db_upgrade)
    try:
        services = open_services(settings, store)
        real, found, seconds = derive_real(services, real_count, 7)
        stored = write(store, iter(real))
        stage(f"{count - real_count} stand-ins of them")
        copies = write(store, stand_ins(real, found, real_count, count - real_count, 7))
        services.vacancies.index.sync(store)
        return {
            "count": count,
            "derived_with_skills": real_count,
            "derive_with_skills_per_s": round(real_count / seconds, 2) if seconds else None,
            "skills_per_vacancy": round(
                sum(len(d.skills or []) for d in real) / max(1, len(real)), 1
            ),
            "stand_ins": copies["written"],
            "writes_per_s": round(
                (stored["written"] + copies["written"])
                / max(1e-9, stored["seconds"] + copies["seconds"]),
                1,
            ),
            "indexed": len(services.vacancies.index),
        }
    finally:
        store.close()


# --------------------------------------------------------------------------- floor


def _median_ms(samples: list[float]) -> float:
    return round(1000 * statistics.median(samples), 3)


def _floor(settings: Any, load: Load, stage: Stage) -> tuple[dict[str, Any], dict[str, Any]]:
    """The floor (embed + FAISS per index, and plain sentence-transformers on torch for
    the same queries) and each endpoint's service call without HTTP, all with the
    server's thread configuration."""
    from indexes.embedding.load import resolve_spec
    from indexes.embedding.torch_runtime import SentenceTransformerEmbedder, configure_threads
    from ontology.store import Store
    from service.bench.payloads import SEARCH_QUERIES
    from service.runtime.services import open_services

    stage("floor: embedding + FAISS, in-process")
    store = Store(settings.resolved_database_url, settings.db_upgrade)
    try:
        services = open_services(settings, store, serving=True)
        catalog = services.catalog
        embedder = catalog.embedder
        source = resolve_spec(settings.embedder, settings.models_dir)
        reference = SentenceTransformerEmbedder(source.target, source.name, source.prefixes)
        # Like for like: torch on the threads a request has. Left alone, torch's count
        # followed whichever thread's OpenMP setting it met (1 in one run, 2 in the next).
        configure_threads(settings.request_threads)
        collections = catalog.snapshot.collections
        embed: list[float] = []
        plain: list[float] = []
        faiss_only: dict[str, list[float]] = {name: [] for name in collections}
        # The two runtimes take turns in blocks of 20 queries: close enough in time that
        # machine noise hits both, far enough apart that one's idle pool threads do not
        # spin on the cores the other is using.
        for block in range(FLOOR_REPEATS // FLOOR_BLOCK + 1):
            queries = [
                SEARCH_QUERIES[(block * FLOOR_BLOCK + i) % len(SEARCH_QUERIES)]
                for i in range(FLOOR_BLOCK)
            ]
            warm_up = block == 0  # the first block warms caches up and is not counted
            for query in queries:
                started = time.perf_counter()
                vector = embedder.encode([query], "query")
                if not warm_up:
                    embed.append(time.perf_counter() - started)
                for name, index in collections.items():
                    if len(index):
                        started = time.perf_counter()
                        index.dense.search(vector, 10)
                        if not warm_up:
                            faiss_only[name].append(time.perf_counter() - started)
            for query in queries:
                started = time.perf_counter()
                reference.encode([query], "query")
                if not warm_up:
                    plain.append(time.perf_counter() - started)
        floor: dict[str, Any] = {
            "repeats": FLOOR_REPEATS,
            "embed_query_ms": _median_ms(embed),
            "st_torch_embed_query_ms": _median_ms(plain),
            "st_torch_threads": _torch_threads(),
            "faiss_search_ms": {
                name: _median_ms(values) for name, values in faiss_only.items() if values
            },
            "labels": {name: len(index) for name, index in collections.items()},
            "dense_index": {name: index.dense.kind for name, index in collections.items()},
        }
        floor["query_ms"] = round(
            floor["embed_query_ms"] + floor["faiss_search_ms"].get("occupations", 0.0), 3
        )
        del reference
        stage("in-process service calls")
        in_process = _in_process(services, load)
    finally:
        store.close()
    return floor, in_process


def _torch_threads() -> int:
    import torch

    return int(torch.get_num_threads())


def _in_process(services: Any, load: Load) -> dict[str, Any]:
    """Median time of each endpoint's service call, answer model included (what the
    route returns before FastAPI serialises it)."""
    from models.vocabulary import ConceptKind
    from service.bench.payloads import (
        SEARCH_QUERIES,
        STORY,
        SUGGEST_PREFIXES,
        TITLES,
        VACANCY,
    )
    from service.match.answer import to_answer
    from service.schemas.match import MatchRequest
    from service.schemas.search import ExtractRequest, NormalizeRequest

    # The routes' own defaults (suggest: every kind; limits as the request models say).
    kinds = [ConceptKind(k) for k in ("occupation", "skill", "certificate", "qualification")]
    normalize_limit = NormalizeRequest(titles=["x"]).limit
    extract_limit = ExtractRequest(text="x").limit
    match_request = MatchRequest(text=STORY)
    calls: dict[str, Callable[[int], object]] = {
        "search": lambda i: services.catalog.search(
            ConceptKind.OCCUPATION, SEARCH_QUERIES[i % len(SEARCH_QUERIES)], "nl", 10
        ),
        "suggest": lambda i: services.catalog.suggest(
            SUGGEST_PREFIXES[i % len(SUGGEST_PREFIXES)], kinds, "nl", 10
        ),
        "normalize": lambda i: services.catalog.normalize(
            [TITLES[(i + j) % len(TITLES)] for j in range(50)], "nl", normalize_limit
        ),
        "extract": lambda i: services.extractor.extract(
            VACANCY, "nl", None, extract_limit, "vacancy"
        ),
        "match": lambda i: to_answer(services.matcher, services.matcher.match(match_request), "nl"),
    }
    result: dict[str, Any] = {}
    for name, call in calls.items():
        call(0)  # warm-up
        samples = []
        for i in range(load.in_process[name]):
            started = time.perf_counter()
            call(i)
            samples.append(time.perf_counter() - started)
        result[f"{name}_ms"] = _median_ms(samples)
    return result


# --------------------------------------------------------------------------- quality


def _melo(settings: Any, stage: Stage) -> dict[str, Any] | None:
    """MELO nld_q_nl_c_nl MRR through both runtimes, each embedding afresh (no cache),
    so the fast path's accuracy is checked in the same run as its speed."""
    folder = SHARED_DATA / "melo-benchmark-nl"
    if not folder.is_dir():
        return {"skipped": f"MELO data not found at {folder}"}
    from indexes.embedding.load import Runtime, load_embedder
    from service.evaluation.melo import evaluate, load_dataset

    dataset = load_dataset(folder, MELO_DATASET)
    fast: Runtime = settings.runtime if settings.runtime != "torch" else "onnx"
    figures: dict[str, Any] = {"dataset": MELO_DATASET, "fast_runtime": fast}
    runtimes: tuple[Runtime, Runtime] = ("torch", fast)
    for runtime in runtimes:
        stage(f"MELO {MELO_DATASET} on {runtime}")
        embedder = load_embedder(settings.embedder, settings.models_dir, runtime, settings.threads)
        result = evaluate(
            dataset, embedder, settings.lexical_weight, None, label_index=settings.label_index
        )
        figures[runtime] = {
            "mrr": round(result["mrr"], 4),
            "success_1": round(result["success_1"], 4),
            "seconds": result["seconds"],
        }
    figures["fast"] = figures.pop(fast)
    figures["mrr_drop"] = round(figures["torch"]["mrr"] - figures["fast"]["mrr"], 4)
    return figures


# --------------------------------------------------------------------------- service


def _service(
    settings: Any, load: Load, stage: Stage, profile: Path | None = None
) -> dict[str, Any]:
    """Cold start, load at 1/4/8 clients per endpoint, peak memory of a real server;
    with ``profile``, afterwards one more 1-client run per endpoint under py-spy."""
    from service.bench import profile as bench_profile
    from service.bench.payloads import endpoint_requests
    from service.bench.server import ServerProcess

    if profile is not None and not bench_profile.available():
        raise BenchError("--profile needs py-spy (pip install py-spy)")

    env = _serve_env(settings)
    requests = endpoint_requests()
    figures: dict[str, Any] = {"endpoints": {}}
    stage("serve: cold start from the snapshot")
    with ServerProcess(env, settings.data_dir / "serve.log") as server:
        figures["ready_seconds"] = round(server.ready_seconds, 2)
        figures["memory_after_start"] = server.memory_mib()
        for name in ENDPOINTS:
            _drive(server.base, requests[name], 1, 5, 30.0)  # warm-up
        for name in ENDPOINTS:
            runs: dict[str, Any] = {}
            for clients in CONCURRENCY:
                stage(f"serve: {name}, {clients} client(s)")
                runs[f"c{clients}"] = _drive(
                    server.base, requests[name], clients, load.counts[name], load.max_seconds
                )
            figures["endpoints"][name] = runs
        figures["memory"] = server.memory_mib()
        if profile is not None:
            profile.mkdir(parents=True, exist_ok=True)
            figures["profiles"] = {}
            for name in ENDPOINTS:
                stage(f"serve: profiling {name}")
                target = profile / f"{name}.txt"
                seconds = min(load.max_seconds, 20.0)
                sampler = bench_profile.start(server.pid, target, seconds)
                time.sleep(0.5)  # attached before the first request
                _drive(server.base, requests[name], 1, 10**6, seconds - 1)
                sampler.wait()
                figures["profiles"][name] = bench_profile.summarise(target)
    return figures


def _serve_env(settings: Any) -> dict[str, str]:
    """A server's environment on the run's data folder and store."""
    return {
        "OVERSTAP_DATA_DIR": str(settings.data_dir),
        "OVERSTAP_MODELS_DIR": str(settings.models_dir),
        "OVERSTAP_LOAD_DEFAULT": "true" if settings.load_default else "false",
        "OVERSTAP_DATABASE_URL": "",
    }


def _drive(
    base: str, requests: list[dict[str, Any]], clients: int, count: int, max_seconds: float
) -> dict[str, Any]:
    plan = {
        "base": base,
        "requests": requests,
        "concurrency": clients,
        "count": count,
        "max_seconds": max_seconds,
    }
    done = subprocess.run(
        [sys.executable, "-m", "service.bench.load", json.dumps(plan)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise BenchError(f"load driver failed: {done.stderr.strip()[-500:]}")
    result: dict[str, Any] = json.loads(done.stdout)
    if result["failures"]:
        raise BenchError(f"{result['failures']} failed requests, e.g. {result['failure_examples']}")
    return result


# --------------------------------------------------------------------------- peer


def _peer_or_failure(settings: Any, load: Load, stage: Stage, rounds: int) -> dict[str, Any]:
    """The peer step's figures, or why it failed: it runs last, and a peer that cannot
    build or start must not throw away the figures of the steps before it (the JSON
    says ``failed``; ``make bench-smoke`` fails on a missing peer ratio)."""
    from service.bench.server import BenchServerError

    try:
        return _peer(settings, load, stage, rounds)
    except (BenchError, BenchServerError, RuntimeError, OSError) as error:
        stage(f"peer step failed: {error}")
        return {"name": "txtai", "failed": str(error)}


def _peer(settings: Any, load: Load, stage: Stage, rounds: int) -> dict[str, Any]:
    """txtai beside overstap on the run's occupation labels and model (see
    ``service.bench.peer``): the same search load on both, alternating which goes first
    per round and concurrency, so drift hits both; then each one's top 10 for the same
    queries against an exact search over the vectors it indexed itself."""
    from indexes.embedding.load import resolve_spec
    from ontology.store import Store
    from service.bench import peer
    from service.bench.payloads import SEARCH_QUERIES, TITLES, endpoint_requests
    from service.bench.server import ServerProcess
    from service.runtime.services import open_services

    stage("peer: txtai's index over the same labels and model")
    store = Store(settings.resolved_database_url, settings.db_upgrade)
    try:
        services = open_services(settings, store, serving=True)
        labels = services.catalog.snapshot.collections["occupations"]
        source = resolve_spec(settings.embedder, settings.models_dir)
        if not Path(source.target).is_dir():
            raise BenchError(f"--peer needs the model as a folder; {settings.embedder} is not")
        folder = settings.data_dir / "peer-txtai"
        queries = list(dict.fromkeys([*SEARCH_QUERIES, *TITLES]))
        # labels are embedded as queries (``indexes.snapshot.texts_to_embed``)
        built = peer.build(
            folder, source.target, [r.text for r in labels.records], source.prefixes[0], queries
        )
        query_vectors = services.catalog.embedder.encode(queries, "query")
        _, ours_rows = labels.dense.search(query_vectors, 10)
        vectors = np.asarray(labels.vectors, dtype=np.float32)
    finally:
        store.close()
    requests = {
        "overstap": endpoint_requests()["search"],
        "txtai": peer.search_requests(SEARCH_QUERIES),
    }
    runs: dict[str, dict[str, list[dict[str, Any]]]] = {
        name: {f"c{clients}": [] for clients in CONCURRENCY} for name in requests
    }
    stage("peer: both servers up")
    with (
        ServerProcess(_serve_env(settings), folder / "overstap.log") as ours,
        peer.server(folder, folder / "txtai.log") as theirs,
    ):
        bases = {"overstap": ours.base, "txtai": theirs.base}
        for name, base in bases.items():
            _drive(base, requests[name], 1, 10, 30.0)  # warm-up
        for round_ in range(rounds):
            for turn, clients in enumerate(CONCURRENCY):
                order = list(bases) if (round_ + turn) % 2 == 0 else list(reversed(bases))
                for name in order:
                    stage(f"peer: {name}, {clients} client(s), round {round_ + 1}")
                    runs[name][f"c{clients}"].append(
                        _drive(
                            bases[name],
                            requests[name],
                            clients,
                            load.counts["search"],
                            load.max_seconds,
                        )
                    )
        memory = {"overstap": ours.memory_mib(), "txtai": theirs.memory_mib()}
        ready = {"overstap": round(ours.ready_seconds, 2), "txtai": round(theirs.ready_seconds, 2)}
        theirs_rows = [peer.txtai_rows(theirs.port, query) for query in queries]
    search = {
        name: {
            key: {
                "rps": statistics.median(r["rps"] for r in found),
                "p50_ms": statistics.median(r["p50_ms"] for r in found),
                "rps_per_round": [r["rps"] for r in found],
            }
            for key, found in by_clients.items()
        }
        for name, by_clients in runs.items()
    }
    return {
        "name": "txtai",
        "version": peer.version(),
        "model": source.name,
        "labels": len(labels.records),
        "txtai_index": built,
        "rounds": rounds,
        "ready_seconds": ready,
        "memory_after_load": memory,
        "search": search,
        "search_rps_over_txtai": {
            key: _ratio(search["overstap"][key]["rps"], search["txtai"][key]["rps"])
            for key in search["overstap"]
        },
        # each against an exact search over the vectors it indexed itself
        "top10_agreement_with_exact": {
            "queries": len(queries),
            "overstap": peer.agreement(vectors, query_vectors, ours_rows.tolist()),
            "txtai": peer.agreement(*peer.txtai_vectors(folder), theirs_rows),
        },
    }


# --------------------------------------------------------------------------- ratios


def _ratio(numerator: float | None, denominator: float | None) -> float | None:
    if not numerator or not denominator:
        return None
    return round(numerator / denominator, 3)


def _ratios(report: dict[str, Any]) -> dict[str, Any]:
    """The figures the targets are stated in (docs/performance.md)."""
    floor = report["floor"]
    endpoints = report["service"]["endpoints"]
    ratios: dict[str, Any] = {}
    for name in ENDPOINTS:
        c1 = endpoints[name]["c1"]
        ratios[f"{name}_p50_over_floor"] = _ratio(c1["p50_ms"], floor["query_ms"])
        ratios[f"{name}_p50_over_in_process"] = _ratio(
            c1["p50_ms"], report["in_process"][f"{name}_ms"]
        )
        c8 = endpoints[name]["c8"]
        ratios[f"{name}_c8_p99_over_p50"] = _ratio(c8["p99_ms"], c8["p50_ms"])
    for name in ("search", "suggest"):
        ratios[f"{name}_c4_over_c1_throughput"] = _ratio(
            endpoints[name]["c4"]["rps"], endpoints[name]["c1"]["rps"]
        )
    indexing = report["indexing"]
    ratios["warm_over_cold_reindex"] = _ratio(
        indexing["warm"]["seconds"], indexing["cold"]["seconds"]
    )
    ratios["st_torch_over_fast_query_embed"] = _ratio(
        floor["st_torch_embed_query_ms"], floor["embed_query_ms"]
    )
    if "search_rps_over_txtai" in report.get("peer", {}):
        for key, value in report["peer"]["search_rps_over_txtai"].items():
            ratios[f"search_rps_over_txtai_{key}"] = value
    return ratios


# --------------------------------------------------------------------------- table


def table_rows(report: dict[str, Any]) -> list[tuple[str, str]]:
    """The report as (figure, value) lines for a readable table."""
    rows: list[tuple[str, str]] = []
    config = report["config"]
    rows.append(
        (
            "configuration",
            f"{config['ontology']} ontology, {config['vacancies']} vacancies, "
            f"{config['runtime']} runtime, {config['request_threads']} thread(s) per request",
        )
    )
    indexing = report["indexing"]
    for name in ("cold", "warm"):
        figures = indexing[name]
        rows.append(
            (
                f"re-index {name}",
                f"{figures['seconds']} s, {figures['texts']} texts "
                f"({figures['texts_per_s']} texts/s, {figures['embedded']} embedded)",
            )
        )
    floor = report["floor"]
    rows.append(("query embedding (production)", f"{floor['embed_query_ms']} ms"))
    rows.append(
        (
            "query embedding (sentence-transformers, torch)",
            f"{floor['st_torch_embed_query_ms']} ms on {floor['st_torch_threads']} threads",
        )
    )
    for name, value in floor["faiss_search_ms"].items():
        kind = floor.get("dense_index", {}).get(name, "flat")
        rows.append(
            (f"FAISS top-10, {name} ({floor['labels'][name]} labels, {kind})", f"{value} ms")
        )
    rows.append(("floor (embed + occupations search)", f"{floor['query_ms']} ms"))
    for name, value in report["in_process"].items():
        rows.append((f"in-process {name.removesuffix('_ms')}", f"{value} ms"))
    if "melo" in report and report["melo"] and "mrr_drop" in report["melo"]:
        melo = report["melo"]
        rows.append(
            (
                f"MELO {melo['dataset']} MRR torch / {melo['fast_runtime']}",
                f"{melo['torch']['mrr']} / {melo['fast']['mrr']} (drop {melo['mrr_drop']})",
            )
        )
    service = report["service"]
    rows.append(("serve: ready from snapshot", f"{service['ready_seconds']} s"))
    for name, runs in service["endpoints"].items():
        for clients, figures in runs.items():
            rows.append(
                (
                    f"{name} {clients}",
                    f"p50 {figures['p50_ms']} / p95 {figures['p95_ms']} / p99 "
                    f"{figures['p99_ms']} ms, {figures['rps']} req/s",
                )
            )
    rows.append(
        (
            "server RSS after start / peak",
            f"{service['memory_after_start'].get('rss_mib')} / "
            f"{service['memory'].get('peak_rss_mib')} MiB",
        )
    )
    if "vacancies" in report:
        vacancies = report["vacancies"]
        rows.append(
            (
                "vacancies in the store",
                f"{vacancies['count']}: {vacancies['derived_with_skills']} derived with skills "
                f"({vacancies['derive_with_skills_per_s']}/s), {vacancies['stand_ins']} "
                "stand-ins of them",
            )
        )
    if "failed" in report.get("peer", {}):
        rows.append(("peer txtai", f"failed: {report['peer']['failed']}"))
    elif "peer" in report:
        peer = report["peer"]
        rows.append(
            (
                f"peer txtai {peer['version']}",
                f"{peer['txtai_index']['index']} over {peer['labels']} labels, "
                f"built in {peer['txtai_index']['build_seconds']} s",
            )
        )
        for key, ratio in peer["search_rps_over_txtai"].items():
            ours, theirs = peer["search"]["overstap"][key], peer["search"]["txtai"][key]
            rows.append(
                (
                    f"search {key}: overstap / txtai",
                    f"{ours['rps']} / {theirs['rps']} req/s (×{ratio}), p50 "
                    f"{ours['p50_ms']} / {theirs['p50_ms']} ms",
                )
            )
        agreement = peer["top10_agreement_with_exact"]
        rows.append(
            (
                "top-10 agreement with exact: overstap / txtai",
                f"{agreement['overstap']} / {agreement['txtai']} ({agreement['queries']} queries)",
            )
        )
    for name, value in report["ratios"].items():
        rows.append((f"ratio {name}", str(value)))
    return rows
