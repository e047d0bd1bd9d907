"""GraphQL types of authentication: sessions, staff accounts, partner tokens."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import strawberry
from strawberry import relay

from koc.auth import models
from koc.auth.errors import AuthErrorCode
from koc.auth.viewer import is_staff
from koc.graphql.context import Info
from koc.graphql.enums import enum_type
from koc.graphql.errors import error_type
from koc.graphql.permissions import forbidden

StaffRole = enum_type(
    models.StaffRole,
    "What a staff account may do; each role can do everything the roles below it can.",
    ADMIN="Also manages staff accounts, partner tokens and trusted documents, and reads the "
    "audit log.",
    OPERATOR="Also changes members, tags, KOCs, badges, privileges, referrals and surveys.",
    ANALYST="Reads members, programs and reports; changes nothing.",
)


PartnerScope = enum_type(
    models.PartnerScope,
    "What a partner token may do. ORDERS_WRITE is the scope `orders:write`, and so on.",
    ORDERS_WRITE="Report orders and refunds (orderRecord, ordersRecord, orderRefund).",
    EVENTS_WRITE="Report what members did (memberEventRecord).",
    MEMBERS_READ="Read members' profiles (members, member).",
    PRIVILEGES_REDEEM="Check redemption codes and redeem privileges at a counter.",
    REFERRALS_READ="Read referrals, rewards, attempts and the referral reports.",
    BADGES_VERIFY="Check badge QR tokens at an event check-in (badgeVerify).",
    EVENTS_READ="Read the events feed (events); members' phone and unionid in it need "
    "MEMBERS_READ too, and the member's SHARING consent.",
    WEBHOOKS_MANAGE="Manage the token's own webhook subscriptions and read their deliveries; "
    "their payloads follow the token's scopes as the feed does.",
)

AuthError = error_type("AuthError", AuthErrorCode, "A problem with a login, a session or a token.")


@strawberry.type(description="A signed-in session: send `Authorization: Bearer <accessToken>`.")
class Session:
    access_token: str = strawberry.field(
        description="Short-lived JWT for the Authorization header."
    )
    refresh_token: str = strawberry.field(
        description="Exchange with tokenRefresh for a new pair; good once (reuse signs out the login)."
    )
    expires_in: int = strawberry.field(description="Seconds until the access token expires.")


@strawberry.type(description="A brand staff account.")
class StaffUser(relay.Node):
    id: relay.NodeID[int]
    username: str = strawberry.field(description="Login name.")
    role: StaffRole = strawberry.field(description="What the account may do.")  # type: ignore[valid-type]
    is_active: bool = strawberry.field(description="Disabled accounts cannot sign in.")
    created_at: datetime = strawberry.field(description="When the account was created (UTC).")
    last_login_at: datetime | None = strawberry.field(description="Last successful login (UTC).")

    @classmethod
    def from_model(cls, s: models.StaffUser) -> StaffUser:
        return cls(
            id=s.id,
            username=s.username,
            role=s.role,
            is_active=s.is_active,
            created_at=s.created_at,
            last_login_at=s.last_login_at,
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[StaffUser | None]:
        if not is_staff(info.context.viewer, models.StaffRole.ADMIN):
            raise forbidden()
        ids = [int(i) for i in node_ids]
        rows = {s.id: s for s in await models.StaffUser.filter(id__in=ids)}
        return [cls.from_model(rows[i]) if i in rows else None for i in ids]


@strawberry.type(description="An API token of a partner app (dealer system, e-shop, POS, CRM).")
class PartnerToken(relay.Node):
    id: relay.NodeID[int]
    name: str = strawberry.field(description="Which app holds it.")
    prefix: str = strawberry.field(description="The token's first characters, to recognise it.")
    scopes: list[PartnerScope] = strawberry.field(description="What it may do.")  # type: ignore[valid-type]
    expires_at: datetime | None = strawberry.field(description="When it stops working (UTC).")
    revoked_at: datetime | None = strawberry.field(description="When it was revoked (UTC).")
    last_used_at: datetime | None = strawberry.field(description="Last use, to the minute (UTC).")
    created_at: datetime = strawberry.field(description="When it was created (UTC).")

    @classmethod
    def from_model(cls, t: models.PartnerToken) -> PartnerToken:
        return cls(
            id=t.id,
            name=t.name,
            prefix=t.prefix,
            scopes=[
                models.PartnerScope(s)
                for s in t.scopes
                if s in models.PartnerScope._value2member_map_
            ],
            expires_at=t.expires_at,
            revoked_at=t.revoked_at,
            last_used_at=t.last_used_at,
            created_at=t.created_at,
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[PartnerToken | None]:
        if not is_staff(info.context.viewer, models.StaffRole.ADMIN):
            raise forbidden()
        ids = [int(i) for i in node_ids]
        rows = {t.id: t for t in await models.PartnerToken.filter(id__in=ids)}
        return [cls.from_model(rows[i]) if i in rows else None for i in ids]
