"""GraphQL enums with a description for every value.

A domain enum (``koc.<feature>.models``) knows nothing of GraphQL; its GraphQL type is made
here, next to the feature's other types, with each value described::

    StaffRole = enum_type(
        models.StaffRole,
        "What a staff account may do.",
        ANALYST="Reads members, programs and reports.",
        OPERATOR="Also changes members and programs.",
        ADMIN="Also manages staff accounts and partner tokens.",
    )

Error codes carry their descriptions themselves (``koc.errors.ErrorCode``).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import TypeVar

import strawberry

E = TypeVar("E", bound=type[Enum])


def describe_values(py_enum: type[Enum], descriptions: Mapping[str, str]) -> None:
    """Give each value of the strawberry enum ``py_enum`` its description, by member name.
    Every member must have one and no other name may appear: a new member fails here, at
    import, rather than reaching the schema undocumented."""
    names = {m.name for m in py_enum}
    if names != set(descriptions):
        raise TypeError(
            f"{py_enum.__name__}: describe every value; missing {sorted(names - set(descriptions))}"
            f", not values {sorted(set(descriptions) - names)}"
        )
    for value in py_enum.__strawberry_definition__.values:  # type: ignore[attr-defined]
        value.description = descriptions[value.name]


def enum_type(py_enum: E, description: str, /, *, name: str | None = None, **values: str) -> E:
    """The GraphQL enum of ``py_enum`` (named ``name``, default the class name), described as a
    whole and value by value (keyword arguments named after the members)."""
    strawberry.enum(py_enum, name=name, description=description)
    describe_values(py_enum, values)
    return py_enum
