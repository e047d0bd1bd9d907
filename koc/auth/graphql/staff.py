"""Mutations of the staff lifecycle: disable, enable, role, password (koc.auth.staff)."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry import relay

from koc.auth import staff
from koc.auth.graphql.types import AuthError, StaffUser
from koc.auth.graphql.types import StaffRole as StaffRoleEnum
from koc.auth.viewer import StaffViewer
from koc.graphql.ids import decode_id
from koc.graphql.mutations import Payload, mutation
from koc.graphql.permissions import IsAdmin, IsStaff

StaffID = Annotated[relay.GlobalID, strawberry.argument(description="The StaffUser.")]


@strawberry.type(description="Result of a change to a staff account.")
class StaffUpdatePayload(Payload[AuthError]):
    staff: StaffUser | None = strawberry.field(
        default=None, description="The account after the change."
    )


@strawberry.input(description="A new password for a staff account, set by an ADMIN.")
class StaffPasswordResetInput:
    id: relay.GlobalID = strawberry.field(description="The StaffUser.")
    password: str = strawberry.field(description="At least 10 characters.")


@strawberry.input(description="The caller's own new password.")
class StaffPasswordChangeInput:
    current_password: str = strawberry.field(description="The password in use now.")
    new_password: str = strawberry.field(description="At least 10 characters, not the current.")


def _staff_id(id: relay.GlobalID, field: str = "id") -> int:
    return decode_id(id, "StaffUser", field)


@strawberry.type
class Mutation:
    @mutation(
        allow=IsAdmin,
        description="Disable a staff account (ADMIN): it cannot sign in, and every session it "
        "holds ends at once. Refused for the last active ADMIN.",
    )
    async def staff_disable(self, viewer: StaffViewer, id: StaffID) -> StaffUpdatePayload:
        row = await staff.set_active(_staff_id(id), False, actor=viewer)
        return StaffUpdatePayload(staff=StaffUser.from_model(row))

    @mutation(
        allow=IsAdmin,
        description="Enable a disabled staff account (ADMIN); it signs in again with its password.",
    )
    async def staff_enable(self, viewer: StaffViewer, id: StaffID) -> StaffUpdatePayload:
        row = await staff.set_active(_staff_id(id), True, actor=viewer)
        return StaffUpdatePayload(staff=StaffUser.from_model(row))

    @mutation(
        allow=IsAdmin,
        description="Change a staff account's role (ADMIN); it applies from the account's next "
        "request. Refused when it would leave no active ADMIN.",
    )
    async def staff_role_set(
        self,
        viewer: StaffViewer,
        id: StaffID,
        role: Annotated[StaffRoleEnum, strawberry.argument(description="The new role.")],  # type: ignore[valid-type]
    ) -> StaffUpdatePayload:
        row = await staff.set_role(_staff_id(id), role, actor=viewer)
        return StaffUpdatePayload(staff=StaffUser.from_model(row))

    @mutation(
        allow=IsAdmin,
        description="Set a new password for a staff account (ADMIN): its sessions end and a "
        "login lockout is lifted.",
    )
    async def staff_password_reset(
        self, viewer: StaffViewer, input: StaffPasswordResetInput
    ) -> StaffUpdatePayload:
        row = await staff.reset_password(_staff_id(input.id), input.password, actor=viewer)
        return StaffUpdatePayload(staff=StaffUser.from_model(row))

    @mutation(
        allow=IsStaff,
        description="Change the caller's own password, given the current one; the caller's "
        "other sessions end, this one goes on.",
    )
    async def staff_password_change(
        self, viewer: StaffViewer, input: StaffPasswordChangeInput
    ) -> StaffUpdatePayload:
        row = await staff.change_own_password(
            viewer, input.current_password, input.new_password, session=viewer.session
        )
        return StaffUpdatePayload(staff=StaffUser.from_model(row))
