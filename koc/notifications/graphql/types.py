"""GraphQL types of notifications: inbox entries, grants, template mappings, the message log."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

import strawberry
from strawberry import relay

from koc.auth.viewer import MemberViewer, is_staff
from koc.graphql.context import Info
from koc.graphql.enums import enum_type
from koc.graphql.errors import error_type
from koc.graphql.loaders import loader
from koc.graphql.permissions import forbidden
from koc.notifications import models
from koc.notifications.errors import NotificationErrorCode
from koc.notifications.graphql import dataloaders as dl
from koc.notifications.kinds import SPECS

NotificationKind = enum_type(
    models.NotificationKind,
    "What happened that a member hears about.",
    **{k.name: SPECS[k].description for k in models.NotificationKind},
)
SubscribeResult = enum_type(
    models.SubscribeResult,
    "What wx.requestSubscribeMessage answered for one template (its 'accept', 'reject', "
    "'ban' or 'filter').",
    ACCEPT="The member accepted: one more message may be sent.",
    REJECT="The member declined this time; earlier unused grants stay.",
    BAN="The member switched the template off in WeChat: no message until a later accept.",
    FILTER="WeChat filtered the template out (it shares a title with another).",
)
MessageState = enum_type(
    models.MessageState,
    "Where a subscribe message stands.",
    QUEUED="Waiting for the sender, or for its retry time.",
    WAITING="Held back by quiet hours until the morning.",
    SENDING="Handed to WeChat; its answer is not recorded yet.",
    SENT="WeChat accepted it.",
    REFUSED="Not sent, for the reason given.",
    FAILED="WeChat could not be reached or kept refusing; retries ran out.",
)
MessageRefusal = enum_type(
    models.RefusalReason,
    "Why a subscribe message was not sent.",
    name="MessageRefusal",
    NO_TEMPLATE="Its kind is no longer mapped to the template (or the mapping is disabled).",
    TEMPLATE_BROKEN="WeChat refused the mapping earlier; staff must save it again.",
    NO_CONSENT="A marketing message, and the member has not granted MARKETING.",
    NO_OPENID="The member never signed in to the mini-program.",
    NO_GRANT="The member has no unused grant for the template.",
    REJECTED="The member declined the template the last time they were asked.",
    BANNED="The member switched the template off in WeChat.",
    DAILY_CAP="The member received the daily number of messages already.",
    WECHAT_NO_GRANT="WeChat answered 43101: the member holds no grant there.",
    WECHAT_BAD_DATA="WeChat answered 47003: a value breaks its rule; the mapping is broken.",
    WECHAT_BAD_OPENID="WeChat answered 40003: the openid is not valid.",
    WECHAT_ERROR="WeChat refused for another reason (see detail).",
)

NotificationError = error_type(
    "NotificationError", NotificationErrorCode, "A problem with a notification change."
)


def reads_inbox(info: Info, member_id: int) -> bool:
    """The member themselves and staff read an inbox; partners never do (it is personal)."""
    viewer = info.context.viewer
    return is_staff(viewer) or (isinstance(viewer, MemberViewer) and viewer.member_id == member_id)


@strawberry.type(description="One entry of a member's in-app inbox.")
class Notification(relay.Node):
    id: relay.NodeID[int]
    kind: NotificationKind = strawberry.field(description="What happened.")  # type: ignore[valid-type]
    title: str = strawberry.field(description="Short title.")
    body: str = strawberry.field(description="The message.")
    link: str = strawberry.field(description="The mini-program page to open, with parameters.")
    read: bool = strawberry.field(description="The member has read it.")
    read_at: datetime | None = strawberry.field(description="When it was marked read (UTC).")
    created_at: datetime = strawberry.field(description="When it arrived (UTC).")

    @classmethod
    def from_model(cls, n: models.Notification | dl.NotificationRow) -> Notification:
        return cls(
            id=n.id,
            kind=n.kind,
            title=n.title,
            body=n.body,
            link=n.link,
            read=n.read_at is not None,
            read_at=n.read_at,
            created_at=n.created_at,
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Notification | None]:
        rows = await loader(info, dl.load_notifications).load_many([int(i) for i in node_ids])
        if any(r is not None and not reads_inbox(info, r.member_id) for r in rows):
            raise forbidden()
        return [cls.from_model(r) if r else None for r in rows]


@strawberry.type(description="A member's one-time grants for one WeChat subscribe template.")
class SubscribeGrant:
    template_id: str = strawberry.field(description="The WeChat template id.")
    available: int = strawberry.field(description="Unused grants: messages that may be sent.")
    accepted_total: int = strawberry.field(description="Accepts reported, ever.")
    last_result: SubscribeResult = strawberry.field(  # type: ignore[valid-type]
        description="The member's last answer for this template."
    )
    updated_at: datetime = strawberry.field(description="When the last answer came (UTC).")

    @classmethod
    def from_model(cls, g: models.SubscribeGrant) -> SubscribeGrant:
        return cls(
            template_id=g.template_id,
            available=g.available,
            accepted_total=g.accepted_total,
            last_result=g.last_result,
            updated_at=g.updated_at,
        )


@strawberry.type(description="A template key and what fills it.")
class TemplateKeyValue:
    key: str = strawberry.field(description="The template's key, e.g. thing1 or time2.")
    value: str = strawberry.field(
        description="Text with {field} placeholders of the notification, e.g. {badge_name}."
    )


@strawberry.type(description="A field a notification kind carries, for placeholders.")
class NotificationField:
    name: str = strawberry.field(description="The placeholder name, e.g. badge_name.")
    sample: str = strawberry.field(description="A sample value, as the field will read.")


@strawberry.type(description="A notification kind, what it carries, and its template mapping.")
class NotificationTemplate:
    kind: NotificationKind = strawberry.field(description="The kind.")  # type: ignore[valid-type]
    marketing: bool = strawberry.field(
        description="Marketing: sent only to members who granted MARKETING consent."
    )
    available_fields: list[NotificationField] = strawberry.field(
        description="The placeholders a mapping of this kind may use."
    )
    template_id: str | None = strawberry.field(description="The WeChat template (null: unmapped).")
    page: str = strawberry.field(description="The page a message opens, with placeholders.")
    key_values: list[TemplateKeyValue] = strawberry.field(description="How keys are filled.")
    enabled: bool = strawberry.field(description="Messages are queued for this kind.")
    broken_reason: str | None = strawberry.field(
        description="WeChat refused this mapping's data (its errcode and message); no message "
        "is sent until staff save the mapping again."
    )
    broken_at: datetime | None = strawberry.field(description="When WeChat refused it (UTC).")
    updated_at: datetime | None = strawberry.field(description="When staff last saved it (UTC).")

    @classmethod
    def of(
        cls, kind: models.NotificationKind, m: models.TemplateMapping | None
    ) -> NotificationTemplate:
        spec = SPECS[kind]
        return cls(
            kind=kind,
            marketing=spec.marketing,
            available_fields=[NotificationField(name=n, sample=s) for n, s in spec.fields.items()],
            template_id=m.template_id if m else None,
            page=m.page if m else "",
            key_values=[TemplateKeyValue(key=i["key"], value=i["value"]) for i in m.key_values]
            if m
            else [],
            enabled=m.enabled if m else False,
            broken_reason=m.broken_reason if m else None,
            broken_at=m.broken_at if m else None,
            updated_at=m.updated_at if m else None,
        )


@strawberry.type(description="One subscribe message and where it stands: the delivery log.")
class SubscribeMessage(relay.Node):
    id: relay.NodeID[int]
    kind: NotificationKind = strawberry.field(description="What it tells.")  # type: ignore[valid-type]
    template_id: str = strawberry.field(description="The WeChat template.")
    state: MessageState = strawberry.field(description="Where it stands.")  # type: ignore[valid-type]
    refusal: MessageRefusal | None = strawberry.field(  # type: ignore[valid-type]
        description="Why it was not sent (REFUSED only)."
    )
    detail: str = strawberry.field(description="WeChat's errcode and message, or koc's reason.")
    attempts: int = strawberry.field(description="How often it was handed to WeChat.")
    send_after: datetime = strawberry.field(description="Not sent before (quiet hours, retry).")
    sent_at: datetime | None = strawberry.field(description="When WeChat accepted it (UTC).")
    created_at: datetime = strawberry.field(description="When it was queued (UTC).")
    member_pk: strawberry.Private[int]

    @classmethod
    def from_model(cls, m: models.SubscribeMessage) -> SubscribeMessage:
        return cls(
            id=m.id,
            kind=m.kind,
            template_id=m.template_id,
            state=m.state,
            refusal=m.refusal,
            detail=m.detail,
            attempts=m.attempts,
            send_after=m.send_after,
            sent_at=m.sent_at if m.state is models.MessageState.SENT else None,
            created_at=m.created_at,
            member_pk=m.member_id,
        )

    @strawberry.field(description="The Member it is for.")
    def member_id(self) -> relay.GlobalID:
        return relay.GlobalID("Member", str(self.member_pk))

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[SubscribeMessage | None]:
        if not is_staff(info.context.viewer):
            raise forbidden()
        rows = await loader(info, dl.load_messages).load_many([int(i) for i in node_ids])
        return [cls.from_model(r) if r else None for r in rows]


@strawberry.type(description="How many subscribe messages of a template ended in a state, a day.")
class SubscribeMessageCount:
    day: date = strawberry.field(description="The day the messages were queued (brand time zone).")
    template_id: str = strawberry.field(description="The WeChat template.")
    state: MessageState = strawberry.field(description="Their state now.")  # type: ignore[valid-type]
    count: int = strawberry.field(description="How many.")
