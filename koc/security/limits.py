"""The fixed limits every request must respect (the cost limit and the body size are settings)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

# Nesting of fields, introspection fields not counted.
MAX_DEPTH = 10
# Lexical tokens of a document (names, punctuation, values).
MAX_TOKENS = 2_000
# Aliased fields in a document: aliases are how one request repeats an expensive field.
MAX_ALIASES = 15

# Levels of arrays and objects in a request body, and in a JSON argument. Python's JSON
# decoder and every recursive walk after it give up near a thousand levels with a
# RecursionError; real bodies nest fewer than ten.
MAX_JSON_DEPTH = 32

# Characters of a String argument or input field that does not declare its own @maxLength:
# room for a description or a note, not for a file.
DEFAULT_MAX_LENGTH = 2_000

# Instants a DateTime argument may name. Python's datetime ends at year 9999, so an instant
# near it overflows when converted to UTC or moved by a window; nothing koc records lies
# outside these bounds.
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(2999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)


def nested_deeper_than(value: Any, limit: int) -> bool:
    """Whether ``value`` (decoded JSON) has more than ``limit`` levels of arrays and objects.
    Iterative, so that the check itself cannot run out of stack."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False
