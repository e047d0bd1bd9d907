"""Notification fields of the Member type: ``me { notifications unreadNotificationCount
subscribeGrants }``. The member reads their own; staff read anyone's.

This module must not import ``koc.members.graphql.types``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry

from koc.graphql.context import Info
from koc.graphql.loaders import loader
from koc.graphql.permissions import forbidden
from koc.graphql.prefetch import load_all, primed
from koc.graphql.relay import After, Connection, First, children_primer, paginate_children
from koc.notifications.graphql import dataloaders as dl
from koc.notifications.graphql.types import Notification, SubscribeGrant, reads_inbox


def _check(info: Info, member_id: int) -> None:
    if not reads_inbox(info, member_id):
        raise forbidden()


@strawberry.type
class NotificationMemberFields:
    if TYPE_CHECKING:
        id: int  # the Member's database id, from the Member type

    @strawberry.field(
        description="The member's in-app inbox, newest first.",
        metadata=primed(children_primer(dl.INBOX, unless=("unreadOnly",))),
    )
    async def notifications(
        self,
        info: Info,
        unread_only: Annotated[
            bool, strawberry.argument(description="Only entries not read yet.")
        ] = False,
        first: First = None,
        after: After = None,
    ) -> Connection[Notification]:
        _check(info, self.id)
        return await paginate_children(
            info,
            dl.UNREAD if unread_only else dl.INBOX,
            parent_id=self.id,
            first=first,
            after=after,
            to_node=Notification.from_model,
        )

    @strawberry.field(
        description="How many inbox entries are unread (one statement per page).",
        metadata=primed(load_all(dl.load_unread_counts)),
    )
    async def unread_notification_count(self, info: Info) -> int:
        _check(info, self.id)
        return await loader(info, dl.load_unread_counts).load(self.id)

    @strawberry.field(
        description="The member's one-time grants per subscribe template.",
        metadata=primed(load_all(dl.load_grants_of_members)),
    )
    async def subscribe_grants(self, info: Info) -> list[SubscribeGrant]:
        _check(info, self.id)
        rows = await loader(info, dl.load_grants_of_members).load(self.id)
        return [SubscribeGrant.from_model(g) for g in rows]
