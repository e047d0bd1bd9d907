"""A member's whole story (``Member.timeline``): one list, newest first, of what every feature
records about the member.

Nothing is copied into a timeline table: each feature's own rows are the truth, read where they
are, so an entry can never disagree with the list it came from (the one table kept for it is
``member_tag_removal``: ``member_tag`` holds only the tags held now). A page is one statement
for any number of members: a UNION ALL of one SELECT per source of entries (a ``Branch``), each
narrowed to the members asked for through the index on its member column, numbered per member
(ROW_NUMBER, newest first, ties broken by the branch's rank then the id: a number, so neither
engine's collation can reorder them) and cut at the page size, with the staff and partner who
caused each entry joined in. The count is a second statement, run only when asked for.

Which kinds a member sees of their own story is decided here too (``MEMBER_HIDDEN``,
``member_view``): an advisor's notes and the brand's assignment of advisors are the brand's.
"""

from __future__ import annotations

import functools
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, NamedTuple

from tortoise.models import Model

from koc.advisory.models import FollowUp, OwnerChange
from koc.auth.models import PartnerToken, StaffUser
from koc.badges.models import AwardAction, Badge, BadgeAwardEvent
from koc.creators.models import KocChange
from koc.db import fetch, table_of
from koc.members.models import (
    LifecycleStage,
    MemberTag,
    MemberTagRemoval,
    StageTransition,
    Tag,
)
from koc.orders.models import MemberEvent, Order, Refund
from koc.privileges.models import Privilege, PrivilegeGrant, PrivilegeRedemption
from koc.referrals.models import Referral, ReferralConversion
from koc.rows import row_maker
from koc.surveys.models import Survey, SurveyResponse


class TimelineKind(StrEnum):
    """What happened."""

    ORDER = "ORDER"
    REFUND = "REFUND"
    MEMBER_EVENT = "MEMBER_EVENT"
    STAGE_CHANGE = "STAGE_CHANGE"
    TAG_ADDED = "TAG_ADDED"
    TAG_REMOVED = "TAG_REMOVED"
    OWNER_CHANGE = "OWNER_CHANGE"
    FOLLOW_UP = "FOLLOW_UP"
    KOC_STATUS_CHANGE = "KOC_STATUS_CHANGE"
    BADGE_AWARDED = "BADGE_AWARDED"
    BADGE_REVOKED = "BADGE_REVOKED"
    PRIVILEGE_GRANTED = "PRIVILEGE_GRANTED"
    PRIVILEGE_REDEEMED = "PRIVILEGE_REDEEMED"
    REFERRAL_BOUND = "REFERRAL_BOUND"
    REFERRAL_CONVERTED = "REFERRAL_CONVERTED"
    SURVEY_ANSWERED = "SURVEY_ANSWERED"


class TimelineCause(StrEnum):
    """Who or what made an entry happen."""

    STAFF = "STAFF"
    MEMBER = "MEMBER"
    PARTNER = "PARTNER"
    RULE = "RULE"
    SYSTEM = "SYSTEM"


# Kinds a member never sees of their own story: the advisors' notes and the brand's choice of
# who serves them.
MEMBER_HIDDEN = frozenset({TimelineKind.OWNER_CHANGE, TimelineKind.FOLLOW_UP})


class TimelineRow(NamedTuple):
    member_id: int
    kind_rank: int  # the index of the entry's branch in BRANCHES: it breaks ties of time
    id: int  # the row's id in its own table (an order, a follow-up, ...)
    occurred_at: datetime
    cause: TimelineCause
    staff_id: int | None
    partner_id: int | None
    subject: str
    detail: str
    note: str
    amount_cents: int | None
    currency: str | None
    staff_name: str | None
    partner_name: str | None

    @property
    def kind(self) -> TimelineKind:
        return BRANCHES[self.kind_rank].kind


@dataclass(frozen=True)
class Branch:
    """One source of entries of a kind: ``select`` gives the columns of ``TimelineRow`` up to ``currency``
    but the branch's rank, ``source`` the FROM and JOIN clauses (``{name}`` for the tables of
    ``TABLES``), ``member`` the member column, ``member_view`` a condition the member's own view
    adds (e.g. only tags members may see)."""

    kind: TimelineKind
    select: tuple[str, ...]
    source: str
    member: str
    member_view: str = ""


NULL_ID = "CAST(NULL AS INTEGER)"
NULL_AMOUNT = "CAST(NULL AS BIGINT)"
NULL_TEXT = "CAST(NULL AS VARCHAR(3))"
NO_MONEY = (NULL_AMOUNT, NULL_TEXT)


