"""GraphQL types of advisory: follow-ups, owner changes, routes."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any, NamedTuple

import strawberry
from strawberry import relay

from koc.advisory import models
from koc.advisory.errors import AdvisoryErrorCode
from koc.graphql.context import Info
from koc.graphql.enums import enum_type
from koc.graphql.errors import error_type
from koc.graphql.loaders import by_key, loader
from koc.graphql.relay import Children
from koc.members.graphql import dataloaders as member_dl
from koc.members.graphql.access import require_readable

if TYPE_CHECKING:
    from koc.members.graphql.types import Member

# The Member type is composed from this feature's fields (member_fields imports this module):
# it is named lazily, and found when a resolver first needs it.
MEMBER = "koc.members.graphql.types"
MEMBER_TYPE = strawberry.LazyType("Member", MEMBER)

OwnerChangeReason = enum_type(
    models.OwnerChangeReason,
    "Why a member's owner advisor changed.",
    ASSIGN="Staff gave the member to the advisor.",
    ROUND_ROBIN="A route gave the new member to the next advisor of its channel or region.",
    REFERRER="The member was referred by a member of the advisor.",
    CLAIM="The advisor claimed the member from the pool.",
    RELEASE="Staff put the member back in the pool.",
    POOL_TIMEOUT="No follow-up for the configured number of days: back to the pool.",
    HANDOVER="Handed over from one advisor to another (e.g. when an advisor leaves).",
)
FollowUpChannel = enum_type(
    models.FollowUpChannel,
    "How the advisor and the member were in touch.",
    WECOM_CHAT="A WeCom (企业微信) chat.",
    PHONE="A phone call.",
    STORE_VISIT="The member visited a store.",
    TEST_DRIVE="A test drive (or a trial of the product).",
    HOME_VISIT="The advisor visited the member.",
    OTHER="Any other way.",
)
SalesStep = enum_type(
    models.SalesStep,
    "The step of consultative selling (1对1顾问式服务) a contact served, in order.",
    VALUE_ICEBREAKING="Value icebreaking: a first contact that offers something of value.",
    NEEDS_DISCOVERY="Needs discovery: learning what the member needs.",
    NEEDS_REINFORCEMENT="Needs reinforcement: making the need felt.",
    SOLUTION="Solution: proposing what answers the need.",
    OBJECTION_HANDLING="Objection handling.",
    TIME_LIMITED_OFFER="A time-limited offer that closes the sale.",
    VALUE_DELIVERY="Value delivery and after-sales service.",
)

AdvisoryError = error_type(
    "AdvisoryError", AdvisoryErrorCode, "A problem with an owner change or a follow-up."
)


class FollowUpRow(NamedTuple):
    id: int
    member_id: int
    advisor_id: int
    channel: models.FollowUpChannel
    step: models.SalesStep
    note: str
    next_action: str
    next_action_due_at: datetime | None
    closed_at: datetime | None
    created_at: datetime


class OwnerChangeRow(NamedTuple):
    id: int
    member_id: int
    from_staff_id: int | None
    to_staff_id: int | None
    by_staff_id: int | None
    reason: models.OwnerChangeReason
    note: str
    followups_moved: int
    created_at: datetime


FOLLOW_UPS = Children(models.FollowUp, FollowUpRow, parent="member_id")
OWNER_CHANGES = Children(models.OwnerChange, OwnerChangeRow, parent="member_id")


async def _load_follow_ups(ids: Any) -> list[models.FollowUp | None]:
    return by_key(await models.FollowUp.filter(id__in=list(ids)), ids, lambda f: f.id)


async def _username(info: Info, staff_id: int | None) -> str | None:
    if staff_id is None:
        return None
    return await loader(info, member_dl.load_staff_names).load(staff_id)


@strawberry.type(description="One contact of an advisor with a member, and its next action.")
class FollowUp(relay.Node):
    id: relay.NodeID[int]
    channel: FollowUpChannel = strawberry.field(description="How they were in touch.")  # type: ignore[valid-type]
    step: SalesStep = strawberry.field(description="The sales step the contact served.")  # type: ignore[valid-type]
    note: str = strawberry.field(description="What was said or learnt.")
    next_action: str = strawberry.field(description="What to do next; empty when nothing.")
    next_action_due_at: datetime | None = strawberry.field(
        description="When the next action is due (UTC)."
    )
    closed_at: datetime | None = strawberry.field(
        description="When the next action was done or superseded by a later contact (UTC); "
        "null while it is open."
    )
    created_at: datetime = strawberry.field(description="When the contact was recorded (UTC).")
    member_id: strawberry.Private[int]
    advisor_id: strawberry.Private[int]

    @classmethod
    def from_model(cls, f: models.FollowUp | FollowUpRow) -> FollowUp:
        return cls(
            id=f.id,
            channel=f.channel,
            step=f.step,
            note=f.note,
            next_action=f.next_action,
            next_action_due_at=f.next_action_due_at,
            closed_at=f.closed_at,
            created_at=f.created_at,
            member_id=f.member_id,
            advisor_id=f.advisor_id,
        )

    @strawberry.field(description="Whether the next action is open and past its due time.")
    def overdue(self) -> bool:
        due = self.next_action_due_at
        return self.closed_at is None and due is not None and due < datetime.now(UTC)

    @strawberry.field(description="Username of the advisor who made the contact.")
    async def advisor(self, info: Info) -> str | None:
        return await _username(info, self.advisor_id)

    @strawberry.field(description="The member contacted.")
    async def member(self, info: Info) -> Annotated[Member, strawberry.lazy(MEMBER)]:
        row = await loader(info, member_dl.load_members).load(self.member_id)
        return MEMBER_TYPE.resolve_type().from_model(row)

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[FollowUp | None]:
        rows = await loader(info, _load_follow_ups).load_many([int(i) for i in node_ids])
        await require_readable(info, [r.member_id for r in rows if r is not None])
        return [cls.from_model(r) if r else None for r in rows]


@strawberry.type(description="A change of a member's owner advisor: from, to, who, why, when.")
class OwnerChange:
    reason: OwnerChangeReason = strawberry.field(description="Why.")  # type: ignore[valid-type]
    note: str = strawberry.field(description="Staff's words, if any.")
    follow_ups_moved: int = strawberry.field(
        description="Open next actions that moved to the new owner."
    )
    at: datetime = strawberry.field(description="When (UTC).")
    from_staff_id: strawberry.Private[int | None]
    to_staff_id: strawberry.Private[int | None]
    by_staff_id: strawberry.Private[int | None]

    @classmethod
    def from_model(cls, c: models.OwnerChange | OwnerChangeRow) -> OwnerChange:
        return cls(
            reason=c.reason,
            note=c.note,
            follow_ups_moved=c.followups_moved,
            at=c.created_at,
            from_staff_id=c.from_staff_id,
            to_staff_id=c.to_staff_id,
            by_staff_id=c.by_staff_id,
        )

    @strawberry.field(description="Username of the previous owner; null: the pool.")
    async def from_advisor(self, info: Info) -> str | None:
        return await _username(info, self.from_staff_id)

    @strawberry.field(description="Username of the new owner; null: the pool.")
    async def to_advisor(self, info: Info) -> str | None:
        return await _username(info, self.to_staff_id)

    @strawberry.field(description="Username of the staff member who made it; null: a rule.")
    async def by(self, info: Info) -> str | None:
        return await _username(info, self.by_staff_id)


@strawberry.type(description="New members of a channel and region go round-robin to advisors.")
class AdvisorRoute:
    channel: str = strawberry.field(description="The member's source channel; empty: any.")
    region: str = strawberry.field(description="The member's region; empty: any.")
    last_assigned_at: datetime | None = strawberry.field(
        description="When this route last gave its advisor a member (UTC)."
    )
    advisor_id: strawberry.Private[int]

    @classmethod
    def from_model(cls, r: models.AdvisorRoute) -> AdvisorRoute:
        return cls(
            channel=r.channel,
            region=r.region,
            last_assigned_at=r.last_assigned_at,
            advisor_id=r.advisor_id,
        )

    @strawberry.field(description="Username of the advisor.")
    async def advisor(self, info: Info) -> str | None:
        return await _username(info, self.advisor_id)
