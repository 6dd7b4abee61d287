"""Batch work on a local Ray cluster (issue 22): `overstap reindex --ray local` and
`overstap import vacancies --ray local` give the same snapshot and store as on this
machine; a killed actor is retried, a killed driver changes nothing, an unreachable
cluster is a clear error at once.

Real processes throughout: the CLI as a user runs it, a real local Ray cluster with
actors in their own processes, killed with SIGKILL."""

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from numpy.typing import NDArray
from sqlalchemy import text

from indexes.labels import LabelIndex
from indexes.profiles import FOLDER as PROFILES
from indexes.profiles import OccupationProfiles
from indexes.snapshot import SnapshotDirectory
from ontology.store import Store
from tests.conftest import BACKENDS, fresh_database
from tests.support.paths import SHARED_DATA

pytest.importorskip("ray", reason="the ray extra is not installed (`.ci/run` installs it)")

# Local Ray clusters take seconds to start: `make test-all` (CI) runs these.
pytestmark = pytest.mark.slow

CLI = (sys.executable, "-m", "service.cli")
SAME = 0.99999  # cosine of a vector built on the cluster with the one built here
BUILD_FACTS = ("id", "built_at", "files")  # differ between any two builds
ACTOR = "MapBatches(EmbedActor)"
DERIVER = "MapBatches(DeriveActor)"


class Folder:
    """A data folder with its own SQLite store and embedding cache."""

    def __init__(self, root: Path, database_url: str | None = None) -> None:
        root.mkdir(parents=True, exist_ok=True)
        self.root = root
        self.data_dir = root / "var"
        self.database_url = database_url or f"sqlite:///{root / 'store.db'}"
        self.env = {
            **os.environ,
            "HF_HUB_OFFLINE": "1",
            "OVERSTAP_DATA_DIR": str(self.data_dir),
            "OVERSTAP_DATABASE_URL": self.database_url,
        }

    def run(self, *args: str, timeout: float = 900) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*CLI, *args],
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
            timeout=timeout,
        )

    def start(self, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [*CLI, *args],
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )

    def snapshots(self) -> SnapshotDirectory:
        return SnapshotDirectory(self.data_dir / "snapshots")

    def manifest(self) -> dict[str, Any]:
        active = self.snapshots().active_id()
        assert active is not None
        loaded: dict[str, Any] = json.loads(
            (self.data_dir / "snapshots" / active / "manifest.json").read_text()
        )
        return loaded

    def vectors(self) -> dict[str, tuple[list[str], NDArray[np.float32]]]:
        """Each collection's rows (label text and concept) and vectors, and the
        occupation profiles, of the active snapshot."""
        folder = self.data_dir / "snapshots" / str(self.snapshots().active_id())
        found: dict[str, tuple[list[str], NDArray[np.float32]]] = {}
        for name in self.manifest()["collections"]:
            index = LabelIndex.load(folder / name)
            found[name] = ([f"{r.concept}|{r.text}" for r in index.records], index.vectors)
        profiles = OccupationProfiles.load(folder / PROFILES)
        found[PROFILES] = (profiles.uris, profiles.vectors)
        return found

    def cached(self) -> int:
        """Vectors in the embedding cache (read while a job writes it)."""
        path = self.data_dir / "cache" / "embeddings.sqlite"
        if not path.exists():
            return 0
        with sqlite3.connect(path, timeout=5) as db:
            try:
                return int(db.execute("SELECT count(*) FROM vectors").fetchone()[0])
            except sqlite3.OperationalError:  # the table is being created
                return 0

    def entries(self) -> dict[str, dict[str, Any]]:
        """Each stored vacancy's derived data."""
        store = Store(self.database_url)
        try:
            with store.reading() as conn:
                rows = conn.execute(
                    text(
                        "SELECT vacancy_id, embedder, snapshot, vector, occupations, skills "
                        "FROM vacancy_entry"
                    )
                ).all()
        finally:
            store.close()
        return {
            row[0]: {
                "embedder": row[1],
                "vector": np.frombuffer(row[3], dtype=np.float32),
                "occupations": json.loads(row[4]),
                "skills": json.loads(row[5]) if row[5] else None,
            }
            for row in rows
        }


def _cosines(a: NDArray[np.float32], b: NDArray[np.float32]) -> NDArray[np.float32]:
    assert a.shape == b.shape
    return np.asarray(
        (a * b).sum(axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1)),
        dtype=np.float32,
    )


