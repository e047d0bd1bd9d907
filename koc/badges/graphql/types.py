"""GraphQL types of the badges feature."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import strawberry
from strawberry import relay

from koc.auth.models import PartnerScope
from koc.auth.viewer import MemberViewer, is_partner_with, is_staff
from koc.badges import models
from koc.badges.errors import BadgeErrorCode, BadgeVerifyResult
from koc.badges.graphql import dataloaders as dl
from koc.badges.showing import Verification, token_for
from koc.graphql.context import Info
from koc.graphql.enums import enum_type
from koc.graphql.errors import error_type
from koc.graphql.loaders import loader
from koc.graphql.permissions import forbidden
from koc.members.graphql.dataloaders import load_staff_names

BadgeRule = enum_type(
    models.BadgeRule,
    "How a badge is earned. Every rule but MANUAL awards the badge automatically once the "
    "member reaches its threshold.",
    MANUAL="Awarded by staff only.",
    REFERRALS_CONVERTED="Friends referred whose order stands (not refunded).",
    SUBMISSIONS_APPROVED="Campaign submissions approved by staff.",
    EVENTS_ATTENDED="Events attended.",
    YEARS_SINCE_FIRST_ORDER="Years since the first order (0 = any buyer).",
    KOC_ROLE="Holding a KOC role while an active KOC.",
)
AwardSource = enum_type(
    models.AwardSource,
    "Who gave a badge.",
    RULE="An automatic rule.",
    STAFF="A staff member.",
)
AwardAction = enum_type(
    models.AwardAction,
    "What happened to a holding.",
    AWARD="The badge was awarded (or given back).",
    REVOKE="The badge was revoked.",
)
BadgeVerifyResultEnum = enum_type(
    BadgeVerifyResult,
    "What a badge QR token proves.",
    name="BadgeVerifyResult",
    VALID="Genuine, and the member holds the badge.",
    INVALID="Forged or malformed.",
    EXPIRED="Genuine but too old: ask for a fresh QR.",
    REVOKED="Genuine, but the badge is no longer held.",
)
BadgeError = error_type("BadgeError", BadgeErrorCode, "A problem with a badge change.")


def _may_see_hidden(info: Info) -> bool:
    viewer = info.context.viewer
    return is_staff(viewer) or is_partner_with(viewer, PartnerScope.BADGES_VERIFY)


@strawberry.type(
    description="A badge (勋章): one level of a badge family, earned by a rule or from staff."
)
class Badge(relay.Node):
    id: relay.NodeID[int]
    code: str = strawberry.field(description="Stable code, e.g. AMBASSADOR_GOLD.")
    family: str = strawberry.field(description="The family the levels belong to, e.g. Ambassador.")
    level: int = strawberry.field(description="Level within the family, 1 the first.")
    name: str = strawberry.field(description="Display name.")
    description: str = strawberry.field(description="What the badge honours.")
    image_url: str = strawberry.field(description="Image URL, empty when none.")
    visible: bool = strawberry.field(
        description="Members see it (and their progress) before earning it; hidden badges "
        "appear only once held."
    )
    rule: BadgeRule = strawberry.field(description="How it is earned.")  # type: ignore[valid-type]
    threshold: int = strawberry.field(description="The count (or years) the rule needs.")
    koc_role: str = strawberry.field(
        description="KOC_ROLE rule: the role needed, empty for any role."
    )
    active: bool = strawberry.field(description="False once retired: no new awards.")
    created_at: datetime = strawberry.field(description="When it was defined (UTC).")

    @classmethod
    def from_model(cls, b: models.Badge) -> Badge:
        return cls(
            id=b.id,
            code=b.code,
            family=b.family,
            level=b.level,
            name=b.name,
            description=b.description,
            image_url=b.image_url,
            visible=b.visible,
            rule=b.rule,
            threshold=b.threshold,
            koc_role=b.koc_role,
            active=b.active,
            created_at=b.created_at,
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Badge | None]:
        rows = await loader(info, dl.load_badges).load_many([int(i) for i in node_ids])
        if not _may_see_hidden(info) and any(r and not r.visible for r in rows):
            viewer = info.context.viewer
            if not isinstance(viewer, MemberViewer):
                raise forbidden()
            held = {h.badge_id for h in await loader(info, dl.load_holdings).load(viewer.member_id)}
            if any(r and not r.visible and r.id not in held for r in rows):
                raise forbidden()
        return [cls.from_model(r) if r else None for r in rows]


async def _badge(info: Info, badge_id: int) -> Badge:
    return Badge.from_model(await loader(info, dl.load_badges).load(badge_id))


@strawberry.type(description="QR content proving a member holds a badge, checked by badgeVerify.")
class BadgeToken:
    token: str = strawberry.field(description="The signed token to put in the QR code.")
    expires_at: datetime = strawberry.field(description="When it stops verifying (UTC).")


@strawberry.type(description="A badge held (or once held) by a member.")
class BadgeAward:
    source: AwardSource = strawberry.field(description="A rule or a staff member.")  # type: ignore[valid-type]
    reason: str = strawberry.field(description="The rule, or the staff member's reason.")
    awarded_at: datetime = strawberry.field(description="When it was (last) awarded (UTC).")
    revoked_at: datetime | None = strawberry.field(
        description="When staff revoked it, null while held."
    )
    member_id: strawberry.Private[int]
    badge_id: strawberry.Private[int]
    staff_id: strawberry.Private[int | None]

    @classmethod
    def from_model(cls, h: models.BadgeHolding) -> BadgeAward:
        return cls(
            source=h.source,
            reason=h.reason,
            awarded_at=h.awarded_at,
            revoked_at=h.revoked_at,
            member_id=h.member_id,
            badge_id=h.badge_id,
            staff_id=h.staff_id,
        )

    @strawberry.field(description="The badge.")
    async def badge(self, info: Info) -> Badge:
        return await _badge(info, self.badge_id)

    @strawberry.field(description="Username of the staff member who awarded it (staff only).")
    async def awarded_by(self, info: Info) -> str | None:
        if self.staff_id is None or not is_staff(info.context.viewer):
            return None
        return await loader(info, load_staff_names).load(self.staff_id)

    @strawberry.field(
        description="A fresh signed QR token for an event check-in app (badgeVerify). Only the "
        "member themselves receive it, and only while the badge is held."
    )
    def qr_token(self, info: Info) -> BadgeToken | None:
        viewer = info.context.viewer
        if not isinstance(viewer, MemberViewer) or viewer.member_id != self.member_id:
            return None
        if self.revoked_at is not None:
            return None
        settings = info.context.settings
        token, expires_at = token_for(
            settings.jwt_secret, settings.badge_token_ttl_seconds, self.member_id, self.badge_id
        )
        return BadgeToken(token=token, expires_at=expires_at)


@strawberry.type(description="How far a member is toward a visible badge not yet earned.")
class BadgeProgress:
    current: int = strawberry.field(description="Where the member is, e.g. 3 (referrals).")
    target: int = strawberry.field(description="What the badge needs, e.g. 5.")
    badge_id: strawberry.Private[int]

    @strawberry.field(description="The badge.")
    async def badge(self, info: Info) -> Badge:
        return await _badge(info, self.badge_id)


@strawberry.type(description="An award or revocation in a member's badge history.")
class BadgeAwardEvent:
    action: AwardAction = strawberry.field(description="AWARD or REVOKE.")  # type: ignore[valid-type]
    source: AwardSource = strawberry.field(description="A rule or a staff member.")  # type: ignore[valid-type]
    reason: str = strawberry.field(description="The rule, or the staff member's reason.")
    at: datetime = strawberry.field(description="When (UTC).")
    badge_id: strawberry.Private[int]
    staff_id: strawberry.Private[int | None]

    @strawberry.field(description="The badge.")
    async def badge(self, info: Info) -> Badge:
        return await _badge(info, self.badge_id)

    @strawberry.field(description="Username of the staff member, null for a rule.")
    async def by(self, info: Info) -> str | None:
        if self.staff_id is None:
            return None
        return await loader(info, load_staff_names).load(self.staff_id)


@strawberry.type(description="What an event check-in app learns from a badge QR.")
class BadgeVerification:
    result: BadgeVerifyResultEnum = strawberry.field(description="The verdict.")  # type: ignore[valid-type]
    valid: bool = strawberry.field(description="True only for VALID.")
    badge: Badge | None = strawberry.field(description="The badge, when the token is genuine.")
    member_id: relay.GlobalID | None = strawberry.field(
        description="The holder's Member ID, when VALID."
    )
    member_nickname: str | None = strawberry.field(
        description="The holder's nickname, to greet them, when VALID."
    )
    awarded_at: datetime | None = strawberry.field(description="When it was awarded, when VALID.")
    expires_at: datetime | None = strawberry.field(
        description="When this token stops verifying, when genuine."
    )

    @classmethod
    def from_result(cls, v: Verification) -> BadgeVerification:
        valid = v.result is BadgeVerifyResult.VALID
        return cls(
            result=v.result,
            valid=valid,
            badge=Badge.from_model(v.badge) if v.badge else None,
            member_id=relay.GlobalID("Member", str(v.member.id)) if valid and v.member else None,
            member_nickname=v.member.nickname if valid and v.member else None,
            awarded_at=v.holding.awarded_at if valid and v.holding else None,
            expires_at=v.expires_at,
        )
