"""KOC profiles, typed roles, certificates, applications, nominations and scoring weights.

Plain arguments in, DomainError out. Its member-merge handler is connected in koc/wiring.py.

Over 500 lines for now: it splits by reason to change (profiles and roles, applications and
nominations, scoring weights) once the creators mutations that call it use the mutation helper
(issue 15); doing both at once would rewrite every call of those mutations twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.models import Model
from tortoise.transactions import in_transaction

from koc.audit import services as audit
from koc.auth.viewer import StaffViewer
from koc.consent.tags import apply_automatic_tags
from koc.creators import rules, signals
from koc.creators.errors import KocErrorCode
from koc.creators.models import (
    ApplicationKind,
    ApplicationStatus,
    CampaignParticipant,
    CampaignSubmission,
    CertificateCounter,
    KocApplication,
    KocCampaign,
    KocChange,
    KocProfile,
    KocRole,
    KocRoleGrant,
    KocStatus,
    ScoringConfig,
)
from koc.creators.scoring import (
    Signal,
    SignalWeight,
    WeightsError,
    merge_weights,
    weights_to_json,
)
from koc.errors import DomainError
from koc.events import KocApplicationReviewed, KocStatusChanged, MemberMerged, publish
from koc.members.models import Member, MemberTag, StageAutoRule, Tag, TagFamily, TagGroup, TagSource
from koc.members.services import advance_to_rule
from koc.members.tag_removals import drop_member_tags

KOC_TAG_GROUP = "KOC tier"
KOC_TAG = "KOC"
MAX_STATEMENT = 2000
MAX_LINKS = 10


def _now() -> datetime:
    return datetime.now(UTC)


# --- validation helpers (shared with campaigns) ---------------------------------------------


def clean_reason(reason: str, field: str = "reason") -> str:
    reason = reason.strip()
    if not 1 <= len(reason) <= 500:
        raise DomainError(KocErrorCode.INVALID, "Give a reason of 1-500 characters.", field)
    return reason


def clean_roles(roles: Sequence[KocRole], field: str = "roles") -> list[KocRole]:
    unique = rules.unique_roles(roles)
    if not unique:
        raise DomainError(KocErrorCode.ROLES_REQUIRED, "Give at least one role.", field)
    return unique


def clean_urls(urls: Sequence[str], limit: int, field: str, code: object) -> list[str]:
    cleaned = [u.strip() for u in urls]
    if len(cleaned) > limit:
        raise DomainError(code, f"At most {limit} entries.", field)  # type: ignore[arg-type]
    for url in cleaned:
        if not rules.is_url(url):
            raise DomainError(
                code,  # type: ignore[arg-type]
                f"Not an http(s) URL of at most {rules.MAX_URL_LENGTH} characters: {url[:80]!r}.",
                field,
            )
    return cleaned


async def _lock_member(member_id: int, field: str = "memberId") -> Member:
    member = await Member.get_or_none(id=member_id).select_for_update()
    if member is None:
        raise DomainError(KocErrorCode.MEMBER_NOT_FOUND, "No such member.", field)
    return member


# --- profiles, roles and status ---------------------------------------------------------------


async def roles_of(member_id: int) -> list[KocRole]:
    return rules.unique_roles(
        await KocRoleGrant.filter(member_id=member_id).values_list("role", flat=True)
    )


async def _get_or_create(model: type[Model], lookup: dict[str, Any], **defaults: Any) -> Any:
    """get_or_create that survives a concurrent creation (inside the caller's transaction)."""
    found = await model.get_or_none(**lookup)
    if found is not None:
        return found
    try:
        async with in_transaction():
            return await model.create(**lookup, **defaults)
    except IntegrityError:
        return await model.get(**lookup)


async def _koc_tag() -> Tag:
    """The KOC tier tag, created on first use."""
    group = await _get_or_create(
        TagGroup,
        {"name": KOC_TAG_GROUP},
        family=TagFamily.TIER,
        description="KOC identity, given when a KOC becomes active",
    )
    tag = await _get_or_create(
        Tag,
        {"group_id": group.id, "name": KOC_TAG},
        member_visible=True,
        description="An active KOC",
    )
    tag.group = group
    return tag


async def _issue_certificate(profile: KocProfile, now: datetime) -> None:
    """Give the profile the next certificate number of the year.

    The counter row is incremented with one UPDATE, whose row lock (PostgreSQL) or write lock
    (SQLite) lasts until the transaction ends, so concurrent activations get distinct numbers;
    the unique number column guards it.
    """
    year = now.year
    if not await CertificateCounter.filter(year=year).update(last_sequence=F("last_sequence") + 1):
        try:
            async with in_transaction():
                await CertificateCounter.create(year=year, last_sequence=1)
        except IntegrityError:
            await CertificateCounter.filter(year=year).update(last_sequence=F("last_sequence") + 1)
    sequence = (await CertificateCounter.get(year=year)).last_sequence
    profile.certificate_number = rules.certificate_number(year, sequence)
    profile.certificate_issued_at = now


async def _set_roles(member_id: int, roles: list[KocRole], staff_id: int | None) -> None:
    await KocRoleGrant.filter(member_id=member_id).exclude(role__in=roles).delete()
    held = set(await KocRoleGrant.filter(member_id=member_id).values_list("role", flat=True))
    missing = [r for r in roles if r not in held]
    if missing:
        await KocRoleGrant.bulk_create(
            [KocRoleGrant(member_id=member_id, role=r, staff_id=staff_id) for r in missing]
        )


async def _change(
    member: Member,
    profile: KocProfile,
    status: KocStatus,
    roles: list[KocRole],
    reason: str,
    staff_id: int | None,
) -> None:
    """Move ``profile`` to ``status`` holding ``roles``: history, certificate, stage, tag,
    ranking flag and the koc_status_changed hook. Call inside a transaction."""
    now = _now()
    before = profile.status if profile.id else None
    await KocChange.create(
        member_id=member.id,
        from_status=before,
        to_status=status,
        roles=[r.value for r in roles],
        staff_id=staff_id,
        reason=reason,
    )
    changed = status is not before
    if changed:
        profile.status = status
        profile.status_changed_at = now
    if changed and status is KocStatus.ACTIVE:
        if profile.activated_at is None:
            profile.activated_at = now
        if profile.certificate_number is None:
            await _issue_certificate(profile, now)
        await advance_to_rule(member, StageAutoRule.KOC, reason)
        await apply_automatic_tags(
            [member.id], [await _koc_tag()], source=TagSource.AUTO, cause=reason
        )
    elif changed and status is KocStatus.RETIRED:
        await drop_member_tags(
            MemberTag.filter(
                member_id=member.id,
                tag_id__in=[
                    t.id for t in await Tag.filter(group__name=KOC_TAG_GROUP, name=KOC_TAG)
                ],
            ),
            removed_by=staff_id,
            reason=reason,
        )
    await profile.save()
    await _set_roles(member.id, roles, staff_id)
    await signals.set_ranked_out(member.id, status in rules.RANKED_OUT)
    await publish(
        KocStatusChanged(member=member, status=status.value, roles=[r.value for r in roles])
    )


async def _profile_for_update(member_id: int) -> KocProfile | None:
    return await KocProfile.filter(member_id=member_id).select_for_update().first()


async def _ensure_candidate(member: Member, reason: str, staff_id: int | None) -> KocProfile:
    """The member's profile, created as a CANDIDATE when there is none."""
    profile = await _profile_for_update(member.id)
    if profile is None:
        profile = KocProfile(
            member_id=member.id, status=KocStatus.CANDIDATE, status_changed_at=_now()
        )
        await _change(member, profile, KocStatus.CANDIDATE, [], reason, staff_id)
    return profile


async def grant_roles(
    member: Member, roles: list[KocRole], reason: str, *, staff_id: int | None
) -> KocProfile:
    """Make the member an ACTIVE KOC holding ``roles`` (added to the roles of an active KOC).

    Call inside a transaction, with the member row locked. A paused KOC must be resumed first.
    """
    profile = await _ensure_candidate(member, reason, staff_id)
    if profile.status is KocStatus.PAUSED:
        raise DomainError(
            KocErrorCode.NOT_ACTIVE, "This KOC is paused: resume it before granting roles.", None
        )
    if profile.status is KocStatus.ACTIVE:
        roles = rules.unique_roles([*await roles_of(member.id), *roles])
    await _change(member, profile, KocStatus.ACTIVE, roles, reason, staff_id)
    return profile


async def set_status(
    member_id: int,
    status: KocStatus,
    reason: str,
    roles: Sequence[KocRole] | None,
    *,
    actor: StaffViewer,
) -> KocProfile:
    """Move a KOC to another status; activating needs roles (given or already held)."""
    reason = clean_reason(reason)
    async with in_transaction():
        member = await _lock_member(member_id)
        profile = await _profile_for_update(member_id)
        if profile is None:
            raise DomainError(
                KocErrorCode.KOC_NOT_FOUND,
                "This member is not a KOC or candidate: nominate them first.",
                "memberId",
            )
        if not rules.can_transition(profile.status, status):
            raise DomainError(
                KocErrorCode.INVALID_TRANSITION,
                f"A {profile.status.value} KOC cannot become {status.value}.",
                "status",
            )
        held = await roles_of(member_id)
        if roles is not None and status is not KocStatus.ACTIVE:
            raise DomainError(
                KocErrorCode.INVALID, "Roles are given only when activating.", "roles"
            )
        new_roles = held if roles is None else clean_roles(roles)
        if status is KocStatus.ACTIVE and not new_roles:
            raise DomainError(
                KocErrorCode.ROLES_REQUIRED, "An active KOC needs at least one role.", "roles"
            )
        before = {"status": profile.status.value, "roles": [r.value for r in held]}
        await _change(member, profile, status, new_roles, reason, actor.staff_id)
        await audit.record(
            actor,
            "koc.status_set",
            "KocProfile",
            profile.id,
            before=before,
            after={"status": status.value, "roles": [r.value for r in new_roles], "reason": reason},
        )
    return profile


async def set_roles(
    member_id: int, roles: Sequence[KocRole], reason: str, *, actor: StaffViewer
) -> KocProfile:
    """Replace the roles of an active (or paused) KOC."""
    reason = clean_reason(reason)
    new_roles = clean_roles(roles)
    async with in_transaction():
        member = await _lock_member(member_id)
        profile = await _profile_for_update(member_id)
        if profile is None or profile.status not in rules.HOLDS_IDENTITY:
            raise DomainError(
                KocErrorCode.NOT_ACTIVE, "Roles change only on an active or paused KOC.", "memberId"
            )
        held = await roles_of(member_id)
        await _change(member, profile, profile.status, new_roles, reason, actor.staff_id)
        await audit.record(
            actor,
            "koc.roles_set",
            "KocProfile",
            profile.id,
            before={"roles": [r.value for r in held]},
            after={"roles": [r.value for r in new_roles], "reason": reason},
        )
    return profile


# --- applications and nominations ---------------------------------------------------------------


@dataclass(frozen=True)
class ApplyInput:
    roles: Sequence[KocRole]
    statement: str
    links: Sequence[str] = ()


async def _open_application(
    member: Member,
    kind: ApplicationKind,
    roles: list[KocRole],
    statement: str,
    *,
    staff_id: int | None = None,
    links: Sequence[str] = (),
) -> KocApplication:
    profile = await KocProfile.get_or_none(member_id=member.id)
    if profile is not None and profile.status in rules.HOLDS_IDENTITY:
        raise DomainError(KocErrorCode.ALREADY_KOC, "This member already is a KOC.", None)
    try:
        async with in_transaction():
            application = await KocApplication.create(
                member_id=member.id,
                kind=kind,
                open_member_id=member.id,
                roles_wanted=[r.value for r in roles],
                statement=statement,
                links=list(links),
                nominated_by_id=staff_id,
            )
    except IntegrityError as exc:
        raise DomainError(
            KocErrorCode.APPLICATION_OPEN, "There is already an open application.", None
        ) from exc
    reason = "Applied" if kind is ApplicationKind.APPLICATION else "Nominated"
    await _ensure_candidate(member, reason, staff_id)
    return application


async def apply(member_id: int, data: ApplyInput, *, cooldown_days: int) -> KocApplication:
    """A member applies to become a KOC (from the mini-program)."""
    roles = clean_roles(data.roles)
    statement = data.statement.strip()
    if not 1 <= len(statement) <= MAX_STATEMENT:
        raise DomainError(
            KocErrorCode.INVALID, f"Write a statement of 1-{MAX_STATEMENT} characters.", "statement"
        )
    links = clean_urls(data.links, MAX_LINKS, "links", KocErrorCode.INVALID)
    async with in_transaction():
        member = await _lock_member(member_id)
        rejected = (
            await KocApplication.filter(member_id=member_id, status=ApplicationStatus.REJECTED)
            .order_by("-reviewed_at")
            .first()
        )
        if rejected is not None and rejected.reviewed_at is not None:
            allowed_at = rules.reapply_at(rejected.reviewed_at, cooldown_days)
            if _now() < allowed_at:
                raise DomainError(
                    KocErrorCode.COOLDOWN,
                    f"You may apply again from {allowed_at.date().isoformat()}.",
                    None,
                )
        return await _open_application(
            member, ApplicationKind.APPLICATION, roles, statement, links=links
        )


async def nominate(
    member_id: int, roles: Sequence[KocRole], note: str, *, actor: StaffViewer
) -> KocApplication:
    """Staff nominate a member; the nomination waits in the same review queue (no cooldown)."""
    roles = clean_roles(roles)
    note = note.strip()
    if len(note) > MAX_STATEMENT:
        raise DomainError(
            KocErrorCode.INVALID, f"The note is at most {MAX_STATEMENT} characters.", "note"
        )
    async with in_transaction():
        member = await _lock_member(member_id)
        application = await _open_application(
            member, ApplicationKind.NOMINATION, roles, note, staff_id=actor.staff_id
        )
        await audit.record(
            actor,
            "koc.nominate",
            "KocApplication",
            application.id,
            after={"memberId": member_id, "roles": application.roles_wanted, "note": note},
        )
    return application


async def _close(
    application: KocApplication,
    status: ApplicationStatus,
    *,
    staff_id: int | None,
    roles: Sequence[KocRole] = (),
    reason: str = "",
) -> None:
    """Mark a pending application reviewed; a concurrent review makes this fail."""
    now = _now()
    changes = {
        "status": status,
        "open_member_id": None,
        "roles_granted": [r.value for r in roles],
        "rejection_reason": reason,
        "reviewed_by_id": staff_id,
        "reviewed_at": now,
    }
    updated = await KocApplication.filter(
        id=application.id, status=ApplicationStatus.PENDING
    ).update(**changes)
    if not updated:
        raise DomainError(
            KocErrorCode.ALREADY_REVIEWED, "This application was already reviewed.", "applicationId"
        )
    for name, value in changes.items():
        setattr(application, name, value)


async def approve_open_application(
    member_id: int, roles: list[KocRole], staff_id: int | None
) -> None:
    """Close the member's open application as approved (when promoted another way)."""
    application = await KocApplication.get_or_none(open_member_id=member_id)
    if application is not None:
        await _close(application, ApplicationStatus.APPROVED, staff_id=staff_id, roles=roles)


async def review_application(
    application_id: int,
    approve: bool,
    roles: Sequence[KocRole] | None,
    reason: str,
    *,
    actor: StaffViewer,
) -> KocApplication:
    """Approve (granting roles: those given, else those wanted) or reject with a reason the
    member sees."""
    async with in_transaction():
        application = await KocApplication.get_or_none(id=application_id)
        if application is None:
            raise DomainError(
                KocErrorCode.APPLICATION_NOT_FOUND, "No such application.", "applicationId"
            )
        member = await _lock_member(application.member_id)
        if approve:
            granted = clean_roles(
                roles if roles is not None else [KocRole(r) for r in application.roles_wanted]
            )
            await _close(
                application, ApplicationStatus.APPROVED, staff_id=actor.staff_id, roles=granted
            )
            text = reason.strip()[:500] or f"Application #{application.id} approved"
            await grant_roles(member, granted, text, staff_id=actor.staff_id)
            after = {"status": "APPROVED", "roles": [r.value for r in granted]}
        else:
            reason = clean_reason(reason)
            await _close(
                application, ApplicationStatus.REJECTED, staff_id=actor.staff_id, reason=reason
            )
            after = {"status": "REJECTED", "reason": reason}
        await audit.record(
            actor,
            "koc.application_review",
            "KocApplication",
            application.id,
            before={"status": "PENDING"},
            after=after,
        )
        await publish(KocApplicationReviewed(application_id=application.id))
    return application


# --- scoring weights ----------------------------------------------------------------------------


async def set_weights(
    changes: Sequence[tuple[Signal, SignalWeight]], *, actor: StaffViewer
) -> dict[Signal, SignalWeight]:
    """Change some signals' weights (the others keep theirs), then re-rank every member."""
    if not changes:
        raise DomainError(KocErrorCode.INVALID, "Give at least one signal.", "signals")
    async with in_transaction():
        current = await signals.load_weights()
        try:
            weights = merge_weights(current, changes)
        except WeightsError as exc:
            raise DomainError(KocErrorCode.INVALID, str(exc), "signals") from exc
        await ScoringConfig.update_or_create(
            id=1, defaults={"weights": weights_to_json(weights), "staff_id": actor.staff_id}
        )
        await audit.record(
            actor,
            "koc.scoring_weights_set",
            "ScoringConfig",
            1,
            before=weights_to_json({s: current[s] for s, _ in changes}),
            after=weights_to_json(dict(changes)),
        )
        await signals.rescore_all(weights)
    return weights


# --- member merge -------------------------------------------------------------------------------


async def on_member_merged(e: MemberMerged) -> None:
    prospect, member = e.prospect, e.member
    """Move a prospect's KOC rows to the member it turned out to be (the member's own profile,
    open application and campaign sign-ups win over the prospect's)."""
    await signals.merge_signals(prospect.id, member.id)
    if await KocProfile.exists(member_id=member.id):
        await KocProfile.filter(member_id=prospect.id).delete()
        await KocRoleGrant.filter(member_id=prospect.id).delete()
    else:
        await KocProfile.filter(member_id=prospect.id).update(member_id=member.id)
        await KocRoleGrant.filter(member_id=prospect.id).update(member_id=member.id)
    await KocChange.filter(member_id=prospect.id).update(member_id=member.id)
    if await KocApplication.exists(open_member_id=member.id):
        await KocApplication.filter(open_member_id=prospect.id).delete()
    await KocApplication.filter(member_id=prospect.id).update(member_id=member.id)
    await KocApplication.filter(open_member_id=prospect.id).update(open_member_id=member.id)
    joined = await CampaignParticipant.filter(member_id=member.id).values_list(
        "campaign_id", flat=True
    )
    both = await CampaignParticipant.filter(
        member_id=prospect.id, campaign_id__in=list(joined)
    ).values_list("campaign_id", flat=True)
    if both:
        await CampaignParticipant.filter(member_id=prospect.id, campaign_id__in=both).delete()
        await KocCampaign.filter(id__in=both).update(participant_count=F("participant_count") - 1)
    await CampaignParticipant.filter(member_id=prospect.id).update(member_id=member.id)
    await CampaignSubmission.filter(member_id=prospect.id).update(member_id=member.id)
