"""A rule tree compiled to ONE query over members: each fact a sub-select served by an index,
the connectives SQL's AND / OR / NOT. However large the rule, counting or paging a segment is
one statement, and nothing is evaluated member by member in Python.

Every fact is read through its feature's models, imported like any other dependency: segments
sits above members, orders, badges, creators, referrals and surveys. A feature that takes a
rule or a segment as its audience (surveys) reaches this compiler through koc.members.audience,
which koc.wiring fills in, so no import cycle closes (tests/test_import_graph.py).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from tortoise.expressions import F, Q, RawSQL, Subquery
from tortoise.functions import Count, Sum
from tortoise.queryset import QuerySet

from koc.badges.models import Badge, BadgeHolding, MemberKocRole
from koc.creators.models import KocProfile
from koc.db import on_postgres
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


def _in(ids: QuerySet[Any], column: str = "member_id") -> Q:
    return Q(id__in=Subquery(ids.values(column)))


def _at_least(qs: QuerySet[Any], n: int, member: str = "member_id", what: str = "id") -> Q:
    """Members with at least ``n`` rows of ``qs`` (distinct ``what``)."""
    if n <= 1:
        return _in(qs, member)
    counted = (
        qs.annotate(segment_n=Count(what, distinct=what != "id"))
        .group_by(member)
        .filter(segment_n__gte=n)
    )
    return _in(counted, member)


def _orders(f: r.Orders, now: datetime) -> Q:
    qs = _window(Order.exclude(status=OrderStatus.REFUNDED), "occurred_at", f.window, now)
    if f.categories:
        qs = qs.filter(category__in=list(f.categories))
    if f.amount_at_least_cents is None:
        return _at_least(qs, f.count_at_least)
    grouped = (
        qs.annotate(segment_n=Count("id"), segment_net=Sum(F("amount_cents") - F("refunded_cents")))
        .group_by("member_id")
        .filter(segment_n__gte=f.count_at_least, segment_net__gte=f.amount_at_least_cents)
    )
    return _in(grouped)


def _payload_equals(key: str) -> RawSQL:
    # The key is letters, digits and underscores (rules.py checks it), so it may sit in SQL.
    if on_postgres():
        return RawSQL(f"(\"payload\"::jsonb ->> '{key}')")
    return RawSQL(f"json_extract(\"payload\", '$.{key}')")


def _events(f: r.Events, now: datetime) -> Q:
    qs = _window(MemberEvent.filter(kind=f.kind), "occurred_at", f.window, now)
    if f.payload_key is not None:
        qs = qs.annotate(segment_v=_payload_equals(f.payload_key)).filter(segment_v=f.payload_value)
    return _at_least(qs, f.count_at_least)


def _referrals(f: r.Referrals, now: datetime) -> Q:
    conversions = ReferralConversion.filter(status="ACTIVE")
    qs = _window(conversions, "occurred_at", f.window, now)
    return _at_least(qs, f.converted_at_least, member="referrer_id", what="referee_id")


async def survey_option_ids(ids: set[int]) -> set[int]:
    """Which of ``ids`` are survey options."""
    found = SurveyOption.filter(id__in=list(ids)).values_list("id", flat=True)
    return set(await found)


def _survey(f: r.Survey) -> Q:
    options = list(f.option_ids)
    questions = Subquery(SurveyOption.filter(id__in=options).values("question_id"))
    picks = SurveyAnswerPick.filter(question_id__in=questions, option_id__in=options)
    responses = SurveyResponse.filter(
        id__in=Subquery(picks.values("response_id")), member_id__isnull=False
    )
    interest = SurveyCategoryAnswer.filter(
        question_id__in=questions, option_id__in=options, member_id__isnull=False
    ).exclude(interest="NONE")  # a category answered "not interested" was not picked
    return _in(responses) | _in(interest)


def _tags(f: r.Tags) -> Q:
    parts = [_in(MemberTag.filter(tag_id=t)) for t in f.all]
    if f.any:
        parts.append(_in(MemberTag.filter(tag_id__in=list(f.any))))
    if f.none:
        parts.append(~_in(MemberTag.filter(tag_id__in=list(f.none))))
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


def _koc(f: r.Koc) -> Q:
    parts = []
    if f.statuses:
        parts.append(_in(KocProfile.filter(status__in=list(f.statuses))))
    if f.roles:
        parts.append(_in(MemberKocRole.filter(role__in=list(f.roles))))
    return Q(*parts, join_type="AND")


def _badges(f: r.Badges) -> Q:
    def held(codes: list[str]) -> Q:
        badges = Subquery(Badge.filter(code__in=codes).values("id"))
        return _in(BadgeHolding.filter(badge_id__in=badges, revoked_at=None))

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


def to_q(rule: r.Rule, now: datetime) -> Q:
    """The condition on members that ``rule`` states, evaluated at ``now``."""
    match rule:
        case r.All(rules):
            return Q(*(to_q(c, now) for c in rules), join_type="AND")
        case r.AnyOf(rules):
            return Q(*(to_q(c, now) for c in rules), join_type="OR")
        case r.Not(inner):
            return ~to_q(inner, now)
        case r.Tags():
            return _tags(rule)
        case r.Stage():
            return _stage(rule)
        case r.Koc():
            return _koc(rule)
        case r.Badges():
            return _badges(rule)
        case r.Orders():
            return _orders(rule, now)
        case r.Events():
            return _events(rule, now)
        case r.Referrals():
            return _referrals(rule, now)
        case r.Survey():
            return _survey(rule)
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


def members_matching(rule: r.Rule, now: datetime) -> QuerySet[Member]:
    """The members ``rule`` admits at ``now``, as one query (filter, count or page it)."""
    return Member.filter(to_q(rule, now))


def rule_condition(data: dict[str, Any], now: datetime) -> Q:
    """The condition of a rule's (checked) JSON form: what a member filter or an audience with
    a rule applies (koc.members.audience)."""
    return to_q(r.parse_rule(data), now)
