"""A rule tree compiled to ONE query over members: each fact a sub-select served by an index,
the connectives SQL's AND / OR / NOT. However large the rule, counting or paging a segment is
one statement, and nothing is evaluated member by member in Python.

A fact the rule asks for is ``id IN (SELECT member_id ...)``: the query planner can drive the
whole query from that list when it is the most selective part. A fact under ``not`` (and a tag
in ``tags.none``) is a correlated ``EXISTS`` instead, probed through the fact table's
(member_id, ...) index for each member the rest of the rule admits: ``NOT IN`` over a large set
(every holder of a common tag) built the whole set on every statement, and a first page of
members, newest first, could not stop after 20. For members, ``NOT EXISTS`` and ``NOT IN``
say the same: the correlated sub-select never yields a NULL member_id.

Every fact is read through its feature's models, imported like any other dependency: segments
sits above members, orders, badges, creators, referrals and surveys. A feature that takes a
rule or a segment as its audience (surveys) reaches this compiler through koc.members.audience,
which koc.wiring fills in, so no import cycle closes (tests/test_import_graph.py).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pypika_tortoise.context import SqlContext
from pypika_tortoise.terms import Criterion
from tortoise.expressions import F, Q, RawSQL, ResolveContext, Subquery
from tortoise.functions import Count, Sum
from tortoise.query_utils import QueryModifier
from tortoise.queryset import QuerySet

from koc.badges.models import Badge, BadgeHolding, MemberKocRole
from koc.creators.models import KocProfile
from koc.db import execute, on_postgres, table_of
from koc.members.models import LifecycleStage, Member, MemberTag
from koc.orders.models import MemberEvent, Order, OrderStatus
from koc.referrals.models import ReferralConversion
from koc.segments import rules as r
from koc.surveys.models import SurveyAnswerPick, SurveyCategoryAnswer, SurveyOption, SurveyResponse


def _window(qs: QuerySet[Any], column: str, w: r.Window, now: datetime) -> QuerySet[Any]:
    if w.within_days:
        qs = qs.filter(**{f"{column}__gte": now - timedelta(days=w.within_days)})
    if w.start:
        qs = qs.filter(**{f"{column}__gte": w.start})
    if w.end:
        qs = qs.filter(**{f"{column}__lt": w.end})
    return qs


class _ExistsCriterion(Criterion):
    """``EXISTS (sub-select)``, its parameters bound in place like any other term's."""

    def __init__(self, query: QuerySet[Any]) -> None:
        super().__init__()
        self.query = Subquery(query)

    def get_sql(self, ctx: SqlContext) -> str:
        return f"EXISTS {self.query.get_sql(ctx.copy(subquery=True))}"


class _Exists(Q):
    """A Q node that is ``EXISTS (query)``; wrap it in a Q (``Q(_Exists(...))``) so that ``~``,
    which rebuilds a plain Q from its children, keeps it."""

    __slots__ = ("query",)

    def __init__(self, query: QuerySet[Any]) -> None:
        super().__init__()
        self.query = query

    def __bool__(self) -> bool:
        return True

    def resolve(self, resolve_context: ResolveContext) -> QueryModifier:
        return QueryModifier(where_criterion=_ExistsCriterion(self.query))


def _member_id() -> RawSQL:
    """The outer member of a correlated sub-select: every condition here filters the member
    table. (Read when a rule is compiled: Tortoise describes a model fully once it is set up.)"""
    return RawSQL(f'"{table_of(Member)[0]}"."id"')


def _in(ids: QuerySet[Any], column: str = "member_id", negated: bool = False) -> Q:
    """Members with a row in ``ids`` (its ``column`` names the member): a list the planner may
    start from, or (``negated``: the rule wants members WITHOUT such a row) a correlated EXISTS
    probed per member; the caller applies the NOT."""
    if negated:
        return Q(_Exists(ids.filter(**{column: _member_id()}).values(column)))
    return Q(id__in=Subquery(ids.values(column)))


