"""The one-way rule, kept true: every import between overstap's own modules points down
the layers, and no modules (or subpackages) import each other in a circle.

Walks the source of the packages as Python will import them (the installed copy, or the
checkout in an editable install) plus ``scripts/`` with ``ast``: every ``import`` and
``from … import`` counts, also those inside functions and under ``TYPE_CHECKING``,
because an import hidden in a function is still a dependency.
"""

import ast
import functools
import importlib.util
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.paths import PACKAGES, REPO_ROOT

# From the top down. A module belongs to the longest prefix listed; it may import its
# own layer or any layer below it, never one above. Within a layer, circles are caught
# by the cycle checks below.
LAYERS = (
    "scripts",
    "service.cli",
    "service.bench",
    "service.evaluation",
    "service.api",
    "service.cluster",
    "service.runtime",
    "service.vacancies",
    "service.match",
    "service.extraction",
    "service.catalog",
    "service.errors",
    "service.schemas",
    "service.logs",
    "service.settings",
    "service",
    "indexes.training",
    "indexes",
    "indexes.embedding",
    "indexes.spare_cores",  # a leaf: the model runtime and the searches spread with it
    "indexes.folders",
    "ontology",
    "models",
)


def _package_root(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    assert spec is not None and spec.submodule_search_locations, f"{name} is not importable"
    return Path(next(iter(spec.submodule_search_locations)))


def _modules() -> dict[str, Path]:
    """Every module of the packages (and scripts/) by dotted name."""
    found: dict[str, Path] = {}
    roots = [(name, _package_root(name)) for name in PACKAGES]
    roots.append(("scripts", REPO_ROOT / "scripts"))
    for name, root in roots:
        for path in sorted(root.rglob("*.py")):
            parts = [name, *path.relative_to(root).with_suffix("").parts]
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def _imports(path: Path, module: str, known: set[str]) -> Iterator[str]:
    """The own modules ``path`` imports."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}".rstrip(".")
            # ``from pkg import module`` imports the module; ``from module import name``
            # imports the module that defines the name.
            targets = [
                f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names
            ]
        else:
            continue
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != module:
                yield target


@functools.cache
def _graph() -> dict[str, set[str]]:
    """Module → the own modules it imports."""
    modules = _modules()
    known = set(modules)
    return {name: set(_imports(path, name, known)) for name, path in modules.items()}


def _layer(module: str) -> int:
    best = max(
        (prefix for prefix in LAYERS if module == prefix or module.startswith(prefix + ".")),
        key=len,
    )
    return LAYERS.index(best)


def _cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """One circle of the graph, or None (iterative depth-first search)."""
    state: dict[str, int] = {}  # 1: on the path, 2: done
    for start in sorted(edges):
        if start in state:
            continue
        path = [start]
        stack = [iter(sorted(edges[start]))]
        state[start] = 1
        while stack:
            target = next(stack[-1], None)
            if target is None:
                state[path.pop()] = 2
                stack.pop()
            elif state.get(target) == 1:
                return [*path[path.index(target) :], target]
            elif target not in state:
                state[target] = 1
                path.append(target)
                stack.append(iter(sorted(edges.get(target, ()))))
    return None


def test_the_walk_sees_the_whole_house() -> None:
    """A guard for the guard: the walk finds the modules and the imports it must judge."""
    edges = _graph()
    assert {"service.api.app", "indexes.embedding.load", "ontology.store"} <= set(edges)
    assert "indexes.embedding.base" in edges["indexes.embedding.onnx.runtime"]
    # An import inside a function counts (the CLI imports the server lazily).
    assert "service.api.app" in edges["service.cli.commands"]
    assert "service.runtime.services" in edges["service.bench.harness"]


def test_every_module_has_a_layer() -> None:
    edges = _graph()
    for module in edges:
        assert _layer(module) >= 0, module


def test_imports_point_down() -> None:
    edges = _graph()
    upward = sorted(
        f"{module} -> {target}"
        for module, targets in edges.items()
        for target in targets
        if _layer(target) < _layer(module)
    )
    assert upward == [], "imports that point up the layers:\n" + "\n".join(upward)


def test_no_module_circles() -> None:
    edges = _graph()
    circle = _cycle(edges)
    assert circle is None, "modules in a circle: " + " -> ".join(circle or [])


@pytest.mark.parametrize("package", PACKAGES)
def test_no_subpackage_circles(package: str) -> None:
    """Subpackages of one package, each taken as a whole, do not import each other in a
    circle either (``service.match`` and ``service.vacancies`` once did, module by
    module without a circle)."""
    edges = _graph()
    depth = package.count(".") + 2

    def room(module: str) -> str:
        return ".".join(module.split(".")[:depth])

    rooms: dict[str, set[str]] = {}
    for module, targets in edges.items():
        if not module.startswith(package + "."):
            continue
        for target in targets:
            if target.startswith(package + ".") and room(target) != room(module):
                rooms.setdefault(room(module), set()).add(room(target))
    circle = _cycle(rooms)
    assert circle is None, "subpackages in a circle: " + " -> ".join(circle or [])


def test_the_rule_catches_a_circle_and_an_upward_import() -> None:
    """The checks themselves fail on what they must refuse."""
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None
    assert _layer("ontology.store") > _layer("service.api.app")
    assert _layer("indexes.embedding.load") > _layer("indexes.training.train")
