"""The layout as a contract, read from the source with `ast`, so that it holds without importing.

- The ground (`crypto`, then `audit`, then `core`) imports no app: every arrow points down.
- No import circle between modules, counting the imports made inside functions (a deferred
  import is still a circle, only one that fails later); imports under `if TYPE_CHECKING:` are
  for the type checker alone and are left out.
- Nothing below the top (`ops`, `bench`, and the project's own `urls`, `settings`, `wsgi`, `cli`)
  imports the top.
- No product app holds benchmark code; the matching engine keeps its own, which imports no Django.
- No module over 500 lines, outside migrations.

Run as `python -m tests.core.test_layout` it prints the layers and every arrow between apps.
"""

import ast
import os
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pytest

# The source is the same whichever database runs the suite: read it on the SQLite half alone
# (the condition of tests.conftest.SQLITE_HALF_ONLY, which this module does not import so that
# it also runs as a script, without Django).
pytestmark = pytest.mark.skipif(
    "postgres" in os.environ.get("HAVEN_DATABASE_URL", ""),
    reason="reads the source, not the database: run on the SQLite half",
)

PACKAGE = Path(__file__).resolve().parents[2] / "haven"
GROUND = ("crypto", "audit", "core")
# What each part of the ground may lean on, besides itself.
GROUND_BELOW = {"crypto": set(), "audit": {"crypto"}, "core": {"crypto", "audit"}}
TOP = {"ops", "bench", "urls", "settings", "wsgi", "cli", "asgi"}
MAX_LINES = 500


@dataclass
class Graph:
    modules: dict[str, Path]
    imports: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _import_nodes(tree: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    found: list[ast.Import | ast.ImportFrom] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for branch in node.orelse:
                visit(branch)
            return
        if isinstance(node, ast.Import | ast.ImportFrom):
            found.append(node)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def _source_files() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts)


def _graph() -> Graph:
    graph = Graph(modules={_module_name(path): path for path in _source_files()})

    def resolve(name: str) -> str | None:
        while name and name not in graph.modules:
            name = name.rpartition(".")[0]
        return name or None

    for module, path in graph.modules.items():
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        for node in _import_nodes(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                base = node.module or ""
                if node.level:
                    parts = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                    base = ".".join([*parts, *([base] if base else [])])
                names = [f"{base}.{alias.name}" for alias in node.names]
            for name in names:
                target = resolve(name) if name.startswith("haven") else None
                if target and target != module and target != "haven":
                    graph.imports[module].add(target)
    return graph


def _app(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def _circles(graph: Graph) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, without recursion)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []
    counter = 0
    for root in sorted(graph.modules):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.imports[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.imports[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    circles.append(sorted(component))
    return circles


def _a_loop(graph: Graph, component: list[str]) -> list[str]:
    """One concrete loop through a component, to say where to cut."""
    inside = set(component)
    start = component[0]
    previous: dict[str, str] = {}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for child in sorted(graph.imports[node] & inside):
            if child == start:
                loop = [node]
                while loop[-1] != start:
                    loop.append(previous[loop[-1]])
                return [start, *reversed(loop[:-1]), start]
            if child not in previous:
                previous[child] = node
                queue.append(child)
    return component


@pytest.fixture(scope="module")
def graph() -> Graph:
    return _graph()


def test_the_ground_imports_no_app(graph: Graph) -> None:
    upward = [
        f"{module} -> {target}"
        for module, targets in sorted(graph.imports.items())
        if _app(module) in GROUND
        for target in sorted(targets)
        if _app(target) != _app(module) and _app(target) not in GROUND_BELOW[_app(module)]
    ]
    assert not upward, "the ground imports upwards:\n" + "\n".join(upward)


def test_no_import_circle(graph: Graph) -> None:
    circles = _circles(graph)
    described = [" -> ".join(_a_loop(graph, c)) + f"  ({len(c)} modules)" for c in circles]
    assert not circles, "import circles:\n" + "\n".join(described)


def test_nothing_below_the_top_imports_it(graph: Graph) -> None:
    upward = [
        f"{module} -> {target}"
        for module, targets in sorted(graph.imports.items())
        if _app(module) not in TOP
        for target in sorted(targets)
        if _app(target) in TOP
    ]
    assert not upward, "imports of the top from below:\n" + "\n".join(upward)


def test_no_product_app_holds_benchmark_code(graph: Graph) -> None:
    misplaced = [
        module
        for module in sorted(graph.modules)
        if "bench" in module.rpartition(".")[2]
        and _app(module) != "bench"
        and not module.startswith("haven.matching.engine.")
    ]
    assert not misplaced, "benchmark code inside product apps:\n" + "\n".join(misplaced)


def _leans_on_django(graph: Graph, module: str, seen: set[str]) -> list[str]:
    """The chain of imports from ``module`` to Django, if there is one."""
    if module in seen:
        return []
    seen.add(module)
    path = graph.modules[module]
    for node in _import_nodes(ast.parse(path.read_text(), str(path))):
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module]
        if any(name and name.split(".")[0] == "django" for name in names):
            return [module, "django"]
    for target in sorted(graph.imports[module]):
        if chain := _leans_on_django(graph, target, seen):
            return [module, *chain]
    return []


def test_the_engine_and_its_bench_import_no_django(graph: Graph) -> None:
    """The engine stands alone: it may use the ground's Django-free modules (places), no app."""
    engine = [m for m in graph.modules if m.startswith("haven.matching.engine")]
    outside = sorted(
        f"{module} -> {target}"
        for module in engine
        for target in graph.imports[module]
        if not target.startswith("haven.matching.engine") and _app(target) not in GROUND
    )
    assert not outside, "the engine imports apps:\n" + "\n".join(outside)
    seen: set[str] = set()
    chains = [
        " -> ".join(chain) for m in sorted(engine) if (chain := _leans_on_django(graph, m, seen))
    ]
    assert not chains, "the engine leans on Django:\n" + "\n".join(chains)


def test_no_module_over_500_lines() -> None:
    long = [
        f"{path.relative_to(PACKAGE.parent)}: {lines} lines"
        for path in _source_files()
        if (lines := len(path.read_text().splitlines())) > MAX_LINES
    ]
    assert not long, f"modules over {MAX_LINES} lines:\n" + "\n".join(long)


def _report() -> None:
    graph = _graph()
    arrows: dict[str, set[str]] = defaultdict(set)
    for module, targets in graph.imports.items():
        for target in targets:
            if _app(module) != _app(target):
                arrows[_app(module)].add(_app(target))
    print(f"{len(graph.modules)} modules, {sum(map(len, graph.imports.values()))} imports")
    print("ground:", " < ".join(GROUND), "| top:", ", ".join(sorted(TOP)))
    for app in sorted({_app(m) for m in graph.modules}):
        print(f"  {app:14} -> {', '.join(sorted(arrows[app])) or '(nothing)'}")
    circles = _circles(graph)
    print(f"circles: {len(circles)}")
    for component in circles:
        print("  " + " -> ".join(_a_loop(graph, component)))


if __name__ == "__main__":
    _report()
    sys.exit(0)
