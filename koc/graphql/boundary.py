"""Limits on argument values, checked where every operation passes: the boundary.

GraphQL's types say what shape a value has; these checks say how big it may be, for every
argument and input field the schema has, without a list of fields to keep up to date:

- text: at most ``DEFAULT_MAX_LENGTH`` characters, or what the field itself declares with
  ``directives=[MaxLength(chars=n)]`` (printed in ``schema.graphql`` as ``@maxLength(chars: n)``);
- times: with a time zone, and an instant between ``EARLIEST`` and ``LATEST`` (UTC);
- JSON: at most ``MAX_JSON_DEPTH`` levels of arrays and objects;
- IDs: base64 of ``<a Node type>:<a positive 64-bit key>``, as koc issues them.

``ArgumentChecks`` is built once per root field from its signature, by the extension of
``koc.graphql.mutations`` every mutation and root query is written with: a mutation's refusal is
a payload error with code INVALID, a query's a top-level BAD_USER_INPUT error. Both name the
field at fault as payload errors do: its path from the argument (``filter.search``), or from
inside a mutation's ``input`` (``orders.3.occurredAt``).

An ID that is not one is a top-level BAD_USER_INPUT error for mutations too: it is a value of
the wrong type, like the ID that is not even base64, which strawberry refuses while converting
the arguments, before any check here (``public_error`` gives that one its code). A valid ID of
the wrong kind of object is the resolver's to refuse (``koc.graphql.ids``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry import relay
from strawberry.scalars import JSON
from strawberry.schema_directive import Location
from strawberry.types.base import StrawberryList, StrawberryOptional
from strawberry.types.field import StrawberryField
from strawberry.types.lazy_type import LazyType
from strawberry.utils.str_converters import to_camel_case

from koc.errors import DomainError, DomainErrors
from koc.security.limits import (
    DEFAULT_MAX_LENGTH,
    EARLIEST,
    LATEST,
    MAX_JSON_DEPTH,
    nested_deeper_than,
)


@strawberry.schema_directive(
    locations=[Location.ARGUMENT_DEFINITION, Location.INPUT_FIELD_DEFINITION],
    description=f"The most characters this text may have; without it, {DEFAULT_MAX_LENGTH:,}.",
)
class MaxLength:
    chars: int = strawberry.field(description="Characters (Unicode code points).")


class BoundaryErrorCode(StrEnum):
    INVALID = "INVALID"


# Checks a value found at a path; appends what is wrong with it.
Check = Callable[[Any, str, list[DomainError]], None]


def _problem(problems: list[DomainError], path: str, message: str) -> None:
    problems.append(DomainError(BoundaryErrorCode.INVALID, message, path))


def _text(limit: int) -> Check:
    def check(value: str, path: str, problems: list[DomainError]) -> None:
        if len(value) > limit:
            _problem(problems, path, f"At most {limit:,} characters.")

    return check


def _time(value: datetime, path: str, problems: list[DomainError]) -> None:
    if value.utcoffset() is None:
        _problem(problems, path, "Give the time with a time zone, e.g. 2026-05-01T10:00:00+08:00.")
        return
    try:
        instant = value.astimezone(UTC)
    except OverflowError:
        instant = None
    if instant is None or not EARLIEST <= instant <= LATEST:
        _problem(
            problems,
            path,
            f"Times must lie between {EARLIEST:%Y-%m-%d} and {LATEST:%Y-%m-%d} (UTC).",
        )


def checked_time(value: datetime | None, name: str) -> datetime | None:
    """A time argument of a nested field (``ArgumentChecks`` guards root fields' only), held to
    the same rule, in UTC; ``DomainErrors`` naming ``name`` when it breaks it."""
    if value is None:
        return None
    problems: list[DomainError] = []
    _time(value, name, problems)
    if problems:
        raise DomainErrors(problems)
    return value.astimezone(UTC)


def _json(value: Any, path: str, problems: list[DomainError]) -> None:
    if nested_deeper_than(value, MAX_JSON_DEPTH):
        _problem(problems, path, f"JSON may nest at most {MAX_JSON_DEPTH} levels.")


# Names of the types that implement Node: koc.graphql.schema fills it once the schema is built.
NODE_TYPES: set[str] = set()
MAX_KEY = 2**63 - 1  # database keys are signed 64-bit integers
KEY_RE = re.compile(r"[1-9][0-9]{0,18}")


def _global_id(value: relay.GlobalID, path: str, problems: list[DomainError]) -> None:
    key = value.node_id
    if value.type_name not in NODE_TYPES or not KEY_RE.fullmatch(key) or int(key) > MAX_KEY:
        raise GraphQLError(
            "Not a valid ID: IDs are the opaque strings koc returns.",
            extensions={"code": "BAD_USER_INPUT", "field": path},
        )


def _each(item: Check) -> Check:
    def check(values: list[Any], path: str, problems: list[DomainError]) -> None:
        for index, value in enumerate(values):
            if value is not None:
                item(value, _join(path, str(index)), problems)

    return check


def _fields(checks: list[tuple[str, str, Check]]) -> Check:
    def check(value: Any, path: str, problems: list[DomainError]) -> None:
        for python_name, name, field_check in checks:
            found = getattr(value, python_name, None)
            if found is not None and found is not strawberry.UNSET:
                field_check(found, _join(path, name), problems)

    return check


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _max_length(directives: Any) -> int:
    return next((d.chars for d in directives if isinstance(d, MaxLength)), DEFAULT_MAX_LENGTH)


def _check_for(type_: Any, directives: Any) -> Check | None:
    """The check of a value of ``type_`` (None when any value of the type is fine)."""
    if isinstance(type_, LazyType):
        return _check_for(type_.resolve_type(), directives)
    if isinstance(type_, StrawberryOptional):
        return _check_for(type_.of_type, directives)
    if isinstance(type_, StrawberryList):
        item = _check_for(type_.of_type, directives)
        return _each(item) if item else None
    if type_ is str:
        return _text(_max_length(directives))
    if type_ is datetime:
        return _time
    if type_ is JSON:
        return _json
    if type_ is relay.GlobalID:
        return _global_id
    definition = getattr(type_, "__strawberry_definition__", None)
    if definition is None or not definition.is_input:
        return None
    if type_ in _INPUT_CHECKS:
        return _INPUT_CHECKS[type_] or _recursive(type_)
    # A recursive input (a rule tree's ``all: [SegmentRuleInput!]``) meets itself while its
    # check is built: the inner use looks the finished check up when it runs.
    _INPUT_CHECKS[type_] = None
    checks = [
        (f.python_name, f.graphql_name or to_camel_case(f.python_name), check)
        for f in definition.fields
        if (check := _check_for(f.type, f.directives))
    ]
    _INPUT_CHECKS[type_] = _fields(checks) if checks else _nothing
    return _INPUT_CHECKS[type_]


_INPUT_CHECKS: dict[Any, Check | None] = {}


def _nothing(value: Any, path: str, problems: list[DomainError]) -> None:
    return None


def _recursive(type_: Any) -> Check:
    def check(value: Any, path: str, problems: list[DomainError]) -> None:
        found = _INPUT_CHECKS[type_]
        if found is not None:
            found(value, path, problems)

    return check


class ArgumentChecks:
    """The checks of one field's arguments, built from its signature."""

    def __init__(self, field: StrawberryField) -> None:
        # A mutation's ``input`` is the whole request: its fields are named without it.
        self.checks = [
            (
                a.python_name,
                "" if a.python_name == "input" else a.graphql_name or to_camel_case(a.python_name),
                check,
            )
            for a in field.arguments
            if (check := _check_for(a.type, a.directives))
        ]

    def problems(self, kwargs: dict[str, Any]) -> list[DomainError]:
        """What is wrong with the (converted) arguments ``kwargs``; empty when nothing is."""
        problems: list[DomainError] = []
        for python_name, name, check in self.checks:
            value = kwargs.get(python_name)
            if value is not None and value is not strawberry.UNSET:
                check(value, name, problems)
        return problems

    def raise_problems(self, kwargs: dict[str, Any]) -> None:
        """Raise ``DomainErrors`` naming every bad argument value in ``kwargs``."""
        if problems := self.problems(kwargs):
            raise DomainErrors(problems)
