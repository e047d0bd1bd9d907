"""Who is calling, resolved once per request from the ``Authorization`` header."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from koc.auth.models import PartnerScope, StaffRole

# Each role can do everything the roles before it can. ADVISOR is on no rung: it passes no
# role check, and only the operations that admit advisors by name let it in, scoped to the
# members it owns (koc.auth.scope).
ROLE_RANK = {StaffRole.ANALYST: 1, StaffRole.OPERATOR: 2, StaffRole.ADMIN: 3}


@dataclass(frozen=True, slots=True)
class Anonymous:
    kind = "anonymous"


@dataclass(frozen=True, slots=True)
class MemberViewer:
    member_id: int
    kind = "member"


@dataclass(frozen=True, slots=True)
class StaffViewer:
    staff_id: int
    username: str
    role: StaffRole
    # The login (refresh-token family) of the request, when known: changing one's password
    # keeps this login and ends the others.
    session: uuid.UUID | None = None
    kind = "staff"

    def has_role(self, minimum: StaffRole) -> bool:
        return ROLE_RANK.get(self.role, 0) >= ROLE_RANK[minimum]

    @property
    def is_advisor(self) -> bool:
        return self.role is StaffRole.ADVISOR


@dataclass(frozen=True, slots=True)
class PartnerViewer:
    token_id: int
    name: str
    scopes: frozenset[PartnerScope] = field(default_factory=frozenset)
    kind = "partner"

    def has_scope(self, scope: PartnerScope) -> bool:
        return scope in self.scopes


Viewer = Anonymous | MemberViewer | StaffViewer | PartnerViewer


def is_staff(viewer: Viewer, minimum: StaffRole = StaffRole.ANALYST) -> bool:
    return isinstance(viewer, StaffViewer) and viewer.has_role(minimum)


def advisor_id(viewer: Viewer) -> int | None:
    """The staff id of an ADVISOR caller, None for every other caller."""
    return viewer.staff_id if isinstance(viewer, StaffViewer) and viewer.is_advisor else None


def is_partner_with(viewer: Viewer, scope: PartnerScope) -> bool:
    return isinstance(viewer, PartnerViewer) and viewer.has_scope(scope)


def can_read_member(viewer: Viewer, member_id: int) -> bool:
    """Staff, partners with members:read, and the member themselves read a member's data.

    An ADVISOR is not answered here: whether it owns the member is for the database to say
    (``koc.members.graphql.access.may_read_member``)."""
    if isinstance(viewer, MemberViewer):
        return viewer.member_id == member_id
    return is_staff(viewer) or is_partner_with(viewer, PartnerScope.MEMBERS_READ)
