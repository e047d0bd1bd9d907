"""GraphQL types of privacy, consent's included (``koc.consent`` has no adapter of its own: the
API shows privacy as one surface with one error type, PrivacyError)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry import relay

from koc.auth.models import StaffRole
from koc.auth.viewer import MemberViewer, is_staff
from koc.consent import models as consent_models
from koc.consent.services import ConsentState
from koc.graphql.context import Info
from koc.graphql.enums import enum_type
from koc.graphql.errors import error_type
from koc.graphql.loaders import loader
from koc.graphql.permissions import forbidden
from koc.members.graphql import dataloaders as member_dl
from koc.members.graphql import types as member_types
from koc.privacy import models
from koc.privacy.errors import PrivacyErrorCode
from koc.privacy.graphql import dataloaders as dl

if TYPE_CHECKING:
    from koc.members.graphql.types import Member

LazyMember = Annotated["Member", strawberry.lazy("koc.members.graphql.types")]

Purpose = enum_type(
    consent_models.Purpose,
    "What a member's data may be used for beyond running their membership.",
    MARKETING="Marketing messages (subscribe messages, inbox campaigns); needs a grant.",
    PROFILING="KOC discovery scores, automatic tags and segments; allowed until withdrawn.",
    SHARING="Personal data to partner apps (reads, webhook payloads); needs a grant.",
)
ConsentChannel = enum_type(
    consent_models.ConsentChannel,
    "Where a consent decision was made.",
    MINI_PROGRAM="By the member, in the mini-program.",
    ERASURE="Every purpose withdrawn when the member was erased.",
)
ErasureStatus = enum_type(
    models.ErasureStatus,
    "Where an erasure request stands.",
    PENDING="Cooling off; the member may still cancel.",
    CANCELLED="Cancelled by the member; nothing was erased.",
    DONE="The member's personal data is erased.",
)
ErasureChannel = enum_type(
    models.ErasureChannel,
    "Who asked for an erasure.",
    MEMBER="The member, in the mini-program.",
    STAFF="An admin, on the member's request.",
    RETENTION="The retention job: a prospect kept past the retention period.",
)
AccessField = enum_type(
    models.AccessField,
    "What an access record says was read.",
    PHONE="The unmasked phone number.",
    UNIONID="The unmasked WeChat unionid.",
    DATA_EXPORT="A full export of the member's data.",
)
PrivacyError = error_type("PrivacyError", PrivacyErrorCode, "A problem with a privacy request.")


async def _member(info: Info, member_id: int) -> Member:
    return member_types.Member.from_model(
        await loader(info, member_dl.load_members).load(member_id)
    )


@strawberry.type(description="A published version of the brand's privacy policy.")
class PrivacyPolicy(relay.Node):
    id: relay.NodeID[int]
    version: str = strawberry.field(description="The brand's version label, e.g. 2026-06.")
    url: str = strawberry.field(description="Where the full text is published.")
    summary: str = strawberry.field(description="What changed, in a few sentences.")
    reconsent_required: bool = strawberry.field(
        description="Grants under earlier versions no longer count: members must grant again."
    )
    published_at: datetime = strawberry.field(description="When it was published (UTC).")

    @classmethod
    def from_model(cls, p: consent_models.PrivacyPolicy) -> PrivacyPolicy:
        return cls(
            id=p.id,
            version=p.version,
            url=p.url,
            summary=p.summary,
            reconsent_required=p.reconsent_required,
            published_at=p.published_at,
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[PrivacyPolicy | None]:
        rows = await loader(info, dl.load_policies).load_many([int(i) for i in node_ids])
        return [cls.from_model(r) if r else None for r in rows]


@strawberry.type(description="A member's decision on one purpose.")
class ConsentDecision:
    purpose: Purpose = strawberry.field(description="The purpose.")  # type: ignore[valid-type]
    granted: bool = strawberry.field(description="Accepted (true) or withdrawn (false).")
    channel: ConsentChannel = strawberry.field(description="Where it was made.")  # type: ignore[valid-type]
    decided_at: datetime = strawberry.field(description="When (UTC).")
    policy_id: strawberry.Private[int | None]

    @classmethod
    def from_model(cls, d: consent_models.ConsentDecision) -> ConsentDecision:
        return cls(
            purpose=d.purpose,
            granted=d.granted,
            channel=d.channel,
            decided_at=d.decided_at,
            policy_id=d.policy_id,
        )

    @strawberry.field(description="The policy version the member decided under.")
    async def policy(self, info: Info) -> PrivacyPolicy | None:
        if self.policy_id is None:
            return None
        return PrivacyPolicy.from_model(await loader(info, dl.load_policies).load(self.policy_id))


@strawberry.type(description="Where a member stands on one purpose, and whether to ask them.")
class Consent:
    purpose: Purpose = strawberry.field(description="The purpose.")  # type: ignore[valid-type]
    granted: bool = strawberry.field(
        description="What koc does now: true when the member's data may be used for it (their "
        "grant, or the purpose's default when they have not decided)."
    )
    needs_decision: bool = strawberry.field(
        description="The member has not decided under the current policy: ask them."
    )
    decision: ConsentDecision | None = strawberry.field(
        description="Their latest decision, null when they never decided."
    )

    @classmethod
    def of(cls, state: ConsentState) -> Consent:
        return cls(
            purpose=state.purpose,
            granted=state.granted,
            needs_decision=state.needs_decision,
            decision=ConsentDecision.from_model(state.decision) if state.decision else None,
        )


def staff_or_own(info: Info, member_id: int) -> bool:
    viewer = info.context.viewer
    return is_staff(viewer) or (isinstance(viewer, MemberViewer) and viewer.member_id == member_id)


@strawberry.type(description="A request to erase a member, and what became of it.")
class ErasureRequest(relay.Node):
    id: relay.NodeID[int]
    status: ErasureStatus = strawberry.field(description="Where it stands.")  # type: ignore[valid-type]
    channel: ErasureChannel = strawberry.field(description="Who asked.")  # type: ignore[valid-type]
    requested_at: datetime = strawberry.field(description="When it was asked (UTC).")
    due_at: datetime = strawberry.field(
        description="When the cooling-off period ends and the member is erased (UTC)."
    )
    cancelled_at: datetime | None = strawberry.field(description="When the member cancelled.")
    erased_at: datetime | None = strawberry.field(description="When the member was erased.")
    member_id: strawberry.Private[int]
    staff_reason: strawberry.Private[str]

    @classmethod
    def from_model(cls, r: models.ErasureRequest) -> ErasureRequest:
        return cls(
            id=r.id,
            status=r.status,
            channel=r.channel,
            requested_at=r.requested_at,
            due_at=r.due_at,
            cancelled_at=r.cancelled_at,
            erased_at=r.erased_at,
            member_id=r.member_id,
            staff_reason=r.reason,
        )

    @strawberry.field(description="The admin's reason for an erasure by staff (staff only).")
    def reason(self, info: Info) -> str | None:
        return self.staff_reason if is_staff(info.context.viewer) else None

    @strawberry.field(description="The member (an emptied profile once erased).")
    async def member(self, info: Info) -> LazyMember:
        return await _member(info, self.member_id)

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[ErasureRequest | None]:
        rows = await loader(info, dl.load_erasure_requests).load_many([int(i) for i in node_ids])
        if any(r and not staff_or_own(info, r.member_id) for r in rows):
            raise forbidden()
        return [cls.from_model(r) if r else None for r in rows]


@strawberry.type(
    description="One read of a member's unmasked phone or unionid, or an export of their data."
)
class AccessRecord(relay.Node):
    id: relay.NodeID[int]
    field: AccessField = strawberry.field(description="What was read.")  # type: ignore[valid-type]
    reason: str = strawberry.field(description="Why, in the reader's words.")
    actor: str = strawberry.field(description="The staff username or partner app name.")
    by_partner: bool = strawberry.field(description="Read by a partner app rather than staff.")
    at: datetime = strawberry.field(description="When (UTC).")
    member_id: strawberry.Private[int]

    @classmethod
    def from_model(cls, r: models.AccessRecord) -> AccessRecord:
        return cls(
            id=r.id,
            field=r.field,
            reason=r.reason,
            actor=r.actor,
            by_partner=r.partner_id is not None,
            at=r.created_at,
            member_id=r.member_id,
        )

    @strawberry.field(description="Whose data was read.")
    async def member(self, info: Info) -> LazyMember:
        return await _member(info, self.member_id)

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[AccessRecord | None]:
        if not is_staff(info.context.viewer, StaffRole.ADMIN):
            raise forbidden()
        rows = await loader(info, dl.load_access_records).load_many([int(i) for i in node_ids])
        return [cls.from_model(r) if r else None for r in rows]
