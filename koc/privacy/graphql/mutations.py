"""Mutations of the privacy feature: members decide and ask; admins publish, export and erase."""

from __future__ import annotations

import strawberry
from strawberry import relay
from strawberry.scalars import JSON

from koc.auth.viewer import MemberViewer, StaffViewer
from koc.consent import services as consent
from koc.graphql.context import Info
from koc.graphql.ids import decode_id
from koc.graphql.mutations import Payload, mutation
from koc.graphql.permissions import IsAdmin, IsMember
from koc.privacy import erasure
from koc.privacy.export import export_for_staff
from koc.privacy.graphql.types import (
    Consent,
    ErasureRequest,
    PrivacyError,
    PrivacyPolicy,
    Purpose,
)


@strawberry.input(description="A new version of the brand's privacy policy.")
class PrivacyPolicyPublishInput:
    version: str = strawberry.field(description="Version label, 1-32 characters, unique.")
    url: str = strawberry.field(description="http(s) address of the full text.")
    summary: str = strawberry.field(default="", description="What changed (max 4000).")
    reconsent_required: bool = strawberry.field(
        default=False,
        description="The purposes or the use of data changed: grants under earlier versions "
        "stop counting until members grant again.",
    )


@strawberry.input(description="Accept or withdraw one purpose.")
class ConsentDecisionInput:
    purpose: Purpose = strawberry.field(description="The purpose.")  # type: ignore[valid-type]
    granted: bool = strawberry.field(description="True to accept, false to withdraw.")


@strawberry.input(description="The member's decisions under the policy they were shown.")
class MeConsentSetInput:
    policy_id: relay.GlobalID = strawberry.field(
        description="The PrivacyPolicy shown to the member: it must be the current one."
    )
    decisions: list[ConsentDecisionInput] = strawberry.field(
        description="One decision per purpose decided now; others stay as they are."
    )


@strawberry.input(description="A member and why staff act on them.")
class MemberRequestInput:
    member_id: relay.GlobalID = strawberry.field(description="The Member.")
    reason: str = strawberry.field(
        description="Why, e.g. the member's ticket number (4-200 characters); audited."
    )


@strawberry.type(description="Result of privacyPolicyPublish.")
class PrivacyPolicyPayload(Payload[PrivacyError]):
    policy: PrivacyPolicy | None = strawberry.field(default=None, description="The new version.")


@strawberry.type(description="Result of meConsentSet.")
class MeConsentSetPayload(Payload[PrivacyError]):
    consents: list[Consent] = strawberry.field(
        default_factory=list, description="Where the member now stands on every purpose."
    )


@strawberry.type(description="Result of meErasureRequest, meErasureCancel and memberErase.")
class ErasureRequestPayload(Payload[PrivacyError]):
    erasure_request: ErasureRequest | None = strawberry.field(
        default=None, description="The request."
    )


@strawberry.type(description="Result of memberDataExport.")
class MemberDataExportPayload(Payload[PrivacyError]):
    data: JSON | None = strawberry.field(
        default=None, description="Everything koc holds about the member (as meDataExport)."
    )


@strawberry.type
class Mutation:
    @mutation(
        allow=IsAdmin,
        description="Publish a new version of the privacy policy; members are asked to decide "
        "again under it.",
    )
    async def privacy_policy_publish(
        self, viewer: StaffViewer, input: PrivacyPolicyPublishInput
    ) -> PrivacyPolicyPayload:
        policy = await consent.publish_policy(
            input.version, input.url, input.summary, input.reconsent_required, actor=viewer
        )
        return PrivacyPolicyPayload(policy=PrivacyPolicy.from_model(policy))

    @mutation(
        allow=IsMember,
        description="Accept or withdraw purposes under the current privacy policy; each "
        "decision is recorded with the policy version, time and channel.",
    )
    async def me_consent_set(
        self, viewer: MemberViewer, input: MeConsentSetInput
    ) -> MeConsentSetPayload:
        policy_id = decode_id(input.policy_id, "PrivacyPolicy", "policyId")
        decisions = [(d.purpose, d.granted) for d in input.decisions]
        states = await consent.decide(viewer.member_id, policy_id, decisions)
        return MeConsentSetPayload(consents=[Consent.of(s) for s in states])

    @mutation(
        allow=IsMember,
        description="Ask to be erased. It happens after the cooling-off period "
        "(KOC_PRIVACY_ERASURE_COOLING_OFF_DAYS); until then meErasureCancel stops it.",
    )
    async def me_erasure_request(self, info: Info, viewer: MemberViewer) -> ErasureRequestPayload:
        days = info.context.settings.privacy_erasure_cooling_off_days
        request = await erasure.request_erasure(viewer.member_id, days)
        return ErasureRequestPayload(erasure_request=ErasureRequest.from_model(request))

    @mutation(allow=IsMember, description="Cancel a pending erasure request.")
    async def me_erasure_cancel(self, viewer: MemberViewer) -> ErasureRequestPayload:
        request = await erasure.cancel_erasure(viewer.member_id)
        return ErasureRequestPayload(erasure_request=ErasureRequest.from_model(request))

    @mutation(
        allow=IsAdmin,
        description="Erase a member now, on their request (ADMIN, audited with the reason).",
    )
    async def member_erase(
        self, viewer: StaffViewer, input: MemberRequestInput
    ) -> ErasureRequestPayload:
        member_id = decode_id(input.member_id, "Member", "memberId")
        request = await erasure.erase_now(member_id, input.reason, actor=viewer)
        return ErasureRequestPayload(erasure_request=ErasureRequest.from_model(request))

    @mutation(
        allow=IsAdmin,
        description="Produce a member's data export on their request (ADMIN; recorded as an "
        "access and audited with the reason).",
    )
    async def member_data_export(
        self, viewer: StaffViewer, input: MemberRequestInput
    ) -> MemberDataExportPayload:
        member_id = decode_id(input.member_id, "Member", "memberId")
        data = await export_for_staff(member_id, input.reason, actor=viewer)
        return MemberDataExportPayload(data=data)
