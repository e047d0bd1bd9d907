"""Referral fields of the Member type: code, referees brought, points and rewards."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from koc.auth.viewer import can_read_member
from koc.graphql.context import Info
from koc.graphql.loaders import loader
from koc.graphql.permissions import forbidden
from koc.graphql.prefetch import load_all, primed
from koc.graphql.relay import After, Connection, First, SortKey, children_primer, paginate_children
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
        "and WeCom state.",
        metadata=primed(load_all(dl.load_primary_codes)),
    )
    async def referral_code(self, info: Info) -> ReferralCode:
        _check(info, self.id)
        return ReferralCode.from_model(await loader(info, dl.load_primary_codes).load(self.id))

    @strawberry.field(
        description="The people this member brought, newest first. Members see referees masked "
        "with their milestone, never their personal data.",
        metadata=primed(children_primer(dl.REFERRALS_BROUGHT, [SortKey("bound_at")])),
    )
    async def referrals(
        self, info: Info, first: First = None, after: After = None
    ) -> Connection[Referral]:
        _check(info, self.id)
        return await paginate_children(
            info,
            dl.REFERRALS_BROUGHT,
            parent_id=self.id,
            first=first,
            after=after,
            to_node=Referral.from_model,
            order=[SortKey("bound_at")],
        )

    @strawberry.field(
        description="This member's own binding as a referee, if any.",
        metadata=primed(load_all(dl.load_referrals_of_referees)),
    )
    async def referred_by(self, info: Info) -> Referral | None:
        _check(info, self.id)
        row = await loader(info, dl.load_referrals_of_referees).load(self.id)
        return Referral.from_model(row) if row else None

    @strawberry.field(
        description="Points balance (negative after a clawback of spent points).",
        metadata=primed(load_all(dl.load_accounts)),
    )
    async def points_balance(self, info: Info) -> int:
        _check(info, self.id)
        account = await loader(info, dl.load_accounts).load(self.id)
        return account.points_balance if account else 0

    @strawberry.field(
        description="Since when the balance is below zero (null when it is not).",
        metadata=primed(load_all(dl.load_accounts)),
    )
    async def points_negative_since(self, info: Info) -> datetime | None:
        _check(info, self.id)
        account = await loader(info, dl.load_accounts).load(self.id)
        return account.negative_since if account else None

    @strawberry.field(
        description="Every change of this member's points, newest first.",
        metadata=primed(children_primer(dl.POINTS_LEDGER)),
    )
    async def points_ledger(
        self, info: Info, first: First = None, after: After = None
    ) -> Connection[PointsEntry]:
        _check(info, self.id)
        return await paginate_children(
            info,
            dl.POINTS_LEDGER,
            parent_id=self.id,
            first=first,
            after=after,
            to_node=PointsEntry.from_model,
        )

    @strawberry.field(
        description="Referral rewards this member earned, newest first.",
        metadata=primed(children_primer(dl.REWARDS_EARNED, unless=("status",))),
    )
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
            dl.REWARDS_EARNED,
            parent_id=self.id,
            first=first,
            after=after,
            to_node=ReferralReward.from_model,
            equal={} if status is None else {"status": status},
        )

    @strawberry.field(
        description="Whether this member may bring referees now.",
        metadata=primed(load_all(dl.load_accounts)),
    )
    async def referrer_status(self, info: Info) -> ReferrerStatus:  # type: ignore[valid-type]
        _check(info, self.id)
        return referrer_status(await loader(info, dl.load_accounts).load(self.id))
