"""Mutations of the referrals feature: binding (members) and staff operations (OPERATOR)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from koc.auth.viewer import MemberViewer, StaffViewer
from koc.graphql.errors import errors_of
from koc.graphql.ids import decode_id
from koc.graphql.mutations import Payload, mutation
from koc.graphql.permissions import IsMember, IsOperator
from koc.referrals import rules
from koc.referrals.binding import bind_referral, reattribute, refusal_error, set_referrer_banned
from koc.referrals.codes import set_code
from koc.referrals.graphql.inputs import (
    ReferralBindInput,
    ReferralCodeSetInput,
    ReferralProgramUpdateInput,
    ReferralReattributeInput,
    ReferralReviewInput,
    ReferrerStatusSetInput,
    RewardReviewInput,
    RewardsIssueDueInput,
)
from koc.referrals.graphql.types import (
    Referral,
    ReferralCode,
    ReferralError,
    ReferralProgram,
    ReferralReward,
    ReferrerStatus,
    ReviewDecisionValue,
    referrer_status,
)
from koc.referrals.program import ProgramChange, update_program
from koc.referrals.rewards import decide_reward, issue_due_rewards, review_referral


@strawberry.type(description="Result of referralBind.")
class ReferralBindPayload(Payload[ReferralError]):
    # Declared again for its description: unlike other refusals, a refused binding is
    # recorded (the attempt and its reason), and the member's existing binding comes back.
    errors: list[ReferralError] = strawberry.field(  # type: ignore[valid-type]
        default_factory=list,
        description="What was wrong; a refused binding has its refusal reason as the code.",
    )
    referral: Referral | None = strawberry.field(
        default=None,
        description="The member's binding: the new one, or the one they already had (also when "
        "a later code was refused with ALREADY_BOUND).",
    )


@strawberry.type(description="Result of referralCodeSet.")
class ReferralCodeSetPayload(Payload[ReferralError]):
    referral_code: ReferralCode | None = strawberry.field(default=None, description="The code.")


@strawberry.type(description="Result of referralReattribute and referralReview.")
class ReferralPayload(Payload[ReferralError]):
    referral: Referral | None = strawberry.field(default=None, description="The referral.")


@strawberry.type(description="Result of referralProgramUpdate.")
class ReferralProgramUpdatePayload(Payload[ReferralError]):
    program: ReferralProgram | None = strawberry.field(default=None, description="The program.")


@strawberry.type(description="Result of referrerStatusSet.")
class ReferrerStatusSetPayload(Payload[ReferralError]):
    referrer_status: ReferrerStatus | None = strawberry.field(  # type: ignore[valid-type]
        default=None, description="The member's referrer status now."
    )


@strawberry.type(description="Result of rewardReview.")
class RewardReviewPayload(Payload[ReferralError]):
    reward: ReferralReward | None = strawberry.field(default=None, description="The reward.")


@strawberry.type(description="Result of rewardsIssueDue.")
class RewardsIssueDuePayload(Payload[ReferralError]):
    issued_count: int = strawberry.field(default=0, description="Rewards issued.")
    failed_count: int = strawberry.field(
        default=0, description="Rewards that could not be granted (now FAILED, with a note)."
    )


def _tiers(input: ReferralProgramUpdateInput) -> list[rules.RewardTier] | None:
    if input.tiers is None:
        return None
    return [
        rules.RewardTier(
            from_conversion=t.from_conversion,
            referrer_points=t.referrer_points,
            referee_points=t.referee_points,
            privilege=t.privilege.strip() if t.privilege else None,
        )
        for t in input.tiers
    ]


@strawberry.type
class Mutation:
    @mutation(
        allow=IsMember,
        description="Bind the signed-in member to the referrer whose code they arrived with "
        "(first touch wins). A refusal is recorded and returned as an error whose code is the "
        "reason: SELF_REFERRAL, SAME_IDENTITY, ALREADY_CUSTOMER, REFERRER_PAUSED, "
        "REFERRER_BANNED, UNKNOWN_CODE, CODE_DISABLED, ALREADY_BOUND.",
    )
    async def referral_bind(
        self,
        viewer: MemberViewer,
        input: Annotated[
            ReferralBindInput, strawberry.argument(description="The operation's input.")
        ],
    ) -> ReferralBindPayload:
        result = await bind_referral(
            viewer.member_id,
            input.code,
            input.channel,
            device_id=input.device_id,
            risk_rank=input.risk_rank,
        )
        referral = Referral.from_model(result.referral) if result.referral else None
        if result.refusal is None:
            return ReferralBindPayload(referral=referral)
        # A refusal is an answer, not a failure: the payload carries it with the binding.
        refused = errors_of(refusal_error(result.refusal), ReferralError)
        return ReferralBindPayload(referral=referral, errors=refused)

    @mutation(
        allow=IsOperator,
        description="Give a member (typically a KOC) a vanity code, or enable or disable one of "
        "their codes (OPERATOR, audited). Earlier codes keep working until disabled.",
    )
    async def referral_code_set(
        self,
        viewer: StaffViewer,
        input: Annotated[
            ReferralCodeSetInput, strawberry.argument(description="The operation's input.")
        ],
    ) -> ReferralCodeSetPayload:
        member_id = decode_id(input.member_id, "Member", "memberId")
        code = await set_code(member_id, input.code, input.active, actor=viewer)
        return ReferralCodeSetPayload(referral_code=ReferralCode.from_model(code))

    @mutation(
        allow=IsOperator,
        description="Give a referral to another referrer, with a reason (OPERATOR, audited). "
        "Standing conversions and unissued referrer rewards follow it.",
    )
    async def referral_reattribute(
        self,
        viewer: StaffViewer,
        input: Annotated[
            ReferralReattributeInput, strawberry.argument(description="The operation's input.")
        ],
    ) -> ReferralPayload:
        referral_id = decode_id(input.referral_id, "Referral", "referralId")
        referrer_id = decode_id(input.referrer_id, "Member", "referrerId")
        referral = await reattribute(referral_id, referrer_id, input.reason, actor=viewer)
        return ReferralPayload(referral=Referral.from_model(referral))

    @mutation(
        allow=IsOperator,
        description="Decide a flagged referral (OPERATOR, audited). APPROVE: its held rewards "
        "resume their hold. REJECT: its rewards are rejected and its orders stop counting as "
        "referred.",
    )
    async def referral_review(
        self,
        viewer: StaffViewer,
        input: Annotated[
            ReferralReviewInput, strawberry.argument(description="The operation's input.")
        ],
    ) -> ReferralPayload:
        referral_id = decode_id(input.referral_id, "Referral", "referralId")
        approve = input.decision is ReviewDecisionValue.APPROVE
        referral = await review_referral(referral_id, approve, input.note, actor=viewer)
        return ReferralPayload(referral=Referral.from_model(referral))

    @mutation(
        allow=IsOperator,
        description="Change the referral program: qualifying orders, minimum amount, "
        "categories, reward tiers and their period (OPERATOR, audited).",
    )
    async def referral_program_update(
        self,
        viewer: StaffViewer,
        input: Annotated[
            ReferralProgramUpdateInput, strawberry.argument(description="The operation's input.")
        ],
    ) -> ReferralProgramUpdatePayload:
        change = ProgramChange(
            qualifying=input.qualifying_orders,
            min_amount_cents=input.min_amount_cents,
            categories=input.categories,
            tier_period=input.tier_period,
            tiers=_tiers(input),
        )
        program = await update_program(change, actor=viewer)
        return ReferralProgramUpdatePayload(program=ReferralProgram.from_model(program))

    @mutation(
        allow=IsOperator,
        description="Ban a member from referring (new bindings to them are refused with "
        "REFERRER_BANNED), or lift the ban (OPERATOR, audited).",
    )
    async def referrer_status_set(
        self,
        viewer: StaffViewer,
        input: Annotated[
            ReferrerStatusSetInput, strawberry.argument(description="The operation's input.")
        ],
    ) -> ReferrerStatusSetPayload:
        member_id = decode_id(input.member_id, "Member", "memberId")
        account = await set_referrer_banned(member_id, input.banned, input.reason, actor=viewer)
        return ReferrerStatusSetPayload(referrer_status=referrer_status(account))

    @mutation(
        allow=IsOperator,
        description="Issue a reward before its hold ends (APPROVE) or reject it (OPERATOR, "
        "audited). A reward HELD for a fraud review is decided with referralReview first.",
    )
    async def reward_review(
        self,
        viewer: StaffViewer,
        input: Annotated[
            RewardReviewInput, strawberry.argument(description="The operation's input.")
        ],
    ) -> RewardReviewPayload:
        reward_id = decode_id(input.reward_id, "ReferralReward", "rewardId")
        approve = input.decision is ReviewDecisionValue.APPROVE
        reward = await decide_reward(reward_id, approve, input.note, actor=viewer)
        return RewardReviewPayload(reward=ReferralReward.from_model(reward))

    @mutation(
        allow=IsOperator,
        description="Issue every PENDING reward whose hold has passed, as the "
        "`koc rewards issue-due` job does (OPERATOR).",
    )
    async def rewards_issue_due(
        self,
        input: Annotated[
            RewardsIssueDueInput | None,
            strawberry.argument(description="Options; default: at most 1000."),
        ] = None,
    ) -> RewardsIssueDuePayload:
        result = await issue_due_rewards((input or RewardsIssueDueInput()).limit)
        return RewardsIssueDuePayload(issued_count=result.issued, failed_count=result.failed)
