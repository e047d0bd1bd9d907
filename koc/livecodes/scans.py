"""A scan of a live code's page: which target it is sent to, counted per hour without personal
data, and the events a GROUP code publishes as its targets fill up or expire
(``live_code.targets_low``, ``live_code.target_expiring``: partners and staff tools read them
from the events feed and webhooks)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from tortoise.expressions import F
from tortoise.transactions import in_transaction

from koc.events import LiveCodeTargetExpiring, LiveCodeTargetsLow, publish
from koc.livecodes import rules
from koc.livecodes.models import LiveCode, LiveCodeKind, LiveCodeScanCount, LiveCodeTarget
from koc.livecodes.services import targets_of


@dataclass(frozen=True)
class Served:
    code: LiveCode
    target: LiveCodeTarget | None  # GROUP: the target shown, None when none is usable


async def find_code(slug: str) -> LiveCode | None:
    """The active code of ``slug`` (None for a malformed, unknown or switched-off one)."""
    if not rules.valid_slug(slug):
        return None
    return await LiveCode.get_or_none(slug=slug, active=True)


async def serve(code: LiveCode, *, count: bool, at: datetime | None = None) -> Served:
    """Pick what the scan of ``code`` shows; a counted scan adds to the hour's count and to the
    served target's arrivals, which may fill it."""
    at = at or datetime.now(UTC)
    async with in_transaction():
        target = None
        if code.kind is LiveCodeKind.GROUP:
            target = await _serve_group(code, count=count, at=at)
        if count:
            await _count(code.id, target.id if target else 0, at)
    return Served(code, target)


async def _serve_group(code: LiveCode, *, count: bool, at: datetime) -> LiveCodeTarget | None:
    rows = list(
        await LiveCodeTarget.filter(live_code_id=code.id).select_for_update().order_by("position")
    )
    picked = rules.serving(targets_of(rows), at)
    target = next((t for t in rows if picked and t.id == picked.id), None)
    if target is not None and count:
        target.served += 1
        await LiveCodeTarget.filter(id=target.id).update(served=F("served") + 1)
    await check_warnings(code, rows, at)
    return target


async def check_warnings(code: LiveCode, rows: list[LiveCodeTarget], at: datetime) -> None:
    """Publish a code running low (once, until it has enough targets again) and each target
    expiring within a day (once per expiry). Call inside a transaction holding the rows."""
    targets = targets_of(rows)
    low = rules.running_low(targets, at, code.low_targets)
    if low != code.warned_low:
        await LiveCode.filter(id=code.id).update(warned_low=low)
        code.warned_low = low
        if low:
            usable = rules.usable_count(targets, at)
            await publish(LiveCodeTargetsLow(code.id, code.slug, usable, code.low_targets))
    for t in rules.expiring(targets, at):
        await LiveCodeTarget.filter(id=t.id).update(warned_expiring=True)
        await publish(LiveCodeTargetExpiring(code.id, code.slug, t.id, t.expires_at))


async def sweep(at: datetime | None = None) -> int:
    """Check every active GROUP code's warnings (targets expire without anyone scanning);
    returns the codes checked. For a scheduled job."""
    at = at or datetime.now(UTC)
    codes = await LiveCode.filter(kind=LiveCodeKind.GROUP, active=True)
    for code in codes:
        async with in_transaction():
            rows = list(await LiveCodeTarget.filter(live_code_id=code.id).select_for_update())
            await check_warnings(code, rows, at)
    return len(codes)


async def _count(code_id: int, target_id: int, at: datetime) -> None:
    hour = at.replace(minute=0, second=0, microsecond=0)
    await LiveCodeScanCount.bulk_create(
        [LiveCodeScanCount(live_code_id=code_id, target_id=target_id, hour=hour, scans=0)],
        ignore_conflicts=True,
    )
    await LiveCodeScanCount.filter(live_code_id=code_id, target_id=target_id, hour=hour).update(
        scans=F("scans") + 1
    )