def by_staff(column: str, otherwise: TimelineCause) -> str:
    """The cause: the staff member when ``column`` names one, else ``otherwise``."""
    return f"CASE WHEN {column} IS NOT NULL THEN 'STAFF' ELSE '{otherwise}' END"


# A tag put on by staff (MANUAL) or by a rule or an answer (AUTO, EVENT).
TAG_CAUSE = "CASE WHEN {t}.source = 'MANUAL' THEN 'STAFF' ELSE 'RULE' END"

# fmt: off
BRANCHES: tuple[Branch, ...] = (
    Branch(
        TimelineKind.ORDER,
        (
            "o.member_id", "o.id", "o.occurred_at", "'PARTNER'", NULL_ID, "o.partner_id",
            "o.category", "o.external_id", "''", "o.amount_cents", "o.currency",
        ),
        "{order} o",
        "o.member_id",
    ),
    Branch(
        TimelineKind.REFUND,
        (
            "o.member_id", "r.id", "r.occurred_at", "'PARTNER'", NULL_ID, "r.partner_id",
            "o.category", "r.external_id", "''", "r.amount_cents", "o.currency",
        ),
        "{refund} r JOIN {order} o ON o.id = r.order_id",
        "o.member_id",
    ),
    Branch(
        TimelineKind.MEMBER_EVENT,
        (
            "e.member_id", "e.id", "e.occurred_at", "'PARTNER'", NULL_ID, "e.partner_id",
            "e.kind", "e.external_id", "''", *NO_MONEY,
        ),
        "{member_event} e",
        "e.member_id",
    ),
    Branch(
        TimelineKind.STAGE_CHANGE,
        (
            "t.member_id", "t.id", "t.created_at",
            "CASE WHEN t.staff_id IS NOT NULL THEN 'STAFF' WHEN t.automatic THEN 'RULE' "
            "ELSE 'SYSTEM' END",
            "t.staff_id", NULL_ID, "s.name", "COALESCE(f.name, '')", "t.reason", *NO_MONEY,
        ),
        "{stage_transition} t JOIN {lifecycle_stage} s ON s.id = t.to_stage_id "
        "LEFT JOIN {lifecycle_stage} f ON f.id = t.from_stage_id",
        "t.member_id",
    ),
    Branch(
        TimelineKind.TAG_ADDED,
        (
            "mt.member_id", "mt.id", "mt.created_at", TAG_CAUSE.format(t="mt"), "mt.staff_id",
            NULL_ID, "g.name", "mt.source", "mt.cause", *NO_MONEY,
        ),
        "{member_tag} mt JOIN {tag} g ON g.id = mt.tag_id",
        "mt.member_id",
        member_view="g.member_visible",
    ),
    # A tag that came off was put on first: its removal keeps when, by whom and why.
    Branch(
        TimelineKind.TAG_ADDED,
        (
            "x.member_id", "x.id", "x.added_at", TAG_CAUSE.format(t="x"), "x.staff_id", NULL_ID,
            "g.name", "x.source", "x.cause", *NO_MONEY,
        ),
        "{member_tag_removal} x JOIN {tag} g ON g.id = x.tag_id",
        "x.member_id",
        member_view="g.member_visible",
    ),
    Branch(
        TimelineKind.TAG_REMOVED,
        (
            "x.member_id", "x.id", "x.removed_at", by_staff("x.removed_by_id", TimelineCause.RULE),
            "x.removed_by_id", NULL_ID, "g.name", "x.source", "x.reason", *NO_MONEY,
        ),
        "{member_tag_removal} x JOIN {tag} g ON g.id = x.tag_id",
        "x.member_id",
        member_view="g.member_visible",
    ),
    Branch(
        TimelineKind.OWNER_CHANGE,
        (
            "c.member_id", "c.id", "c.created_at", by_staff("c.by_staff_id", TimelineCause.RULE),
            "c.by_staff_id", NULL_ID, "COALESCE(a.username, '')", "c.reason", "c.note", *NO_MONEY,
        ),
        "{owner_change} c LEFT JOIN {staff_user} a ON a.id = c.to_staff_id",
        "c.member_id",
    ),
    Branch(
        TimelineKind.FOLLOW_UP,
        (
            "f.member_id", "f.id", "f.created_at", "'STAFF'", "f.advisor_id", NULL_ID, "f.step",
            "f.channel", "f.note", *NO_MONEY,
        ),
        "{follow_up} f",
        "f.member_id",
    ),
    Branch(
        TimelineKind.KOC_STATUS_CHANGE,
        (
            "k.member_id", "k.id", "k.created_at", by_staff("k.staff_id", TimelineCause.SYSTEM),
            "k.staff_id", NULL_ID, "k.to_status", "COALESCE(k.from_status, '')", "k.reason",
            *NO_MONEY,
        ),
        "{koc_change} k",
        "k.member_id",
    ),
    *(
        Branch(
            kind,
            (
                "b.member_id", "b.id", "b.created_at", by_staff("b.staff_id", TimelineCause.RULE),
                "b.staff_id", NULL_ID, "d.name", "d.family", "b.reason", *NO_MONEY,
            ),
            f"{{badge_award_event}} b JOIN {{badge}} d ON d.id = b.badge_id "
            f"AND b.action = '{action}'",
            "b.member_id",
        )
        for kind, action in (
            (TimelineKind.BADGE_AWARDED, AwardAction.AWARD),
            (TimelineKind.BADGE_REVOKED, AwardAction.REVOKE),
        )
    ),
    Branch(
        TimelineKind.PRIVILEGE_GRANTED,
        (
            "g.member_id", "g.id", "g.granted_at", by_staff("g.staff_id", TimelineCause.RULE),
            "g.staff_id", NULL_ID, "p.name", "p.kind", "g.reason", *NO_MONEY,
        ),
        "{privilege_grant} g JOIN {privilege} p ON p.id = g.privilege_id",
        "g.member_id",
    ),
    Branch(
        TimelineKind.PRIVILEGE_REDEEMED,
        # RedeemedVia's values (MEMBER, STAFF, PARTNER) are causes.
        (
            "r.member_id", "r.id", "r.created_at", "r.via", "r.staff_id", "r.partner_id",
            "p.name", "r.channel", "''", *NO_MONEY,
        ),
        "{privilege_redemption} r JOIN {privilege} p ON p.id = r.privilege_id",
        "r.member_id",
    ),
    # A binding and a conversion are in the story of both members: the detail says which side
    # the member is on.
    *(
        Branch(
            TimelineKind.REFERRAL_BOUND,
            (
                f"b.{side}_id", "b.id", "b.bound_at", "'MEMBER'", NULL_ID, NULL_ID, "b.channel",
                f"'{side.upper()}'", "''", *NO_MONEY,
            ),
            "{referral} b",
            f"b.{side}_id",
        )
        for side in ("referee", "referrer")
    ),
    *(
        Branch(
            TimelineKind.REFERRAL_CONVERTED,
            (
                f"v.{side}_id", "v.id", "v.occurred_at", "'SYSTEM'", NULL_ID, NULL_ID,
                "v.category", f"'{side.upper()}'", "''", "v.amount_cents", "v.currency",
            ),
            "{referral_conversion} v",
            f"v.{side}_id",
        )
        for side in ("referee", "referrer")
    ),
    Branch(
        TimelineKind.SURVEY_ANSWERED,
        (
            "a.member_id", "a.id", "a.submitted_at",
            by_staff("a.interviewer_id", TimelineCause.MEMBER), "a.interviewer_id", NULL_ID,
            "s.title", "a.channel", "a.notes", *NO_MONEY,
        ),
        "{survey_response} a JOIN {survey} s ON s.id = a.survey_id",
        "a.member_id",
    ),
)
# fmt: on
COLUMNS = (
    "member_id",
    "kind_rank",
    "id",
    "occurred_at",
    "cause",
    "staff_id",
    "partner_id",
    "subject",
    "detail",
    "note",
    "amount_cents",
    "currency",
)
# Each table a branch names, by the name its clauses use: imported models rather than literal
# names, so a renamed table fails here and the edges between features are visible.
TABLES: dict[str, type[Model]] = {
    "order": Order,
    "refund": Refund,
    "member_event": MemberEvent,
    "stage_transition": StageTransition,
    "lifecycle_stage": LifecycleStage,
    "member_tag": MemberTag,
    "member_tag_removal": MemberTagRemoval,
    "tag": Tag,
    "owner_change": OwnerChange,
    "staff_user": StaffUser,
    "partner_token": PartnerToken,
    "follow_up": FollowUp,
    "koc_change": KocChange,
    "badge_award_event": BadgeAwardEvent,
    "badge": Badge,
    "privilege_grant": PrivilegeGrant,
    "privilege": Privilege,
    "privilege_redemption": PrivilegeRedemption,
    "referral": Referral,
    "referral_conversion": ReferralConversion,
    "survey_response": SurveyResponse,
    "survey": Survey,
}