def _facts(manifest: dict[str, Any]) -> dict[str, Any]:
    """A manifest without what differs between any two builds."""
    return {k: v for k, v in manifest.items() if k not in BUILD_FACTS}


def _same_snapshot(here: Folder, there: Folder) -> None:
    ours, theirs = here.vectors(), there.vectors()
    assert ours.keys() == theirs.keys()
    for name, (rows, vectors) in ours.items():
        other_rows, other_vectors = theirs[name]
        assert rows == other_rows, name
        assert float(_cosines(vectors, other_vectors).min()) >= SAME, name
    assert _facts(here.manifest()) == _facts(there.manifest())


def _same_entries(ours: dict[str, dict[str, Any]], theirs: dict[str, dict[str, Any]]) -> None:
    assert ours.keys() == theirs.keys() and ours
    for vacancy, entry in ours.items():
        other = theirs[vacancy]
        assert entry["embedder"] == other["embedder"]
        cosine = float(entry["vector"] @ other["vector"])
        assert cosine >= SAME, vacancy
        assert [u for u, _ in entry["occupations"]] == [u for u, _ in other["occupations"]]
        assert np.allclose(
            [s for _, s in entry["occupations"]], [s for _, s in other["occupations"]], atol=1e-4
        )
        skills = [(s["uri"], s["start"], s["end"]) for s in entry["skills"] or []]
        assert skills == [(s["uri"], s["start"], s["end"]) for s in other["skills"] or []]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Folder, Folder]]:
    """The embedded default re-indexed on this machine and on a local Ray cluster
    (each with an empty cache, so everything is embedded), stored default vacancies
    derived by each."""
    root = tmp_path_factory.mktemp("ray")
    here, there = Folder(root / "here"), Folder(root / "there")
    for folder in (here, there):
        assert folder.run("import", "default").returncode == 0
    done = here.run("reindex")
    assert done.returncode == 0, done.stderr
    on_ray = there.run("reindex", "--ray", "local", "--ray-actors", "2")
    assert on_ray.returncode == 0, on_ray.stderr
    on_ray_output = on_ray.stderr
    there.root.joinpath("reindex.log").write_text(on_ray_output)
    yield here, there


def test_reindex_on_ray_builds_the_same_snapshot(built: tuple[Folder, Folder]) -> None:
    here, there = built
    _same_snapshot(here, there)
    log = (there.root / "reindex.log").read_text()
    # Progress across the cluster: texts done of all, and a rate.
    cluster_lines = [line for line in log.splitlines() if "embedding on the cluster: done" in line]
    assert len(cluster_lines) == 2 and all("/s" in line for line in cluster_lines), log
    assert "deprecated" not in log.lower() and "Traceback" not in log


def test_reindex_on_ray_derives_stored_vacancies_the_same(built: tuple[Folder, Folder]) -> None:
    here, there = built
    log = (there.root / "reindex.log").read_text()
    assert "stored vacancies: deriving for this model on the cluster: done 50/50" in log, log
    _same_entries(here.entries(), there.entries())  # the default's vacancies, caught up


def test_a_warm_reindex_on_ray_embeds_nothing(built: tuple[Folder, Folder]) -> None:
    _, there = built
    warm = there.run("reindex", "--ray", "local")
    assert warm.returncode == 0, warm.stderr
    assert "(0 texts embedded" in warm.stdout
    assert "embedding on the cluster: done" in warm.stderr  # the cache answered all


def _copy(folder: Folder, root: Path) -> Folder:
    """A copy of a folder (store, cache, snapshots): the same starting point twice."""
    shutil.copytree(folder.root, root)
    return Folder(root)


def _vacancies(path: Path, count: int) -> Path:
    from ontology.default import DEFAULT_DATA

    source = [json.loads(line) for line in (DEFAULT_DATA / "vacancies.jsonl").open()]
    with path.open("w") as handle:
        for number in range(count):
            row = dict(source[number % len(source)], id=f"ray-{number}")
            handle.write(json.dumps(row) + "\n")
    return path


FEED = 40


