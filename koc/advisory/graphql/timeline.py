"""``Member.timeline``: the member's whole story in one connection (``koc.advisory.timeline``).

Staff read every member's, an ADVISOR its own members', the member their own without the
kinds kept from members (follow-ups, owner changes), tags members may not see, staff's notes or
staff names; partner apps none (they report what happened rather than read it back)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
from graphql import GraphQLError

from koc.advisory import timeline
from koc.auth.viewer import MemberViewer, PartnerViewer
from koc.errors import DomainErrors
from koc.graphql.boundary import checked_time
from koc.graphql.context import Info
from koc.graphql.enums import enum_type
from koc.graphql.errors import bad_input
from koc.graphql.loaders import loader
from koc.graphql.permissions import forbidden
from koc.graphql.relay import (
    After,
    Connection,
    First,
    SortKey,
    check_first,
    connection_of,
    cursor_values,
    selected_names,
)
from koc.members.graphql.access import may_read_member

TimelineKind = enum_type(
    timeline.TimelineKind,
    "What happened to or with a member.",
    ORDER="A partner reported an order (subject: category, detail: the partner's order id).",
    REFUND="A partner reported a refund (subject: the order's category, detail: refund id).",
    MEMBER_EVENT="A partner reported something the member did (subject: the event kind).",
    STAGE_CHANGE="The member moved to a lifecycle stage (subject: new, detail: previous).",
    TAG_ADDED="A tag was put on the member (subject: the tag, detail: MANUAL, AUTO or EVENT).",
    TAG_REMOVED="A tag came off the member (subject: the tag, detail: how it had been put on, "
    "note: why it came off).",
    OWNER_CHANGE="The member's owner advisor changed (subject: the new owner, empty for the "
    "pool; detail: the reason). Staff only.",
    FOLLOW_UP="An advisor's contact (subject: the sales step, detail: the channel). Staff only.",
    KOC_STATUS_CHANGE="The member's KOC status changed (subject: new, detail: previous).",
    BADGE_AWARDED="A badge was awarded (subject: the badge, detail: its family).",
    BADGE_REVOKED="A badge was revoked (subject: the badge, detail: its family).",
    PRIVILEGE_GRANTED="A privilege was granted (subject: the privilege, detail: its kind).",
    PRIVILEGE_REDEEMED="A privilege was used (subject: the privilege, detail: ONLINE or STORE).",
    REFERRAL_BOUND="A referral bound the member to a referrer or a friend to the member "
    "(subject: the channel, detail: REFEREE or REFERRER, the member's side).",
    REFERRAL_CONVERTED="An order was attributed to a referral of the member (subject: the "
    "category, detail: REFEREE or REFERRER, the member's side).",
    SURVEY_ANSWERED="The member answered a survey, or staff recorded an interview (subject: the "
    "survey's title, detail: MINI_PROGRAM or INTERVIEW).",
)
TimelineCause = enum_type(
    timeline.TimelineCause,
    "Who or what made a timeline entry happen.",
    STAFF="A staff member (their username in `causedBy`, for staff).",
    MEMBER="The member themselves.",
    PARTNER="A partner app (its name in `causedBy`).",
    RULE="A rule of the brand's configuration (automatic tags, stages, badges, privileges, "
    "routes, the pool's timeout).",
    SYSTEM="koc itself (a referral attributed, a KOC status changed by an application).",
)
ALL_KINDS = frozenset(timeline.TimelineKind)
# Kinds whose note is staff's own words, kept from the member's view.
STAFF_NOTES = frozenset(
    {
        timeline.TimelineKind.STAGE_CHANGE,
        timeline.TimelineKind.TAG_ADDED,
        timeline.TimelineKind.TAG_REMOVED,
        timeline.TimelineKind.KOC_STATUS_CHANGE,
        timeline.TimelineKind.BADGE_AWARDED,
        timeline.TimelineKind.BADGE_REVOKED,
        timeline.TimelineKind.PRIVILEGE_GRANTED,
        timeline.TimelineKind.SURVEY_ANSWERED,
    }
)
ORDER = (SortKey("occurred_at"), SortKey("kind_rank"))


@strawberry.type(description="One happening in a member's story.")
class TimelineEntry:
    kind: TimelineKind = strawberry.field(description="What happened.")  # type: ignore[valid-type]
    occurred_at: datetime = strawberry.field(description="When (UTC).")
    cause: TimelineCause = strawberry.field(  # type: ignore[valid-type]
        description="Who or what made it happen."
    )
    caused_by: str | None = strawberry.field(
        description="The staff member's username (staff only) or the partner app's name; null "
        "for a member, a rule or koc."
    )
    subject: str = strawberry.field(description="What it concerns (see TimelineKind).")
    detail: str = strawberry.field(description="More about it (see TimelineKind).")
    note: str = strawberry.field(
        description="The words recorded with it (a reason, a follow-up's note); staff's notes "
        "are empty for the member."
    )
    amount_cents: int | None = strawberry.field(
        description="Orders, refunds and conversions: the amount in cents."
    )
    currency: str | None = strawberry.field(description="ISO 4217 code of the amount.")
    source_id: int = strawberry.field(
        description="The id of the record the entry comes from, in its own table (an "
        "order's, a follow-up's, a tag's removal's, ...)."
    )

    @classmethod
    def of(cls, row: timeline.TimelineRow, member_view: bool) -> TimelineEntry:
        staff_name = None if member_view else row.staff_name
        # A referrer learns that a friend's order converted, not what the friend bought or paid
        # (members see no conversion's order elsewhere either: Referral.conversions).
        friends_order = (
            member_view
            and row.kind == timeline.TimelineKind.REFERRAL_CONVERTED
            and row.detail == "REFERRER"
        )
        return cls(
            kind=row.kind,
            occurred_at=row.occurred_at,
            cause=row.cause,
            caused_by=staff_name if row.staff_id is not None else row.partner_name,
            subject="" if friends_order else row.subject,
            detail=row.detail,
            note="" if member_view and row.kind in STAFF_NOTES else row.note,
            amount_cents=None if friends_order else row.amount_cents,
            currency=None if friends_order else row.currency,
            source_id=row.id,
        )

    @strawberry.field(description="One line for people: the kind, subject and detail.")
    def summary(self) -> str:
        words = [self.kind.replace("_", " ").capitalize(), self.subject]
        if self.detail:
            words.append(f"({self.detail})")
        if self.amount_cents is not None:
            words.append(f"{self.amount_cents / 100:.2f} {self.currency}")
        return " ".join(w for w in words if w)


@dataclasses.dataclass(frozen=True)
class _PageKey:
    query: timeline.TimelineQuery
    size: int
    after: tuple[datetime, int, int] | None
    member_id: int


@dataclasses.dataclass(frozen=True)
class _CountKey:
    query: timeline.TimelineQuery
    member_id: int


async def _load_pages(keys: Sequence[_PageKey]) -> list[tuple[list[timeline.TimelineRow], bool]]:
    """One statement per distinct (query, size, cursor): in practice one per field."""
    groups: dict[_PageKey, set[int]] = {}
    for k in keys:
        groups.setdefault(dataclasses.replace(k, member_id=0), set()).add(k.member_id)
    found: dict[_PageKey, tuple[list[timeline.TimelineRow], bool]] = {}
    for batch, member_ids in groups.items():
        per_member: dict[int, list[timeline.TimelineRow]] = {m: [] for m in member_ids}
        rows = await timeline.first_entries(batch.query, member_ids, batch.size + 1, batch.after)
        for row in rows:
            per_member[row.member_id].append(row)
        for member_id, mine in per_member.items():
            key = dataclasses.replace(batch, member_id=member_id)
            found[key] = (mine[: batch.size], len(mine) > batch.size)
    return [found[k] for k in keys]


async def _load_counts(keys: Sequence[_CountKey]) -> list[int]:
    groups: dict[timeline.TimelineQuery, set[int]] = {}
    for k in keys:
        groups.setdefault(k.query, set()).add(k.member_id)
    counts = {
        (query, member_id): n
        for query, member_ids in groups.items()
        for member_id, n in (await timeline.count_entries(query, member_ids)).items()
    }
    return [counts.get((k.query, k.member_id), 0) for k in keys]


def cursor_tuple(after: str | None) -> tuple[datetime, int, int] | None:
    if not after:
        return None
    at, rank, row_id = cursor_values(timeline.TimelineRow, ORDER, after)
    # A cursor of another list could hold other types, which the engine would refuse.
    if not (isinstance(at, datetime) and type(rank) is int and type(row_id) is int):
        raise GraphQLError("Invalid cursor.", extensions={"code": "BAD_USER_INPUT"})
    return at, rank, row_id


@strawberry.type
class TimelineMemberFields:
    if TYPE_CHECKING:
        id: int  # the Member's database id, from the Member type

    @strawberry.field(
        description="The member's whole story, newest first: orders, refunds, events, stage "
        "moves, tags, owner changes, follow-ups, KOC status, badges, privileges, referrals and "
        "survey answers, each with who or what caused it. Staff read every member's, an "
        "ADVISOR its own members', the member their own without follow-ups, owner changes, "
        "hidden tags and staff's notes."
    )
    async def timeline(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        kinds: Annotated[
            list[TimelineKind] | None,  # type: ignore[valid-type]
            strawberry.argument(description="Only entries of these kinds (default: all)."),
        ] = None,
        since: Annotated[
            datetime | None, strawberry.argument(description="Only entries at or after (UTC).")
        ] = None,
        until: Annotated[
            datetime | None, strawberry.argument(description="Only entries before (UTC).")
        ] = None,
    ) -> Connection[TimelineEntry]:
        viewer = info.context.viewer
        if isinstance(viewer, PartnerViewer) or not await may_read_member(info, self.id):
            raise forbidden()
        member_view = isinstance(viewer, MemberViewer)
        try:
            query = timeline.TimelineQuery(
                kinds=frozenset(kinds) if kinds is not None else ALL_KINDS,
                since=checked_time(since, "since"),
                until=checked_time(until, "until"),
                member_view=member_view,
            )
        except DomainErrors as exc:
            raise bad_input(exc) from exc
        size = check_first(first)
        names = selected_names(info)
        rows: list[timeline.TimelineRow] = []
        has_next = False
        if size and names & {"edges", "pageInfo"}:
            values = cursor_tuple(after)
            page_key = _PageKey(query, size, values, self.id)
            rows, has_next = await loader(info, _load_pages).load(page_key)
        total = 0
        if "totalCount" in names:
            total = await loader(info, _load_counts).load(_CountKey(query, self.id))
        return connection_of(
            rows, ORDER, has_next, after, total, lambda r: TimelineEntry.of(r, member_view)
        )
