"""Queries of the privacy feature."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry import relay
from strawberry.scalars import JSON

from koc.auth.viewer import MemberViewer
from koc.consent import models as consent_models
from koc.consent import services as consent
from koc.graphql.ids import decode_id
from koc.graphql.mutations import Public, query
from koc.graphql.permissions import IsAdmin, IsAnalyst, IsMember
from koc.graphql.relay import After, Connection, First, paginate
from koc.privacy import models
from koc.privacy.export import export_member
from koc.privacy.graphql.types import AccessRecord, ErasureRequest, ErasureStatus, PrivacyPolicy


@strawberry.type
class Query:
    @query(
        allow=Public,
        description="The current privacy policy (anyone: the mini-program shows it before the "
        "member signs in), null before the brand publishes one.",
    )
    async def privacy_policy(self) -> PrivacyPolicy | None:
        policy = await consent.current_policy()
        return PrivacyPolicy.from_model(policy) if policy else None

    @query(allow=IsAnalyst, description="Every published policy version, newest first (ANALYST).")
    async def privacy_policies(
        self, first: First = None, after: After = None
    ) -> Connection[PrivacyPolicy]:
        return await paginate(
            consent_models.PrivacyPolicy.all(),
            first=first,
            after=after,
            to_node=PrivacyPolicy.from_model,
        )

    @query(
        allow=IsMember,
        description="Everything koc holds about the signed-in member, as one JSON document: "
        "profile, identities, tags, stage history, orders, events, KOC records, badges, "
        "privileges, referrals, points, survey answers, consents and access records.",
    )
    async def me_data_export(self, viewer: MemberViewer) -> JSON:
        return await export_member(viewer.member_id)

    @query(
        allow=IsAdmin,
        description="Reads of unmasked phones and unionids and data exports, newest first (ADMIN).",
    )
    async def access_records(
        self,
        member_id: Annotated[
            relay.GlobalID | None, strawberry.argument(description="Only this member's.")
        ] = None,
        since: Annotated[
            datetime | None, strawberry.argument(description="Only reads at or after this time.")
        ] = None,
        first: First = None,
        after: After = None,
    ) -> Connection[AccessRecord]:
        qs = models.AccessRecord.all()
        if member_id is not None:
            qs = qs.filter(member_id=decode_id(member_id, "Member", "memberId"))
        if since is not None:
            qs = qs.filter(created_at__gte=since)
        return await paginate(qs, first=first, after=after, to_node=AccessRecord.from_model)

    @query(allow=IsAdmin, description="Erasure requests, newest first (ADMIN).")
    async def erasure_requests(
        self,
        status: Annotated[
            ErasureStatus | None,  # type: ignore[valid-type]
            strawberry.argument(description="Only this status (PENDING: still cooling off)."),
        ] = None,
        first: First = None,
        after: After = None,
    ) -> Connection[ErasureRequest]:
        qs = models.ErasureRequest.all()
        if status is not None:
            qs = qs.filter(status=status)
        return await paginate(qs, first=first, after=after, to_node=ErasureRequest.from_model)
