"""Notifications for tests: mappings, grants and identities as the services write them."""

from __future__ import annotations

from datetime import UTC, datetime

from koc.members.models import Member, MemberIdentity
from koc.notifications.delivery import DeliveryPolicy
from koc.notifications.models import (
    NotificationKind,
    SubscribeGrant,
    SubscribeResult,
    TemplateMapping,
)
from koc.settings import Settings
from tests.conftest import APPID, make_member

BADGE_TEMPLATE = "tpl-badge-earned"
SURVEY_TEMPLATE = "tpl-survey"
# 10:00 in Shanghai: outside quiet hours
MORNING = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)


async def badge_mapping(**changes: object) -> TemplateMapping:
    values = {
        "kind": NotificationKind.BADGE_EARNED,
        "template_id": BADGE_TEMPLATE,
        "page": "pages/badges/detail?id={badge_id}",
        "key_values": [
            {"key": "thing1", "value": "{badge_name}"},
            {"key": "time2", "value": "{earned_at}"},
        ],
        "updated_at": MORNING,
        **changes,
    }
    return await TemplateMapping.create(**values)


async def survey_mapping() -> TemplateMapping:
    return await TemplateMapping.create(
        kind=NotificationKind.SURVEY_INVITATION,
        template_id=SURVEY_TEMPLATE,
        page="pages/surveys/answer?id={survey_id}",
        key_values=[{"key": "thing1", "value": "{survey_title}"}],
        updated_at=MORNING,
    )


async def reachable_member(grants: int = 1, template_id: str = BADGE_TEMPLATE) -> Member:
    """A member signed in to the app (an openid) with ``grants`` unused grants."""
    member = await make_member()
    await MemberIdentity.create(member_id=member.id, appid=APPID, openid=f"openid-{member.id}")
    if grants:
        await SubscribeGrant.create(
            member_id=member.id,
            template_id=template_id,
            available=grants,
            accepted_total=grants,
            last_result=SubscribeResult.ACCEPT,
            updated_at=MORNING,
        )
    return member


def policy(settings: Settings, **changes: object) -> DeliveryPolicy:
    base = DeliveryPolicy.from_settings(settings)
    return DeliveryPolicy(**{**base.__dict__, **changes})
