"""Batch loaders of the privacy feature: one statement per kind of lookup per request."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from koc.consent import models as consent_models
from koc.consent import services as consent
from koc.consent.models import Purpose
from koc.graphql.loaders import by_key, group_by_key
from koc.privacy import models
from koc.privacy.access import record_reads


async def load_policies(ids: Sequence[int]) -> list[consent_models.PrivacyPolicy | None]:
    return by_key(await consent_models.PrivacyPolicy.filter(id__in=list(ids)), ids, lambda p: p.id)


async def load_erasure_requests(ids: Sequence[int]) -> list[models.ErasureRequest | None]:
    return by_key(await models.ErasureRequest.filter(id__in=list(ids)), ids, lambda r: r.id)


async def load_access_records(ids: Sequence[int]) -> list[models.AccessRecord | None]:
    return by_key(await models.AccessRecord.filter(id__in=list(ids)), ids, lambda r: r.id)


async def load_consent_states(member_ids: Sequence[int]) -> list[list[consent.ConsentState]]:
    return await consent.consent_states(member_ids)


async def load_decisions(member_ids: Sequence[int]) -> list[list[consent_models.ConsentDecision]]:
    rows = await consent_models.ConsentDecision.filter(member_id__in=list(member_ids)).order_by(
        "id"
    )
    return group_by_key(rows, member_ids, lambda d: d.member_id)


async def load_latest_erasure(member_ids: Sequence[int]) -> list[models.ErasureRequest | None]:
    rows = await models.ErasureRequest.filter(member_id__in=list(member_ids)).order_by("id")
    return by_key(rows, member_ids, lambda r: r.member_id)  # the last one of each wins


async def load_sharing(member_ids: Sequence[int]) -> list[bool]:
    """Whether each member lets koc give their personal data to partner apps."""
    shared = await consent.may_process(member_ids, Purpose.SHARING)
    return [m in shared for m in member_ids]


async def record_unmasked_reads(reads: Sequence[Any]) -> list[bool]:
    """Record the request's reads of unmasked data, (reader, member id, field, reason) each,
    in one statement."""
    await record_reads(reads)
    return [True] * len(reads)
