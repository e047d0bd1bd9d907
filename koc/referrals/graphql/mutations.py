"""Mutations of the referrals feature: binding (members) and staff operations (OPERATOR)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from koc.auth.models import StaffRole
from koc.errors import DomainError
from koc.graphql.context import Info
from koc.graphql.errors import errors_of
from koc.graphql.ids import decode_id
from koc.graphql.permissions import IsMember, IsOperator, require_member, require_staff
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
class ReferralBindPayload:
    referral: Referral | None = strawberry.field(
        default=None,
        description="The member's binding: the new one, or the one they already had (also when "
        "a later code was refused with ALREADY_BOUND).",
    )
    errors: list[ReferralError] = strawberry.field(  # type: ignore[valid-type]
        default_factory=list,
        description="What was wrong; a refused binding has its refusal reason as the code.",
    )


@strawberry.type(description="Result of referralCodeSet.")
class ReferralCodeSetPayload:
    referral_code: ReferralCode | None = strawberry.field(default=None, description="The code.")
    errors: list[ReferralError] = strawberry.field(
        default_factory=list, description="What was wrong."
    )  # type: ignore[valid-type]


@strawberry.type(description="Result of referralReattribute and referralReview.")
class ReferralPayload:
    referral: Referral | None = strawberry.field(default=None, description="The referral.")
    errors: list[ReferralError] = strawberry.field(
        default_factory=list, description="What was wrong."
    )  # type: ignore[valid-type]


@strawberry.type(description="Result of referralProgramUpdate.")
class ReferralProgramUpdatePayload:
    program: ReferralProgram | None = strawberry.field(default=None, description="The program.")
    errors: list[ReferralError] = strawberry.field(
        default_factory=list, description="What was wrong."
    )  # type: ignore[valid-type]


@strawberry.type(description="Result of referrerStatusSet.")
class ReferrerStatusSetPayload:
    referrer_status: ReferrerStatus | None = strawberry.field(  # type: ignore[valid-type]
        default=None, description="The member's referrer status now."
    )
    errors: list[ReferralError] = strawberry.field(
        default_factory=list, description="What was wrong."
    )  # type: ignore[valid-type]


@strawberry.type(description="Result of rewardReview.")
class RewardReviewPayload:
    reward: ReferralReward | None = strawberry.field(default=None, description="The reward.")
    errors: list[ReferralError] = strawberry.field(
        default_factory=list, description="What was wrong."
    )  # type: ignore[valid-type]


@strawberry.type(description="Result of rewardsIssueDue.")
class RewardsIssueDuePayload:
    issued_count: int = strawberry.field(default=0, description="Rewards issued.")
    failed_count: int = strawberry.field(
        default=0, description="Rewards that could not be granted (now FAILED, with a note)."
    )
    errors: list[ReferralError] = strawberry.field(
        default_factory=list, description="What was wrong."
    )  # type: ignore[valid-type]


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Bind the signed-in member to the referrer whose code they arrived with "
        "(first touch wins). A refusal is recorded and returned as an error whose code is the "
        "reason: SELF_REFERRAL, SAME_IDENTITY, ALREADY_CUSTOMER, REFERRER_PAUSED, "
        "REFERRER_BANNED, UNKNOWN_CODE, CODE_DISABLED, ALREADY_BOUND.",
        permission_classes=[IsMember],
    )
    async def referral_bind(
        self,
        info: Info,
        input: Annotated[
            ReferralBindInput, strawberry.argument(description="The operation's input.")
        ],
    ) -> ReferralBindPayload:
        viewer = require_member(info)
        try:
            result = await bind_referral(
                viewer.member_id,
                input.code,
                input.channel,
                device_id=input.device_id,
                risk_rank=input.risk_rank,
            )
        except DomainError as exc:
            return ReferralBindPayload(errors=errors_of(exc, ReferralError))
        referral = Referral.from_model(result.referral) if result.referral else None
        if result.refusal is not None:
            error = refusal_error(result.refusal)
            return ReferralBindPayload(referral=referral, errors=errors_of(error, ReferralError))
        return ReferralBindPayload(referral=referral)

    @strawberry.mutation(
        description="Give a member (typically a KOC) a vanity code, or enable or disable one of "
        "their codes (OPERATOR, audited). Earlier codes keep working until disabled.",
        permission_classes=[IsOperator],
    )
    async def referral_code_set(
        self,
        info: Info,
        input: Annotated[
            ReferralCodeSetInput, strawberry.argument(description="The operation's input.")
        ],
    ) -> ReferralCodeSetPayload:
        actor = require_staff(info, StaffRole.OPERATOR)
        try:
            member_id = decode_id(input.member_id, "Member", "memberId")
            code = await set_code(member_id, input.code, input.active, actor=actor)
        except DomainError as exc:
            return ReferralCodeSetPayload(errors=errors_of(exc, ReferralError))
        return ReferralCodeSetPayload(referral_code=ReferralCode.from_model(code))

    @strawberry.mutation(
        description="Give a referral to another referrer, with a reason (OPERATOR, audited). "
        "Standing conversions and unissued referrer rewards follow it.",
        permission_classes=[IsOperator],
    )
    async def referral_reattribute(
        self,
        info: Info,
        input: Annotated[
            ReferralReattributeInput, strawberry.argument(description="The operation's input.")
        ],
    ) -> ReferralPayload:
        actor = require_staff(info, StaffRole.OPERATOR)
        try:
            referral_id = decode_id(input.referral_id, "Referral", "referralId")
            referrer_id = decode_id(input.referrer_id, "Member", "referrerId")
            referral = await reattribute(referral_id, referrer_id, input.reason, actor=actor)
        except DomainError as exc:
            return ReferralPayload(errors=errors_of(exc, ReferralError))
        return ReferralPayload(referral=Referral.from_model(referral))

    @strawberry.mutation(
        description="Decide a flagged referral (OPERATOR, audited). APPROVE: its held rewards "
        "resume their hold. REJECT: its rewards are rejected and its orders stop counting as "
        "referred.",
        permission_classes=[IsOperator],
    )
    async def referral_review(
        self,
        info: Info,
        input: Annotated[
            ReferralReviewInput, strawberry.argument(description="The operation's input.")
        ],
    ) -> ReferralPayload:
        actor = require_staff(info, StaffRole.OPERATOR)
        try:
            referral_id = decode_id(input.referral_id, "Referral", "referralId")
            referral = await review_referral(
                referral_id,
                input.decision is ReviewDecisionValue.APPROVE,
                input.note,
                actor=actor,
            )
        except DomainError as exc:
            return ReferralPayload(errors=errors_of(exc, ReferralError))
        return ReferralPayload(referral=Referral.from_model(referral))

    @strawberry.mutation(
        description="Change the referral program: qualifying orders, minimum amount, "
        "categories, reward tiers and their period (OPERATOR, audited).",
        permission_classes=[IsOperator],
    )
    async def referral_program_update(
        self,
        info: Info,
        input: Annotated[
            ReferralProgramUpdateInput, strawberry.argument(description="The operation's input.")
        ],
    ) -> ReferralProgramUpdatePayload:
        actor = require_staff(info, StaffRole.OPERATOR)
        tiers = (
            None
            if input.tiers is None
            else [
                rules.RewardTier(
                    from_conversion=t.from_conversion,
                    referrer_points=t.referrer_points,
                    referee_points=t.referee_points,
                    privilege=t.privilege.strip() if t.privilege else None,
                )
                for t in input.tiers
            ]
        )
        change = ProgramChange(
            qualifying=input.qualifying_orders,
            min_amount_cents=input.min_amount_cents,
            categories=input.categories,
            tier_period=input.tier_period,
            tiers=tiers,
        )
        try:
            program = await update_program(change, actor=actor)
        except DomainError as exc:
            return ReferralProgramUpdatePayload(errors=errors_of(exc, ReferralError))
        return ReferralProgramUpdatePayload(program=ReferralProgram.from_model(program))

    @strawberry.mutation(
        description="Ban a member from referring (new bindings to them are refused with "
        "REFERRER_BANNED), or lift the ban (OPERATOR, audited).",
        permission_classes=[IsOperator],
    )
    async def referrer_status_set(
        self,
        info: Info,
        input: Annotated[
            ReferrerStatusSetInput, strawberry.argument(description="The operation's input.")
        ],
    ) -> ReferrerStatusSetPayload:
        actor = require_staff(info, StaffRole.OPERATOR)
        try:
            member_id = decode_id(input.member_id, "Member", "memberId")
            account = await set_referrer_banned(member_id, input.banned, input.reason, actor=actor)
        except DomainError as exc:
            return ReferrerStatusSetPayload(errors=errors_of(exc, ReferralError))
        return ReferrerStatusSetPayload(referrer_status=referrer_status(account))

    @strawberry.mutation(
        description="Issue a reward before its hold ends (APPROVE) or reject it (OPERATOR, "
        "audited). A reward HELD for a fraud review is decided with referralReview first.",
        permission_classes=[IsOperator],
    )
    async def reward_review(
        self,
        info: Info,
        input: Annotated[
            RewardReviewInput, strawberry.argument(description="The operation's input.")
        ],
    ) -> RewardReviewPayload:
        actor = require_staff(info, StaffRole.OPERATOR)
        try:
            reward_id = decode_id(input.reward_id, "ReferralReward", "rewardId")
            reward = await decide_reward(
                reward_id,
                input.decision is ReviewDecisionValue.APPROVE,
                input.note,
                actor=actor,
            )
        except DomainError as exc:
            return RewardReviewPayload(errors=errors_of(exc, ReferralError))
        return RewardReviewPayload(reward=ReferralReward.from_model(reward))

    @strawberry.mutation(
        description="Issue every PENDING reward whose hold has passed, as the "
        "`koc rewards issue-due` job does (OPERATOR).",
        permission_classes=[IsOperator],
    )
    async def rewards_issue_due(
        self,
        info: Info,
        input: Annotated[
            RewardsIssueDueInput | None,
            strawberry.argument(description="Options; default: at most 1000."),
        ] = None,
    ) -> RewardsIssueDuePayload:
        require_staff(info, StaffRole.OPERATOR)
        try:
            result = await issue_due_rewards((input or RewardsIssueDueInput()).limit)
        except DomainError as exc:
            return RewardsIssueDuePayload(errors=errors_of(exc, ReferralError))
        return RewardsIssueDuePayload(issued_count=result.issued, failed_count=result.failed)
