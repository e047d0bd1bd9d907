"""Turning global IDs from inputs into database ids, with a typed error for the wrong kind."""

from __future__ import annotations

from enum import StrEnum

from strawberry import relay

from koc.errors import DomainError


class InputErrorCode(StrEnum):
    INVALID = "INVALID"


def decode_id(gid: relay.GlobalID, type_name: str, field: str) -> int:
    """The integer id inside ``gid``, which must name a ``type_name``."""
    if gid.type_name != type_name:
        raise DomainError(InputErrorCode.INVALID, f"Expected the ID of a {type_name}.", field)
    try:
        return int(gid.node_id)
    except ValueError as exc:
        raise DomainError(InputErrorCode.INVALID, f"Not a valid {type_name} ID.", field) from exc


def decode_ids(gids: list[relay.GlobalID], type_name: str, field: str) -> list[int]:
    return [decode_id(g, type_name, field) for g in gids]
