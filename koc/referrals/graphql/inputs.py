"""GraphQL inputs of the referrals feature."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry import relay

from koc.referrals.graphql.types import (
    Milestone,
    QualifyingOrders,
    ReferralChannel,
    ReferralPeriod,
    RefusalReason,
    ReviewDecision,
    ReviewStatus,
    RewardStatus,
)


@strawberry.input(
    description="Bind the signed-in member to the referrer whose code they arrived with."
)
class ReferralBindInput:
    code: str = strawberry.field(
        description="The referral code, or the share scene (`r=CODE`) or WeCom state "
        "(`koc_r_CODE`) that carried it."
    )
    channel: ReferralChannel = strawberry.field(description="How the member arrived.")  # type: ignore[valid-type]
    device_id: str | None = strawberry.field(
        default=None, description="A device id from the client (1-64 characters), for fraud checks."
    )
    risk_rank: int | None = strawberry.field(
        default=None,
        description="WeChat's user risk rank (0-4) for this member, if the caller has it.",
    )


@strawberry.input(
    description="Give a member a vanity code, or enable or disable one of their codes."
)
class ReferralCodeSetInput:
    member_id: relay.GlobalID = strawberry.field(description="The Member.")
    code: str = strawberry.field(description="4-20 letters, digits or hyphens (upper-cased).")
    active: bool = strawberry.field(default=True, description="False disables the code.")


@strawberry.input(description="Give a referral to another referrer.")
class ReferralReattributeInput:
    referral_id: relay.GlobalID = strawberry.field(description="The Referral.")
    referrer_id: relay.GlobalID = strawberry.field(description="The Member who gets the credit.")
    reason: str = strawberry.field(description="Why, 1-500 characters (audited).")


@strawberry.input(description="A staff decision on a flagged referral.")
class ReferralReviewInput:
    referral_id: relay.GlobalID = strawberry.field(description="The Referral.")
    decision: ReviewDecision = strawberry.field(description="APPROVE or REJECT.")  # type: ignore[valid-type]
    note: str = strawberry.field(default="", description="Why (required to reject), max 500.")


@strawberry.input(description="A reward tier.")
class RewardTierInput:
    from_conversion: int = strawberry.field(
        description="From this conversion number in the period on (the first tier is 1)."
    )
    referrer_points: int = strawberry.field(description="Points to the referrer.")
    referee_points: int = strawberry.field(default=0, description="Points to the referee.")
    privilege: str | None = strawberry.field(
        default=None, description="A privilege (id or code) to grant the referrer."
    )


@strawberry.input(description="Changes to the referral program; omitted fields stay as they are.")
class ReferralProgramUpdateInput:
    qualifying_orders: QualifyingOrders | None = strawberry.field(  # type: ignore[valid-type]
        default=None, description="FIRST_ORDER or EVERY_ORDER."
    )
    min_amount_cents: int | None = strawberry.field(
        default=None, description="Orders below this amount do not convert."
    )
    categories: list[str] | None = strawberry.field(
        default=None, description="Only these categories convert; [] for any."
    )
    tier_period: ReferralPeriod | None = strawberry.field(  # type: ignore[valid-type]
        default=None, description="The period conversions are counted in for tiers."
    )
    tiers: list[RewardTierInput] | None = strawberry.field(
        default=None, description="The reward tiers (replace the current ones)."
    )


@strawberry.input(description="Ban a member from referring, or lift the ban.")
class ReferrerStatusSetInput:
    member_id: relay.GlobalID = strawberry.field(description="The Member.")
    banned: bool = strawberry.field(description="True bans, false lifts the ban.")
    reason: str = strawberry.field(default="", description="Why (required to ban), max 500.")


@strawberry.input(description="Issue a reward before its hold ends, or reject it.")
class RewardReviewInput:
    reward_id: relay.GlobalID = strawberry.field(description="The ReferralReward.")
    decision: ReviewDecision = strawberry.field(description="APPROVE issues it now; REJECT.")  # type: ignore[valid-type]
    note: str = strawberry.field(default="", description="Why (required to reject), max 500.")


@strawberry.input(description="Issue the rewards whose hold has passed.")
class RewardsIssueDueInput:
    limit: int = strawberry.field(default=1000, description="At most this many (1-100000).")


@strawberry.input(description="Which referrals to list. All given conditions must hold.")
class ReferralFilterInput:
    referrer_id: relay.GlobalID | None = strawberry.field(
        default=None, description="Brought by this Member."
    )
    referee_id: relay.GlobalID | None = strawberry.field(
        default=None, description="This Member as the referee."
    )
    milestone: Milestone | None = strawberry.field(default=None, description="At this milestone.")  # type: ignore[valid-type]
    review_status: ReviewStatus | None = strawberry.field(  # type: ignore[valid-type]
        default=None, description="PENDING lists the fraud review queue."
    )
    bound_from: datetime | None = strawberry.field(default=None, description="Bound at or after.")
    bound_to: datetime | None = strawberry.field(default=None, description="Bound before.")


@strawberry.input(description="Which rewards to list.")
class ReferralRewardFilterInput:
    member_id: relay.GlobalID | None = strawberry.field(
        default=None, description="Earned by this Member."
    )
    status: RewardStatus | None = strawberry.field(default=None, description="In this status.")  # type: ignore[valid-type]


@strawberry.input(description="Which binding attempts to list.")
class ReferralAttemptFilterInput:
    referee_id: relay.GlobalID | None = strawberry.field(
        default=None, description="Made by this Member."
    )
    refused: bool | None = strawberry.field(
        default=None, description="True: refused only; false: accepted only."
    )
    refusal: RefusalReason | None = strawberry.field(  # type: ignore[valid-type]
        default=None, description="Refused for this reason."
    )
