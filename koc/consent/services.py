"""Consent per purpose under versioned policies, and the one question every feature asks
before it uses a member's data for a purpose: ``may_process(member_ids, purpose)``.

Who asks today: KOC discovery scores (PROFILING, ``koc.creators.signals``), automatic tags
(PROFILING, ``koc.consent.tags``: KOC activation, survey codebooks) and partner reads of
personal fields (SHARING, ``koc.privacy.graphql.sharing``). Segments (PROFILING),
notifications (MARKETING) and partner webhooks (SHARING) must call ``may_process`` for their
whole audience or batch before they process it; it costs one statement whatever the number of
members.

A purpose without a decision follows its default: PROFILING is allowed until the member
withdraws it (PIPL art. 24 asks for a convenient way to refuse profiling), MARKETING and
SHARING need the member's grant (art. 23 asks for separate consent to share). A refusal always
stands; a grant lapses when a later policy version says consent must be asked again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from tortoise.transactions import in_transaction

from koc.audit import services as audit
from koc.auth.viewer import StaffViewer
from koc.consent.errors import ConsentErrorCode
from koc.consent.models import ConsentChannel, ConsentDecision, PrivacyPolicy, Purpose
from koc.db import fetch
from koc.errors import DomainError
from koc.events import ConsentChanged, publish
from koc.members.models import Member

DEFAULT_GRANTED: dict[Purpose, bool] = {
    Purpose.MARKETING: False,
    Purpose.PROFILING: True,
    Purpose.SHARING: False,
}


def _now() -> datetime:
    return datetime.now(UTC)


async def current_policy() -> PrivacyPolicy | None:
    """The newest published policy, or None before the brand publishes one."""
    return await PrivacyPolicy.all().order_by("-id").first()


async def _reconsent_floor() -> int:
    """Grants made under a policy older than this id no longer count."""
    ids = (
        await PrivacyPolicy.filter(reconsent_required=True)
        .order_by("-id")
        .limit(1)
        .values_list("id", flat=True)
    )
    return ids[0] if ids else 0


async def publish_policy(
    version: str, url: str, summary: str, reconsent_required: bool, *, actor: StaffViewer
) -> PrivacyPolicy:
    """Publish a new policy version; members are asked to decide again under it."""
    version, url = version.strip(), url.strip()
    if not 1 <= len(version) <= 32:
        raise DomainError(ConsentErrorCode.INVALID, "Version is 1 to 32 characters.", "version")
    if not url.startswith(("https://", "http://")) or len(url) > 500:
        raise DomainError(
            ConsentErrorCode.INVALID, "URL is an http(s) address of at most 500 characters.", "url"
        )
    if len(summary) > 4000:
        raise DomainError(
            ConsentErrorCode.INVALID, "Summary is at most 4000 characters.", "summary"
        )
    async with in_transaction():
        if await PrivacyPolicy.exists(version=version):
            raise DomainError(
                ConsentErrorCode.VERSION_TAKEN, "That version was published already.", "version"
            )
        policy = await PrivacyPolicy.create(
            version=version,
            url=url,
            summary=summary,
            reconsent_required=reconsent_required,
            published_by_id=actor.staff_id,
        )
        await audit.record(
            actor,
            "privacy_policy.publish",
            "PrivacyPolicy",
            policy.id,
            after={"version": version, "url": url, "reconsentRequired": reconsent_required},
        )
    return policy


def _effective(granted: bool, policy_id: int | None, floor: int) -> bool:
    return granted and (policy_id or 0) >= floor


async def may_process(member_ids: Iterable[int], purpose: Purpose) -> set[int]:
    """The members among ``member_ids`` whose data may be processed for ``purpose``: one
    statement for any number of members (up to ~30,000, the engines' limit on parameters:
    callers go through a large audience in batches)."""
    ids = list(dict.fromkeys(member_ids))
    if not ids:
        return set()
    marks = ", ".join("?" for _ in ids)
    rows = await fetch(
        "SELECT member_id, granted, policy_id,"
        " (SELECT MAX(id) FROM privacy_policy WHERE reconsent_required)"
        " FROM privacy_consent_decision d"
        f" WHERE purpose = ? AND member_id IN ({marks})"
        " AND id = (SELECT MAX(id) FROM privacy_consent_decision l"
        " WHERE l.member_id = d.member_id AND l.purpose = d.purpose)",
        [purpose.value, *ids],
    )
    decided = {
        member_id: _effective(bool(granted), policy_id, floor or 0)
        for member_id, granted, policy_id, floor in rows
    }
    default = DEFAULT_GRANTED[purpose]
    return {m for m in ids if decided.get(m, default)}


@dataclass(frozen=True)
class ConsentState:
    """Where a member stands on one purpose."""

    purpose: Purpose
    granted: bool  # what features obey now
    decision: ConsentDecision | None  # the member's latest decision, if any
    needs_decision: bool  # the mini-program should ask (no decision under the current policy)


def _states(
    decisions: Mapping[Purpose, ConsentDecision], current: PrivacyPolicy | None, floor: int
) -> list[ConsentState]:
    states = []
    for purpose in Purpose:
        d = decisions.get(purpose)
        granted = _effective(d.granted, d.policy_id, floor) if d else DEFAULT_GRANTED[purpose]
        stale = d is None or (current is not None and (d.policy_id or 0) < current.id)
        erased = d is not None and d.channel is ConsentChannel.ERASURE
        states.append(
            ConsentState(purpose, granted, d, current is not None and stale and not erased)
        )
    return states


async def _latest(member_ids: Sequence[int]) -> dict[int, dict[Purpose, ConsentDecision]]:
    """Each member's latest decision per purpose (members decide a handful of times)."""
    rows = await ConsentDecision.filter(member_id__in=list(member_ids)).order_by("id")
    latest: dict[int, dict[Purpose, ConsentDecision]] = {m: {} for m in member_ids}
    for row in rows:
        latest[row.member_id][Purpose(row.purpose)] = row
    return latest


