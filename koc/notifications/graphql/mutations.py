"""Mutations of the notifications feature: members report grants and read their inbox; staff
map kinds to templates."""

from __future__ import annotations

import strawberry
from tortoise.transactions import in_transaction

from koc.auth.viewer import MemberViewer, StaffViewer
from koc.graphql.ids import decode_id
from koc.graphql.mutations import Payload, mutation
from koc.graphql.permissions import IsMember, IsOperator
from koc.notifications import grants, inbox, templates, triggers
from koc.notifications.graphql.inputs import (
    MeSubscribeResultsReportInput,
    NotificationsMarkReadInput,
    NotificationTemplateSetInput,
    SurveyInvitationSendInput,
)
from koc.notifications.graphql.types import (
    NotificationError,
    NotificationTemplate,
    SubscribeGrant,
)
from koc.segments.graphql.types import SegmentSnapshot


@strawberry.type(description="Result of meSubscribeResultsReport.")
class MeSubscribeResultsReportPayload(Payload[NotificationError]):
    grants: list[SubscribeGrant] = strawberry.field(
        default_factory=list, description="The grants of the templates reported, as they stand."
    )


@strawberry.type(description="Result of notificationsMarkRead.")
class NotificationsMarkReadPayload(Payload[NotificationError]):
    marked: int = strawberry.field(default=0, description="How many were unread and are now read.")
    unread_count: int = strawberry.field(default=0, description="Unread notifications left.")


@strawberry.type(description="Result of notificationTemplateSet.")
class NotificationTemplatePayload(Payload[NotificationError]):
    template: NotificationTemplate | None = strawberry.field(
        default=None, description="The mapping saved."
    )


@strawberry.type(description="Result of surveyInvitationSend.")
class SurveyInvitationSendPayload(Payload[NotificationError]):
    invited_count: int = strawberry.field(
        default=0, description="Members invited now (an earlier invitation is not repeated)."
    )
    snapshot: SegmentSnapshot | None = strawberry.field(
        default=None, description="Whom the segment held when it was invited (with segmentId)."
    )


@strawberry.type
class Mutation:
    @mutation(
        allow=IsMember,
        description="Report what wx.requestSubscribeMessage answered: each ACCEPT allows one "
        "more message of that template; a BAN stops them until a later accept.",
    )
    async def me_subscribe_results_report(
        self, viewer: MemberViewer, input: MeSubscribeResultsReportInput
    ) -> MeSubscribeResultsReportPayload:
        rows = await grants.report(
            viewer.member_id, [(r.template_id, r.result) for r in input.results]
        )
        return MeSubscribeResultsReportPayload(grants=[SubscribeGrant.from_model(g) for g in rows])

    @mutation(allow=IsMember, description="Mark your inbox entries read (all when no ids).")
    async def notifications_mark_read(
        self, viewer: MemberViewer, input: NotificationsMarkReadInput
    ) -> NotificationsMarkReadPayload:
        ids = (
            None
            if input.ids is None
            else [decode_id(i, "Notification", f"ids.{n}") for n, i in enumerate(input.ids)]
        )
        marked = await inbox.mark_read(viewer.member_id, ids)
        left = (await inbox.unread_counts([viewer.member_id]))[viewer.member_id]
        return NotificationsMarkReadPayload(marked=marked, unread_count=left)

    @mutation(
        allow=IsOperator,
        description="Map a notification kind to a WeChat subscribe template (OPERATOR and up). "
        "Keys and values are checked against WeChat's rules with the kind's sample values; "
        "saving clears a broken mark.",
    )
    async def notification_template_set(
        self, viewer: StaffViewer, input: NotificationTemplateSetInput
    ) -> NotificationTemplatePayload:
        mapping = await templates.set_mapping(
            input.kind,
            input.template_id,
            input.page,
            [(kv.key, kv.value) for kv in input.key_values],
            input.enabled,
            actor=viewer,
        )
        return NotificationTemplatePayload(template=NotificationTemplate.of(mapping.kind, mapping))

    @mutation(
        allow=IsOperator,
        description="Invite the audience of an open survey to answer it (OPERATOR and up): an "
        "inbox entry and a subscribe message each, for members who granted MARKETING consent. "
        "With segmentId, only that segment's members, recorded as a snapshot. Inviting again "
        "reaches only members not invited yet.",
    )
    async def survey_invitation_send(
        self, input: SurveyInvitationSendInput
    ) -> SurveyInvitationSendPayload:
        survey_id = decode_id(input.survey_id, "Survey", "surveyId")
        if input.segment_id is None:
            async with in_transaction():
                invited = await triggers.survey_invitations(survey_id)
            return SurveyInvitationSendPayload(invited_count=invited)
        segment_id = decode_id(input.segment_id, "Segment", "segmentId")
        async with in_transaction():
            invited, shot = await triggers.survey_invitations_to_segment(survey_id, segment_id)
        return SurveyInvitationSendPayload(
            invited_count=invited, snapshot=SegmentSnapshot.from_model(shot)
        )