@pytest.fixture(scope="module")
def imported_here(
    built: tuple[Folder, Folder], tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, dict[str, dict[str, Any]]]:
    """A feed of vacancies and what importing it on this machine stores."""
    root = tmp_path_factory.mktemp("import")
    feed = _vacancies(root / "feed.jsonl", FEED)
    local = _copy(built[0], root / "local")
    done = local.run("import", "vacancies", str(feed))
    assert done.returncode == 0, done.stderr
    assert f"{FEED} created" in done.stdout
    return feed, local.entries()


@pytest.mark.parametrize("backend", BACKENDS)
def test_import_vacancies_on_ray_stores_the_same(
    built: tuple[Folder, Folder],
    imported_here: tuple[Path, dict[str, dict[str, Any]]],
    tmp_path: Path,
    backend: str,
) -> None:
    """On SQLite and PostgreSQL (the actors read the store the driver names): the
    default's stored vacancies are caught up and the feed derived on the cluster."""
    feed, expected = imported_here
    with fresh_database(backend, tmp_path) as url:
        folder = Folder(tmp_path / "on-ray", url)
        assert folder.run("import", "default").returncode == 0  # 50 vacancies, not derived
        shutil.copytree(built[0].data_dir, folder.data_dir, dirs_exist_ok=True)  # snapshot, cache
        job = folder.start("import", "vacancies", str(feed), "--ray", "local")
        # Deriving actors at work (not only a stage that says so).
        _wait_for(lambda: bool(_actor_pids(DERIVER)), job, "a deriving actor")
        output, _ = job.communicate(timeout=900)
        assert job.returncode == 0, output
        assert f"{FEED} created" in output
        assert "stored vacancies: deriving for this model on the cluster: done 50/50" in output
        assert f"deriving occupations, skills and vectors on the cluster: done {FEED}/" in output
        entries = folder.entries()
    assert sum(1 for v in entries if v.startswith("ray-")) == FEED
    assert all(e["skills"] for v, e in entries.items() if v.startswith("ray-"))
    _same_entries(expected, entries)


def _wait_for(condition: Any, process: subprocess.Popen[str], what: str) -> None:
    deadline = time.monotonic() + 300
    while not condition():
        assert process.poll() is None, f"ended before {what}: {process.communicate()[0]}"
        assert time.monotonic() < deadline, f"no {what} in 300 s"
        time.sleep(0.2)


