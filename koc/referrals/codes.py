"""Referral codes: the code each member shares (generated on first use) and the vanity codes
staff hand out. Changes when the code format or the choice of a member's code changes."""

from __future__ import annotations

import random
from collections.abc import Sequence

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from koc.audit import services as audit
from koc.auth.viewer import StaffViewer
from koc.errors import DomainError
from koc.members.models import Member
from koc.referrals import rules
from koc.referrals.errors import ReferralErrorCode
from koc.referrals.models import ReferralCode
from koc.rows import RowsByKey

_rng = random.SystemRandom()
# Read on every screen that shows a member's code.
ACTIVE_CODES = RowsByKey(ReferralCode, "member_id", active=True)


def _best_code(rows: Sequence[ReferralCode]) -> ReferralCode | None:
    return max(rows, key=lambda c: (c.vanity, c.id), default=None)


async def primary_codes(member_ids: Sequence[int]) -> list[ReferralCode]:
    """The code each member shares: their newest active vanity code, else their generated
    code, generated on first use. A constant number of statements for any number of members."""
    ids = list(dict.fromkeys(member_ids))
    found: dict[int, ReferralCode] = {}
    missing = ids
    # A generated code can collide with an existing one (31^8 codes): that member is simply
    # still missing after the insert and gets another try.
    for _ in range(4):
        rows = await ACTIVE_CODES.fetch(missing)
        for member_id in missing:
            best = _best_code([r for r in rows if r.member_id == member_id])
            if best is not None:
                found[member_id] = best
        missing = [i for i in missing if i not in found]
        if not missing:
            break
        await ReferralCode.bulk_create(
            [
                ReferralCode(code=rules.generate_code(_rng), member_id=m, generated_for=m)
                for m in missing
            ],
            ignore_conflicts=True,
        )
    return [found[i] for i in member_ids]


async def set_code(member_id: int, text: str, active: bool, *, actor: StaffViewer) -> ReferralCode:
    """Give a member a vanity code, or enable/disable one of their codes (audited)."""
    code = rules.normalize_code(text)
    if code is None or not rules.valid_vanity(code):
        raise DomainError(
            ReferralErrorCode.INVALID,
            f"A code is {rules.VANITY_MIN}-{rules.VANITY_MAX} letters, digits or hyphens.",
            "code",
        )
    async with in_transaction():
        if not await Member.exists(id=member_id):
            raise DomainError(ReferralErrorCode.NOT_FOUND, "No such member.", "memberId")
        row = await ReferralCode.get_or_none(code=code).select_for_update()
        if row is not None and row.member_id != member_id:
            raise DomainError(ReferralErrorCode.CODE_TAKEN, "Another member has this code.", "code")
        before = None if row is None else {"code": code, "active": row.active}
        if row is None:
            if not active:
                raise DomainError(
                    ReferralErrorCode.NOT_FOUND, "The member has no such code.", "code"
                )
            try:
                async with in_transaction():
                    row = await ReferralCode.create(code=code, member_id=member_id, vanity=True)
            except IntegrityError as exc:
                raise DomainError(
                    ReferralErrorCode.CODE_TAKEN, "Another member has this code.", "code"
                ) from exc
        else:
            row.active = active
            if not active:
                # Frees the member's generated slot: a fresh code is generated on next use.
                row.generated_for = None
            await row.save(update_fields=["active", "generated_for"])
        await audit.record(
            actor,
            "referral_code.set",
            "Member",
            member_id,
            before=before,
            after={"code": code, "active": active},
        )
    return row
