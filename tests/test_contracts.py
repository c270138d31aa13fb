"""The layers' import contracts and the absence of import cycles, read from the source (ast)."""

from __future__ import annotations

import ast
import importlib
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

import pytest

PACKAGE = "threadtruth_gui"
ROOT = Path(__file__).resolve().parent.parent / PACKAGE


Graph = Mapping[str, frozenset[str]]


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = path.relative_to(root.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _resolve(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    """The absolute name a (possibly relative) `from ... import` names."""
    if node.level == 0:
        return node.module or ""
    base = module.split(".")
    # a package's own name is the anchor for level 1; a module's is its parent package
    base = base if is_package else base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def imports_of(source: str, module: str, is_package: bool, known: Iterable[str]) -> frozenset[str]:
    """Project modules `source` imports anywhere: at module level, in functions, under
    TYPE_CHECKING. `from pkg import name` counts `pkg.name` when that is a module, else `pkg`."""
    known = set(known)
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(module, is_package, node)
            targets = [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base
                for alias in node.names
            ]
        else:
            continue
        for target in targets:
            # `import a.b.c` also imports a and a.b; the edge that matters is the deepest known
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != module:
                found.add(target)
    return frozenset(found)


def project_graph(root: Path = ROOT) -> dict[str, frozenset[str]]:
    files = {module_name(path, root): path for path in sorted(root.rglob("*.py"))}
    return {
        name: imports_of(path.read_text(encoding="utf-8"), name, path.name == "__init__.py", files)
        for name, path in files.items()
    }


def _in(module: str, layer: str) -> bool:
    full = f"{PACKAGE}.{layer}"
    return module == full or module.startswith(full + ".")


def _is_window_side(module: str) -> bool:
    """What a widget must not reach up to: the window, its dialogs and its controllers."""
    return (
        module in (f"{PACKAGE}.ui.main_window", f"{PACKAGE}.ui.presenter")
        or _in(module, "ui.window")
        or re.fullmatch(rf"{PACKAGE}\.ui\.\w+_dialog", module) is not None
    )


LAYER_RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("engine", ("scenarios", "runs", "lecture", "ui", "cli")),
    ("scenarios", ("runs", "lecture", "ui", "cli")),
    ("runs", ("lecture", "ui", "cli")),
    ("lecture", ("ui", "cli")),
)


def layer_violations(graph: Graph) -> list[str]:
    found = []
    for module, targets in sorted(graph.items()):
        for layer, forbidden in LAYER_RULES:
            if _in(module, layer):
                found += [
                    f"{module} imports {t} ({layer} may not import {f})"
                    for t in sorted(targets)
                    for f in forbidden
                    if _in(t, f)
                ]
        if _in(module, "ui.widgets") or _in(module, "ui.timeline"):
            found += [
                f"{module} imports {t} (widgets may not import the window or dialogs)"
                for t in sorted(targets)
                if _is_window_side(t)
            ]
    return found


def cycles(graph: Graph) -> list[list[str]]:
    """Tarjan's strongly connected components of more than one module (or a self-import)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:  # recursion depth is bounded by the module count (~100)
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1 or node in graph.get(node, ()):
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found



# -- the project itself ------------------------------------------------------------------------


def test_the_graph_sees_every_module_and_relative_and_function_level_imports() -> None:
    graph = project_graph()
    assert f"{PACKAGE}.engine.runner" in graph and f"{PACKAGE}.cli" in graph
    # a function-level import (the download jobs load when a download scenario first runs)
    assert f"{PACKAGE}.scenarios._download_jobs" in graph[f"{PACKAGE}.scenarios._downloads"]


def test_layers_import_only_downwards() -> None:
    assert layer_violations(project_graph()) == []


def test_no_import_cycles_but_the_allowed_ones() -> None:
    assert cycles(project_graph()) == []


@pytest.mark.parametrize("package", ["engine", "scenarios", "runs", "lecture", "ui"])
def test_each_package_names_its_public_surface(package: str) -> None:
    module = importlib.import_module(f"{PACKAGE}.{package}")
    names = module.__all__
    assert names == sorted(names) and len(names) == len(set(names))
    where = getattr(module, "_WHERE", None)
    assert where is None or sorted(where) == names  # the lazy table says the same
    for name in names:
        value = getattr(module, name)
        assert getattr(value, "__module__", module.__name__).startswith(module.__name__)
    assert not hasattr(module, "no_such_name")


# -- the checker can fail: fake graphs ---------------------------------------------------------


def _fake(edges: dict[str, list[str]]) -> dict[str, frozenset[str]]:
    return {f"{PACKAGE}.{m}": frozenset(f"{PACKAGE}.{t}" for t in ts) for m, ts in edges.items()}


@pytest.mark.parametrize(
    ("module", "target"),
    [
        ("engine.runner", "scenarios"),
        ("engine.runner", "runs.child"),
        ("engine.runner", "ui.theme"),
        ("engine.runner", "cli"),
        ("scenarios.bank_race", "runs.runfile"),
        ("scenarios.bank_race", "ui.theme"),
        ("scenarios.bank_race", "cli"),
        ("runs.child", "ui.bridge"),
        ("runs.child", "cli"),
        ("engine.runner", "lecture"),
        ("scenarios.bank_race", "lecture.deck"),
        ("runs.child", "lecture.deck"),
        ("lecture.deck", "ui.theme"),
        ("lecture.deck", "cli"),
        ("ui.widgets.timeline", "ui.main_window"),
        ("ui.widgets.timeline", "ui.compare_dialog"),
        ("ui.widgets.timeline", "ui.window.cursor"),
        ("ui.timeline.view", "ui.main_window"),
    ],
)
def test_each_layer_rule_can_fail(module: str, target: str) -> None:
    graph = _fake({module: [target], target: []})
    assert len(layer_violations(graph)) == 1


def test_allowed_imports_pass() -> None:
    graph = _fake(
        {
            "ui.widgets.timeline": ["ui.theme", "engine.lanes"],
            "runs.child": ["engine.runner", "scenarios"],
            "lecture.preset": ["engine.gate", "scenarios", "runs.child"],
            "scenarios.bank_race": ["engine.plan"],
            "cli": ["ui.app", "runs.child"],
        }
    )
    assert layer_violations(graph) == []


def test_a_cycle_is_found_and_named() -> None:
    graph = _fake({"a": ["b"], "b": ["c"], "c": ["a"], "d": ["a"], "e": ["e"]})
    assert cycles(graph) == [
        [f"{PACKAGE}.a", f"{PACKAGE}.b", f"{PACKAGE}.c"],
        [f"{PACKAGE}.e"],
    ]


def test_relative_and_function_level_imports_are_read() -> None:
    known = {f"{PACKAGE}.engine", f"{PACKAGE}.engine.gate", f"{PACKAGE}.engine.context"}
    source = "from .gate import StepGate\ndef f():\n    from . import context\n"
    assert imports_of(source, f"{PACKAGE}.engine.runner", False, known) == {
        f"{PACKAGE}.engine.gate",
        f"{PACKAGE}.engine.context",
    }
    source = "from ..engine import gate\n"
    assert imports_of(source, f"{PACKAGE}.ui", True, known) == {f"{PACKAGE}.engine.gate"}
