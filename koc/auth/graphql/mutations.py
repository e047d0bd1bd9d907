"""Logins, token refresh, staff accounts and partner tokens."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry import relay

from koc.auth import member_login, services
from koc.auth.graphql.types import AuthError, PartnerScope, PartnerToken, Session, StaffUser
from koc.auth.graphql.types import StaffRole as StaffRoleEnum
from koc.auth.models import StaffRole
from koc.errors import DomainError
from koc.graphql.context import Info
from koc.graphql.errors import errors_of
from koc.graphql.ids import decode_id
from koc.graphql.permissions import IsAdmin, IsMember, require_member, require_staff
from koc.members.graphql.types import Member


def _session(pair: services.TokenPair) -> Session:
    return Session(
        access_token=pair.access_token, refresh_token=pair.refresh_token, expires_in=pair.expires_in
    )


@strawberry.type(description="Result of memberLogin.")
class MemberLoginPayload:
    session: Session | None = strawberry.field(default=None, description="The new session.")
    member: Member | None = strawberry.field(default=None, description="The signed-in member.")
    created: bool = strawberry.field(default=False, description="True on the member's first login.")
    errors: list[AuthError] = strawberry.field(default_factory=list, description="What went wrong.")  # type: ignore[valid-type]


@strawberry.type(description="Result of memberPhoneBind.")
class MemberPhoneBindPayload:
    member: Member | None = strawberry.field(default=None, description="The member with the phone.")
    errors: list[AuthError] = strawberry.field(default_factory=list, description="What went wrong.")  # type: ignore[valid-type]


@strawberry.type(description="Result of staffLogin.")
class StaffLoginPayload:
    session: Session | None = strawberry.field(default=None, description="The new session.")
    staff: StaffUser | None = strawberry.field(default=None, description="The signed-in account.")
    errors: list[AuthError] = strawberry.field(default_factory=list, description="What went wrong.")  # type: ignore[valid-type]


@strawberry.type(description="Result of tokenRefresh.")
class TokenRefreshPayload:
    session: Session | None = strawberry.field(default=None, description="The new pair.")
    errors: list[AuthError] = strawberry.field(default_factory=list, description="What went wrong.")  # type: ignore[valid-type]


@strawberry.type(description="Result of staffCreate.")
class StaffCreatePayload:
    staff: StaffUser | None = strawberry.field(default=None, description="The new account.")
    errors: list[AuthError] = strawberry.field(default_factory=list, description="What went wrong.")  # type: ignore[valid-type]


@strawberry.type(description="Result of partnerTokenCreate.")
class PartnerTokenCreatePayload:
    partner_token: PartnerToken | None = strawberry.field(
        default=None, description="The new token's record."
    )
    token: str | None = strawberry.field(
        default=None, description="The secret, shown this once; only its hash is stored."
    )
    errors: list[AuthError] = strawberry.field(default_factory=list, description="What went wrong.")  # type: ignore[valid-type]


@strawberry.type(description="Result of partnerTokenRevoke.")
class PartnerTokenRevokePayload:
    partner_token: PartnerToken | None = strawberry.field(
        default=None, description="The revoked token."
    )
    errors: list[AuthError] = strawberry.field(default_factory=list, description="What went wrong.")  # type: ignore[valid-type]


@strawberry.input(description="A new partner token.")
class PartnerTokenCreateInput:
    name: str = strawberry.field(description="Which app will hold it, 1-100 characters.")
    scopes: list[PartnerScope] = strawberry.field(description="What it may do; at least one.")  # type: ignore[valid-type]
    expires_at: datetime | None = strawberry.field(
        default=None, description="Optional expiry (UTC)."
    )


@strawberry.input(description="A new staff account.")
class StaffCreateInput:
    username: str = strawberry.field(description="3-64 letters, digits, '_', '.' or '-'.")
    password: str = strawberry.field(description="At least 10 characters.")
    role: StaffRoleEnum = strawberry.field(description="What the account may do.")  # type: ignore[valid-type]


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Sign a member in with the code from the mini-program's wx.login. Creates the "
        "member on first login. `channel` records where a new member came from."
    )
    async def member_login(
        self, info: Info, code: str, channel: str | None = None
    ) -> MemberLoginPayload:
        ctx = info.context
        try:
            member, pair, created = await member_login.member_login(
                ctx.settings, ctx.wechat, code, channel
            )
        except DomainError as exc:
            return MemberLoginPayload(errors=errors_of(exc, AuthError))
        return MemberLoginPayload(
            session=_session(pair), member=Member.from_model(member), created=created
        )

    @strawberry.mutation(
        description="Store the member's phone number, fetched from WeChat with the code of the "
        "mini-program's getPhoneNumber button.",
        permission_classes=[IsMember],
    )
    async def member_phone_bind(self, info: Info, code: str) -> MemberPhoneBindPayload:
        viewer = require_member(info)
        try:
            member = await member_login.bind_phone(info.context.wechat, viewer.member_id, code)
        except DomainError as exc:
            return MemberPhoneBindPayload(errors=errors_of(exc, AuthError))
        return MemberPhoneBindPayload(member=Member.from_model(member))

    @strawberry.mutation(
        description="Exchange a refresh token for a new session (members and staff)."
    )
    async def token_refresh(self, info: Info, refresh_token: str) -> TokenRefreshPayload:
        try:
            pair = await services.rotate_refresh_token(info.context.settings, refresh_token)
        except DomainError as exc:
            return TokenRefreshPayload(errors=errors_of(exc, AuthError))
        return TokenRefreshPayload(session=_session(pair))

    @strawberry.mutation(description="Sign a staff member in with username and password.")
    async def staff_login(self, info: Info, username: str, password: str) -> StaffLoginPayload:
        try:
            staff, pair = await services.staff_login(info.context.settings, username, password)
        except DomainError as exc:
            return StaffLoginPayload(errors=errors_of(exc, AuthError))
        return StaffLoginPayload(session=_session(pair), staff=StaffUser.from_model(staff))

    @strawberry.mutation(
        description="Create a staff account (ADMIN).", permission_classes=[IsAdmin]
    )
    async def staff_create(self, info: Info, input: StaffCreateInput) -> StaffCreatePayload:
        actor = require_staff(info, StaffRole.ADMIN)
        try:
            staff = await services.create_staff(
                input.username, input.password, input.role, actor=actor
            )
        except DomainError as exc:
            return StaffCreatePayload(errors=errors_of(exc, AuthError))
        return StaffCreatePayload(staff=StaffUser.from_model(staff))

    @strawberry.mutation(
        description="Create a partner API token (ADMIN). The secret is in the payload once.",
        permission_classes=[IsAdmin],
    )
    async def partner_token_create(
        self, info: Info, input: PartnerTokenCreateInput
    ) -> PartnerTokenCreatePayload:
        actor = require_staff(info, StaffRole.ADMIN)
        try:
            token, secret = await services.create_partner_token(
                input.name, list(input.scopes), input.expires_at, actor=actor
            )
        except DomainError as exc:
            return PartnerTokenCreatePayload(errors=errors_of(exc, AuthError))
        return PartnerTokenCreatePayload(partner_token=PartnerToken.from_model(token), token=secret)

    @strawberry.mutation(
        description="Revoke a partner token (ADMIN); it stops working at once.",
        permission_classes=[IsAdmin],
    )
    async def partner_token_revoke(
        self, info: Info, id: relay.GlobalID
    ) -> PartnerTokenRevokePayload:
        actor = require_staff(info, StaffRole.ADMIN)
        try:
            token = await services.revoke_partner_token(
                decode_id(id, "PartnerToken", "id"), actor=actor
            )
        except DomainError as exc:
            return PartnerTokenRevokePayload(errors=errors_of(exc, AuthError))
        return PartnerTokenRevokePayload(partner_token=PartnerToken.from_model(token))
