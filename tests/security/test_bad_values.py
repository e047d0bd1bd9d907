"""Every argument of every query and mutation, given the values a careless client or an attacker
sends, gets a typed refusal and writes nothing.

The cases come from ``schema.graphql`` itself: each operation is called by a caller allowed to
call it (the authorization matrix's RULES), with placeholder values for its required arguments
and one bad value at one position (an argument, or an input field at any depth, inside a list
too), by the position's type:

- String: one character over its limit (``@maxLength`` or the default) must be refused naming
  the field; exactly at the limit must not break anything (the limit must fit the column);
- DateTime: instants whose UTC conversion overflows, instants outside the documented range and
  a time without a zone must be refused naming the field; the range's own ends must work;
- ID: every malformed form (not base64, an unknown type, a non-integer key, a key beyond 64 bits)
  must be BAD_USER_INPUT;
- Int / Long: values beyond the type must be BAD_USER_INPUT; the type's own ends, and Floats of
  ±1e308, must not break anything;
- JSON: a value nested hundreds of levels deep must be refused.

A refusal must be a top-level BAD_USER_INPUT or a payload error with code INVALID, and must
leave every table as it was (a trigger counts written rows). No answer may be a 5xx, carry the
production mask of a bug ("Internal server error.") or an error without a code. A type the
generator has no values for fails the test, so does an operation without a rule.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    build_schema,
    get_named_type,
)

from koc.auth.models import PartnerScope, StaffRole
from koc.security.limits import DEFAULT_MAX_LENGTH
from tests.conftest import GraphQLClient, gid
from tests.security.test_authorization_matrix import RULES, Rule, _placeholder, _type_name
from tests.writes import WriteCounter

SCHEMA = build_schema(Path("schema.graphql").read_text())
MASKED = "Internal server error."


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _nested(levels: int) -> Any:
    value: Any = 1
    for _ in range(levels):
        value = {"a": value}
    return value


# type -> (values that must be refused, values that must merely not break anything)
BAD_VALUES: dict[str, tuple[list[Any], list[Any]]] = {
    "DateTime": (
        [
            "9999-12-31T23:00:00-12:00",
            "0001-01-01T00:00:00+14:00",
            "1899-12-31T23:59:59Z",
            "3000-01-01T00:00:00Z",
            "2026-05-01T10:00:00",
            "2026-13-45T10:00:00Z",
        ],
        ["1900-01-01T00:00:00Z", "2999-12-31T23:59:59Z"],
    ),
    "ID": (
        [
            "!!not base64!!",
            _b64("NoSuchType:1"),
            _b64("Member:abc"),
            _b64("Member:1180591620717411303424"),
            _b64("Member:-1"),
            "",
        ],
        [],
    ),
    "Int": ([2**31, -(2**31) - 1], [2**31 - 1, -(2**31)]),
    "Long": ([2**63, -(2**63) - 1], [2**63 - 1, -(2**63)]),
    "Float": ([], [1e308, -1e308]),
    "Date": ([], ["0001-01-01", "9999-12-31"]),
    "JSON": ([_nested(300)], []),
    "Boolean": ([], []),
}


@dataclass(frozen=True)
class Case:
    operation: str  # "Mutation.orderRecord"
    path: tuple[str | int, ...]  # argument, input fields and list indexes
    value: Any
    refused: bool  # must be refused (True) or merely must not break anything

    @property
    def field(self) -> str:
        """The path as errors name it: inside a mutation's ``input``, without ``input``."""
        path = self.path[1:] if self.path[0] == "input" else self.path
        return ".".join(str(p) for p in path)


def _max_length(definition: Any) -> int:
    for directive in getattr(definition.ast_node, "directives", None) or ():
        if directive.name.value == "maxLength":
            return int(directive.arguments[0].value.value)
    return DEFAULT_MAX_LENGTH


def _positions(
    gql_type: Any,
    definition: Any,
    path: tuple[str | int, ...],
    inside: frozenset[str] = frozenset(),
) -> Iterator[tuple[tuple[str | int, ...], str, Any]]:
    """(path, scalar type name, definition) of every scalar position under an argument. A
    recursive input (a rule tree) is walked once: its positions inside itself are the same."""
    while isinstance(gql_type, GraphQLNonNull | GraphQLList):
        if isinstance(gql_type, GraphQLList):
            path = (*path, 0)
        gql_type = gql_type.of_type
    if isinstance(gql_type, GraphQLInputObjectType):
        if gql_type.name in inside:
            return
        for name, field in gql_type.fields.items():
            yield from _positions(field.type, field, (*path, name), inside | {gql_type.name})
    elif isinstance(gql_type, GraphQLScalarType):
        yield path, gql_type.name, definition


def cases(kind: str, name: str, field: GraphQLField) -> Iterator[Case]:
    operation = f"{kind}.{name}"
    for argument, definition in field.args.items():
        for path, scalar, where in _positions(definition.type, definition, (argument,)):
            if scalar == "String":
                limit = _max_length(where)
                yield Case(operation, path, "x" * (limit + 1), refused=True)
                yield Case(operation, path, "x" * limit, refused=False)
                continue
            assert scalar in BAD_VALUES, f"{operation}: give the test bad values of {scalar}"
            refused, extremes = BAD_VALUES[scalar]
            yield from (Case(operation, path, v, refused=True) for v in refused)
            yield from (Case(operation, path, v, refused=False) for v in extremes)


