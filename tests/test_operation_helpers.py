"""The one way to write a mutation or a root query (koc.graphql.mutations).

Checked over the whole schema, so an operation written by hand fails here; and the helper's
own behaviour, on a small schema of its own: a code the payload's enum lacks is an error,
never passed off as INVALID.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from types import SimpleNamespace
from typing import Any

import pytest
import strawberry
from graphql import GraphQLEnumType, GraphQLList, GraphQLNonNull, GraphQLObjectType
from strawberry.types.field import StrawberryField

from koc.auth.viewer import MemberViewer, StaffViewer
from koc.errors import DomainError, ErrorCode
from koc.graphql.enums import enum_type
from koc.graphql.errors import UnknownErrorCode, error_type, errors_of
from koc.graphql.mutations import (
    DomainErrorsAsBadInput,
    DomainErrorsAsPayload,
    Payload,
    Public,
    mutation,
    query,
)
from koc.graphql.schema import schema


def _root_fields(type_name: str) -> Iterator[tuple[str, StrawberryField]]:
    for name in schema._schema.get_type(type_name).fields:  # type: ignore[union-attr]
        yield name, schema.get_field_for_type(name, type_name)  # type: ignore[misc]


def _misfits(type_name: str, conforms: Callable[[str, StrawberryField], bool]) -> list[str]:
    """Fields of the root type that do not conform."""
    return [name for name, field in _root_fields(type_name) if not conforms(name, field)]


def _payload_errors_are_typed(name: str) -> bool:
    """``errors: [XxxError!]!`` whose ``code`` is the feature's enum, in the served schema."""
    payload = schema._schema.mutation_type.fields[name].type  # type: ignore[union-attr]
    errors = payload.of_type.fields["errors"].type if isinstance(payload, GraphQLNonNull) else None
    if not (isinstance(errors, GraphQLNonNull) and isinstance(errors.of_type, GraphQLList)):
        return False
    item = errors.of_type.of_type
    if not (isinstance(item, GraphQLNonNull) and isinstance(item.of_type, GraphQLObjectType)):
        return False
    code = item.of_type.fields["code"].type
    return isinstance(code, GraphQLNonNull) and isinstance(code.of_type, GraphQLEnumType)


def test_every_mutation_uses_the_helper_and_returns_a_payload_with_typed_errors():
    def conforms(name: str, field: StrawberryField) -> bool:
        return (
            any(isinstance(e, DomainErrorsAsPayload) for e in field.extensions)
            and isinstance(field.type, type)
            and issubclass(field.type, Payload)
            and _payload_errors_are_typed(name)
        )

    assert _misfits("Mutation", conforms) == []


def test_every_root_query_uses_the_helper():
    def conforms(name: str, field: StrawberryField) -> bool:
        return name == "node" or any(
            isinstance(e, DomainErrorsAsBadInput) for e in field.extensions
        )

    assert _misfits("Query", conforms) == []


# --- the helper's behaviour, on a schema of its own ---------------------------------------------


class ProbeCode(ErrorCode):
    INVALID = "INVALID", "The probe's input is wrong."


class ForeignCode(ErrorCode):
    INVALID = "INVALID", "Another feature's INVALID."
    UNHEARD_OF = "UNHEARD_OF", "A code ProbeCode lacks."


ProbeError = error_type("ProbeError", ProbeCode, "What the probe refused.")


@strawberry.type(description="Result of probe.")
class ProbePayload(Payload[ProbeError]):
    seen_by: int | None = strawberry.field(default=None, description="The member who called.")


@strawberry.input(description="What the probe raises.")
class ProbeInput:
    code: str = strawberry.field(default="", description="A ForeignCode to raise, or none.")


@strawberry.type
class ProbeMutation:
    @mutation(allow=Public, description="Raise the code named, or answer who called.")
    async def probe(self, viewer: MemberViewer | StaffViewer, input: ProbeInput) -> ProbePayload:
        if input.code:
            raise DomainError(ForeignCode(input.code), "Refused.", "code")
        return ProbePayload(seen_by=getattr(viewer, "member_id", None))


@strawberry.type
class ProbeQuery:
    @query(allow=Public, description="Raise the code named, or answer OK.")
    def ping(self, code: str = "") -> str:
        if code:
            raise DomainError(ForeignCode(code), "Refused.", "code")
        return "OK"


probe_schema = strawberry.Schema(query=ProbeQuery, mutation=ProbeMutation)
PROBE = "mutation($code: String!) { probe(input: {code: $code}) { seenBy errors { field code } } }"


async def _probe(code: str) -> Any:
    context = SimpleNamespace(viewer=MemberViewer(member_id=7))
    return await probe_schema.execute(PROBE, {"code": code}, context_value=context)


async def test_a_domain_error_becomes_the_payloads_errors():
    # given a service raising another feature's INVALID, which the payload's enum also has
    # when
    result = await _probe("INVALID")
    # then it is the payload's error, and nothing else went wrong
    assert result.errors is None
    assert result.data == {
        "probe": {"seenBy": None, "errors": [{"field": "code", "code": "INVALID"}]}
    }


async def test_a_code_the_payloads_enum_lacks_is_an_error_not_invalid():
    # given a service raising a code the payload's enum does not have
    # when
    result = await _probe("UNHEARD_OF")
    # then the mutation fails loudly (a top-level error, masked in production) with no payload
    assert result.data is None
    assert [type(e.original_error) for e in result.errors or []] == [UnknownErrorCode]


async def test_the_viewer_is_handed_in_and_is_no_argument():
    result = await _probe("")
    assert result.data == {"probe": {"seenBy": 7, "errors": []}}
    arguments = probe_schema._schema.mutation_type.fields["probe"].args  # type: ignore[union-attr]
    assert list(arguments) == ["input"]
    # an input argument without a description of its own takes its type's
    assert arguments["input"].description == "What the probe raises."


async def test_a_query_turns_a_domain_error_into_bad_user_input():
    result = await probe_schema.execute('{ ping(code: "INVALID") }')
    assert result.data is None
    assert [(e.message, e.extensions) for e in result.errors or []] == [
        ("Refused.", {"code": "BAD_USER_INPUT", "field": "code"})
    ]
    assert (await probe_schema.execute("{ ping }")).data == {"ping": "OK"}


def test_errors_of_places_an_items_error_at_its_index():
    error = DomainError(ForeignCode.INVALID, "Refused.", "member.memberId")
    (found,) = errors_of(error, ProbeError, at="orders.3")
    assert (found.field, found.code) == ("orders.3.member.memberId", ProbeCode.INVALID)
    (whole,) = errors_of(DomainError(ForeignCode.INVALID, "Refused."), ProbeError, at="orders.3")
    assert whole.field == "orders.3"


def test_an_enum_value_left_undescribed_fails_at_import():
    class Colour(ErrorCode):
        RED = "RED", "Red."
        BLUE = "BLUE", "Blue."

    with pytest.raises(TypeError, match=r"missing \['BLUE'\]"):
        enum_type(Colour, "Colours.", RED="Red.")
    with pytest.raises(TypeError, match="description"):

        class Shade(ErrorCode):  # an error code without its description
            DARK = "DARK"
