"""Mutations of the creators feature: members apply, join and submit; OPERATOR staff nominate,
review, set status and roles, create campaigns, rate submissions and set the weights."""

from __future__ import annotations

from typing import Annotated

import strawberry

from koc.auth.models import StaffRole
from koc.creators import campaigns, models, services
from koc.creators.graphql.inputs import (
    KocApplicationReviewInput,
    KocApplyInput,
    KocCampaignCreateInput,
    KocCampaignJoinInput,
    KocNominateInput,
    KocReviewDecision,
    KocRolesSetInput,
    KocScoringWeightsSetInput,
    KocStatusSetInput,
    KocSubmissionCreateInput,
    KocSubmissionReviewInput,
)
from koc.creators.graphql.types import (
    KocApplication,
    KocCampaign,
    KocCampaignError,
    KocError,
    KocProfile,
    KocScoringWeights,
    KocSubmission,
)
from koc.creators.models import KocRole, KocStatus
from koc.errors import DomainError
from koc.graphql.context import Info
from koc.graphql.errors import errors_of
from koc.graphql.ids import decode_id
from koc.graphql.permissions import IsMember, IsOperator, require_member, require_staff


@strawberry.type(description="Result of kocApply and kocNominate.")
class KocApplicationPayload:
    application: KocApplication | None = strawberry.field(
        default=None, description="The application, pending review."
    )
    errors: list[KocError] = strawberry.field(default_factory=list, description="What was wrong.")  # type: ignore[valid-type]


@strawberry.type(description="Result of kocApplicationReview.")
class KocApplicationReviewPayload:
    application: KocApplication | None = strawberry.field(
        default=None, description="The reviewed application."
    )
    koc: KocProfile | None = strawberry.field(
        default=None, description="The member's KOC profile (ACTIVE after an approval)."
    )
    errors: list[KocError] = strawberry.field(default_factory=list, description="What was wrong.")  # type: ignore[valid-type]


@strawberry.type(description="Result of kocStatusSet and kocRolesSet.")
class KocProfilePayload:
    koc: KocProfile | None = strawberry.field(default=None, description="The KOC after the change.")
    errors: list[KocError] = strawberry.field(default_factory=list, description="What was wrong.")  # type: ignore[valid-type]


@strawberry.type(description="Result of kocCampaignCreate and kocCampaignJoin.")
class KocCampaignPayload:
    campaign: KocCampaign | None = strawberry.field(default=None, description="The campaign.")
    errors: list[KocCampaignError] = strawberry.field(  # type: ignore[valid-type]
        default_factory=list, description="What was wrong."
    )


@strawberry.type(description="Result of kocSubmissionCreate and kocSubmissionReview.")
class KocSubmissionPayload:
    submission: KocSubmission | None = strawberry.field(default=None, description="The submission.")
    errors: list[KocCampaignError] = strawberry.field(  # type: ignore[valid-type]
        default_factory=list, description="What was wrong."
    )


@strawberry.type(description="Result of kocScoringWeightsSet.")
class KocScoringWeightsPayload:
    weights: KocScoringWeights | None = strawberry.field(
        default=None, description="The weights now in force (every member was re-ranked)."
    )
    errors: list[KocError] = strawberry.field(default_factory=list, description="What was wrong.")  # type: ignore[valid-type]


