"""koc's dependency graph, read from its source, has no cycle between features.

Every import statement in koc/ is an edge: at module level, inside a function, under
``TYPE_CHECKING``. A feature is a package of koc with its own models (a tortoise app); its
domain (everything but its ``graphql/`` adapter) is one node of the graph and its adapter
another; every other module of koc (``koc.cli``, ``koc.hooks``, ``koc.graphql.schema``, ...)
is a node of its own.

Why a small AST walk rather than import-linter or grimp: it needs no dependency, it sees the
statements a reader sees (function-local imports and ``importlib`` calls included, which an
import-time graph misses), and the three rules below are a few lines each.

The one cycle allowed is between feature adapters: the API is a graph whose types point at
each other (a Member has referrals, a referral has a referrer), and the Member type is
composed from every feature's fields.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from collections.abc import Iterable, Mapping
from pathlib import Path

KOC = Path(__file__).resolve().parents[1] / "koc"
FEATURES = sorted(p.parent.name for p in KOC.glob("*/models.py"))
GRAPHQL_LAYER = ("strawberry", "koc.graphql")


def module_name(path: Path) -> str:
    parts = path.relative_to(KOC.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def node_of(module: str) -> str:
    parts = module.split(".")
    if len(parts) > 1 and parts[1] in FEATURES:
        return ".".join(parts[:3]) if parts[2:3] == ["graphql"] else ".".join(parts[:2])
    return module


def is_adapter(node: str) -> bool:
    parts = node.split(".")
    return len(parts) == 3 and parts[1] in FEATURES and parts[2] == "graphql"


def is_domain(module: str) -> bool:
    node = node_of(module)
    return node.count(".") == 1 and node.split(".")[1] in FEATURES


def imports(tree: ast.Module) -> Iterable[tuple[str, ast.stmt]]:
    """Each module named by an import statement of the tree, with the statement."""
    for stmt in ast.walk(tree):
        if isinstance(stmt, ast.Import):
            for alias in stmt.names:
                yield alias.name, stmt
        elif isinstance(stmt, ast.ImportFrom) and stmt.module and not stmt.level:
            # `from koc.referrals import handlers` names a module; `from x import name` does not
            # hurt: resolving it to the longest known module gives x.
            for alias in stmt.names:
                yield f"{stmt.module}.{alias.name}", stmt


def function_level(tree: ast.Module) -> set[int]:
    """The ids of the statements inside a function."""
    inside: set[int] = set()
    for fn in ast.walk(tree):
        if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
            inside.update(id(n) for n in ast.walk(fn) if n is not fn)
    return inside


def parse_koc() -> dict[str, ast.Module]:
    return {module_name(p): ast.parse(p.read_text(), str(p)) for p in sorted(KOC.rglob("*.py"))}


def resolve(name: str, modules: Mapping[str, object]) -> str | None:
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def edges(modules: Mapping[str, ast.Module]) -> dict[str, dict[str, list[str]]]:
    """node -> node it imports -> where (module:line)."""
    graph: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for module, tree in modules.items():
        for name, stmt in imports(tree):
            target = resolve(name, modules)
            if target is None or target == "koc":
                continue
            a, b = node_of(module), node_of(target)
            if a != b:
                graph[a][b].append(f"{module}:{stmt.lineno}")
    return graph


def cycles(graph: Mapping[str, Iterable[str]]) -> list[set[str]]:
    """The strongly connected components of more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[set[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = set()
            while True:
                w = stack.pop()
                component.add(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(component)

    for v in list(graph):
        if v not in index:
            visit(v)
    return found


def test_the_cycle_finder_finds_a_cycle_and_only_cycles():
    # given a graph with one cycle (a -> b -> c -> a) and a tail leaving it
    graph = {"a": ["b"], "b": ["c"], "c": ["a", "d"], "d": []}
    # when its cycles are found, then the cycle is the one answer
    assert cycles(graph) == [{"a", "b", "c"}]
    assert cycles({"a": ["b"], "b": []}) == []


def test_no_cycle_between_features_or_through_the_rest_of_koc():
    # given every import statement of koc
    graph = edges(parse_koc())
    # when the cycles are found, then only feature adapters (GraphQL types) are in one
    problems = []
    for component in cycles(graph):
        if all(is_adapter(n) for n in component):
            continue
        lines = [
            f"  {a} -> {b}: {', '.join(where)}"
            for a in sorted(component)
            for b, where in sorted(graph[a].items())
            if b in component
        ]
        problems.append("cycle:\n" + "\n".join(lines))
    assert not problems, "\n".join(problems)


def test_feature_domains_stay_below_the_graphql_layer():
    # given the domain modules of every feature (models, services, rules, cli, ...)
    modules = parse_koc()
    found = []
    for module, tree in modules.items():
        if not is_domain(module):
            continue
        # when they import strawberry or koc's GraphQL layer, then that is reported
        for name, stmt in imports(tree):
            target = resolve(name, modules) or name
            if target.startswith(GRAPHQL_LAYER) or is_adapter(node_of(target)):
                found.append(f"{module}:{stmt.lineno} imports {target}")
    assert FEATURES and not found, found


def test_every_dependency_is_an_import_statement_at_the_top():
    # given koc's source
    modules = parse_koc()
    found = []
    for module, tree in modules.items():
        local = function_level(tree)
        for stmt in ast.walk(tree):
            # when a module is imported by name at run time, anywhere in koc, it is reported
            if isinstance(stmt, ast.Call) and ast.unparse(stmt.func) in (
                "importlib.import_module",
                "__import__",
            ):
                found.append(f"{module}:{stmt.lineno} imports by name")
        # and so is a feature (domain or GraphQL adapter) importing koc inside a function: a
        # cycle's hiding place. Adapters that point at each other import the module at the top
        # (`from koc.members.graphql import types as member_types`) and annotate lazily.
        if is_domain(module) or is_adapter(node_of(module)):
            found += [
                f"{module}:{stmt.lineno} imports {name} inside a function"
                for name, stmt in imports(tree)
                if id(stmt) in local and name.startswith("koc.")
            ]
    # then nothing is found
    assert not found, found
