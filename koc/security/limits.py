"""The fixed limits every GraphQL document must respect (the cost limit is a setting)."""

from __future__ import annotations

# Nesting of fields, introspection fields not counted.
MAX_DEPTH = 10
# Lexical tokens of a document (names, punctuation, values).
MAX_TOKENS = 2_000
# Aliased fields in a document: aliases are how one request repeats an expensive field.
MAX_ALIASES = 15
