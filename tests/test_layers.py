"""bench's imports run down the layers and form no circle: every ``bench/**/*.py`` is parsed
with ``ast`` (imports inside functions count as much as those at the top), so a lazy import
cannot hide an upward one."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "bench"

#: The layers, lowest first: a module may import its own layer and those below it. The
#: bottom holds the standard-library helpers; ``bench`` itself (its lazy ``load_run``) sits
#: with the CLI at the top. Written down in docs/design.md.
LAYERS = ("config", "geometry", "data", "catalog", "npcnn", "results", "analysis", "run",
          "render", "evaluate", "cli")

#: Modules outside the layer folders, by the layer they belong to (``bench.api``, the Python
#: face of ``bench eval``, sits with it: the callable ``bench.evaluate`` package calls it).
LOOSE = {"bench.config": "config", "bench.checkout": "config", "bench.library_logs": "config",
         "bench.machine": "config", "bench.os_faults": "config", "bench.cli_help": "config",
         "bench.geometry": "geometry", "bench.api": "evaluate",
         "bench.api_models": "evaluate", "bench.pytest_plugin": "evaluate", "bench.cli": "cli",
         "bench": "cli"}

#: Import circles not fixed yet, each as the sorted tuple of its modules, with why.
KNOWN_CIRCLES: list[tuple[str, ...]] = []


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def layer(module: str) -> str:
    return LOOSE.get(module) or module.split(".")[1]


def above(target: str, module: str) -> bool:
    """Whether ``target`` sits in a higher layer than ``module`` (modules in no layer are
    reported by test_every_module_has_a_layer)."""
    layers = layer(target), layer(module)
    return set(layers) <= set(LAYERS) and LAYERS.index(layers[0]) > LAYERS.index(layers[1])


def imports(module: str, source: str | None = None) -> list[tuple[str, int]]:
    """(bench module imported, line) for every import in ``module``, at any depth; ``from
    bench.run import runner`` names bench.run.runner, ``from bench.run.train import fit``
    names bench.run.train."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(source or path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join(parent + ([base] if base else []))
            found += [(f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base,
                       node.lineno) for alias in node.names]
    return [(name, line) for name, line in found if name in MODULES]


def import_graph() -> dict[str, dict[str, int]]:
    """module -> {module it imports: first line}."""
    return {module: {name: line for name, line in sorted(imports(module), key=lambda i: -i[1])
                     if name != module} for module in MODULES}


def circles(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """The strongly connected sets of more than one module (Tarjan), each as an import path
    that returns to its start: [a, b, ..., a]."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in graph[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            members = []
            while True:
                member = stack.pop()
                members.append(member)
                if member == node:
                    break
            if len(members) > 1:
                found.append(_path_through(graph, set(members)))

    for node in graph:
        if node not in index:
            visit(node)
    return found


def _path_through(graph: dict[str, dict[str, int]], members: set[str]) -> list[str]:
    """One import path inside ``members`` from its first module back to it."""
    start = min(members)
    paths = {start: [start]}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for target in graph[node]:
            if target == start:
                return paths[node] + [start]
            if target in members and target not in paths:
                paths[target] = paths[node] + [target]
                queue.append(target)
    raise AssertionError(f"no path back to {start} within {sorted(members)}")


def test_every_module_has_a_layer():
    unknown = sorted(m for m in MODULES if layer(m) not in LAYERS)
    assert not unknown, (f"modules in no layer: {unknown}; add their folder to LAYERS or the "
                         "module to LOOSE (tests/test_layers.py) and docs/design.md")


def test_no_module_imports_a_higher_layer():
    upward = []
    for module in MODULES:
        for target, line in imports(module):
            if above(target, module):
                upward.append(f"{MODULES[module].relative_to(PACKAGE.parent)}:{line}: "
                              f"{module} ({layer(module)}) imports {target} "
                              f"({layer(target)}), a higher layer")
    assert not upward, "imports against the layers:\n" + "\n".join(upward)


def test_no_import_circle():
    graph = import_graph()
    unexplained = [path for path in circles(graph)
                   if tuple(sorted(set(path))) not in KNOWN_CIRCLES]
    lines = [" -> ".join(f"{a} (line {graph[a][b]})" for a, b in zip(path, path[1:], strict=False))
             + f" -> {path[0]}" for path in unexplained]
    assert not unexplained, "import circles:\n" + "\n".join(lines)


def test_the_checker_sees_imports_inside_functions():
    """An import inside a function counts as much as one at the top: bench.cli's
    ``main`` imports its error types there, and they are found."""
    tree = ast.parse(MODULES["bench.cli"].read_text())
    main = next(node for node in tree.body if getattr(node, "name", "") == "main")
    inside = {node.module for node in ast.walk(main) if isinstance(node, ast.ImportFrom)}
    assert inside and inside <= {name for name, _ in imports("bench.cli")}


def test_an_upward_import_inside_a_function_is_caught():
    source = "def f():\n    from ..render import report\n    import bench.cli\n"
    found = imports("bench.results.store", source)
    assert found == [("bench.render.report", 2), ("bench.cli", 3)]
    assert all(above(target, "bench.results.store") for target, _ in found)
    assert not above("bench.catalog.registry", "bench.results.store")


def test_the_circle_finder_finds_a_circle():
    graph = {"a": {"b": 1}, "b": {"c": 2}, "c": {"a": 3}, "d": {"a": 4}}
    assert circles(graph) == [["a", "b", "c", "a"]]


def test_policy_layers_named_in_the_catalog_exist():
    """The catalog names the stock policies' Keras layers by ``module:function`` (so it never
    imports the run layer); every name must be a function of that module."""
    from bench.catalog import POLICIES
    from bench.catalog.policies import Named

    for spec in POLICIES:
        if isinstance(spec.layers, Named):
            module, _, function = spec.layers.target.partition(":")
            assert module in MODULES, f"policy {spec.name}: no module {module}"
            tree = ast.parse(MODULES[module].read_text())
            defined = {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}
            assert function in defined, f"policy {spec.name}: {module} defines no {function}"
