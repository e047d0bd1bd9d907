"""koc uses Tortoise through its public API only.

Tortoise renames or drops its private names (``Model._meta``, ``QuerySet._make_query``, ...)
between minor releases without notice, so each use would make an upgrade a porting job. The
check reads koc's syntax trees: a private Tortoise module imported, a private name imported
from Tortoise, a private name Tortoise defines read on anything but ``self`` / ``cls``, or
read, set or overridden inside a class derived from a Tortoise class (a model, a client).
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path

import tortoise

import koc

KOC = Path(koc.__file__).parent

# koc/sqlite.py is a Tortoise engine (the ``engine`` of the SQLite connection). Tortoise has no
# public API for writing one: its client subclasses Tortoise's SQLite client, overrides the hook
# that opens a transaction and sets the connection and lock the base class keeps; and its
# connection and transaction contexts release the lock Tortoise's keep when opening fails
# (``_trxlock``: see koc/sqlite.py).
ALLOWED = {
    ("sqlite.py", "_in_transaction"),
    ("sqlite.py", "_connection"),
    ("sqlite.py", "_lock"),
    ("sqlite.py", "_post_connect"),
    ("sqlite.py", "_trxlock"),
}


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__") and not name.endswith("_")


@functools.cache
def tortoise_private_names() -> frozenset[str]:
    """Every private attribute, method and class name in the installed Tortoise."""
    names: set[str] = set()
    for path in Path(tortoise.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and _private(node.attr):
                names.add(node.attr)
            elif isinstance(
                node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef
            ) and _private(node.name):
                names.add(node.name)
    return frozenset(names)


class _Uses(ast.NodeVisitor):
    """Private Tortoise names in one module, as (line, name)."""

    def __init__(self, private: frozenset[str]) -> None:
        self.private = private
        self.from_tortoise: set[str] = set()  # local names bound by imports from Tortoise
        self.derived: set[str] = set()  # this module's classes derived from Tortoise classes
        self.classes: list[bool] = []  # per enclosing class: derived from Tortoise?
        self.found: list[tuple[int, str]] = []

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.name.split(".")[0] == "tortoise":
                self.found += [(node.lineno, p) for p in alias.name.split(".") if _private(p)]
                self.from_tortoise.add(alias.asname or "tortoise")

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if (node.module or "").split(".")[0] != "tortoise":
            return
        self.found += [(node.lineno, p) for p in node.module.split(".") if _private(p)]
        for alias in node.names:
            if _private(alias.name):
                self.found.append((node.lineno, alias.name))
            self.from_tortoise.add(alias.asname or alias.name)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        bases = {ast.unparse(b).split(".")[0] for b in node.bases}
        derived = bool(bases & (self.from_tortoise | self.derived))
        if derived:
            self.derived.add(node.name)
        self.classes.append(derived)
        self.generic_visit(node)
        self.classes.pop()

    def _in_derived_class(self) -> bool:
        return bool(self.classes) and self.classes[-1]

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        if self._in_derived_class() and node.name in self.private:
            self.found.append((node.lineno, node.name))
        # A method's own body is not the class body, but ``self`` still means the class.
        self.generic_visit(node)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if node.attr in self.private:
            receiver = ast.unparse(node.value)
            on_self = receiver in ("self", "cls") or receiver.startswith("super(")
            if not on_self or self._in_derived_class():
                self.found.append((node.lineno, node.attr))
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        # getattr(client, "_pool") reads a private name as surely as client._pool does
        if (
            isinstance(node.func, ast.Name)
            and node.func.id in ("getattr", "setattr", "hasattr")
            and len(node.args) >= 2
            and isinstance(node.args[1], ast.Constant)
            and node.args[1].value in self.private
        ):
            self.found.append((node.lineno, node.args[1].value))
        self.generic_visit(node)


def private_tortoise_uses(source: str) -> list[tuple[int, str]]:
    uses = _Uses(tortoise_private_names())
    uses.visit(ast.parse(source))
    return sorted(uses.found)


def test_the_check_finds_private_tortoise_names_and_spares_koc_own() -> None:
    # Given a module that reaches into Tortoise in each way, and one with its own private names
    bad = (
        "from tortoise.models import Model\n"
        "import tortoise._internal\n"
        "from tortoise.queryset import _Secret\n"
        "class Member(Model):\n"
        "    def _check(self):\n"
        "        return self._meta\n"
        "def page(qs):\n"
        "    qs._make_query()\n"
        "    return Member._meta.db_table\n"
        "pool = getattr(client, '_pool', None)\n"
    )
    own = "class Cache:\n    def __init__(self):\n        self._meta = {}\n        self._db = 1\n"

    # Then every reach is found, and koc's own private attributes are not
    assert private_tortoise_uses(bad) == [
        (2, "_internal"),
        (3, "_Secret"),
        (5, "_check"),
        (6, "_meta"),
        (8, "_make_query"),
        (9, "_meta"),
        (10, "_pool"),
    ]
    assert private_tortoise_uses(own) == []


def test_koc_uses_no_private_tortoise_name() -> None:
    # Given every module of koc
    found = {
        (str(path.relative_to(KOC)), line, name)
        for path in KOC.rglob("*.py")
        for line, name in private_tortoise_uses(path.read_text())
    }

    # Then none reaches into Tortoise, but for the SQLite engine's declared needs
    assert sorted(f for f in found if (f[0], f[2]) not in ALLOWED) == []
    # and each allowance is still needed
    assert {(f[0], f[2]) for f in found} >= ALLOWED
