"""Consent and policies for tests, through the services the API uses."""

from __future__ import annotations

from koc.consent import services as consent
from koc.consent.models import PrivacyPolicy, Purpose


async def policy(version: str = "2026-01", reconsent_required: bool = False) -> PrivacyPolicy:
    """The current policy, published when there is none (or when ``version`` is new)."""
    found = await PrivacyPolicy.get_or_none(version=version)
    return found or await PrivacyPolicy.create(
        version=version,
        url=f"https://brand.example/privacy/{version}",
        reconsent_required=reconsent_required,
    )


async def decide(member_id: int, purpose: Purpose, granted: bool = True) -> None:
    current = await consent.current_policy() or await policy()
    await consent.decide(member_id, current.id, [(purpose, granted)])
