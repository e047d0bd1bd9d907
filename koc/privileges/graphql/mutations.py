"""Mutations of the privileges feature."""

from __future__ import annotations

from typing import Annotated

import strawberry

from koc.auth.models import PartnerScope, StaffRole
from koc.auth.viewer import MemberViewer, PartnerViewer
from koc.errors import DomainError
from koc.graphql.context import Info
from koc.graphql.errors import errors_of
from koc.graphql.ids import decode_id
from koc.graphql.permissions import IsMember, IsOperator, allow, forbidden, require_staff
from koc.privileges.catalogue import create_privilege, update_privilege
from koc.privileges.codes import issue_code, redeem_code
from koc.privileges.errors import PrivilegeErrorCode
from koc.privileges.grants import grant_privilege, revoke_grant
from koc.privileges.graphql.inputs import (
    PrivilegeCreateInput,
    PrivilegeGrantInput,
    PrivilegeRedeemInput,
    PrivilegeRevokeInput,
    PrivilegeRsvpInput,
    PrivilegeUpdateInput,
)
from koc.privileges.graphql.types import (
    Privilege,
    PrivilegeError,
    PrivilegeGrant,
    PrivilegeRedemption,
    PrivilegeRedemptionCode,
    PrivilegeRsvp,
)
from koc.privileges.models import Channel, RedeemedVia
from koc.privileges.redemption import Redeemed, redeem
from koc.privileges.seats import cancel_seat, reserve_seat

CanRedeem = allow(
    staff=StaffRole.OPERATOR, scope=PartnerScope.PRIVILEGES_REDEEM, member=True, name="CanRedeem"
)
CanRsvp = allow(staff=StaffRole.OPERATOR, member=True, name="CanRsvp")


@strawberry.type(description="Result of privilegeCreate and privilegeUpdate.")
class PrivilegePayload:
    privilege: Privilege | None = strawberry.field(default=None, description="The privilege.")
    granted_count: int = strawberry.field(
        default=0, description="Members who received it now because they are eligible."
    )
    withdrawn_count: int = strawberry.field(
        default=0, description="Automatic grants withdrawn because eligibility was lost."
    )
    errors: list[PrivilegeError] = strawberry.field(  # type: ignore[valid-type]
        default_factory=list, description="What was wrong."
    )


@strawberry.type(description="Result of privilegeGrant and privilegeRevoke.")
class PrivilegeGrantPayload:
    grant: PrivilegeGrant | None = strawberry.field(default=None, description="The grant.")
    errors: list[PrivilegeError] = strawberry.field(  # type: ignore[valid-type]
        default_factory=list, description="What was wrong."
    )


@strawberry.type(description="Result of privilegeRedeem.")
class PrivilegeRedeemPayload:
    redemption: PrivilegeRedemption | None = strawberry.field(
        default=None, description="The use (the first one, for a replay)."
    )
    replayed: bool = strawberry.field(
        default=False, description="True when this key (or code) had already been redeemed."
    )
    errors: list[PrivilegeError] = strawberry.field(  # type: ignore[valid-type]
        default_factory=list,
        description="Why it was refused: NOT_ELIGIBLE, OUT_OF_STOCK, QUOTA_USED, EXPIRED, "
        "ALREADY_REDEEMED, WRONG_CHANNEL, CODE_EXPIRED, ...",
    )


@strawberry.type(description="Result of privilegeRedemptionCode.")
class PrivilegeRedemptionCodePayload:
    redemption_code: PrivilegeRedemptionCode | None = strawberry.field(
        default=None, description="The code for the QR."
    )
    errors: list[PrivilegeError] = strawberry.field(  # type: ignore[valid-type]
        default_factory=list, description="Why no code was issued."
    )


@strawberry.type(description="Result of privilegeRsvp and privilegeRsvpCancel.")
class PrivilegeRsvpPayload:
    rsvp: PrivilegeRsvp | None = strawberry.field(default=None, description="The seat.")
    errors: list[PrivilegeError] = strawberry.field(  # type: ignore[valid-type]
        default_factory=list, description="What was wrong."
    )


def _required(value: object, name: str) -> None:
    if value is None:
        raise DomainError(PrivilegeErrorCode.INVALID, f"Give {name}.", name)


