"""Small helpers for the badges tests: operations as a client sends them, and partner feeds."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from koc.orders.models import Order
from koc.worker import run_pending_jobs
from tests.conftest import GraphQLClient, random_code

BADGE_CREATE = """
mutation($input: BadgeCreateInput!) {
  badgeCreate(input: $input) {
    badge { id code family level rule threshold kocRole visible active }
    job { id status }
    errors { field code message }
  }
}"""

BADGE_UPDATE = """
mutation($input: BadgeUpdateInput!) {
  badgeUpdate(input: $input) {
    badge { id code name rule threshold active }
    job { id status }
    errors { field code message }
  }
}"""

BADGE_AWARD = """
mutation($input: BadgeAwardInput!) {
  badgeAward(input: $input) {
    award { source reason revokedAt awardedBy badge { code } }
    errors { field code message }
  }
}"""

BADGE_REVOKE = """
mutation($input: BadgeAwardInput!) {
  badgeRevoke(input: $input) {
    award { source revokedAt badge { code } }
    errors { field code message }
  }
}"""

MY_BADGES = """
{ me {
    badges { badge { code } source reason awardedAt qrToken { token expiresAt } }
    badgeProgress { badge { code } current target }
} }"""

ORDER_RECORD = """
mutation($input: OrderRecordInput!) {
  orderRecord(input: $input) { order { id } errors { field code message } }
}"""

EVENT_RECORD = """
mutation($input: MemberEventRecordInput!) {
  memberEventRecord(input: $input) { replayed errors { field code message } }
}"""


async def create_badge(staff: GraphQLClient, **fields: Any) -> dict[str, Any]:
    values = {"code": f"B_{random_code().upper()}", "name": "A badge", **fields}
    payload = (await staff.execute(BADGE_CREATE, {"input": values}))["badgeCreate"]
    assert payload["errors"] == [], payload["errors"]
    await run_pending_jobs()  # the award to every member the rule admits
    return payload


JOB = "query($id: ID!) { job(id: $id) { status summary } }"


async def job_of(staff: GraphQLClient, payload: dict[str, Any]) -> dict[str, Any]:
    return (await staff.execute(JOB, {"id": payload["job"]["id"]}))["job"]


async def my_badges(member: GraphQLClient) -> dict[str, Any]:
    return (await member.execute(MY_BADGES))["me"]


def codes(me: dict[str, Any]) -> list[str]:
    return sorted(b["badge"]["code"] for b in me["badges"])


async def record_order(
    partner: GraphQLClient, member_gid: str, *, occurred_at: datetime | None = None
) -> dict[str, Any]:
    payload = (
        await partner.execute(
            ORDER_RECORD,
            {
                "input": {
                    "externalId": random_code(),
                    "member": {"memberId": member_gid},
                    "amountCents": 29_900_000,
                    "category": "vehicle",
                    "occurredAt": (occurred_at or datetime.now(UTC)).isoformat(),
                }
            },
        )
    )["orderRecord"]
    assert payload["errors"] == [], payload["errors"]
    return payload["order"]


async def record_event(
    partner: GraphQLClient,
    member_gid: str,
    kind: str,
    external_id: str | None = None,
    occurred_at: datetime | None = None,
) -> dict[str, Any]:
    payload = (
        await partner.execute(
            EVENT_RECORD,
            {
                "input": {
                    "externalId": external_id or random_code(),
                    "member": {"memberId": member_gid},
                    "kind": kind,
                    "occurredAt": (occurred_at or datetime.now(UTC)).isoformat(),
                }
            },
        )
    )["memberEventRecord"]
    assert payload["errors"] == [], payload["errors"]
    return payload


async def orders_of(partner: GraphQLClient, *members: GraphQLClient) -> list[Order]:
    """Report one order per member given (repeat a member for several); the stored rows."""
    orders = []
    for member in members:
        await record_order(partner, member.member_gid)
        orders.append(await Order.filter(member_id=member.member_id).order_by("-id").first())
    return orders
