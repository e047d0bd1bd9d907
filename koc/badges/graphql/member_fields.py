"""Badge fields of the Member type: ``me { badges badgeProgress }``."""

from __future__ import annotations

from typing import Annotated

import strawberry

from koc.auth.viewer import can_read_member, is_staff
from koc.badges.graphql import dataloaders as dl
from koc.badges.graphql.types import BadgeAward, BadgeAwardEvent, BadgeProgress
from koc.graphql.context import Info
from koc.graphql.loaders import loader
from koc.graphql.permissions import forbidden
from koc.graphql.prefetch import load_all, load_all_then, primed


def _check(info: Info, member_id: int) -> None:
    if not can_read_member(info.context.viewer, member_id):
        raise forbidden()


@strawberry.type
class BadgeMemberFields:
    @strawberry.field(
        description="Badges the member holds, oldest award first.",
        metadata=primed(
            load_all_then(
                dl.load_holdings,
                "badge",
                dl.load_badges,
                lambda h, arguments: (
                    h.badge_id
                    if h.revoked_at is None or arguments.get("includeRevoked") in (True, "true")
                    else None
                ),
            )
        ),
    )
    async def badges(
        self,
        info: Info,
        include_revoked: Annotated[
            bool, strawberry.argument(description="Also list badges staff revoked.")
        ] = False,
    ) -> list[BadgeAward]:
        _check(info, self.id)  # type: ignore[attr-defined]
        rows = await loader(info, dl.load_holdings).load(self.id)  # type: ignore[attr-defined]
        return [BadgeAward.from_model(h) for h in rows if include_revoked or h.revoked_at is None]

    @strawberry.field(
        description="Progress toward each visible badge not yet earned, e.g. 3 of 5 referrals.",
        metadata=primed(load_all(dl.load_progress)),
    )
    async def badge_progress(self, info: Info) -> list[BadgeProgress]:
        _check(info, self.id)  # type: ignore[attr-defined]
        rows = await loader(info, dl.load_progress).load(self.id)  # type: ignore[attr-defined]
        return [BadgeProgress(current=p.current, target=p.target, badge_id=b.id) for b, p in rows]

    @strawberry.field(
        description="Every award and revocation, oldest first (staff only).",
        metadata=primed(load_all(dl.load_award_events), staff_only=True),
    )
    async def badge_history(self, info: Info) -> list[BadgeAwardEvent]:
        if not is_staff(info.context.viewer):
            raise forbidden()
        rows = await loader(info, dl.load_award_events).load(self.id)  # type: ignore[attr-defined]
        return [
            BadgeAwardEvent(
                action=e.action,
                source=e.source,
                reason=e.reason,
                at=e.created_at,
                badge_id=e.badge_id,
                staff_id=e.staff_id,
            )
            for e in rows
        ]