def _acting_member(info: Info, member_gid: strawberry.relay.GlobalID | None) -> int:
    """The member a member or staff acts for: members only for themselves."""
    viewer = info.context.viewer
    if isinstance(viewer, MemberViewer):
        if member_gid is not None and decode_id(member_gid, "Member", "memberId") != (
            viewer.member_id
        ):
            raise forbidden()
        return viewer.member_id
    require_staff(info, StaffRole.OPERATOR)
    _required(member_gid, "memberId")
    assert member_gid is not None
    return decode_id(member_gid, "Member", "memberId")


async def _redeem(info: Info, input: PrivilegeRedeemInput) -> Redeemed:
    viewer = info.context.viewer
    secret = info.context.settings.jwt_secret
    if isinstance(viewer, PartnerViewer):
        _required(input.code, "code")
        assert input.code is not None
        return await redeem_code(
            secret, input.code, via=RedeemedVia.PARTNER, partner_id=viewer.token_id
        )
    if isinstance(viewer, MemberViewer) and input.code is not None:
        raise DomainError(
            PrivilegeErrorCode.INVALID,
            "Codes are scanned by a store, not redeemed by members.",
            "code",
        )
    if isinstance(viewer, MemberViewer) and input.channel not in (None, Channel.ONLINE):
        raise DomainError(PrivilegeErrorCode.INVALID, "Members redeem ONLINE.", "channel")
    if input.code is not None:
        actor = require_staff(info, StaffRole.OPERATOR)
        return await redeem_code(secret, input.code, via=RedeemedVia.STAFF, actor=actor)
    member_id = _acting_member(info, input.member_id)
    _required(input.privilege_id, "privilegeId")
    _required(input.idempotency_key, "idempotencyKey")
    assert input.privilege_id is not None and input.idempotency_key is not None
    staff = not isinstance(viewer, MemberViewer)
    return await redeem(
        member_id,
        decode_id(input.privilege_id, "Privilege", "privilegeId"),
        channel=Channel(input.channel or (Channel.STORE if staff else Channel.ONLINE)),
        via=RedeemedVia.STAFF if staff else RedeemedVia.MEMBER,
        idempotency_key=input.idempotency_key,
        actor=require_staff(info, StaffRole.OPERATOR) if staff else None,
    )


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Add a privilege; it is granted at once to every eligible member.",
        permission_classes=[IsOperator],
    )
    async def privilege_create(self, info: Info, input: PrivilegeCreateInput) -> PrivilegePayload:
        actor = require_staff(info, StaffRole.OPERATOR)
        try:
            privilege, done = await create_privilege(input.to_data(), actor=actor)
        except DomainError as exc:
            return PrivilegePayload(errors=errors_of(exc, PrivilegeError))
        return PrivilegePayload(
            privilege=Privilege.from_model(privilege),
            granted_count=done.granted,
            withdrawn_count=done.withdrawn,
        )

    @strawberry.mutation(
        description="Change a privilege; automatic grants follow the new eligibility.",
        permission_classes=[IsOperator],
    )
    async def privilege_update(self, info: Info, input: PrivilegeUpdateInput) -> PrivilegePayload:
        actor = require_staff(info, StaffRole.OPERATOR)
        try:
            privilege_id = decode_id(input.id, "Privilege", "id")
            privilege, done = await update_privilege(privilege_id, input.changes(), actor=actor)
        except DomainError as exc:
            return PrivilegePayload(errors=errors_of(exc, PrivilegeError))
        return PrivilegePayload(
            privilege=Privilege.from_model(privilege),
            granted_count=done.granted,
            withdrawn_count=done.withdrawn,
        )

    @strawberry.mutation(
        description="Grant a privilege by hand, whatever the eligibility rules say.",
        permission_classes=[IsOperator],
    )
    async def privilege_grant(
        self, info: Info, input: PrivilegeGrantInput
    ) -> PrivilegeGrantPayload:
        actor = require_staff(info, StaffRole.OPERATOR)
        try:
            grant = await grant_privilege(
                decode_id(input.member_id, "Member", "memberId"),
                decode_id(input.privilege_id, "Privilege", "privilegeId"),
                reason=input.reason,
                actor=actor,
                expires_at=input.expires_at,
            )
        except DomainError as exc:
            return PrivilegeGrantPayload(errors=errors_of(exc, PrivilegeError))
        return PrivilegeGrantPayload(grant=PrivilegeGrant.from_model(grant))

    @strawberry.mutation(
        description="Withdraw a member's grant (a reserved seat is given back).",
        permission_classes=[IsOperator],
    )
    async def privilege_revoke(
        self, info: Info, input: PrivilegeRevokeInput
    ) -> PrivilegeGrantPayload:
        actor = require_staff(info, StaffRole.OPERATOR)
        try:
            grant = await revoke_grant(
                decode_id(input.member_id, "Member", "memberId"),
                decode_id(input.privilege_id, "Privilege", "privilegeId"),
                input.reason,
                actor=actor,
            )
        except DomainError as exc:
            return PrivilegeGrantPayload(errors=errors_of(exc, PrivilegeError))
        return PrivilegeGrantPayload(grant=PrivilegeGrant.from_model(grant))

    @strawberry.mutation(
        description="Use a privilege: a member in the mini-program (online), staff, or a store "
        "POS with the privileges:redeem scope scanning the member's code. For EVENT and "
        "TICKET privileges this is the check-in. Atomic and idempotent.",
        permission_classes=[CanRedeem],
    )
    async def privilege_redeem(
        self, info: Info, input: PrivilegeRedeemInput
    ) -> PrivilegeRedeemPayload:
        try:
            done = await _redeem(info, input)
        except DomainError as exc:
            return PrivilegeRedeemPayload(errors=errors_of(exc, PrivilegeError))
        return PrivilegeRedeemPayload(
            redemption=PrivilegeRedemption.from_model(done.redemption), replayed=done.replayed
        )

    @strawberry.mutation(
        description="A short-lived code (default 5 minutes) for the member to show as a QR at "
        "a store; refused up front when the privilege could not be redeemed there now.",
        permission_classes=[IsMember],
    )
    async def privilege_redemption_code(
        self,
        info: Info,
        privilege_id: Annotated[
            strawberry.relay.GlobalID, strawberry.argument(description="The Privilege.")
        ],
    ) -> PrivilegeRedemptionCodePayload:
        viewer = info.context.viewer
        assert isinstance(viewer, MemberViewer)
        settings = info.context.settings
        try:
            code, expires_at = await issue_code(
                settings.jwt_secret,
                settings.privilege_code_ttl_seconds,
                viewer.member_id,
                decode_id(privilege_id, "Privilege", "privilegeId"),
            )
        except DomainError as exc:
            return PrivilegeRedemptionCodePayload(errors=errors_of(exc, PrivilegeError))
        return PrivilegeRedemptionCodePayload(
            redemption_code=PrivilegeRedemptionCode(code=code, expires_at=expires_at)
        )

    @strawberry.mutation(
        description="Reserve a seat at an EVENT or TICKET privilege (a member for themselves, "
        "or staff for a member).",
        permission_classes=[CanRsvp],
    )
    async def privilege_rsvp(self, info: Info, input: PrivilegeRsvpInput) -> PrivilegeRsvpPayload:
        try:
            rsvp = await reserve_seat(
                _acting_member(info, input.member_id),
                decode_id(input.privilege_id, "Privilege", "privilegeId"),
            )
        except DomainError as exc:
            return PrivilegeRsvpPayload(errors=errors_of(exc, PrivilegeError))
        return PrivilegeRsvpPayload(rsvp=PrivilegeRsvp.from_model(rsvp))

    @strawberry.mutation(
        description="Cancel a reserved seat before check-in; the seat goes back to the pool.",
        permission_classes=[CanRsvp],
    )
    async def privilege_rsvp_cancel(
        self, info: Info, input: PrivilegeRsvpInput
    ) -> PrivilegeRsvpPayload:
        try:
            rsvp = await cancel_seat(
                _acting_member(info, input.member_id),
                decode_id(input.privilege_id, "Privilege", "privilegeId"),
            )
        except DomainError as exc:
            return PrivilegeRsvpPayload(errors=errors_of(exc, PrivilegeError))
        return PrivilegeRsvpPayload(rsvp=PrivilegeRsvp.from_model(rsvp))
