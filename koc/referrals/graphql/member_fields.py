"""Referral fields of the Member type: code, referees brought, points and rewards."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from koc.auth.viewer import can_read_member
from koc.graphql.context import Info
from koc.graphql.loaders import loader
from koc.graphql.permissions import forbidden
from koc.graphql.relay import After, Connection, First, SortKey, paginate_children
from koc.referrals import models
from koc.referrals.graphql import dataloaders as dl
from koc.referrals.graphql.types import (
    PointsEntry,
    Referral,
    ReferralCode,
    ReferralReward,
    ReferrerStatus,
    RewardStatus,
    reads_referrals,
    referrer_status,
)


def _check(info: Info, member_id: int) -> None:
    viewer = info.context.viewer
    if not (can_read_member(viewer, member_id) or reads_referrals(viewer)):
        raise forbidden()


@strawberry.type
class ReferralMemberFields:
    if TYPE_CHECKING:
        id: int  # the Member's database id, from the Member type

    @strawberry.field(
        description="The code this member shares (made on first use), with its share scene "
        "and WeCom state."
    )
    async def referral_code(self, info: Info) -> ReferralCode:
        _check(info, self.id)
        return ReferralCode.from_model(await loader(info, dl.load_primary_codes).load(self.id))

    @strawberry.field(
        description="The people this member brought, newest first. Members see referees masked "
        "with their milestone, never their personal data."
    )
    async def referrals(
        self, info: Info, first: First = None, after: After = None
    ) -> Connection[Referral]:
        _check(info, self.id)
        return await paginate_children(
            info,
            models.Referral,
            parent="referrer_id",
            parent_id=self.id,
            first=first,
            after=after,
            to_node=Referral.from_model,
            order=[SortKey("bound_at")],
        )

    @strawberry.field(description="This member's own binding as a referee, if any.")
    async def referred_by(self, info: Info) -> Referral | None:
        _check(info, self.id)
        row = await loader(info, dl.load_referrals_of_referees).load(self.id)
        return Referral.from_model(row) if row else None

    @strawberry.field(description="Points balance (negative after a clawback of spent points).")
    async def points_balance(self, info: Info) -> int:
        _check(info, self.id)
        account = await loader(info, dl.load_accounts).load(self.id)
        return account.points_balance if account else 0

    @strawberry.field(description="Since when the balance is below zero (null when it is not).")
    async def points_negative_since(self, info: Info) -> datetime | None:
        _check(info, self.id)
        account = await loader(info, dl.load_accounts).load(self.id)
        return account.negative_since if account else None

    @strawberry.field(description="Every change of this member's points, newest first.")
    async def points_ledger(
        self, info: Info, first: First = None, after: After = None
    ) -> Connection[PointsEntry]:
        _check(info, self.id)
        return await paginate_children(
            info,
            models.PointsEntry,
            parent="member_id",
            parent_id=self.id,
            first=first,
            after=after,
            to_node=PointsEntry.from_model,
        )

    @strawberry.field(description="Referral rewards this member earned, newest first.")
    async def referral_rewards(
        self,
        info: Info,
        status: Annotated[
            RewardStatus | None, strawberry.argument(description="Only rewards in this status.")
        ] = None,  # type: ignore[valid-type]
        first: First = None,
        after: After = None,
    ) -> Connection[ReferralReward]:
        _check(info, self.id)
        return await paginate_children(
            info,
            models.ReferralReward,
            parent="member_id",
            parent_id=self.id,
            first=first,
            after=after,
            to_node=ReferralReward.from_model,
            filters={} if status is None else {"status": status},
        )

    @strawberry.field(description="Whether this member may bring referees now.")
    async def referrer_status(self, info: Info) -> ReferrerStatus:  # type: ignore[valid-type]
        _check(info, self.id)
        return referrer_status(await loader(info, dl.load_accounts).load(self.id))