def _with_value(base: Any, gql_type: Any, path: tuple[str | int, ...], case: Case, own_id: str):
    """``base`` (a placeholder for ``gql_type``) with the case's value at ``path``."""
    if not path:
        return case.value
    while isinstance(gql_type, GraphQLNonNull):
        gql_type = gql_type.of_type
    if isinstance(gql_type, GraphQLList):
        item = base[0] if base else _placeholder(gql_type.of_type, own_id)
        return [_with_value(item, gql_type.of_type, path[1:], case, own_id)]
    assert isinstance(gql_type, GraphQLInputObjectType)
    field_type = gql_type.fields[path[0]].type
    inner = base.get(path[0]) if base else None
    if inner is None:
        inner = _placeholder(field_type, own_id)
    return {**(base or {}), path[0]: _with_value(inner, field_type, path[1:], case, own_id)}


def document(kind: str, name: str, field: GraphQLField, case: Case, own_id: str):
    arguments = {
        a: arg
        for a, arg in field.args.items()
        if isinstance(arg.type, GraphQLNonNull) or a == case.path[0]
    }
    variables = {a: _placeholder(arg.type, own_id) for a, arg in arguments.items()}
    head = case.path[0]
    variables[head] = _with_value(
        variables[head], arguments[head].type, case.path[1:], case, own_id
    )
    declared = ", ".join(f"${a}: {_type_name(arg.type)}" for a, arg in arguments.items())
    passed = ", ".join(f"{a}: ${a}" for a in arguments)
    returned = get_named_type(field.type)
    selection = ""
    if isinstance(returned, GraphQLObjectType):
        selection = "{ __typename errors { field code message } }"
        if "errors" not in returned.fields:
            selection = "{ __typename }"
    elif not isinstance(returned, GraphQLScalarType | GraphQLEnumType):
        selection = "{ __typename }"
    query = f"{kind.lower()}({declared}) {{ {name}({passed}) {selection} }}"
    return query, variables


def refusal_problem(body: dict[str, Any], name: str, case: Case) -> str | None:
    """Why ``body`` is not a refusal of ``case`` (None when it is one)."""
    for error in body.get("errors") or []:
        extensions = error.get("extensions") or {}
        if extensions.get("code") in {"BAD_USER_INPUT", "JSON_TOO_DEEP"}:
            field = extensions.get("field")
            if field is None or field == case.field:
                return None
            return f"refused naming {field}, not {case.field}"
    payload = (body.get("data") or {}).get(name) or {}
    for error in payload.get("errors") or []:
        if error["code"] == "INVALID" and error["field"] == case.field:
            return None
    return "not refused"


async def caller(rule: Rule, clients: dict[str, Any], member_client, staff_client, partner_client):
    if rule.staff is not None:
        key = "staff"
    elif rule.scopes or rule.any_partner:
        key = "partner"
    elif rule.member:
        key = "member"
    elif rule == Rule():
        key = "advisor"  # an operation only an ADVISOR may call (memberClaim)
    else:
        key = "anonymous"
    if key not in clients:
        if key == "staff":
            clients[key] = await staff_client(StaffRole.ADMIN)
        elif key == "partner":
            clients[key] = await partner_client(list(PartnerScope))
        elif key == "member":
            clients[key] = await member_client()
        elif key == "advisor":
            clients[key] = await staff_client(StaffRole.ADVISOR)
        else:
            clients[key] = clients["anon"]
    return clients[key]


@pytest.fixture
async def writes(app) -> Any:
    counter = WriteCounter()
    await counter.install()
    yield counter
    await counter.remove()


async def test_every_argument_refuses_bad_values_with_a_code_and_writes_nothing(
    writes, anon_client, member_client, staff_client, partner_client
):
    # given a caller allowed to call each operation (a partner's first call writes its
    # last_used_at, so each caller calls once before the counting starts), and a counter that
    # sees a write (the control)
    clients: dict[str, GraphQLClient] = {"anon": anon_client}
    admin = await staff_client(StaffRole.ADMIN)
    before = await writes.count()
    await admin.execute(
        'mutation { tagGroupCreate(input: {name: "control", family: SOCIAL}) { errors { code } } }'
    )
    assert await writes.count() > before
    failures: list[str] = []
    sent = 0
    for kind, root in (("Query", SCHEMA.query_type), ("Mutation", SCHEMA.mutation_type)):
        for name, field in root.fields.items():
            rule = RULES[f"{kind}.{name}"]
            client = await caller(rule, clients, member_client, staff_client, partner_client)
            await client.post("{ __typename }")
            own_id = client.member_gid if client.member_id is not None else gid("Member", 1)
            for case in cases(kind, name, field):
                query, variables = document(kind, name, field, case, own_id)
                before = await writes.count()

                # when the operation is called with the bad value
                response = await client.post(query, variables)
                sent += 1

                # then the answer is typed, and a refusal wrote nothing
                label = f"{case.operation} {case.field}={json.dumps(case.value)[:60]}"
                text = response.text
                body = response.json()
                untyped = [
                    e for e in body.get("errors") or [] if "code" not in (e.get("extensions") or {})
                ]
                if response.status_code >= 500 or MASKED in text or untyped:
                    failures.append(f"{label}: {response.status_code} {text[:300]}")
                    continue
                if not case.refused:
                    continue
                problem = refusal_problem(body, name, case)
                if problem:
                    failures.append(f"{label}: {problem}: {text[:300]}")
                elif await writes.count() != before:
                    failures.append(f"{label}: refused but wrote rows")
    assert sent > 1000
    assert failures == [], "\n".join(failures)
