"""Mutations of the creators feature: members apply, join and submit; OPERATOR staff nominate,
review, set status and roles, create campaigns, rate submissions and set the weights."""

from __future__ import annotations

import strawberry

from koc.auth.viewer import MemberViewer, StaffViewer
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
from koc.graphql.context import Info
from koc.graphql.ids import decode_id
from koc.graphql.mutations import Payload, mutation
from koc.graphql.permissions import IsMember, IsOperator


@strawberry.type(description="Result of kocApply and kocNominate.")
class KocApplicationPayload(Payload[KocError]):
    application: KocApplication | None = strawberry.field(
        default=None, description="The application, pending review."
    )


@strawberry.type(description="Result of kocApplicationReview.")
class KocApplicationReviewPayload(Payload[KocError]):
    application: KocApplication | None = strawberry.field(
        default=None, description="The reviewed application."
    )
    koc: KocProfile | None = strawberry.field(
        default=None, description="The member's KOC profile (ACTIVE after an approval)."
    )


@strawberry.type(description="Result of kocStatusSet and kocRolesSet.")
class KocProfilePayload(Payload[KocError]):
    koc: KocProfile | None = strawberry.field(default=None, description="The KOC after the change.")


@strawberry.type(description="Result of kocCampaignCreate and kocCampaignJoin.")
class KocCampaignPayload(Payload[KocCampaignError]):
    campaign: KocCampaign | None = strawberry.field(default=None, description="The campaign.")


@strawberry.type(description="Result of kocSubmissionCreate and kocSubmissionReview.")
class KocSubmissionPayload(Payload[KocCampaignError]):
    submission: KocSubmission | None = strawberry.field(default=None, description="The submission.")


@strawberry.type(description="Result of kocScoringWeightsSet.")
class KocScoringWeightsPayload(Payload[KocError]):
    weights: KocScoringWeights | None = strawberry.field(
        default=None, description="The weights now in force (every member was re-ranked)."
    )


def _roles(values: list[KocRole] | None) -> list[KocRole] | None:
    return None if values is None else [KocRole(r) for r in values]


@strawberry.type
class Mutation:
    @mutation(
        allow=IsMember,
        description="Apply to become a KOC (members). One open application at a time; after a "
        "rejection, again once the cooldown has passed.",
    )
    async def koc_apply(
        self, info: Info, viewer: MemberViewer, input: KocApplyInput
    ) -> KocApplicationPayload:
        application = await services.apply(
            viewer.member_id,
            services.ApplyInput(
                roles=[KocRole(r) for r in input.roles],
                statement=input.statement,
                links=list(input.links),
            ),
            cooldown_days=info.context.settings.koc_reapply_cooldown_days,
        )
        return KocApplicationPayload(application=KocApplication.from_model(application))

    @mutation(
        allow=IsOperator, description="Nominate a member for the KOC review queue (OPERATOR)."
    )
    async def koc_nominate(
        self, viewer: StaffViewer, input: KocNominateInput
    ) -> KocApplicationPayload:
        member_id = decode_id(input.member_id, "Member", "memberId")
        application = await services.nominate(
            member_id, [KocRole(r) for r in input.roles], input.note, actor=viewer
        )
        return KocApplicationPayload(application=KocApplication.from_model(application))

    @mutation(
        allow=IsOperator,
        description="Approve (granting roles: the member becomes an ACTIVE KOC with a "
        "certificate) or reject (with a reason the member sees) an application (OPERATOR).",
    )
    async def koc_application_review(
        self, viewer: StaffViewer, input: KocApplicationReviewInput
    ) -> KocApplicationReviewPayload:
        application_id = decode_id(input.application_id, "KocApplication", "applicationId")
        application = await services.review_application(
            application_id,
            input.decision is KocReviewDecision.APPROVE,
            _roles(input.roles),
            input.reason,
            actor=viewer,
        )
        profile = await models.KocProfile.get_or_none(member_id=application.member_id)
        return KocApplicationReviewPayload(
            application=KocApplication.from_model(application),
            koc=KocProfile.from_model(profile) if profile else None,
        )

    @mutation(
        allow=IsOperator,
        description="Move a KOC to another status: CANDIDATE -> ACTIVE -> PAUSED or RETIRED, "
        "PAUSED -> ACTIVE, RETIRED -> ACTIVE (OPERATOR).",
    )
    async def koc_status_set(
        self, viewer: StaffViewer, input: KocStatusSetInput
    ) -> KocProfilePayload:
        member_id = decode_id(input.member_id, "Member", "memberId")
        profile = await services.set_status(
            member_id, KocStatus(input.status), input.reason, _roles(input.roles), actor=viewer
        )
        return KocProfilePayload(koc=KocProfile.from_model(profile))

    @mutation(
        allow=IsOperator,
        description="Replace the typed roles of an active or paused KOC (OPERATOR).",
    )
    async def koc_roles_set(
        self, viewer: StaffViewer, input: KocRolesSetInput
    ) -> KocProfilePayload:
        member_id = decode_id(input.member_id, "Member", "memberId")
        profile = await services.set_roles(
            member_id, [KocRole(r) for r in input.roles], input.reason, actor=viewer
        )
        return KocProfilePayload(koc=KocProfile.from_model(profile))

    @mutation(allow=IsOperator, description="Create a recruitment campaign for a role (OPERATOR).")
    async def koc_campaign_create(
        self, viewer: StaffViewer, input: KocCampaignCreateInput
    ) -> KocCampaignPayload:
        campaign = await campaigns.create_campaign(input.to_input(), actor=viewer)
        return KocCampaignPayload(campaign=KocCampaign.from_model(campaign))

    @mutation(allow=IsMember, description="Sign up for a running campaign open to you (members).")
    async def koc_campaign_join(
        self, viewer: MemberViewer, input: KocCampaignJoinInput
    ) -> KocCampaignPayload:
        campaign_id = decode_id(input.campaign_id, "KocCampaign", "campaignId")
        await campaigns.join(campaign_id, viewer.member_id)
        return KocCampaignPayload(
            campaign=KocCampaign.from_model(await models.KocCampaign.get(id=campaign_id))
        )

    @mutation(allow=IsMember, description="Submit work to a running campaign you joined (members).")
    async def koc_submission_create(
        self, viewer: MemberViewer, input: KocSubmissionCreateInput
    ) -> KocSubmissionPayload:
        campaign_id = decode_id(input.campaign_id, "KocCampaign", "campaignId")
        submission = await campaigns.submit(campaign_id, viewer.member_id, input.to_input())
        return KocSubmissionPayload(submission=KocSubmission.from_model(submission))

    @mutation(
        allow=IsOperator,
        description="Rate a submission 1-5 with a comment, optionally promoting its author into "
        "the campaign's role (OPERATOR).",
    )
    async def koc_submission_review(
        self, viewer: StaffViewer, input: KocSubmissionReviewInput
    ) -> KocSubmissionPayload:
        submission_id = decode_id(input.submission_id, "KocSubmission", "submissionId")
        submission = await campaigns.review_submission(
            submission_id, input.rating, input.comment, input.promote, actor=viewer
        )
        return KocSubmissionPayload(submission=KocSubmission.from_model(submission))

    @mutation(
        allow=IsOperator,
        description="Change discovery scoring weights and re-rank every member (OPERATOR).",
    )
    async def koc_scoring_weights_set(
        self, viewer: StaffViewer, input: KocScoringWeightsSetInput
    ) -> KocScoringWeightsPayload:
        weights = await services.set_weights([s.to_weight() for s in input.signals], actor=viewer)
        return KocScoringWeightsPayload(weights=KocScoringWeights.of(weights))