@functools.cache
def _tables() -> dict[str, str]:
    return {name: f'"{table_of(model)[0]}"' for name, model in TABLES.items()}


@dataclass(frozen=True)
class TimelineQuery:
    """What a caller asked for, the same for every member of a batch."""

    kinds: frozenset[TimelineKind]
    since: datetime | None = None  # UTC
    until: datetime | None = None
    member_view: bool = False  # the member's own view: hidden kinds and entries left out

    def visible_kinds(self) -> list[TimelineKind]:
        hidden = MEMBER_HIDDEN if self.member_view else frozenset()
        return [k for k in TimelineKind if k in self.kinds and k not in hidden]


def _bucket(member_ids: Collection[int]) -> list[int]:
    """The ids padded to the next power of two (repeating the last; ``IN`` ignores repeats),
    so a few statement texts serve every batch size and PostgreSQL prepares each once."""
    ids = sorted(set(member_ids))
    size = 1 << (len(ids) - 1).bit_length()
    return ids + [ids[-1]] * (size - len(ids))


def _union(query: TimelineQuery, member_ids: list[int]) -> tuple[str, list[Any]]:
    """The UNION ALL of the kinds asked for, over ``member_ids``, within the time window."""
    tables = _tables()
    keys = ", ".join("?" * len(member_ids))
    selects, params = [], []
    wanted = query.visible_kinds()
    for rank, branch in enumerate(BRANCHES):
        if branch.kind not in wanted:
            continue
        member, *rest = branch.select
        expressions = (member, str(rank), *rest)
        columns = ", ".join(f"{e} AS {c}" for e, c in zip(expressions, COLUMNS, strict=True))
        where = f"{branch.member} IN ({keys})"
        if query.member_view and branch.member_view:
            where += f" AND {branch.member_view}"
        selects.append(f"SELECT {columns} FROM {branch.source.format(**tables)} WHERE {where}")
        params += member_ids
    sql = " UNION ALL ".join(selects)
    window = []
    if query.since is not None:
        window.append(("occurred_at >= ?", query.since))
    if query.until is not None:
        window.append(("occurred_at < ?", query.until))
    if window:
        sql = f"SELECT * FROM ({sql}) AS w WHERE {' AND '.join(c for c, _ in window)}"
        params += [v for _, v in window]
    return sql, params


