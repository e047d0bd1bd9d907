"""Batch functions behind the creators feature's DataLoaders (one SQL statement each)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, NamedTuple

from koc.creators import rules, signals
from koc.creators.models import (
    CampaignParticipant,
    CampaignSubmission,
    KocApplication,
    KocCampaign,
    KocChange,
    KocProfile,
    KocRole,
    KocRoleGrant,
    KocStatus,
    MemberSignals,
)
from koc.creators.scoring import Signal, SignalWeight
from koc.graphql.loaders import by_key, group_by_key
from koc.rows import RowsByKey


class ProfileRow(NamedTuple):
    """What the KocProfile type reads of a profile."""

    id: int
    status: KocStatus
    status_changed_at: datetime
    activated_at: datetime | None
    certificate_number: str | None
    certificate_issued_at: datetime | None
    member_id: int


class RoleGrantRow(NamedTuple):
    member_id: int
    role: KocRole


PROFILES = RowsByKey(KocProfile, ProfileRow, "member_id")
ROLE_GRANTS = RowsByKey(KocRoleGrant, RoleGrantRow, "member_id")


async def load_profiles(member_ids: Sequence[int]) -> list[ProfileRow | None]:
    return by_key(await PROFILES.fetch(member_ids), member_ids, lambda p: p.member_id)


async def load_profiles_by_id(ids: Sequence[int]) -> list[KocProfile | None]:
    return by_key(await KocProfile.filter(id__in=list(ids)), ids, lambda p: p.id)


async def load_roles(member_ids: Sequence[int]) -> list[list[KocRole]]:
    grouped = group_by_key(await ROLE_GRANTS.fetch(member_ids), member_ids, lambda g: g.member_id)
    return [rules.unique_roles(KocRole(g.role) for g in group) for group in grouped]


async def load_changes(member_ids: Sequence[int]) -> list[list[KocChange]]:
    rows = await KocChange.filter(member_id__in=list(member_ids)).order_by("id")
    return group_by_key(rows, member_ids, lambda c: c.member_id)


async def load_signals(member_ids: Sequence[int]) -> list[MemberSignals | None]:
    rows = await MemberSignals.filter(member_id__in=list(member_ids))
    return by_key(rows, member_ids, lambda s: s.member_id)


async def load_weights(keys: Sequence[Any]) -> list[dict[Signal, SignalWeight]]:
    weights = await signals.load_weights()
    return [weights for _ in keys]


async def load_applications(ids: Sequence[int]) -> list[KocApplication | None]:
    return by_key(await KocApplication.filter(id__in=list(ids)), ids, lambda a: a.id)


async def load_latest_applications(member_ids: Sequence[int]) -> list[KocApplication | None]:
    rows = await KocApplication.filter(member_id__in=list(member_ids)).order_by("id")
    # Later rows overwrite earlier ones: the newest application per member remains.
    return by_key(rows, member_ids, lambda a: a.member_id)


async def load_campaigns(ids: Sequence[int]) -> list[KocCampaign | None]:
    return by_key(await KocCampaign.filter(id__in=list(ids)), ids, lambda c: c.id)


async def load_participations(member_ids: Sequence[int]) -> list[list[CampaignParticipant]]:
    rows = await CampaignParticipant.filter(member_id__in=list(member_ids)).order_by("-id")
    return group_by_key(rows, member_ids, lambda p: p.member_id)


def _pairs(keys: Sequence[tuple[int, int]]) -> tuple[list[int], list[int]]:
    return list({k[0] for k in keys}), list({k[1] for k in keys})


async def load_participant(keys: Sequence[tuple[int, int]]) -> list[CampaignParticipant | None]:
    """Keys are (campaign_id, member_id)."""
    campaigns, members = _pairs(keys)
    rows = await CampaignParticipant.filter(campaign_id__in=campaigns, member_id__in=members)
    return by_key(rows, keys, lambda p: (p.campaign_id, p.member_id))


async def load_member_submissions(
    keys: Sequence[tuple[int, int]],
) -> list[list[CampaignSubmission]]:
    """Keys are (campaign_id, member_id): that member's submissions to that campaign."""
    campaigns, members = _pairs(keys)
    rows = await CampaignSubmission.filter(
        campaign_id__in=campaigns, member_id__in=members
    ).order_by("id")
    return group_by_key(rows, keys, lambda s: (s.campaign_id, s.member_id))


async def load_submissions(ids: Sequence[int]) -> list[CampaignSubmission | None]:
    return by_key(await CampaignSubmission.filter(id__in=list(ids)), ids, lambda s: s.id)
