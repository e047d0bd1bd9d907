"""Queries of the privileges feature."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import strawberry

from koc.auth.models import PartnerScope, StaffRole
from koc.auth.viewer import is_partner_with, is_staff
from koc.graphql.context import Info
from koc.graphql.mutations import query
from koc.graphql.permissions import IsAnalyst, allow
from koc.graphql.relay import Connection, paginate
from koc.privileges import models
from koc.privileges.codes import verify_code
from koc.privileges.graphql.types import (
    Privilege,
    PrivilegeKind,
    PrivilegeRedemptionCheck,
    PrivilegeReport,
    PrivilegeReportRow,
)
from koc.privileges.report import report

CanBrowsePrivileges = allow(
    staff=StaffRole.ANALYST,
    scope=PartnerScope.PRIVILEGES_REDEEM,
    member=True,
    name="CanBrowsePrivileges",
)
CanCheckCodes = allow(
    staff=StaffRole.OPERATOR, scope=PartnerScope.PRIVILEGES_REDEEM, name="CanCheckCodes"
)


@strawberry.type
class Query:
    @query(
        allow=CanBrowsePrivileges,
        description="The privilege catalog, newest first. Members see active privileges only.",
    )
    async def privileges(
        self,
        info: Info,
        kind: Annotated[
            PrivilegeKind | None, strawberry.argument(description="Only this kind.")
        ] = None,  # type: ignore[valid-type]
        include_inactive: Annotated[
            bool, strawberry.argument(description="Staff: also withdrawn privileges.")
        ] = False,
        first: Annotated[int | None, strawberry.argument(description="Page size, <= 100.")] = None,
        after: Annotated[str | None, strawberry.argument(description="Cursor.")] = None,
    ) -> Connection[Privilege]:
        viewer = info.context.viewer
        query = models.Privilege.all()
        if not include_inactive or not (
            is_staff(viewer) or is_partner_with(viewer, PartnerScope.PRIVILEGES_REDEEM)
        ):
            query = query.filter(active=True)
        if kind is not None:
            query = query.filter(kind=kind)
        return await paginate(query, first=first, after=after, to_node=Privilege.from_model)

    @query(
        allow=CanCheckCodes,
        description="Check a member's redemption code (their QR) without using it: what it is "
        "for, whose it is, and whether privilegeRedeem would accept it now. Partners need the "
        "privileges:redeem scope.",
    )
    async def privilege_redemption_verify(
        self,
        info: Info,
        code: Annotated[str, strawberry.argument(description="The scanned code.")],
    ) -> PrivilegeRedemptionCheck:
        check = await verify_code(info.context.settings.jwt_secret, code)
        return PrivilegeRedemptionCheck.from_check(check)

    @query(
        allow=IsAnalyst,
        description="Grants, redemptions, seats and remaining stock per privilege over a "
        "period (default: this calendar year so far).",
    )
    async def privilege_report(
        self,
        from_: Annotated[
            datetime | None,
            strawberry.argument(name="from", description="Start (inclusive), with a time zone."),
        ] = None,
        to: Annotated[
            datetime | None,
            strawberry.argument(description="End (exclusive), with a time zone; default now."),
        ] = None,
    ) -> PrivilegeReport:
        now = datetime.now(UTC)
        start = from_ or datetime(now.year, 1, 1, tzinfo=UTC)
        end = to or now
        rows = await report(start, end)
        return PrivilegeReport(
            from_=start,
            to=end,
            rows=[
                PrivilegeReportRow(
                    privilege=Privilege.from_model(r.privilege),
                    grants_active=r.grants_active,
                    grants_issued=r.grants_issued,
                    redemptions=r.redemptions,
                    seats_reserved=r.seats_reserved,
                    remaining_stock=r.privilege.remaining_stock,
                    total_stock=r.privilege.total_stock,
                )
                for r in rows
            ],
        )