async def first_entries(
    query: TimelineQuery,
    member_ids: Collection[int],
    limit: int,
    after: tuple[datetime, int, int] | None,
) -> list[TimelineRow]:
    """Up to ``limit`` entries per member, each member's newest first, strictly after the
    cursor ``after`` (occurred_at, branch rank, id): one statement."""
    if not query.visible_kinds():
        return []
    union, params = _union(query, _bucket(member_ids))
    where = ""
    if after is not None:
        at, rank, row_id = after
        where = (
            "WHERE u.occurred_at < ? OR (u.occurred_at = ? AND u.kind_rank < ?) "
            "OR (u.occurred_at = ? AND u.kind_rank = ? AND u.id < ?)"
        )
        params += [at, at, rank, at, rank, row_id]
    ordering = "u.occurred_at DESC, u.kind_rank DESC, u.id DESC"
    sql = (
        f"SELECT {', '.join(f'p.{c}' for c in COLUMNS)}, s.username, t.name FROM ("
        f"SELECT u.*, ROW_NUMBER() OVER (PARTITION BY u.member_id ORDER BY {ordering}) "
        f"AS page_row FROM ({union}) AS u {where}) AS p "
        f"LEFT JOIN {_tables()['staff_user']} s ON s.id = p.staff_id "
        f"LEFT JOIN {_tables()['partner_token']} t ON t.id = p.partner_id "
        "WHERE p.page_row <= ? ORDER BY p.member_id, p.page_row"
    )
    make = row_maker(TimelineRow)
    return [make(r) for r in await fetch(sql, [*params, limit])]


async def count_entries(query: TimelineQuery, member_ids: Collection[int]) -> dict[int, int]:
    """How many entries each member has (those with none are left out): one statement."""
    if not query.visible_kinds():
        return {}
    union, params = _union(query, _bucket(member_ids))
    sql = f"SELECT u.member_id, COUNT(*) FROM ({union}) AS u GROUP BY u.member_id"
    return {member_id: n for member_id, n in await fetch(sql, params)}
