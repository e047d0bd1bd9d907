"""GraphQL inputs of the privileges feature."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from strawberry import relay

from koc.members.audience import Audience
from koc.privileges.catalogue import PrivilegeData
from koc.privileges.graphql.types import Channel, PrivilegeKind, QuotaPeriod
from koc.segments.graphql.inputs import AudienceInput


@strawberry.input(description="A new privilege.")
class PrivilegeCreateInput:
    code: str = strawberry.field(description="Stable code: A-Z, 0-9, _; 2-64 characters.")
    name: str = strawberry.field(description="Display name, 1-64 characters.")
    kind: PrivilegeKind = strawberry.field(description="What sort of privilege.")  # type: ignore[valid-type]
    description: str = strawberry.field(default="", description="What the member gets.")
    audience: AudienceInput | None = strawberry.field(
        default=None,
        description="Who receives it automatically (and loses it when they stop matching): a "
        "rule or a saved segment. Omit for staff grants only.",
    )
    starts_at: datetime | None = strawberry.field(default=None, description="Usable from.")
    ends_at: datetime | None = strawberry.field(default=None, description="Usable until.")
    total_stock: int | None = strawberry.field(
        default=None, description="Units in all (seats for EVENT and TICKET: required)."
    )
    quota: int = strawberry.field(default=1, description="Uses per member per period, 1-1000.")
    quota_period: QuotaPeriod = strawberry.field(  # type: ignore[valid-type]
        default=QuotaPeriod.LIFETIME, description="Period of the quota."
    )
    channel: Channel = strawberry.field(  # type: ignore[valid-type]
        default=Channel.BOTH, description="Where it is used."
    )
    grant_days: int | None = strawberry.field(
        default=None, description="Grants last this many days (1-3650); null: until endsAt."
    )

    def to_data(self) -> PrivilegeData:
        return PrivilegeData(
            code=self.code,
            name=self.name,
            kind=self.kind,
            description=self.description,
            audience=self.audience.to_audience() if self.audience else Audience(),
            starts_at=self.starts_at,
            ends_at=self.ends_at,
            total_stock=self.total_stock,
            quota=self.quota,
            quota_period=self.quota_period,
            channel=self.channel,
            grant_days=self.grant_days,
        )


# Fields that may be set to null (cleared) by an update.
CLEARABLE = ("starts_at", "ends_at", "total_stock", "grant_days")


@strawberry.input(
    description="Changes to a privilege; omitted fields stay. The audience is replaced as a "
    "whole, and every member's automatic grant is re-evaluated."
)
class PrivilegeUpdateInput:
    id: relay.GlobalID = strawberry.field(description="The Privilege.")
    name: str | None = strawberry.field(default=strawberry.UNSET, description="Display name.")
    description: str | None = strawberry.field(default=strawberry.UNSET, description="Text.")
    audience: AudienceInput | None = strawberry.field(
        default=strawberry.UNSET, description="New audience; null: staff grants only."
    )
    starts_at: datetime | None = strawberry.field(
        default=strawberry.UNSET, description="Usable from; null clears."
    )
    ends_at: datetime | None = strawberry.field(
        default=strawberry.UNSET, description="Usable until; null clears."
    )
    total_stock: int | None = strawberry.field(
        default=strawberry.UNSET,
        description="Units in all; null: unlimited. Cannot go below what is used.",
    )
    quota: int | None = strawberry.field(default=strawberry.UNSET, description="Uses per period.")
    quota_period: QuotaPeriod | None = strawberry.field(  # type: ignore[valid-type]
        default=strawberry.UNSET, description="Period of the quota."
    )
    channel: Channel | None = strawberry.field(  # type: ignore[valid-type]
        default=strawberry.UNSET, description="Where it is used."
    )
    grant_days: int | None = strawberry.field(
        default=strawberry.UNSET, description="Grant lifetime in days; null clears."
    )
    active: bool | None = strawberry.field(
        default=strawberry.UNSET,
        description="False withdraws it from the catalog and its automatic grants.",
    )

    def changes(self) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for name in (
            "name",
            "description",
            "starts_at",
            "ends_at",
            "total_stock",
            "quota",
            "quota_period",
            "channel",
            "grant_days",
            "active",
        ):
            value = getattr(self, name)
            if value is strawberry.UNSET or (value is None and name not in CLEARABLE):
                continue
            found[name] = value
        if self.audience is not strawberry.UNSET:
            found["audience"] = self.audience.to_audience() if self.audience else Audience()
        return found


@strawberry.input(description="Grant a privilege to a member by hand.")
class PrivilegeGrantInput:
    member_id: relay.GlobalID = strawberry.field(description="The Member.")
    privilege_id: relay.GlobalID = strawberry.field(description="The Privilege.")
    reason: str = strawberry.field(description="Why, 1-500 characters.")
    expires_at: datetime | None = strawberry.field(
        default=None, description="Expiry; default from the privilege (grantDays, endsAt)."
    )


@strawberry.input(description="Withdraw a member's grant.")
class PrivilegeRevokeInput:
    member_id: relay.GlobalID = strawberry.field(description="The Member.")
    privilege_id: relay.GlobalID = strawberry.field(description="The Privilege.")
    reason: str = strawberry.field(description="Why, 1-500 characters.")


@strawberry.input(
    description="Use a privilege. Members: privilegeId and idempotencyKey (online). Staff: a "
    "scanned code, or memberId, privilegeId and idempotencyKey. Partners: a scanned code."
)
class PrivilegeRedeemInput:
    code: str | None = strawberry.field(
        default=None, description="A redemption code the member showed (store)."
    )
    privilege_id: relay.GlobalID | None = strawberry.field(
        default=None, description="The Privilege (without a code)."
    )
    member_id: relay.GlobalID | None = strawberry.field(
        default=None, description="The Member (staff, without a code)."
    )
    idempotency_key: str | None = strawberry.field(
        default=None,
        description="Your unique key for this use (1-100 characters): a retry with the same "
        "key returns the first result. Required without a code; a code is its own key.",
    )
    channel: Channel | None = strawberry.field(  # type: ignore[valid-type]
        default=None,
        description="ONLINE or STORE (staff only; members redeem ONLINE, codes in a STORE).",
    )


@strawberry.input(description="Reserve or cancel a seat at an EVENT or TICKET privilege.")
class PrivilegeRsvpInput:
    privilege_id: relay.GlobalID = strawberry.field(description="The Privilege.")
    member_id: relay.GlobalID | None = strawberry.field(
        default=None, description="The Member (staff only; members act for themselves)."
    )
