"""GraphQL types of the privileges feature."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import strawberry
from strawberry import relay

from koc.auth.models import PartnerScope
from koc.auth.viewer import is_partner_with, is_staff
from koc.graphql.context import Info
from koc.graphql.enums import enum_type
from koc.graphql.errors import error_type, errors_of
from koc.graphql.loaders import loader
from koc.privileges import models
from koc.privileges.codes import CodeCheck
from koc.privileges.errors import PrivilegeErrorCode
from koc.privileges.graphql import dataloaders as dl
from koc.privileges.rules import period_key
from koc.privileges.usable import effective_status
from koc.segments.graphql.types import Audience

PrivilegeKind = enum_type(
    models.PrivilegeKind,
    "What kind of right a privilege is. EVENT and TICKET have seats: an RSVP takes one, a "
    "cancellation gives it back, a check-in uses it.",
    DISCOUNT="An exclusive discount.",
    AFTER_SALES="An after-sales right, e.g. lifetime service.",
    GIFT="A gift, e.g. holiday gifts.",
    EVENT="An offline salon or online round table, with seats.",
    TICKET="A conference ticket, with seats.",
    SERVICE="A service.",
    OTHER="Anything else.",
)
Channel = enum_type(
    models.Channel,
    "Where a privilege is used.",
    ONLINE="In the mini-program.",
    STORE="At a store counter.",
    BOTH="Either.",
)
QuotaPeriod = enum_type(
    models.QuotaPeriod,
    "The period a member's quota counts over (calendar, UTC).",
    MONTH="Each calendar month.",
    YEAR="Each calendar year.",
    LIFETIME="Once: when the quota is used the grant becomes REDEEMED.",
)
GrantStatus = enum_type(
    models.GrantStatus,
    "Where a member's grant of a privilege stands.",
    ACTIVE="Usable.",
    REDEEMED="Used up.",
    EXPIRED="Past its expiry.",
    REVOKED="Withdrawn (eligibility lost, or by staff).",
)
GrantSource = enum_type(
    models.GrantSource,
    "How a member got a grant.",
    AUTO="From eligibility; withdrawn when it is lost.",
    MANUAL="From staff.",
)
RedeemedVia = enum_type(
    models.RedeemedVia,
    "Who redeemed.",
    MEMBER="The member, in the mini-program.",
    STAFF="A staff member.",
    PARTNER="A partner app (a store's POS).",
)
RsvpStatus = enum_type(
    models.RsvpStatus,
    "State of a seat at an event.",
    RESERVED="The member holds a seat.",
    CANCELLED="The member gave the seat back.",
    CHECKED_IN="The member came and checked in (the seat is used).",
)
PrivilegeError = error_type(
    "PrivilegeError", PrivilegeErrorCode, "Why a privilege change or use was refused."
)


def _privileged_reader(info: Info) -> bool:
    viewer = info.context.viewer
    return is_staff(viewer) or is_partner_with(viewer, PartnerScope.PRIVILEGES_REDEEM)


@strawberry.type(description="An exclusive right (专属特权) for KOCs or certain member layers.")
class Privilege(relay.Node):
    id: relay.NodeID[int]
    code: str = strawberry.field(description="Stable code, e.g. KOC_SALON_2025.")
    name: str = strawberry.field(description="Display name.")
    description: str = strawberry.field(description="What the member gets.")
    kind: PrivilegeKind = strawberry.field(description="What sort of privilege.")  # type: ignore[valid-type]
    starts_at: datetime | None = strawberry.field(description="Usable from (UTC), null: now.")
    ends_at: datetime | None = strawberry.field(description="Usable until (UTC), null: open.")
    total_stock: int | None = strawberry.field(
        description="Units (seats for EVENT and TICKET) in all, null for unlimited."
    )
    remaining_stock: int | None = strawberry.field(description="Units left, null for unlimited.")
    quota: int = strawberry.field(description="Uses per member per quota period.")
    quota_period: QuotaPeriod = strawberry.field(description="The quota's period.")  # type: ignore[valid-type]
    channel: Channel = strawberry.field(description="Where it is used.")  # type: ignore[valid-type]
    grant_days: int | None = strawberry.field(
        description="A grant lasts this many days (never past endsAt); null: until endsAt."
    )
    active: bool = strawberry.field(description="False: withdrawn from the catalog.")
    created_at: datetime = strawberry.field(description="When it was created (UTC).")
    audience_rule: strawberry.Private[dict[str, Any] | None]
    audience_segment_id: strawberry.Private[int | None]

    @strawberry.field(
        description="Who receives it automatically, and loses it when they no longer match: a "
        "rule or a saved segment. Null: granted by staff only (and for callers other than staff)."
    )
    def audience(self, info: Info) -> Audience | None:
        if not is_staff(info.context.viewer):
            return None
        return Audience.of(self.audience_rule, self.audience_segment_id)

    @classmethod
    def from_model(cls, p: models.Privilege | dl.PrivilegeRow) -> Privilege:
        return cls(
            id=p.id,
            code=p.code,
            name=p.name,
            description=p.description,
            kind=p.kind,
            starts_at=p.starts_at,
            ends_at=p.ends_at,
            total_stock=p.total_stock,
            remaining_stock=p.remaining_stock,
            quota=p.quota,
            quota_period=p.quota_period,
            channel=p.channel,
            grant_days=p.grant_days,
            active=p.active,
            created_at=p.created_at,
            audience_rule=p.audience_rule,
            audience_segment_id=p.audience_segment_id,
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Privilege | None]:
        rows = await loader(info, dl.load_privileges).load_many([int(i) for i in node_ids])
        # Members see the catalog of active privileges; withdrawn ones only through a grant.
        visible = _privileged_reader(info)
        return [cls.from_model(r) if r and (visible or r.active) else None for r in rows]


async def _privilege(info: Info, privilege_id: int) -> Privilege:
    return Privilege.from_model(await loader(info, dl.load_privileges).load(privilege_id))


@strawberry.type(description="A seat at an EVENT or TICKET privilege.")
class PrivilegeRsvp:
    status: RsvpStatus = strawberry.field(description="RESERVED, CANCELLED or CHECKED_IN.")  # type: ignore[valid-type]
    reserved_at: datetime = strawberry.field(description="When the seat was (last) reserved.")
    cancelled_at: datetime | None = strawberry.field(description="When it was cancelled.")
    checked_in_at: datetime | None = strawberry.field(description="When the member checked in.")

    @classmethod
    def from_model(cls, r: models.PrivilegeRsvp) -> PrivilegeRsvp:
        return cls(
            status=r.status,
            reserved_at=r.reserved_at,
            cancelled_at=r.cancelled_at,
            checked_in_at=r.checked_in_at,
        )


@strawberry.type(description="A member's right to a privilege.")
class PrivilegeGrant:
    status: GrantStatus = strawberry.field(description="As of now (expiry applied).")  # type: ignore[valid-type]
    source: GrantSource = strawberry.field(description="Eligibility or staff.")  # type: ignore[valid-type]
    reason: str = strawberry.field(description="Why it was granted or revoked.")
    granted_at: datetime = strawberry.field(description="When it was (last) granted (UTC).")
    expires_at: datetime | None = strawberry.field(description="When it expires, null: never.")
    redeemed_at: datetime | None = strawberry.field(description="When it was used up.")
    revoked_at: datetime | None = strawberry.field(description="When it was withdrawn.")
    member_id: relay.GlobalID = strawberry.field(description="The Member.")
    grant_id: strawberry.Private[int]
    member_pk: strawberry.Private[int]
    privilege_id: strawberry.Private[int]

    @classmethod
    def from_model(cls, g: models.PrivilegeGrant | dl.GrantRow) -> PrivilegeGrant:
        return cls(
            status=effective_status(g),
            source=g.source,
            reason=g.reason,
            granted_at=g.granted_at,
            expires_at=g.expires_at,
            redeemed_at=g.redeemed_at,
            revoked_at=g.revoked_at,
            member_id=relay.GlobalID("Member", str(g.member_id)),
            grant_id=g.id,
            member_pk=g.member_id,
            privilege_id=g.privilege_id,
        )

    @strawberry.field(description="The privilege.")
    async def privilege(self, info: Info) -> Privilege:
        return await _privilege(info, self.privilege_id)

    @strawberry.field(description="Uses left in the current quota period.")
    async def uses_left(self, info: Info) -> int:
        p = await loader(info, dl.load_privileges).load(self.privilege_id)
        key = (self.member_pk, p.id, period_key(p.quota_period, datetime.now(UTC)))
        return max(0, p.quota - await loader(info, dl.load_usage).load(key))

    @strawberry.field(description="The seat, for EVENT and TICKET privileges.")
    async def rsvp(self, info: Info) -> PrivilegeRsvp | None:
        row = await loader(info, dl.load_rsvps).load(self.grant_id)
        return PrivilegeRsvp.from_model(row) if row else None


@strawberry.type(description="One use of a privilege (for EVENT and TICKET: a check-in).")
class PrivilegeRedemption:
    channel: Channel = strawberry.field(description="ONLINE or STORE.")  # type: ignore[valid-type]
    via: RedeemedVia = strawberry.field(description="Who redeemed it.")  # type: ignore[valid-type]
    at: datetime = strawberry.field(description="When (UTC).")
    member_id: relay.GlobalID = strawberry.field(description="The Member.")
    privilege_id: strawberry.Private[int]

    @classmethod
    def from_model(cls, r: models.PrivilegeRedemption) -> PrivilegeRedemption:
        return cls(
            channel=r.channel,
            via=r.via,
            at=r.created_at,
            member_id=relay.GlobalID("Member", str(r.member_id)),
            privilege_id=r.privilege_id,
        )

    @strawberry.field(description="The privilege.")
    async def privilege(self, info: Info) -> Privilege:
        return await _privilege(info, self.privilege_id)


@strawberry.type(description="A short-lived code for the member's redemption QR.")
class PrivilegeRedemptionCode:
    code: str = strawberry.field(description="Put this in the QR shown at the counter.")
    expires_at: datetime = strawberry.field(description="When it stops working (UTC).")


@strawberry.type(description="What a store learns from a scanned redemption code, before using it.")
class PrivilegeRedemptionCheck:
    valid: bool = strawberry.field(description="True when privilegeRedeem would succeed now.")
    error: PrivilegeError | None = strawberry.field(  # type: ignore[valid-type]
        description="Why it would be refused, when not valid."
    )
    privilege: Privilege | None = strawberry.field(description="What the code is for.")
    member_id: relay.GlobalID | None = strawberry.field(description="Whose code it is.")
    member_nickname: str | None = strawberry.field(description="The member's nickname.")
    expires_at: datetime | None = strawberry.field(description="When the code expires.")

    @classmethod
    def from_check(cls, check: CodeCheck) -> PrivilegeRedemptionCheck:
        error = None
        if check.error is not None:
            (error,) = errors_of(check.error, PrivilegeError)
        return cls(
            valid=check.error is None,
            error=error,
            privilege=Privilege.from_model(check.privilege) if check.privilege else None,
            member_id=relay.GlobalID("Member", str(check.member.id)) if check.member else None,
            member_nickname=check.member.nickname if check.member else None,
            expires_at=check.target.expires_at if check.target else None,
        )


@strawberry.type(description="Grants, redemptions and stock of one privilege.")
class PrivilegeReportRow:
    privilege: Privilege = strawberry.field(description="The privilege.")
    grants_active: int = strawberry.field(description="Grants usable now.")
    grants_issued: int = strawberry.field(description="Grants made in the period.")
    redemptions: int = strawberry.field(description="Uses (and check-ins) in the period.")
    seats_reserved: int = strawberry.field(description="Seats reserved and not yet used.")
    remaining_stock: int | None = strawberry.field(description="Units left, null: unlimited.")
    total_stock: int | None = strawberry.field(description="Units in all, null: unlimited.")


@strawberry.type(description="Privilege activity over a period.")
class PrivilegeReport:
    from_: datetime = strawberry.field(name="from", description="Start of the period (UTC).")
    to: datetime = strawberry.field(description="End of the period, exclusive (UTC).")
    rows: list[PrivilegeReportRow] = strawberry.field(description="One row per privilege.")
