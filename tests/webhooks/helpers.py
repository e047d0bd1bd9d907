"""The events feed, read as a partner or staff would."""

from __future__ import annotations

from typing import Any

from tests.conftest import GraphQLClient

FEED = """query($first: Int, $after: String, $types: [EventType!]) {
  events(first: $first, after: $after, types: $types) {
    totalCount
    pageInfo { endCursor hasNextPage }
    edges { node { id eventId position type occurredAt data payload } }
  }
}"""


async def feed(
    client: GraphQLClient, *, after: str | None = None, types: list[str] | None = None, first=50
) -> dict[str, Any]:
    data = await client.execute(FEED, {"first": first, "after": after, "types": types})
    return data["events"]


def nodes(page: dict[str, Any]) -> list[dict[str, Any]]:
    return [e["node"] for e in page["edges"]]
