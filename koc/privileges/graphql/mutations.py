"""Mutations of the privileges feature."""

from __future__ import annotations

from typing import Annotated

import strawberry

from koc.auth.models import PartnerScope, StaffRole
from koc.auth.viewer import MemberViewer, PartnerViewer, StaffViewer
from koc.errors import DomainError
from koc.graphql.context import Info
from koc.graphql.ids import decode_id
from koc.graphql.mutations import Payload, mutation
from koc.graphql.permissions import IsMember, IsOperator, allow, forbidden
from koc.privileges.catalogue import REFRESH_ELIGIBILITY, create_privilege, update_privilege
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
from koc.worker.graphql.types import Job, job_access

CanRedeem = allow(
    staff=StaffRole.OPERATOR, scope=PartnerScope.PRIVILEGES_REDEEM, member=True, name="CanRedeem"
)
CanRsvp = allow(staff=StaffRole.OPERATOR, member=True, name="CanRsvp")


@strawberry.type(description="Result of privilegeCreate and privilegeUpdate.")
class PrivilegePayload(Payload[PrivilegeError]):
    privilege: Privilege | None = strawberry.field(default=None, description="The privilege.")
    job: Job | None = strawberry.field(
        default=None,
        description="The re-evaluation of every member's automatic grant, as a job (status, "
        "progress; its summary says how many were granted and withdrawn).",
    )


job_access(REFRESH_ELIGIBILITY, IsOperator)


@strawberry.type(description="Result of privilegeGrant and privilegeRevoke.")
class PrivilegeGrantPayload(Payload[PrivilegeError]):
    grant: PrivilegeGrant | None = strawberry.field(default=None, description="The grant.")


@strawberry.type(description="Result of privilegeRedeem.")
class PrivilegeRedeemPayload(Payload[PrivilegeError]):
    redemption: PrivilegeRedemption | None = strawberry.field(
        default=None, description="The use (the first one, for a replay)."
    )
    replayed: bool = strawberry.field(
        default=False, description="True when this key (or code) had already been redeemed."
    )


@strawberry.type(description="Result of privilegeRedemptionCode.")
class PrivilegeRedemptionCodePayload(Payload[PrivilegeError]):
    redemption_code: PrivilegeRedemptionCode | None = strawberry.field(
        default=None, description="The code for the QR."
    )


@strawberry.type(description="Result of privilegeRsvp and privilegeRsvpCancel.")
class PrivilegeRsvpPayload(Payload[PrivilegeError]):
    rsvp: PrivilegeRsvp | None = strawberry.field(default=None, description="The seat.")


def _required(value: object, name: str) -> None:
    if value is None:
        raise DomainError(PrivilegeErrorCode.INVALID, f"Give {name}.", name)


def _acting_member(
    viewer: MemberViewer | StaffViewer, member_gid: strawberry.relay.GlobalID | None
) -> int:
    """The member a member or staff acts for: members only for themselves."""
    if isinstance(viewer, MemberViewer):
        if member_gid is not None and decode_id(member_gid, "Member", "memberId") != (
            viewer.member_id
        ):
            raise forbidden()
        return viewer.member_id
    _required(member_gid, "memberId")
    assert member_gid is not None
    return decode_id(member_gid, "Member", "memberId")


async def _redeem(
    viewer: MemberViewer | StaffViewer | PartnerViewer, secret: str, input: PrivilegeRedeemInput
) -> Redeemed:
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
    if isinstance(viewer, StaffViewer) and input.code is not None:
        return await redeem_code(secret, input.code, via=RedeemedVia.STAFF, actor=viewer)
    member_id = _acting_member(viewer, input.member_id)
    _required(input.privilege_id, "privilegeId")
    _required(input.idempotency_key, "idempotencyKey")
    assert input.privilege_id is not None and input.idempotency_key is not None
    staff = viewer if isinstance(viewer, StaffViewer) else None
    return await redeem(
        member_id,
        decode_id(input.privilege_id, "Privilege", "privilegeId"),
        channel=Channel(input.channel or (Channel.STORE if staff else Channel.ONLINE)),
        via=RedeemedVia.STAFF if staff else RedeemedVia.MEMBER,
        idempotency_key=input.idempotency_key,
        actor=staff,
    )


