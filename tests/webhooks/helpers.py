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


CREATE = """mutation($input: WebhookSubscriptionCreateInput!) {
  webhookSubscriptionCreate(input: $input) {
    subscription { id url eventTypes active partnerTokenId }
    secret
    errors { field code message }
  }
}"""
UPDATE = """mutation($input: WebhookSubscriptionUpdateInput!) {
  webhookSubscriptionUpdate(input: $input) {
    subscription { id active disabledReason } errors { field code message } } }"""
RETRY = """mutation($id: ID!) { webhookDeliveryRetry(id: $id) {
  attempt { statusCode manual latencyMs } errors { field code message } } }"""
REPLAY = """mutation($input: WebhookSubscriptionReplayInput!) {
  webhookSubscriptionReplay(input: $input) { replayedCount errors { field code message } } }"""
DELIVERIES = """query($sub: ID!) { webhookDeliveries(subscriptionId: $sub, first: 50) {
  totalCount edges { node { id eventId eventType position status attempts nextAttemptAt
  lastStatusCode lastError deliveredAt } } } }"""
ATTEMPTS = """query($d: ID!) { webhookAttempts(deliveryId: $d, first: 50) {
  edges { node { statusCode latencyMs responseBody error manual } } } }"""
SUBSCRIPTIONS = """{ webhookSubscriptions(first: 50) { totalCount edges { node { id url } } } }"""


async def subscribe(
    client: GraphQLClient, url: str, types: list[str] | None = None, **extra: Any
) -> tuple[str, str]:
    """A new subscription's id and secret (the creation must succeed)."""
    data = await client.execute(CREATE, {"input": {"url": url, "eventTypes": types or [], **extra}})
    result = data["webhookSubscriptionCreate"]
    assert result["errors"] == [], result
    return result["subscription"]["id"], result["secret"]


async def deliveries(client: GraphQLClient, subscription_id: str) -> list[dict[str, Any]]:
    data = await client.execute(DELIVERIES, {"sub": subscription_id})
    return [e["node"] for e in data["webhookDeliveries"]["edges"]]