def _roles(values: list[KocRole] | None) -> list[KocRole] | None:
    return None if values is None else [KocRole(r) for r in values]


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Apply to become a KOC (members). One open application at a time; after a "
        "rejection, again once the cooldown has passed.",
        permission_classes=[IsMember],
    )
    async def koc_apply(
        self,
        info: Info,
        input: Annotated[KocApplyInput, strawberry.argument(description="The input.")],
    ) -> KocApplicationPayload:
        viewer = require_member(info)
        try:
            application = await services.apply(
                viewer.member_id,
                services.ApplyInput(
                    roles=[KocRole(r) for r in input.roles],
                    statement=input.statement,
                    links=list(input.links),
                ),
                cooldown_days=info.context.settings.koc_reapply_cooldown_days,
            )
        except DomainError as exc:
            return KocApplicationPayload(errors=errors_of(exc, KocError))
        return KocApplicationPayload(application=KocApplication.from_model(application))

    @strawberry.mutation(
        description="Nominate a member for the KOC review queue (OPERATOR).",
        permission_classes=[IsOperator],
    )
    async def koc_nominate(
        self,
        info: Info,
        input: Annotated[KocNominateInput, strawberry.argument(description="The input.")],
    ) -> KocApplicationPayload:
        actor = require_staff(info, StaffRole.OPERATOR)
        try:
            member_id = decode_id(input.member_id, "Member", "memberId")
            application = await services.nominate(
                member_id, [KocRole(r) for r in input.roles], input.note, actor=actor
            )
        except DomainError as exc:
            return KocApplicationPayload(errors=errors_of(exc, KocError))
        return KocApplicationPayload(application=KocApplication.from_model(application))

    @strawberry.mutation(
        description="Approve (granting roles: the member becomes an ACTIVE KOC with a "
        "certificate) or reject (with a reason the member sees) an application (OPERATOR).",
        permission_classes=[IsOperator],
    )
    async def koc_application_review(
        self,
        info: Info,
        input: Annotated[KocApplicationReviewInput, strawberry.argument(description="The input.")],
    ) -> KocApplicationReviewPayload:
        actor = require_staff(info, StaffRole.OPERATOR)
        try:
            application_id = decode_id(input.application_id, "KocApplication", "applicationId")
            application = await services.review_application(
                application_id,
                input.decision is KocReviewDecision.APPROVE,
                _roles(input.roles),
                input.reason,
                actor=actor,
            )
        except DomainError as exc:
            return KocApplicationReviewPayload(errors=errors_of(exc, KocError))
        profile = await models.KocProfile.get_or_none(member_id=application.member_id)
        return KocApplicationReviewPayload(
            application=KocApplication.from_model(application),
            koc=KocProfile.from_model(profile) if profile else None,
        )

    @strawberry.mutation(
        description="Move a KOC to another status: CANDIDATE -> ACTIVE -> PAUSED or RETIRED, "
        "PAUSED -> ACTIVE, RETIRED -> ACTIVE (OPERATOR).",
        permission_classes=[IsOperator],
    )
    async def koc_status_set(
        self,
        info: Info,
        input: Annotated[KocStatusSetInput, strawberry.argument(description="The input.")],
    ) -> KocProfilePayload:
        actor = require_staff(info, StaffRole.OPERATOR)
        try:
            member_id = decode_id(input.member_id, "Member", "memberId")
            profile = await services.set_status(
                member_id, KocStatus(input.status), input.reason, _roles(input.roles), actor=actor
            )
        except DomainError as exc:
            return KocProfilePayload(errors=errors_of(exc, KocError))
        return KocProfilePayload(koc=KocProfile.from_model(profile))

    @strawberry.mutation(
        description="Replace the typed roles of an active or paused KOC (OPERATOR).",
        permission_classes=[IsOperator],
    )
    async def koc_roles_set(
        self,
        info: Info,
        input: Annotated[KocRolesSetInput, strawberry.argument(description="The input.")],
    ) -> KocProfilePayload:
        actor = require_staff(info, StaffRole.OPERATOR)
        try:
            member_id = decode_id(input.member_id, "Member", "memberId")
            profile = await services.set_roles(
                member_id, [KocRole(r) for r in input.roles], input.reason, actor=actor
            )
        except DomainError as exc:
            return KocProfilePayload(errors=errors_of(exc, KocError))
        return KocProfilePayload(koc=KocProfile.from_model(profile))

    @strawberry.mutation(
        description="Create a recruitment campaign for a role (OPERATOR).",
        permission_classes=[IsOperator],
    )
    async def koc_campaign_create(
        self,
        info: Info,
        input: Annotated[KocCampaignCreateInput, strawberry.argument(description="The input.")],
    ) -> KocCampaignPayload:
        actor = require_staff(info, StaffRole.OPERATOR)
        try:
            campaign = await campaigns.create_campaign(input.to_input(), actor=actor)
        except DomainError as exc:
            return KocCampaignPayload(errors=errors_of(exc, KocCampaignError))
        return KocCampaignPayload(campaign=KocCampaign.from_model(campaign))

    @strawberry.mutation(
        description="Sign up for a running campaign open to you (members).",
        permission_classes=[IsMember],
    )
    async def koc_campaign_join(
        self,
        info: Info,
        input: Annotated[KocCampaignJoinInput, strawberry.argument(description="The input.")],
    ) -> KocCampaignPayload:
        viewer = require_member(info)
        try:
            campaign_id = decode_id(input.campaign_id, "KocCampaign", "campaignId")
            await campaigns.join(campaign_id, viewer.member_id)
        except DomainError as exc:
            return KocCampaignPayload(errors=errors_of(exc, KocCampaignError))
        return KocCampaignPayload(
            campaign=KocCampaign.from_model(await models.KocCampaign.get(id=campaign_id))
        )

    @strawberry.mutation(
        description="Submit work to a running campaign you joined (members).",
        permission_classes=[IsMember],
    )
    async def koc_submission_create(
        self,
        info: Info,
        input: Annotated[KocSubmissionCreateInput, strawberry.argument(description="The input.")],
    ) -> KocSubmissionPayload:
        viewer = require_member(info)
        try:
            campaign_id = decode_id(input.campaign_id, "KocCampaign", "campaignId")
            submission = await campaigns.submit(campaign_id, viewer.member_id, input.to_input())
        except DomainError as exc:
            return KocSubmissionPayload(errors=errors_of(exc, KocCampaignError))
        return KocSubmissionPayload(submission=KocSubmission.from_model(submission))

    @strawberry.mutation(
        description="Rate a submission 1-5 with a comment, optionally promoting its author into "
        "the campaign's role (OPERATOR).",
        permission_classes=[IsOperator],
    )
    async def koc_submission_review(
        self,
        info: Info,
        input: Annotated[KocSubmissionReviewInput, strawberry.argument(description="The input.")],
    ) -> KocSubmissionPayload:
        actor = require_staff(info, StaffRole.OPERATOR)
        try:
            submission_id = decode_id(input.submission_id, "KocSubmission", "submissionId")
            submission = await campaigns.review_submission(
                submission_id, input.rating, input.comment, input.promote, actor=actor
            )
        except DomainError as exc:
            return KocSubmissionPayload(errors=errors_of(exc, KocCampaignError))
        return KocSubmissionPayload(submission=KocSubmission.from_model(submission))

    @strawberry.mutation(
        description="Change discovery scoring weights and re-rank every member (OPERATOR).",
        permission_classes=[IsOperator],
    )
    async def koc_scoring_weights_set(
        self,
        info: Info,
        input: Annotated[KocScoringWeightsSetInput, strawberry.argument(description="The input.")],
    ) -> KocScoringWeightsPayload:
        actor = require_staff(info, StaffRole.OPERATOR)
        try:
            weights = await services.set_weights(
                [s.to_weight() for s in input.signals], actor=actor
            )
        except DomainError as exc:
            return KocScoringWeightsPayload(errors=errors_of(exc, KocError))
        return KocScoringWeightsPayload(weights=KocScoringWeights.of(weights))