@strawberry.type
class Mutation:
    @mutation(
        allow=IsOperator,
        description="Add a privilege; the payload's job grants it to every eligible member.",
    )
    async def privilege_create(
        self, viewer: StaffViewer, input: PrivilegeCreateInput
    ) -> PrivilegePayload:
        privilege, job = await create_privilege(input.to_data(), actor=viewer)
        return PrivilegePayload(privilege=Privilege.from_model(privilege), job=Job.from_model(job))

    @mutation(
        allow=IsOperator,
        description="Change a privilege; the payload's job makes automatic grants follow the new "
        "audience.",
    )
    async def privilege_update(
        self, viewer: StaffViewer, input: PrivilegeUpdateInput
    ) -> PrivilegePayload:
        privilege_id = decode_id(input.id, "Privilege", "id")
        privilege, job = await update_privilege(privilege_id, input.changes(), actor=viewer)
        return PrivilegePayload(privilege=Privilege.from_model(privilege), job=Job.from_model(job))

    @mutation(
        allow=IsOperator,
        description="Grant a privilege by hand, whatever the eligibility rules say.",
    )
    async def privilege_grant(
        self, viewer: StaffViewer, input: PrivilegeGrantInput
    ) -> PrivilegeGrantPayload:
        grant = await grant_privilege(
            decode_id(input.member_id, "Member", "memberId"),
            decode_id(input.privilege_id, "Privilege", "privilegeId"),
            reason=input.reason,
            actor=viewer,
            expires_at=input.expires_at,
        )
        return PrivilegeGrantPayload(grant=PrivilegeGrant.from_model(grant))

    @mutation(
        allow=IsOperator,
        description="Withdraw a member's grant (a reserved seat is given back).",
    )
    async def privilege_revoke(
        self, viewer: StaffViewer, input: PrivilegeRevokeInput
    ) -> PrivilegeGrantPayload:
        grant = await revoke_grant(
            decode_id(input.member_id, "Member", "memberId"),
            decode_id(input.privilege_id, "Privilege", "privilegeId"),
            input.reason,
            actor=viewer,
        )
        return PrivilegeGrantPayload(grant=PrivilegeGrant.from_model(grant))

    @mutation(
        allow=CanRedeem,
        description="Use a privilege: a member in the mini-program (online), staff, or a store "
        "POS with the privileges:redeem scope scanning the member's code. For EVENT and "
        "TICKET privileges this is the check-in. Atomic and idempotent. A refusal says why: "
        "NOT_ELIGIBLE, OUT_OF_STOCK, QUOTA_USED, EXPIRED, ALREADY_REDEEMED, WRONG_CHANNEL, "
        "CODE_EXPIRED, ...",
    )
    async def privilege_redeem(
        self,
        info: Info,
        viewer: MemberViewer | StaffViewer | PartnerViewer,
        input: PrivilegeRedeemInput,
    ) -> PrivilegeRedeemPayload:
        done = await _redeem(viewer, info.context.settings.jwt_secret, input)
        return PrivilegeRedeemPayload(
            redemption=PrivilegeRedemption.from_model(done.redemption), replayed=done.replayed
        )

    @mutation(
        allow=IsMember,
        description="A short-lived code (default 5 minutes) for the member to show as a QR at "
        "a store; refused up front when the privilege could not be redeemed there now.",
    )
    async def privilege_redemption_code(
        self,
        info: Info,
        viewer: MemberViewer,
        privilege_id: Annotated[
            strawberry.relay.GlobalID, strawberry.argument(description="The Privilege.")
        ],
    ) -> PrivilegeRedemptionCodePayload:
        settings = info.context.settings
        code, expires_at = await issue_code(
            settings.jwt_secret,
            settings.privilege_code_ttl_seconds,
            viewer.member_id,
            decode_id(privilege_id, "Privilege", "privilegeId"),
        )
        return PrivilegeRedemptionCodePayload(
            redemption_code=PrivilegeRedemptionCode(code=code, expires_at=expires_at)
        )

    @mutation(
        allow=CanRsvp,
        description="Reserve a seat at an EVENT or TICKET privilege (a member for themselves, "
        "or staff for a member).",
    )
    async def privilege_rsvp(
        self, viewer: MemberViewer | StaffViewer, input: PrivilegeRsvpInput
    ) -> PrivilegeRsvpPayload:
        rsvp = await reserve_seat(
            _acting_member(viewer, input.member_id),
            decode_id(input.privilege_id, "Privilege", "privilegeId"),
        )
        return PrivilegeRsvpPayload(rsvp=PrivilegeRsvp.from_model(rsvp))

    @mutation(
        allow=CanRsvp,
        description="Cancel a reserved seat before check-in; the seat goes back to the pool.",
    )
    async def privilege_rsvp_cancel(
        self, viewer: MemberViewer | StaffViewer, input: PrivilegeRsvpInput
    ) -> PrivilegeRsvpPayload:
        rsvp = await cancel_seat(
            _acting_member(viewer, input.member_id),
            decode_id(input.privilege_id, "Privilege", "privilegeId"),
        )
        return PrivilegeRsvpPayload(rsvp=PrivilegeRsvp.from_model(rsvp))
