"""Scalars beyond GraphQL's built-ins; ``SCALAR_MAP`` goes into the schema's config."""

from __future__ import annotations

from typing import NewType

import strawberry


def _parse_long(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError("Long must be an integer")
    number = int(value)
    if not -(2**63) <= number < 2**63:
        raise ValueError("Long must fit in 64 bits")
    return number


# GraphQL's Int is 32-bit: a year of car sales in cents (tens of billions) does not fit.
Long = NewType("Long", int)

SCALAR_MAP = {
    Long: strawberry.scalar(
        name="Long",
        description="A 64-bit integer, e.g. a sum of money in cents. Sent as a JSON number "
        "(exact up to 2^53).",
        serialize=int,
        parse_value=_parse_long,
    )
}
