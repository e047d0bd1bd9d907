"""Who may call which field. Every guarded field names its rule here.

A denial is a top-level GraphQL error with ``extensions.code`` FORBIDDEN (or UNAUTHENTICATED
when no credentials were sent), never payload data.
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError
from strawberry.permission import BasePermission

from koc.auth.models import PartnerScope, StaffRole
from koc.auth.viewer import Anonymous, MemberViewer, PartnerViewer, StaffViewer
from koc.errors import PermissionDenied
from koc.graphql.context import Info


def not_authenticated() -> GraphQLError:
    return GraphQLError("Authentication required.", extensions={"code": "UNAUTHENTICATED"})


def forbidden(message: str = PermissionDenied().args[0]) -> GraphQLError:
    return GraphQLError(message, extensions={"code": "FORBIDDEN"})


def allow(
    *,
    staff: StaffRole | None = None,
    scope: PartnerScope | None = None,
    member: bool = False,
    advisor: bool = False,
    name: str | None = None,
) -> type[BasePermission]:
    """A permission class admitting staff of at least role ``staff``, partners holding
    ``scope``, members (any signed-in member; resolvers narrow to their own data) and/or
    ADVISOR staff (resolvers narrow to the members they own: ``koc.auth.scope``)."""

    class Allow(BasePermission):
        message = "You do not have permission to perform this action."

        def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
            viewer = info.context.viewer
            if isinstance(viewer, Anonymous):
                raise not_authenticated()
            if staff is not None and isinstance(viewer, StaffViewer) and viewer.has_role(staff):
                return True
            if scope is not None and isinstance(viewer, PartnerViewer) and viewer.has_scope(scope):
                return True
            if member and isinstance(viewer, MemberViewer):
                return True
            if advisor and isinstance(viewer, StaffViewer) and viewer.is_advisor:
                return True
            raise forbidden()

    Allow.__name__ = Allow.__qualname__ = name or "Allow"
    return Allow


IsAnalyst = allow(staff=StaffRole.ANALYST, name="IsAnalyst")
IsOperator = allow(staff=StaffRole.OPERATOR, name="IsOperator")
IsAdmin = allow(staff=StaffRole.ADMIN, name="IsAdmin")
IsMember = allow(member=True, name="IsMember")
# Any staff account, whatever its role (changing one's own password).
IsStaff = allow(staff=StaffRole.ANALYST, advisor=True, name="IsStaff")
# Operators change any member; an ADVISOR only the members it owns.
IsOperatorOrAdvisor = allow(staff=StaffRole.OPERATOR, advisor=True, name="IsOperatorOrAdvisor")
IsAuthenticated = allow(staff=StaffRole.ANALYST, member=True, name="IsAuthenticated")


class IsSignedIn(BasePermission):
    """Any caller with valid credentials; the resolver decides what each may see."""

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        if isinstance(info.context.viewer, Anonymous):
            raise not_authenticated()
        return True


def require_staff(info: Info, minimum: StaffRole = StaffRole.ANALYST) -> StaffViewer:
    """The staff viewer, for resolvers whose permission class already admitted staff."""
    viewer = info.context.viewer
    if not isinstance(viewer, StaffViewer) or not viewer.has_role(minimum):
        raise forbidden()
    return viewer


def require_member(info: Info) -> MemberViewer:
    viewer = info.context.viewer
    if not isinstance(viewer, MemberViewer):
        raise forbidden()
    return viewer