def _at_least(
    qs: QuerySet[Any], n: int, negated: bool, member: str = "member_id", what: str = "id"
) -> Q:
    """Members with at least ``n`` rows of ``qs`` (distinct ``what``)."""
    if n <= 1:
        return _in(qs, member, negated)
    counted = (
        qs.annotate(segment_n=Count(what, distinct=what != "id"))
        .group_by(member)
        .filter(segment_n__gte=n)
    )
    return _in(counted, member, negated)


def _orders(f: r.Orders, now: datetime, negated: bool) -> Q:
    qs = _window(Order.exclude(status=OrderStatus.REFUNDED), "occurred_at", f.window, now)
    if f.categories:
        qs = qs.filter(category__in=list(f.categories))
    if f.amount_at_least_cents is None:
        return _at_least(qs, f.count_at_least, negated)
    grouped = (
        qs.annotate(segment_n=Count("id"), segment_net=Sum(F("amount_cents") - F("refunded_cents")))
        .group_by("member_id")
        .filter(segment_n__gte=f.count_at_least, segment_net__gte=f.amount_at_least_cents)
    )
    return _in(grouped, negated=negated)


def _payload_equals(key: str) -> RawSQL:
    # The key is letters, digits and underscores (rules.py checks it), so it may sit in SQL.
    if on_postgres():
        return RawSQL(f"(\"payload\"::jsonb ->> '{key}')")
    return RawSQL(f"json_extract(\"payload\", '$.{key}')")


def _events(f: r.Events, now: datetime, negated: bool) -> Q:
    qs = _window(MemberEvent.filter(kind=f.kind), "occurred_at", f.window, now)
    if f.payload_key is not None:
        qs = qs.annotate(segment_v=_payload_equals(f.payload_key)).filter(segment_v=f.payload_value)
    return _at_least(qs, f.count_at_least, negated)


def _referrals(f: r.Referrals, now: datetime, negated: bool) -> Q:
    conversions = ReferralConversion.filter(status="ACTIVE")
    qs = _window(conversions, "occurred_at", f.window, now)
    return _at_least(qs, f.converted_at_least, negated, member="referrer_id", what="referee_id")


async def survey_option_ids(ids: set[int]) -> set[int]:
    """Which of ``ids`` are survey options."""
    found = SurveyOption.filter(id__in=list(ids)).values_list("id", flat=True)
    return set(await found)


def _survey(f: r.Survey, negated: bool) -> Q:
    options = list(f.option_ids)
    questions = Subquery(SurveyOption.filter(id__in=options).values("question_id"))
    picks = SurveyAnswerPick.filter(question_id__in=questions, option_id__in=options)
    responses = SurveyResponse.filter(
        id__in=Subquery(picks.values("response_id")), member_id__isnull=False
    )
    interest = SurveyCategoryAnswer.filter(
        question_id__in=questions, option_id__in=options, member_id__isnull=False
    ).exclude(interest="NONE")  # a category answered "not interested" was not picked
    return _in(responses, negated=negated) | _in(interest, negated=negated)


def _tags(f: r.Tags, negated: bool) -> Q:
    parts = [_in(MemberTag.filter(tag_id=t), negated=negated) for t in f.all]
    if f.any:
        parts.append(_in(MemberTag.filter(tag_id__in=list(f.any)), negated=negated))
    if f.none:
        parts.append(~_in(MemberTag.filter(tag_id__in=list(f.none)), negated=True))
    return Q(*parts, join_type="AND")


def _stage(f: r.Stage) -> Q:
    # stage_id IS NOT NULL first: a member without a stage is then "not in" any stage under
    # NOT, where NULL IN (...) alone would leave them out of both the rule and its negation.
    parts = [Q(stage_id__isnull=False)]
    if f.codes:
        parts.append(
            Q(stage_id__in=Subquery(LifecycleStage.filter(code__in=list(f.codes)).values("id")))
        )
    if f.at_least:
        floor = Subquery(LifecycleStage.filter(code=f.at_least).values("position"))
        parts.append(
            Q(stage_id__in=Subquery(LifecycleStage.filter(position__gte=floor).values("id")))
        )
    return Q(*parts, join_type="AND")


