"""Per advisor and period: members owned, how fast new members got a first contact, follow-ups
by sales step, members who ordered, and the share of their orders that came from referrals.

A handful of statements whatever the number of advisors: each figure is one grouped query over
the period, put together in Python (``median`` is a plain function)."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from tortoise.expressions import Subquery
from tortoise.functions import Count

from koc.advisory.errors import AdvisoryErrorCode
from koc.advisory.models import FollowUp, OwnerChange, SalesStep
from koc.auth.models import StaffRole, StaffUser
from koc.errors import DomainError
from koc.members.models import Member
from koc.orders.models import Order, OrderStatus
from koc.referrals.models import ReferralConversion

MAX_PERIOD = timedelta(days=366)


@dataclass
class AdvisorFigures:
    advisor_id: int
    username: str
    members_owned: int = 0
    assigned: int = 0  # members who came to the advisor in the period
    contacted: int = 0  # of those, members the advisor contacted after they came
    first_contact_median: timedelta | None = None
    follow_ups_by_step: dict[SalesStep, int] = field(default_factory=dict)
    members_ordered: int = 0
    orders: int = 0
    referral_orders: int = 0

    @property
    def referral_share(self) -> float | None:
        return self.referral_orders / self.orders if self.orders else None


def median(values: list[timedelta]) -> timedelta | None:
    """The median of ``values`` (the mean of the middle two for an even count)."""
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def _check_period(start: datetime, end: datetime) -> None:
    if start.tzinfo is None or end.tzinfo is None:
        raise DomainError(AdvisoryErrorCode.INVALID, "Times must carry a time zone.", "from")
    if not start < end or end - start > MAX_PERIOD:
        raise DomainError(
            AdvisoryErrorCode.INVALID, "Give a period of at most 366 days, from before to.", "to"
        )


async def advisor_report(
    start: datetime, end: datetime, *, advisor_id: int | None = None
) -> list[AdvisorFigures]:
    """The figures of every advisor (or one) over ``[start, end)``, by username."""
    _check_period(start, end)
    advisors = StaffUser.filter(role=StaffRole.ADVISOR)
    if advisor_id is not None:
        advisors = advisors.filter(id=advisor_id)
    rows = {
        i: AdvisorFigures(i, name)
        for i, name in await advisors.order_by("username").values_list("id", "username")
    }
    ids = list(rows)
    if not ids:
        return []
    owned = (
        await Member.filter(owner_id__in=ids)
        .annotate(n=Count("id"))
        .group_by("owner_id")
        .values_list("owner_id", "n")
    )
    for owner, n in owned:
        rows[owner].members_owned = n

    period = {"created_at__gte": start, "created_at__lt": end}
    steps = (
        await FollowUp.filter(advisor_id__in=ids, **period)
        .annotate(n=Count("id"))
        .group_by("advisor_id", "step")
        .values_list("advisor_id", "step", "n")
    )
    for advisor, step, n in steps:
        rows[advisor].follow_ups_by_step[SalesStep(step)] = n

    came = OwnerChange.filter(to_staff_id__in=ids, **period)
    assignments = await came.values_list("to_staff_id", "member_id", "created_at")
    contacts: dict[tuple[int, int], list[datetime]] = defaultdict(list)
    for member, advisor, at in await FollowUp.filter(
        member_id__in=Subquery(came.values("member_id")), created_at__gte=start
    ).values_list("member_id", "advisor_id", "created_at"):
        contacts[(member, advisor)].append(at)
    waits: dict[int, list[timedelta]] = defaultdict(list)
    for advisor, member, at in assignments:
        rows[advisor].assigned += 1
        later = [c for c in contacts[(member, advisor)] if c >= at]
        if later:
            rows[advisor].contacted += 1
            waits[advisor].append(min(later) - at)
    for advisor, values in waits.items():
        rows[advisor].first_contact_median = median(values)

    orders = Order.filter(
        member__owner_id__in=ids, occurred_at__gte=start, occurred_at__lt=end
    ).exclude(status=OrderStatus.REFUNDED)
    referred = set(
        await ReferralConversion.filter(order_id__in=Subquery(orders.values("id"))).values_list(
            "order_id", flat=True
        )
    )
    buyers: dict[int, set[int]] = defaultdict(set)
    counts: Counter[int] = Counter()
    for order_id, member, owner in await orders.values_list("id", "member_id", "member__owner_id"):
        buyers[owner].add(member)
        counts[owner] += 1
        rows[owner].referral_orders += order_id in referred
    for owner, members in buyers.items():
        rows[owner].members_ordered = len(members)
        rows[owner].orders = counts[owner]
    return list(rows.values())
