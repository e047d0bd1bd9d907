"""Privacy fields of the Member type: consents, the erasure request, and the unmasked phone and
unionid (each read recorded)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry

from koc.auth.models import PartnerScope, StaffRole
from koc.auth.viewer import PartnerViewer, StaffViewer
from koc.errors import DomainError
from koc.graphql.context import Info
from koc.graphql.errors import bad_input
from koc.graphql.loaders import loader
from koc.graphql.permissions import allow, forbidden
from koc.graphql.prefetch import load_all, primed
from koc.privacy.graphql import dataloaders as dl
from koc.privacy.graphql.sharing import shares_with_partners
from koc.privacy.graphql.types import Consent, ConsentDecision, ErasureRequest, staff_or_own
from koc.privacy.models import AccessField
from koc.privacy.reasons import clean_reason

if TYPE_CHECKING:
    from koc.members.models import Member

# Who may read a phone or unionid whole: staff who contact members, and partner apps that read
# members (when the member shares with partners). Analysts work on aggregates.
CanUnmask = allow(staff=StaffRole.OPERATOR, scope=PartnerScope.MEMBERS_READ, name="CanUnmask")

Reason = Annotated[
    str,
    strawberry.argument(description="Why you need it (4-200 characters); kept with the record."),
]


async def _unmasked(
    info: Info, member_id: int, value: str | None, field: AccessField, reason: str
) -> str | None:
    try:
        why = clean_reason(reason)
    except DomainError as exc:
        raise bad_input(exc) from exc
    if value is None or not await shares_with_partners(info, member_id):
        return None
    reader = info.context.viewer
    assert isinstance(reader, StaffViewer | PartnerViewer)  # CanUnmask admitted no one else
    await loader(info, dl.record_unmasked_reads).load((reader, member_id, field, why))
    return value


def _check(info: Info, member_id: int) -> None:
    if not staff_or_own(info, member_id):
        raise forbidden()


@strawberry.type
class PrivacyMemberFields:
    if TYPE_CHECKING:
        id: int  # the Member's database id, from the Member type
        profile: Member

    @strawberry.field(
        description="The phone in E.164, whole (OPERATOR and up, partners with members:read). "
        "Every read is recorded with who, when and the reason.",
        permission_classes=[CanUnmask],
    )
    async def phone_unmasked(self, info: Info, reason: Reason) -> str | None:
        return await _unmasked(info, self.id, self.profile.phone, AccessField.PHONE, reason)

    @strawberry.field(
        description="The WeChat unionid, whole (OPERATOR and up, partners with members:read). "
        "Every read is recorded with who, when and the reason.",
        permission_classes=[CanUnmask],
    )
    async def unionid_unmasked(self, info: Info, reason: Reason) -> str | None:
        return await _unmasked(info, self.id, self.profile.unionid, AccessField.UNIONID, reason)

    @strawberry.field(
        description="Where the member stands on each purpose under the current privacy policy "
        "(the member and staff).",
        metadata=primed(load_all(dl.load_consent_states)),
    )
    async def consents(self, info: Info) -> list[Consent]:
        _check(info, self.id)
        states = await loader(info, dl.load_consent_states).load(self.id)
        return [Consent.of(s) for s in states]

    @strawberry.field(
        description="Every consent decision, oldest first, with its policy version and channel "
        "(the member and staff).",
        metadata=primed(load_all(dl.load_decisions)),
    )
    async def consent_history(self, info: Info) -> list[ConsentDecision]:
        _check(info, self.id)
        rows = await loader(info, dl.load_decisions).load(self.id)
        return [ConsentDecision.from_model(d) for d in rows]

    @strawberry.field(
        description="The latest erasure request, null when none (the member and staff).",
        metadata=primed(load_all(dl.load_latest_erasure)),
    )
    async def erasure_request(self, info: Info) -> ErasureRequest | None:
        _check(info, self.id)
        row = await loader(info, dl.load_latest_erasure).load(self.id)
        return ErasureRequest.from_model(row) if row else None
