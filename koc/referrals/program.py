"""The referral program: which orders qualify and the reward tiers, one row staff edit.
Changes when the brand's offer changes; attribution reads it for every converting order."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tortoise.transactions import in_transaction

from koc.audit import services as audit
from koc.auth.viewer import StaffViewer
from koc.errors import DomainError
from koc.referrals import rules
from koc.referrals.errors import ReferralErrorCode
from koc.referrals.models import QualifyingOrders, ReferralProgram, TierPeriod

MAX_CATEGORIES = 50
MAX_MIN_AMOUNT_CENTS = 10**12


async def get_program() -> ReferralProgram:
    """The program's rules, created with the defaults on first use."""
    program = await ReferralProgram.get_or_none(id=1)
    if program is None:
        await ReferralProgram.bulk_create(
            [ReferralProgram(id=1, tiers=[t.to_json() for t in rules.DEFAULT_TIERS])],
            ignore_conflicts=True,
        )
        program = await ReferralProgram.get(id=1)
    return program


def program_rules(program: ReferralProgram) -> rules.ProgramRules:
    return rules.ProgramRules(
        qualifying=program.qualifying,
        min_amount_cents=program.min_amount_cents,
        categories=list(program.categories),
    )


def program_tiers(program: ReferralProgram) -> list[rules.RewardTier]:
    return [rules.RewardTier.from_json(t) for t in program.tiers]


@dataclass
class ProgramChange:
    """Fields to change; None leaves a field as it is."""

    qualifying: QualifyingOrders | None = None
    min_amount_cents: int | None = None
    categories: list[str] | None = None
    tier_period: TierPeriod | None = None
    tiers: list[rules.RewardTier] | None = field(default=None)


def _program_json(p: ReferralProgram) -> dict[str, Any]:
    return {
        "qualifying": p.qualifying.value,
        "minAmountCents": p.min_amount_cents,
        "categories": list(p.categories),
        "tierPeriod": p.tier_period.value,
        "tiers": list(p.tiers),
    }


async def update_program(change: ProgramChange, *, actor: StaffViewer) -> ReferralProgram:
    """Change the program's rules (audited). Applies to orders recorded from now on."""
    if change.min_amount_cents is not None and not (
        0 <= change.min_amount_cents <= MAX_MIN_AMOUNT_CENTS
    ):
        raise DomainError(
            ReferralErrorCode.INVALID, "minAmountCents must be 0 or more.", "minAmountCents"
        )
    categories = None
    if change.categories is not None:
        categories = list(dict.fromkeys(c.strip() for c in change.categories))
        if len(categories) > MAX_CATEGORIES or any(not 1 <= len(c) <= 64 for c in categories):
            raise DomainError(
                ReferralErrorCode.INVALID,
                f"Give at most {MAX_CATEGORIES} categories of 1-64 characters.",
                "categories",
            )
    if change.tiers is not None:
        tiers = sorted(change.tiers, key=lambda t: t.from_conversion)
        problem = rules.tier_problem(tiers)
        if problem:
            raise DomainError(ReferralErrorCode.INVALID, problem, "tiers")
    async with in_transaction():
        program = await get_program()
        program = await ReferralProgram.get(id=program.id).select_for_update()
        before = _program_json(program)
        if change.qualifying is not None:
            program.qualifying = change.qualifying
        if change.min_amount_cents is not None:
            program.min_amount_cents = change.min_amount_cents
        if categories is not None:
            program.categories = categories
        if change.tier_period is not None:
            program.tier_period = change.tier_period
        if change.tiers is not None:
            program.tiers = [t.to_json() for t in tiers]
        program.updated_by = actor.username
        await program.save()
        await audit.record(
            actor,
            "referral_program.update",
            "ReferralProgram",
            program.id,
            before=before,
            after=_program_json(program),
        )
    return program