def _actor_pids(actor: str = ACTOR) -> list[int]:
    """Processes of ``actor`` (Ray names them after the actor class)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:  # ended meanwhile
                continue
            if actor in command:
                found.append(int(entry.name))
    return found


def test_an_actor_killed_mid_reindex_is_retried(
    built: tuple[Folder, Folder], tmp_path: Path
) -> None:
    here, _ = built
    folder = Folder(tmp_path / "killed-actor")
    assert folder.run("import", "default").returncode == 0
    job = folder.start("reindex", "--ray", "local", "--ray-actors", "2")
    # Some batches written by the driver, so the actor dies mid-job, not at its start.
    victims: list[int] = []

    def working() -> bool:
        victims[:] = _actor_pids()
        return bool(victims) and folder.cached() >= 256

    _wait_for(working, job, "embedded batches")
    os.kill(victims[0], signal.SIGKILL)
    cached_at_kill = folder.cached()
    output, _ = job.communicate(timeout=900)
    assert job.returncode == 0, output
    assert victims[0] not in _actor_pids()
    # The kill came before the cluster's query texts were all embedded.
    assert cached_at_kill < len(set(_query_texts(here))), cached_at_kill
    _same_snapshot(here, folder)  # complete and correct


def test_a_driver_killed_mid_reindex_leaves_the_active_snapshot(
    built: tuple[Folder, Folder], tmp_path: Path
) -> None:
    here, _ = built
    folder = _copy(here, tmp_path / "killed-driver")
    (folder.data_dir / "cache" / "embeddings.sqlite").unlink()  # the job must embed
    for extra in folder.data_dir.joinpath("cache").glob("embeddings.sqlite-*"):
        extra.unlink()
    active = folder.snapshots().active_id()
    job = folder.start("reindex", "--ray", "local")
    _wait_for(lambda: folder.cached() >= 256, job, "embedded batches")
    job.kill()
    job.communicate(timeout=60)
    assert folder.snapshots().active_id() == active
    _same_snapshot(here, folder)  # still loads, same vectors
    assert folder.run("reindex").returncode == 0  # and the next build cleans up and succeeds


def test_an_unreachable_cluster_fails_at_once(tmp_path: Path) -> None:
    from service.bench.server import free_port

    port = free_port()  # nothing listens on it
    folder = Folder(tmp_path / "unreachable")
    for args in (("reindex",), ("import", "vacancies", str(_vacancies(tmp_path / "v.jsonl", 2)))):
        # At once: a hang would overrun the timeout (Python's start and imports fit it).
        done = folder.run(*args, "--ray", f"127.0.0.1:{port}", timeout=60)
        assert done.returncode == 2, done.stderr
        assert f"cannot reach the Ray cluster at 127.0.0.1:{port}" in done.stderr
        assert "Traceback" not in done.stderr


def test_auto_without_a_cluster_is_a_clear_error(tmp_path: Path) -> None:
    folder = Folder(tmp_path / "auto")
    folder.env = {k: v for k, v in folder.env.items() if k != "RAY_ADDRESS"}
    done = folder.run("reindex", "--ray", "auto")
    assert done.returncode == 2, done.stderr
    assert "cannot join the Ray cluster at auto" in done.stderr


MELO = SHARED_DATA / "melo-benchmark-nl"
FIGURES = ("mrr", "map", "success_1", "success_5", "success_10", "queries")


@pytest.mark.skipif(not MELO.is_dir(), reason=f"MELO benchmark not found at {MELO} (CI has it)")
def test_melo_figures_on_ray_are_the_same(tmp_path: Path) -> None:
    """bel_q_nl_c_nl (24,069 labels, 328 queries) embedded on the cluster from an empty
    cache scores as embedded here (the kept test cache, when CI keeps one)."""
    here, there = Folder(tmp_path / "here"), Folder(tmp_path / "there")
    kept = os.environ.get("OVERSTAP_TEST_CACHE_DIR")
    if kept:
        here.data_dir.mkdir(parents=True)
        (Path(kept) / "cache").mkdir(parents=True, exist_ok=True)
        (here.data_dir / "cache").symlink_to(Path(kept) / "cache", target_is_directory=True)
    args = ("evaluate", "melo", "--data", str(MELO), "--dataset", "bel_q_nl_c_nl", "--json")
    done = here.run(*args)
    assert done.returncode == 0, done.stderr
    on_ray = there.run(*args, "--ray", "local")
    assert on_ray.returncode == 0, on_ray.stderr
    assert "bel_q_nl_c_nl: embedding on the cluster: done" in on_ray.stderr
    assert there.cached() == _unique_texts(), "everything was embedded on the cluster"
    ours, theirs = json.loads(done.stdout), json.loads(on_ray.stdout)
    assert {k: round(ours[k], 4) for k in FIGURES} == {k: round(theirs[k], 4) for k in FIGURES}


def _unique_texts() -> int:
    """Distinct texts bel_q_nl_c_nl embeds: corpus labels and cleaned queries."""
    from indexes.title_text import clean_title
    from service.evaluation.melo import load_dataset

    dataset = load_dataset(MELO, "bel_q_nl_c_nl")
    return len({t for _, t in dataset.corpus} | {clean_title(t) for _, t in dataset.queries})


def test_the_ray_benchmark_prints_its_figures(built: tuple[Folder, Folder], tmp_path: Path) -> None:
    """`scripts/ray_bench.py` (docs/scale.md's figures) end to end, small."""
    folder = _copy(built[0], tmp_path / "bench")
    done = subprocess.run(
        [sys.executable, "-m", "scripts.ray_bench", "--texts", "300", "--vacancies", "65"],
        env=folder.env,
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["texts"] == 300 and report["vacancies"] == 65
    figures = report["figures"]
    for mode in ("local_all_cores", "local_1_thread", "ray_1_actors", "ray_2_actors"):
        assert figures[f"embed_{mode}_texts_per_s"] > 0, mode
    for mode in ("local_all_cores", "ray_1_actors", "ray_2_actors"):
        assert figures[f"derive_{mode}_vacancies_per_s"] > 0, mode
    assert set(report["ratios"]) >= {"embed_ray_2_over_local", "embed_overhead_per_batch_ms"}


def _query_texts(folder: Folder) -> list[str]:
    """The query texts a build of the folder's store embeds."""
    from indexes.snapshot import texts_to_embed

    store = Store(folder.database_url)
    try:
        return texts_to_embed(store)["query"]
    finally:
        store.close()
