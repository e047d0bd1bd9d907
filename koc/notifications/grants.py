"""One-time subscribe grants per member and template.

The mini-program reports what ``wx.requestSubscribeMessage`` answered for each template. Each
ACCEPT adds one unused grant (WeChat lets one message through per accept); each message sent
spends one. A REJECT is recorded and leaves earlier grants (WeChat keeps them); a BAN means the
member switched the template off in WeChat's settings: unused grants are void and nothing is
sent until a later ACCEPT.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from tortoise.expressions import F
from tortoise.transactions import in_transaction

from koc.errors import DomainError
from koc.notifications.errors import NotificationErrorCode as Code
from koc.notifications.models import SubscribeGrant, SubscribeResult, TemplateMapping

MAX_RESULTS = 10


async def report(
    member_id: int, results: Sequence[tuple[str, SubscribeResult]]
) -> list[SubscribeGrant]:
    """Record the answers of one ``wx.requestSubscribeMessage`` call; returns the grants of the
    templates named, as they stand after it."""
    if not 1 <= len(results) <= MAX_RESULTS:
        raise DomainError(Code.INVALID, f"Report 1 to {MAX_RESULTS} results.", "results")
    ids = [t.strip() for t, _ in results]
    if len(set(ids)) != len(ids):
        raise DomainError(Code.INVALID, "Each template is reported once.", "results")
    known = set(
        await TemplateMapping.filter(template_id__in=ids).values_list("template_id", flat=True)
    )
    for n, template_id in enumerate(ids):
        if template_id not in known:
            raise DomainError(
                Code.UNKNOWN_TEMPLATE,
                "No notification is mapped to this template.",
                f"results.{n}.templateId",
            )
    now = datetime.now(UTC)
    async with in_transaction():
        rows = {
            g.template_id: g
            for g in await SubscribeGrant.filter(member_id=member_id, template_id__in=ids)
            .select_for_update()
            .all()
        }
        for template_id, (_, result) in zip(ids, results, strict=True):
            grant = rows.get(template_id) or SubscribeGrant(
                member_id=member_id, template_id=template_id, available=0, accepted_total=0
            )
            if result is SubscribeResult.ACCEPT:
                grant.available += 1
                grant.accepted_total += 1
            elif result is SubscribeResult.BAN:
                grant.available = 0
            grant.last_result, grant.updated_at = result, now
            await grant.save()
            rows[template_id] = grant
    return [rows[t] for t in ids]


async def spend(member_id: int, template_id: str) -> bool:
    """Take one unused grant for a message about to be sent; False when there is none."""
    taken = (
        await SubscribeGrant.filter(member_id=member_id, template_id=template_id, available__gt=0)
        .exclude(last_result=SubscribeResult.BAN)
        .update(available=F("available") - 1)
    )
    return taken > 0


async def give_back(member_id: int, template_id: str) -> None:
    """Return a grant taken for a message WeChat did not deliver."""
    await SubscribeGrant.filter(member_id=member_id, template_id=template_id).update(
        available=F("available") + 1
    )


async def refusal_of(member_id: int, template_id: str) -> SubscribeResult | None:
    """The member's last answer for the template (None if they never answered)."""
    grant = await SubscribeGrant.get_or_none(member_id=member_id, template_id=template_id)
    return grant.last_result if grant else None
