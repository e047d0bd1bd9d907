"""The schema executes with koc's FastExecutionContext (koc/graphql/fastexec.py), which runs
plain attribute fields and lean resolvers without graphql-core's per-field path. It may only be
faster: for every query document koc knows (the bench's home and staff-list documents, every
query under examples/, every list query and every root query generated from the schema the way
tests/security/test_authorization_matrix.py builds them), every kind of caller and generated
variables, the HTTP answer is byte for byte graphql-core's general executor's, errors and their
paths included, with the same status, media type and statement count.

Mutations are left out: running one twice changes what the second run reads."""

from __future__ import annotations

import dataclasses
import enum
import re
from pathlib import Path
from typing import Any

import pytest
import strawberry
from graphql import OperationDefinitionNode, OperationType, parse, print_ast
from graphql.utilities import type_from_ast
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from bench.queries import HOME_QUERY
from koc.auth.models import PartnerScope, StaffRole
from koc.creators.models import KocProfile
from koc.graphql.fastexec import FastExecutionContext
from koc.graphql.lean import use_lean_resolvers
from koc.graphql.schema import schema
from koc.members.models import Member
from tests.conftest import make_member
from tests.security.test_authorization_matrix import _document, _operations, _placeholder
from tests.sqlcount import count_statements, list_queries
from tests.test_list_statement_counts import seeded  # noqa: F401  (the fixture)

# Answers that carry the time they were made: that value is left out of the comparison.
TIME_OF_ANSWER = re.compile(rb'"exportedAt":"[^"]*"')
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


class _Fast(FastExecutionContext):
    """The fast context, counting the executions it ran (a control: the comparison is not
    between two runs of the same executor)."""

    ran = 0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        type(self).ran += 1
        super().__init__(*args, **kwargs)


class _General(StrawberryGraphQLCoreExecutionContext):
    ran = 0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        type(self).ran += 1
        super().__init__(*args, **kwargs)


CALLERS = [
    "anonymous",
    "member",
    "staff:ADMIN",
    "staff:ANALYST",
    "staff:OPERATOR",
    "staff:ADVISOR",
    "partner:every-scope",
    "partner:members-read",
]


def _variables(operation: OperationDefinitionNode, own_id: str, first: int) -> dict[str, Any]:
    """Values of the operation's variables: ``first`` for page sizes, the caller's own member
    for IDs, a placeholder of the right type for the rest (optional ones left out)."""
    found: dict[str, Any] = {}
    for definition in operation.variable_definitions or ():
        name = definition.variable.name.value
        type_ = type_from_ast(schema._schema, definition.type)
        if name == "first":
            found[name] = first
        elif definition.type.kind == "non_null_type" and definition.default_value is None:
            found[name] = _placeholder(type_, own_id)
    return found


def _example_queries() -> list[tuple[str, OperationDefinitionNode, str]]:
    """(name, operation, text) of each query of examples/, alone in its document with the
    file's fragments."""
    found = []
    for path in sorted(EXAMPLES.rglob("*.graphql")):
        document = parse(path.read_text())
        fragments = [d for d in document.definitions if d.kind == "fragment_definition"]
        for definition in document.definitions:
            if (
                isinstance(definition, OperationDefinitionNode)
                and definition.operation is OperationType.QUERY
            ):
                text = "\n".join(print_ast(d) for d in [definition, *fragments])
                name = definition.name.value if definition.name else "?"
                found.append((f"{path.parent.name}/{path.name}:{name}", definition, text))
    return found


def _documents(
    arguments: dict[str, str], own_id: str, pages: tuple[int, ...]
) -> list[tuple[str, str, dict[str, Any]]]:
    """(name, query, variables) of every document compared, lists at each page size."""
    documents: list[tuple[str, str, dict[str, Any]]] = [("home", HOME_QUERY, {})]
    for name, operation, text in _example_queries():
        for first in (2, 100):
            documents.append((f"{name} first={first}", text, _variables(operation, own_id, first)))
    for field, parts in list_queries(schema._schema, arguments).items():
        for part, query in parts.items():
            for first in pages:
                documents.append((f"{field}.{part} first={first}", query, {"first": first}))
    for kind, name, definition in _operations():
        if kind == "Query":
            query, variables = _document(kind, name, definition, own_id)
            documents.append((f"{kind}.{name}", query, variables))
    return documents


async def _answer(client: Any, query: str, variables: dict[str, Any]) -> tuple[Any, ...]:
    with count_statements() as counter:
        response = await client.post(query, variables)
    body = TIME_OF_ANSWER.sub(b'"exportedAt":"-"', response.content)
    return response.status_code, response.headers["content-type"], body, counter.count


async def _caller(caller: str, member_client, staff_client, partner_client) -> Any:  # noqa: ANN001
    if caller == "member":
        profile = await KocProfile.all().order_by("id").first()
        assert profile is not None
        return await member_client(await Member.get(id=profile.member_id))
    if caller == "staff:ADVISOR":
        advisor = await staff_client(StaffRole.ADVISOR)
        owned = await make_member(owner_id=advisor.staff_id)
        return dataclasses.replace(advisor, member_id=owned.id)
    if caller.startswith("staff:"):
        return await staff_client(StaffRole(caller.split(":")[1]))
    if caller == "partner:every-scope":
        return await partner_client(list(PartnerScope))
    return await partner_client([PartnerScope.MEMBERS_READ])


