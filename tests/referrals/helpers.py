"""GraphQL operations and small steps shared by the referral tests."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.conftest import GraphQLClient, gid

_ids = itertools.count(1)

BIND = """
mutation($input: ReferralBindInput!) {
  referralBind(input: $input) {
    referral { id milestone reviewStatus expiresAt refereeName }
    errors { field code message }
  }
}"""

MY_CODE = "{ me { referralCode { code scene wecomState vanity active } } }"

ORDER = """
mutation($input: OrderRecordInput!) {
  orderRecord(input: $input) { order { id externalId status } replayed errors { field code message } }
}"""

REFUND = """
mutation($input: OrderRefundInput!) {
  orderRefund(input: $input) { order { status refundedCents } errors { field code message } }
}"""

EVENT = """
mutation($input: MemberEventRecordInput!) {
  memberEventRecord(input: $input) { event { id } errors { field code message } }
}"""

REFERRALS = """
query($filter: ReferralFilterInput, $first: Int) {
  referrals(filter: $filter, first: $first) {
    totalCount
    edges { node {
      id milestone reviewStatus fraudSignals refereeName channel code
      referrer { id } referee { id }
      steps { kind note }
      conversions { amountCents status ordinal }
      rewards { id role kind points privilege status tier note }
    } }
  }
}"""

ISSUE_DUE = "mutation { rewardsIssueDue { issuedCount failedCount errors { code } } }"

POINTS = """
query($id: ID!) { member(id: $id) { pointsBalance pointsNegativeSince
  pointsLedger(first: 100) { edges { node { delta balanceAfter reason reference } } } } }"""


def now() -> datetime:
    return datetime.now(UTC)


def iso(at: datetime) -> str:
    return at.isoformat()


async def code_of(client: GraphQLClient) -> str:
    return (await client.execute(MY_CODE))["me"]["referralCode"]["code"]


async def bind(client: GraphQLClient, code: str, channel: str = "SHARE", **extra: Any) -> dict:
    data = await client.execute(BIND, {"input": {"code": code, "channel": channel, **extra}})
    return data["referralBind"]


async def record_order(
    partner: GraphQLClient,
    member_id: int,
    amount_cents: int = 300_000_00,
    *,
    category: str = "vehicle",
    external_id: str | None = None,
    occurred_at: datetime | None = None,
    referral_code: str | None = None,
    currency: str = "CNY",
) -> dict:
    order_input: dict[str, Any] = {
        "externalId": external_id or f"o-{next(_ids)}",
        "member": {"memberId": gid("Member", member_id)},
        "amountCents": amount_cents,
        "currency": currency,
        "category": category,
        "occurredAt": iso(occurred_at or now()),
    }
    if referral_code is not None:
        order_input["referralCode"] = referral_code
    data = await partner.execute(ORDER, {"input": order_input})
    assert not data["orderRecord"]["errors"], data
    return data["orderRecord"]


async def refund(
    partner: GraphQLClient, order_external_id: str, amount_cents: int | None = None
) -> dict:
    data = await partner.execute(
        REFUND,
        {
            "input": {
                "externalId": f"r-{next(_ids)}",
                "orderExternalId": order_external_id,
                "amountCents": amount_cents,
                "occurredAt": iso(now()),
            }
        },
    )
    assert not data["orderRefund"]["errors"], data
    return data["orderRefund"]


async def record_event(
    partner: GraphQLClient, member_id: int, kind: str, occurred_at: datetime | None = None
) -> None:
    data = await partner.execute(
        EVENT,
        {
            "input": {
                "externalId": f"e-{next(_ids)}",
                "member": {"memberId": gid("Member", member_id)},
                "kind": kind,
                "occurredAt": iso(occurred_at or now()),
            }
        },
    )
    assert not data["memberEventRecord"]["errors"], data


async def referrals_of(staff: GraphQLClient, referrer_id: int) -> list[dict]:
    data = await staff.execute(
        REFERRALS, {"filter": {"referrerId": gid("Member", referrer_id)}, "first": 100}
    )
    return [e["node"] for e in data["referrals"]["edges"]]


async def make_due(hours_ago: int = 1) -> None:
    """End the hold of every reward (as if its hold days had passed)."""
    from koc.referrals.models import ReferralReward

    await ReferralReward.all().update(due_at=now() - timedelta(hours=hours_ago))