async def consent_states(member_ids: Sequence[int]) -> list[list[ConsentState]]:
    """Each member's state on every purpose, in the order of ``member_ids``."""
    latest = await _latest(member_ids)
    current, floor = await current_policy(), await _reconsent_floor()
    return [_states(latest[m], current, floor) for m in member_ids]


async def _write(
    member_id: int,
    decisions: Mapping[Purpose, bool],
    policy_id: int | None,
    channel: ConsentChannel,
) -> None:
    """Record ``decisions`` and tell the features whose purpose changed. Call inside a
    transaction that holds the member's row (so two decisions of a member take turns)."""
    floor, held = await _reconsent_floor(), (await _latest([member_id]))[member_id]
    now = _now()
    changed: list[tuple[Purpose, bool]] = []
    for purpose, granted in decisions.items():
        row = held.get(purpose)
        before = _effective(row.granted, row.policy_id, floor) if row else DEFAULT_GRANTED[purpose]
        await ConsentDecision.create(
            member_id=member_id,
            purpose=purpose,
            granted=granted,
            policy_id=policy_id,
            channel=channel,
            decided_at=now,
        )
        if before != _effective(granted, policy_id, floor):
            changed.append((purpose, granted))
    for purpose, granted in changed:
        await publish(ConsentChanged(member_id=member_id, purpose=purpose, granted=granted))


async def decide(
    member_id: int, policy_id: int, decisions: Sequence[tuple[Purpose, bool]]
) -> list[ConsentState]:
    """The member accepts or withdraws purposes under the current policy (in the
    mini-program). Deciding under an older version is refused: the member has not seen the
    current one."""
    if not decisions:
        raise DomainError(ConsentErrorCode.INVALID, "Decide on at least one purpose.", "decisions")
    chosen = dict(decisions)
    if len(chosen) != len(decisions):
        raise DomainError(ConsentErrorCode.INVALID, "Each purpose at most once.", "decisions")
    async with in_transaction():
        current = await current_policy()
        if current is None:
            raise DomainError(ConsentErrorCode.NO_POLICY, "No privacy policy is published yet.")
        if policy_id != current.id:
            raise DomainError(
                ConsentErrorCode.POLICY_OUTDATED,
                f"Decide under the current policy, version {current.version}.",
                "policyId",
            )
        await Member.filter(id=member_id).select_for_update().values_list("id")
        await _write(member_id, chosen, current.id, ConsentChannel.MINI_PROGRAM)
    return (await consent_states([member_id]))[0]


async def withdraw_all(member_id: int) -> None:
    """Withdraw every purpose of an erased member. Call inside the erasure's transaction."""
    await _write(member_id, dict.fromkeys(Purpose, False), None, ConsentChannel.ERASURE)
