"""Small helpers for the creators tests: partner reports and the KOC operations."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.conftest import GraphQLClient, gid

_ids = itertools.count(1)

ORDER = """
mutation($input: OrderRecordInput!) { orderRecord(input: $input) { errors { code message } } }
"""
REFUND = """
mutation($input: OrderRefundInput!) { orderRefund(input: $input) { errors { code message } } }
"""
EVENT = """
mutation($input: MemberEventRecordInput!) {
  memberEventRecord(input: $input) { errors { code message } }
}
"""
APPLY = """
mutation($input: KocApplyInput!) {
  kocApply(input: $input) {
    application { id status kind rolesWanted statement links }
    errors { field code message }
  }
}
"""
NOMINATE = """
mutation($input: KocNominateInput!) {
  kocNominate(input: $input) {
    application { id status kind rolesWanted }
    errors { field code message }
  }
}
"""
REVIEW = """
mutation($input: KocApplicationReviewInput!) {
  kocApplicationReview(input: $input) {
    application { id status rolesGranted rejectionReason reviewedBy }
    koc { status roles certificate { number issuedAt } }
    errors { field code message }
  }
}
"""
CAMPAIGN_CREATE = """
mutation($input: KocCampaignCreateInput!) {
  kocCampaignCreate(input: $input) {
    campaign { id title role status capacity participantCount spotsLeft
               audience { minScore rule segment { id } } }
    errors { field code message }
  }
}
"""
JOIN = """
mutation($id: ID!) {
  kocCampaignJoin(input: {campaignId: $id}) {
    campaign { id participantCount joined }
    errors { field code message }
  }
}
"""
SUBMIT = """
mutation($input: KocSubmissionCreateInput!) {
  kocSubmissionCreate(input: $input) {
    submission { id text links mediaUrls rating }
    errors { field code message }
  }
}
"""
SUBMISSION_REVIEW = """
mutation($input: KocSubmissionReviewInput!) {
  kocSubmissionReview(input: $input) {
    submission { id rating reviewComment }
    errors { field code message }
  }
}
"""


def ago(days: float) -> str:
    return (datetime.now(UTC) - timedelta(days=days)).isoformat()


def later(days: float) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


async def order(
    partner: GraphQLClient, member_id: int, cents: int, days_ago: float = 1, external_id: str = ""
) -> str:
    external_id = external_id or f"ORD-{next(_ids)}"
    data = await partner.execute(
        ORDER,
        {
            "input": {
                "externalId": external_id,
                "member": {"memberId": gid("Member", member_id)},
                "amountCents": cents,
                "category": "vehicle",
                "occurredAt": ago(days_ago),
            }
        },
    )
    assert data["orderRecord"]["errors"] == []
    return external_id


async def refund(partner: GraphQLClient, order_external_id: str) -> None:
    data = await partner.execute(
        REFUND,
        {
            "input": {
                "externalId": f"REF-{next(_ids)}",
                "orderExternalId": order_external_id,
                "occurredAt": ago(0),
            }
        },
    )
    assert data["orderRefund"]["errors"] == []


async def event(
    partner: GraphQLClient,
    member_id: int,
    kind: str,
    days_ago: float = 1,
    payload: dict[str, Any] | None = None,
    external_id: str = "",
) -> None:
    data = await partner.execute(
        EVENT,
        {
            "input": {
                "externalId": external_id or f"EVT-{next(_ids)}",
                "member": {"memberId": gid("Member", member_id)},
                "kind": kind,
                "occurredAt": ago(days_ago),
                "payload": payload or {},
            }
        },
    )
    assert data["memberEventRecord"]["errors"] == []


async def apply(member: GraphQLClient, roles: list[str], statement: str = "I love the car.") -> Any:
    return (await member.execute(APPLY, {"input": {"roles": roles, "statement": statement}}))[
        "kocApply"
    ]


async def review(staff: GraphQLClient, application_id: str, **fields: Any) -> Any:
    data = await staff.execute(REVIEW, {"input": {"applicationId": application_id, **fields}})
    return data["kocApplicationReview"]


async def make_koc(member: GraphQLClient, staff: GraphQLClient, roles: list[str]) -> dict[str, Any]:
    """Apply and approve: the member ends ACTIVE with ``roles``."""
    applied = await apply(member, roles)
    assert applied["errors"] == [], applied
    reviewed = await review(staff, applied["application"]["id"], decision="APPROVE")
    assert reviewed["errors"] == [], reviewed
    return reviewed


async def create_campaign(staff: GraphQLClient, **fields: Any) -> dict[str, Any]:
    values = {
        "title": "Spring road-trip story challenge",
        "brief": "Post a story of your best road trip with the car.",
        "role": "CONTENT",
        "startsAt": ago(1),
        "endsAt": later(14),
        **fields,
    }
    data = await staff.execute(CAMPAIGN_CREATE, {"input": values})
    return data["kocCampaignCreate"]
