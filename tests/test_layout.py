"""The layout's rules, read from the source: imports run one way and never in a circle.

Layers, lowest first: ``core`` (settings, database, headers, logs, languages), ``models``,
``services``, ``forms``, ``routes``; the entry points (``app``, ``cli``, ``devserver``) sit on
top. A module may import its own layer and the layers below it, never one above. Every import
counts, also one inside a function: a late import hides a dependency, it does not remove it.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ("core", "models", "services", "forms", "routes", "entry")
ENTRY_POINTS = ("app", "cli", "devserver")
PACKAGES = ("core", "models", "services", "forms", "routes")


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _project_modules() -> dict[str, Path]:
    modules = {name: ROOT / f"{name}.py" for name in ENTRY_POINTS}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            modules[_module_name(path)] = path
    return modules


MODULES = _project_modules()


def _layer(module: str) -> str:
    top = module.split(".")[0]
    return "entry" if top in ENTRY_POINTS else top


def _resolve(name: str) -> str | None:
    """The project module an import names (the deepest one that exists), or None."""
    parts = name.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in MODULES:
            return candidate
        parts.pop()
    return None


def _is_type_checking(node: ast.If) -> bool:
    return isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"


def _imports(module: str, *, runtime_only: bool) -> Iterator[tuple[int, str]]:
    """(line, imported project module) for every import in ``module``."""
    tree = ast.parse(MODULES[module].read_text(), filename=str(MODULES[module]))
    is_package = MODULES[module].name == "__init__.py"
    package = module if is_package else module.rpartition(".")[0]
    skipped = set()
    if runtime_only:
        for node in ast.walk(tree):
            if isinstance(node, ast.If) and _is_type_checking(node):
                skipped.update(id(child) for stmt in node.body for child in ast.walk(stmt))
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            names = [f"{base}.{alias.name}" for alias in node.names] or [base]
        else:
            continue
        for name in names:
            target = _resolve(name)
            if target is not None and target != module:
                yield node.lineno, target


def _graph() -> dict[str, set[str]]:
    return {m: {t for _, t in _imports(m, runtime_only=True)} for m in MODULES}


def test_the_layout_is_found():
    """Guards the guard: an empty module list would make every test here pass."""
    for layer in ("core.config", "models.enums", "services.rsvp", "forms", "routes"):
        assert any(m == layer or m.startswith(layer + ".") for m in MODULES), layer


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_run_downwards(module):
    rank = LAYERS.index(_layer(module))
    upward = [
        f"{MODULES[module].relative_to(ROOT)}:{line} imports {target}"
        for line, target in _imports(module, runtime_only=False)
        if LAYERS.index(_layer(target)) > rank
    ]
    assert not upward, "\n".join(upward)


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one member (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for succ in sorted(graph.get(node, ())):
            if succ not in index:
                visit(succ)
                low[node] = min(low[node], low[succ])
            elif succ in on_stack:
                low[node] = min(low[node], index[succ])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_module_imports_itself_in_a_circle():
    # A package's __init__ that re-exports its modules is not a cycle with them.
    graph = {
        m: {t for t in targets if not (MODULES[t].name == "__init__.py" and m.startswith(t + "."))}
        for m, targets in _graph().items()
    }
    assert _cycles(graph) == []


def test_service_packages_depend_one_way():
    """Between the packages of services/ the arrows point one way too (rsvp → mail, not back)."""
    graph: dict[str, set[str]] = {}
    for module, targets in _graph().items():
        if _layer(module) != "services":
            continue
        source = ".".join(module.split(".")[:2])
        graph.setdefault(source, set()).update(
            ".".join(t.split(".")[:2])
            for t in targets
            if _layer(t) == "services" and ".".join(t.split(".")[:2]) != source
        )
    assert _cycles(graph) == []


def test_the_cycle_finder_finds_cycles():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_tests_share_through_factories_and_plugins_not_each_other():
    """Test data comes from tests/factories.py and fixtures from plugins or a conftest, so no
    test module imports another test module or a conftest."""
    offending = []
    for path in sorted((ROOT / "tests").rglob("*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            else:
                continue
            last = [n.rsplit(".", 1)[-1] for n in names if n.startswith("tests.")]
            if any(part.startswith("test_") or part == "conftest" for part in last):
                offending.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offending == []