@pytest.mark.parametrize("caller", CALLERS)
async def test_the_fast_executor_answers_as_graphql_core_does(
    monkeypatch,
    anon_client,
    member_client,
    staff_client,
    partner_client,
    seeded,  # noqa: F811
    caller,
):
    # Given the seeded lists and one caller of each kind
    assert schema.execution_context_class is FastExecutionContext
    client = (
        anon_client
        if caller == "anonymous"
        else await _caller(caller, member_client, staff_client, partner_client)
    )
    own_id = client.member_gid if client.member_id is not None else "TWVtYmVyOjE="
    differences = []
    compared = 0
    _Fast.ran = _General.ran = 0
    # every page size for one caller, full pages for the others (the suite's time)
    pages = (1, 100) if caller == "staff:ADMIN" else (100,)
    for name, query, variables in _documents(seeded, own_id, pages):
        # When the document is answered by the general executor, once to warm up (some fields
        # make rows on their first read, e.g. referral codes) and once to compare, then by the
        # fast one
        monkeypatch.setattr(schema, "execution_context_class", _General)
        await _answer(client, query, variables)
        general = await _answer(client, query, variables)
        monkeypatch.setattr(schema, "execution_context_class", _Fast)
        fast = await _answer(client, query, variables)
        monkeypatch.undo()
        # Then the answers are the same bytes, with the same statements
        compared += 1
        if fast != general:
            differences.append((name, general, fast))
    assert differences == []
    assert compared > 100
    # and both executors ran (a document refused before execution runs neither)
    assert 2 * _Fast.ran == _General.ran > compared


# ---- The fast path's own error paths, on a small schema --------------------------------------
# koc's documents rarely reach them (its plain fields hold plain values), so a schema whose
# attributes raise, change between reads, fail to serialise or are null for a non-null field
# proves them, beside aliases, fragments, directives and introspection.


@strawberry.enum
class _Color(enum.Enum):
    RED = "red"


class _Row:
    reads = 0  # every read of a property, by either executor

    def __init__(self, i: int) -> None:
        self.i = i
        self.name = f"n{i}"
        self.maybe = None
        self.color = "not a colour" if i == 1 else _Color.RED
        self.big = 2**40 if i == 2 else i
        self.missing = None  # a null for a non-null field

    @property
    def boom(self) -> str:
        _Row.reads += 1
        raise ValueError("boom")

    @property
    def flaky(self) -> str | None:
        _Row.reads += 1
        return None if _Row.reads % 2 else "x"  # null on the first read, a value on the second


@strawberry.type
class _T:
    i: int
    name: str
    maybe: str | None
    color: _Color
    big: int
    boom: str
    flaky: str
    missing: str

    @strawberry.field
    def lean_name(self) -> str:
        return self.name

    @strawberry.field
    def lean_none(self) -> str:
        return None  # type: ignore[return-value]

    @strawberry.field
    async def lean_async(self) -> int:
        return 2**40

    @strawberry.field
    def lean_raise(self) -> str | None:
        raise ValueError("lean")


@strawberry.type
class _Query:
    @strawberry.field
    def items(self) -> list[_T]:
        return [_Row(0), _Row(1), _Row(2)]  # type: ignore[list-item]

    @strawberry.field
    def one(self) -> _T | None:
        return _Row(0)  # type: ignore[return-value]


def _small_schema(context: type) -> strawberry.Schema:
    small = strawberry.Schema(query=_Query, execution_context_class=context)
    use_lean_resolvers(small._schema, small.config)
    return small


SMALL_DOCUMENTS = (
    "{ items { i name a: name maybe color } }",
    "{ items { big } }",
    "{ items { boom } }",
    "{ one { flaky } }",
    "{ one { missing i } items { i } }",
    "{ items { __typename i ... on T { i name } ...F } } fragment F on T { name @skip(if: true)"
    " maybe @include(if: false) color }",
    "query($s: Boolean!) { items { name @skip(if: $s) i @include(if: $s) } }",
    "{ items { leanName leanNone } }",
    "{ items { leanAsync leanRaise } }",
    "{ items { i x: leanName y: leanName } }",
    '{ __schema { queryType { name } } __type(name: "T") { fields { name } } }',
)


@pytest.mark.parametrize("document", SMALL_DOCUMENTS)
async def test_the_fast_paths_errors_are_graphql_cores(document: str) -> None:
    # Given the same small schema under each executor
    answers = []
    for context in (StrawberryGraphQLCoreExecutionContext, FastExecutionContext):
        _Row.reads = 0
        # When the document runs
        result = await _small_schema(context).execute(document, variable_values={"s": True})
        errors = [(e.message, e.path) for e in result.errors or ()]
        answers.append((result.data, errors, _Row.reads))
    # Then data, errors with their paths, and the reads of each attribute are the same
    assert answers[0] == answers[1]