def _koc(f: r.Koc, negated: bool) -> Q:
    parts = []
    if f.statuses:
        parts.append(_in(KocProfile.filter(status__in=list(f.statuses)), negated=negated))
    if f.roles:
        parts.append(_in(MemberKocRole.filter(role__in=list(f.roles)), negated=negated))
    return Q(*parts, join_type="AND")


def _badges(f: r.Badges, negated: bool) -> Q:
    def held(codes: list[str]) -> Q:
        badges = Subquery(Badge.filter(code__in=codes).values("id"))
        return _in(BadgeHolding.filter(badge_id__in=badges, revoked_at=None), negated=negated)

    parts = [held([code]) for code in f.all]
    if f.any:
        parts.append(held(list(f.any)))
    return Q(*parts, join_type="AND")


def _time(f: r.Time, now: datetime) -> Q:
    conditions: dict[str, Any] = {f"{f.column}__isnull": False}  # NULL never, negated too
    if f.window.within_days:
        conditions[f"{f.column}__gte"] = now - timedelta(days=f.window.within_days)
    if f.window.start:
        conditions[f"{f.column}__gte"] = max(
            f.window.start, conditions.get(f"{f.column}__gte", f.window.start)
        )
    if f.window.end:
        conditions[f"{f.column}__lt"] = f.window.end
    return Q(**conditions)


def to_q(rule: r.Rule, now: datetime, negated: bool = False) -> Q:
    """The condition on members that ``rule`` states, evaluated at ``now``. ``negated``: the
    rule sits under a ``not`` (its facts become correlated EXISTS, see the module's doc)."""
    match rule:
        case r.All(rules):
            return Q(*(to_q(c, now, negated) for c in rules), join_type="AND")
        case r.AnyOf(rules):
            return Q(*(to_q(c, now, negated) for c in rules), join_type="OR")
        case r.Not(inner):
            return ~to_q(inner, now, negated=True)
        case r.Tags():
            return _tags(rule, negated)
        case r.Stage():
            return _stage(rule)
        case r.Koc():
            return _koc(rule, negated)
        case r.Badges():
            return _badges(rule, negated)
        case r.Orders():
            return _orders(rule, now, negated)
        case r.Events():
            return _events(rule, now, negated)
        case r.Referrals():
            return _referrals(rule, now, negated)
        case r.Survey():
            return _survey(rule, negated)
        case r.Advisor(ids, unassigned):
            # owner_id IS NOT NULL first, as for stages: under NOT an unassigned member is
            # then "not with" these advisors.
            if unassigned:
                return Q(owner_id__isnull=True)
            return Q(owner_id__isnull=False, owner_id__in=list(ids))
        case r.Text(column, values):
            return Q(**{f"{column}__in": list(values)})
        case r.Time():
            return _time(rule, now)
    raise TypeError(f"not a rule: {rule!r}")  # pragma: no cover - parse_rule makes only these


# The tables a rule reads (Stage and Advisor facts read member columns).
_FACT_MODELS = (
    Member,
    MemberTag,
    MemberEvent,
    Order,
    KocProfile,
    MemberKocRole,
    BadgeHolding,
    ReferralConversion,
    SurveyResponse,
    SurveyAnswerPick,
    SurveyCategoryAnswer,
)


async def refresh_statistics() -> None:
    """Refresh SQLite's planner statistics (``ANALYZE``) of the tables rules read. Without
    them SQLite guesses that ``region IN (...)`` keeps ten rows and drives a nested rule from it
    (a quarter of a million members at 1M) instead of from its most selective fact. The nightly
    ``segments.recompute`` runs it first; about 2 s at a million members. PostgreSQL's
    autovacuum keeps its own statistics, so there it does nothing."""
    if on_postgres():
        return
    for model in _FACT_MODELS:
        await execute(f'ANALYZE "{table_of(model)[0]}"', [])


def members_matching(rule: r.Rule, now: datetime) -> QuerySet[Member]:
    """The members ``rule`` admits at ``now``, as one query (filter, count or page it)."""
    return Member.filter(to_q(rule, now))


def rule_condition(data: dict[str, Any], now: datetime) -> Q:
    """The condition of a rule's (checked) JSON form: what a member filter or an audience with
    a rule applies (koc.members.audience)."""
    return to_q(r.parse_rule(data), now)
