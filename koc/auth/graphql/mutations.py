"""Logins, token refresh, staff accounts and partner tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry import relay

from koc.auth import member_login, services
from koc.auth.graphql.types import AuthError, PartnerScope, PartnerToken, Session, StaffUser
from koc.auth.graphql.types import StaffRole as StaffRoleEnum
from koc.auth.viewer import MemberViewer, StaffViewer
from koc.graphql.context import Info
from koc.graphql.ids import decode_id
from koc.graphql.mutations import Payload, Public, mutation
from koc.graphql.permissions import IsAdmin, IsMember
from koc.members.graphql.types import Member


def _session(pair: services.TokenPair) -> Session:
    return Session(
        access_token=pair.access_token, refresh_token=pair.refresh_token, expires_in=pair.expires_in
    )


@strawberry.type(description="Result of memberLogin.")
class MemberLoginPayload(Payload[AuthError]):
    session: Session | None = strawberry.field(default=None, description="The new session.")
    member: Member | None = strawberry.field(default=None, description="The signed-in member.")
    created: bool = strawberry.field(default=False, description="True on the member's first login.")


@strawberry.type(description="Result of memberPhoneBind.")
class MemberPhoneBindPayload(Payload[AuthError]):
    member: Member | None = strawberry.field(default=None, description="The member with the phone.")


@strawberry.type(description="Result of staffLogin.")
class StaffLoginPayload(Payload[AuthError]):
    session: Session | None = strawberry.field(default=None, description="The new session.")
    staff: StaffUser | None = strawberry.field(default=None, description="The signed-in account.")


@strawberry.type(description="Result of tokenRefresh.")
class TokenRefreshPayload(Payload[AuthError]):
    session: Session | None = strawberry.field(default=None, description="The new pair.")


@strawberry.type(description="Result of staffCreate.")
class StaffCreatePayload(Payload[AuthError]):
    staff: StaffUser | None = strawberry.field(default=None, description="The new account.")


@strawberry.type(description="Result of partnerTokenCreate.")
class PartnerTokenCreatePayload(Payload[AuthError]):
    partner_token: PartnerToken | None = strawberry.field(
        default=None, description="The new token's record."
    )
    token: str | None = strawberry.field(
        default=None, description="The secret, shown this once; only its hash is stored."
    )


@strawberry.type(description="Result of partnerTokenRevoke.")
class PartnerTokenRevokePayload(Payload[AuthError]):
    partner_token: PartnerToken | None = strawberry.field(
        default=None, description="The revoked token."
    )


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
    @mutation(
        allow=Public,
        description="Sign a member in with the code from the mini-program's wx.login. Creates the "
        "member on first login. `channel` records where a new member came from.",
    )
    async def member_login(
        self,
        info: Info,
        code: Annotated[str, strawberry.argument(description="The code wx.login gave, used once.")],
        channel: Annotated[
            str | None,
            strawberry.argument(
                description="Where a new member came from (a share scene, a campaign; at most 64 "
                "characters), kept on the member; a returning member's is not changed."
            ),
        ] = None,
    ) -> MemberLoginPayload:
        ctx = info.context
        member, pair, created = await member_login.member_login(
            ctx.settings, ctx.wechat, code, channel
        )
        return MemberLoginPayload(
            session=_session(pair), member=Member.from_model(member), created=created
        )

    @mutation(
        allow=IsMember,
        description="Store the member's phone number, fetched from WeChat with the code of the "
        "mini-program's getPhoneNumber button.",
    )
    async def member_phone_bind(
        self,
        info: Info,
        viewer: MemberViewer,
        code: Annotated[
            str, strawberry.argument(description="The code the getPhoneNumber button gave.")
        ],
    ) -> MemberPhoneBindPayload:
        member = await member_login.bind_phone(info.context.wechat, viewer.member_id, code)
        return MemberPhoneBindPayload(member=Member.from_model(member))

    @mutation(
        allow=Public,
        description="Exchange a refresh token for a new session (members and staff).",
    )
    async def token_refresh(
        self,
        info: Info,
        refresh_token: Annotated[
            str, strawberry.argument(description="The refreshToken of the current session.")
        ],
    ) -> TokenRefreshPayload:
        pair = await services.rotate_refresh_token(info.context.settings, refresh_token)
        return TokenRefreshPayload(session=_session(pair))

    @mutation(allow=Public, description="Sign a staff member in with username and password.")
    async def staff_login(
        self,
        info: Info,
        username: Annotated[str, strawberry.argument(description="The account's login name.")],
        password: Annotated[str, strawberry.argument(description="The account's password.")],
    ) -> StaffLoginPayload:
        staff, pair = await services.staff_login(info.context.settings, username, password)
        return StaffLoginPayload(session=_session(pair), staff=StaffUser.from_model(staff))

    @mutation(allow=IsAdmin, description="Create a staff account (ADMIN).")
    async def staff_create(
        self, viewer: StaffViewer, input: StaffCreateInput
    ) -> StaffCreatePayload:
        staff = await services.create_staff(
            input.username, input.password, input.role, actor=viewer
        )
        return StaffCreatePayload(staff=StaffUser.from_model(staff))

    @mutation(
        allow=IsAdmin,
        description="Create a partner API token (ADMIN). The secret is in the payload once.",
    )
    async def partner_token_create(
        self, viewer: StaffViewer, input: PartnerTokenCreateInput
    ) -> PartnerTokenCreatePayload:
        token, secret = await services.create_partner_token(
            input.name, list(input.scopes), input.expires_at, actor=viewer
        )
        return PartnerTokenCreatePayload(partner_token=PartnerToken.from_model(token), token=secret)

    @mutation(
        allow=IsAdmin, description="Revoke a partner token (ADMIN); it stops working at once."
    )
    async def partner_token_revoke(
        self,
        viewer: StaffViewer,
        id: Annotated[relay.GlobalID, strawberry.argument(description="The PartnerToken.")],
    ) -> PartnerTokenRevokePayload:
        token = await services.revoke_partner_token(
            decode_id(id, "PartnerToken", "id"), actor=viewer
        )
        return PartnerTokenRevokePayload(partner_token=PartnerToken.from_model(token))
