"""Pure lifecycle rules: transitions, cooldown, certificate numbers, roles and links."""

from datetime import UTC, datetime

import pytest

from koc.creators.models import KocRole, KocStatus
from koc.creators.rules import (
    can_transition,
    certificate_number,
    is_url,
    reapply_at,
    unique_roles,
)


@pytest.mark.parametrize(
    ("current", "target", "allowed"),
    [
        (KocStatus.CANDIDATE, KocStatus.ACTIVE, True),
        (KocStatus.CANDIDATE, KocStatus.PAUSED, False),
        (KocStatus.ACTIVE, KocStatus.PAUSED, True),
        (KocStatus.ACTIVE, KocStatus.RETIRED, True),
        (KocStatus.ACTIVE, KocStatus.CANDIDATE, False),
        (KocStatus.PAUSED, KocStatus.ACTIVE, True),
        (KocStatus.PAUSED, KocStatus.RETIRED, True),
        (KocStatus.RETIRED, KocStatus.ACTIVE, True),
        (KocStatus.RETIRED, KocStatus.PAUSED, False),
        (KocStatus.ACTIVE, KocStatus.ACTIVE, False),
    ],
)
def test_status_transitions(current, target, allowed):
    assert can_transition(current, target) is allowed


def test_certificate_numbers_are_year_and_six_digits():
    assert certificate_number(2026, 123) == "KOC-2026-000123"
    assert certificate_number(2027, 1_234_567) == "KOC-2027-1234567"


def test_a_rejected_member_may_reapply_after_the_cooldown():
    rejected = datetime(2026, 1, 31, 12, tzinfo=UTC)
    assert reapply_at(rejected, 30) == datetime(2026, 3, 2, 12, tzinfo=UTC)
    assert reapply_at(rejected, 0) == rejected


def test_roles_are_deduplicated_in_canonical_order():
    roles = [KocRole.CO_CREATION, KocRole.CONTENT, KocRole.CO_CREATION]
    assert unique_roles(roles) == [KocRole.CONTENT, KocRole.CO_CREATION]


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("https://weibo.com/123", True),
        ("http://example.com/a?b=c", True),
        ("ftp://example.com", False),
        ("javascript:alert(1)", False),
        ("https://", False),
        ("https://exa mple.com", False),
        ("https://example.com/" + "a" * 500, False),
    ],
)
def test_links_must_be_http_urls(value, ok):
    assert is_url(value) is ok
