"""Inputs of the notifications feature."""

from __future__ import annotations

import strawberry
from strawberry import relay

from koc.graphql.boundary import MaxLength
from koc.notifications.graphql.types import NotificationKind, SubscribeResult


@strawberry.input(description="What wx.requestSubscribeMessage answered for one template.")
class SubscribeResultInput:
    template_id: str = strawberry.field(
        description="The template id asked for.", directives=[MaxLength(chars=64)]
    )
    result: SubscribeResult = strawberry.field(  # type: ignore[valid-type]
        description="The answer ('accept' -> ACCEPT, 'reject' -> REJECT, ...)."
    )


@strawberry.input(description="The answers of one wx.requestSubscribeMessage call.")
class MeSubscribeResultsReportInput:
    results: list[SubscribeResultInput] = strawberry.field(
        description="One answer per template asked for (1-10)."
    )


@strawberry.input(description="Which inbox entries to mark read.")
class NotificationsMarkReadInput:
    ids: list[relay.GlobalID] | None = strawberry.field(
        default=None, description="Your Notifications to mark read; omit to mark all read."
    )


@strawberry.input(description="A template key and what fills it.")
class TemplateKeyValueInput:
    key: str = strawberry.field(
        description="The template's key, e.g. thing1, time2, number3.",
        directives=[MaxLength(chars=32)],
    )
    value: str = strawberry.field(
        description="Text with {field} placeholders of the kind, e.g. {badge_name}.",
        directives=[MaxLength(chars=200)],
    )


@strawberry.input(description="How one notification kind becomes a WeChat subscribe message.")
class NotificationTemplateSetInput:
    kind: NotificationKind = strawberry.field(description="The kind to map.")  # type: ignore[valid-type]
    template_id: str = strawberry.field(
        description="The WeChat template id (from mp.weixin).", directives=[MaxLength(chars=64)]
    )
    page: str = strawberry.field(
        default="",
        directives=[MaxLength(chars=500)],
        description="The mini-program page the message opens, with placeholders, e.g. "
        "pages/badges/detail?id={badge_id}; empty: the message opens nothing.",
    )
    key_values: list[TemplateKeyValueInput] = strawberry.field(
        description="How each key of the template is filled (1-10)."
    )
    enabled: bool = strawberry.field(
        default=True, description="Queue messages for this kind (false: inbox only)."
    )


@strawberry.input(description="Invite members to an open survey (a marketing message).")
class SurveyInvitationSendInput:
    survey_id: relay.GlobalID = strawberry.field(description="The open Survey.")
    segment_id: relay.GlobalID | None = strawberry.field(
        default=None,
        description="Invite only the members of this saved Segment (those in the survey's "
        "audience); whom the segment holds now is recorded as a snapshot.",
    )
