"""A referral's history: one step per thing that happened to it (lead, test drive, deposit,
conversion, reversal, flag, review, reattribution), and the staff notes it keeps.

Every module that changes a referral writes its step through ``add_step``, so the timeline a
reviewer reads has one shape whoever wrote it.
"""

from __future__ import annotations

from datetime import datetime

from koc.errors import DomainError
from koc.referrals.errors import ReferralErrorCode
from koc.referrals.models import Referral, ReferralStep, StepKind

MAX_NOTE = 500


def check_note(value: str, field_name: str, *, required: bool) -> str:
    """A staff note or reason, stripped; at most ``MAX_NOTE`` characters (and one at least
    when ``required``)."""
    value = value.strip()
    if len(value) > MAX_NOTE or (required and not value):
        size = "1-500" if required else "at most 500"
        raise DomainError(ReferralErrorCode.INVALID, f"Give {size} characters.", field_name)
    return value


async def add_step(
    referral: Referral,
    kind: StepKind,
    at: datetime,
    *,
    order_id: int | None = None,
    event_id: int | None = None,
    staff_id: int | None = None,
    note: str = "",
) -> None:
    await ReferralStep.create(
        referral_id=referral.id,
        kind=kind,
        at=at,
        order_id=order_id,
        event_id=event_id,
        staff_id=staff_id,
        note=note[:MAX_NOTE],
    )
