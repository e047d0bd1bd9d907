"""Pure privilege logic: quota periods, grant expiry."""

from datetime import UTC, datetime, timedelta

from koc.privileges.models import QuotaPeriod
from koc.privileges.rules import grant_expiry, period_key

NOW = datetime(2025, 3, 9, 12, tzinfo=UTC)


def test_quota_periods_are_calendar_buckets():
    assert period_key(QuotaPeriod.YEAR, NOW) == "2025"
    assert period_key(QuotaPeriod.MONTH, NOW) == "2025-03"
    assert period_key(QuotaPeriod.LIFETIME, NOW) == "all"


def test_a_grant_expires_after_its_days_but_never_after_the_window():
    ends = NOW + timedelta(days=10)
    assert grant_expiry(NOW, None, None) is None
    assert grant_expiry(NOW, ends, None) == ends
    assert grant_expiry(NOW, None, 30) == NOW + timedelta(days=30)
    assert grant_expiry(NOW, ends, 30) == ends
    assert grant_expiry(NOW, ends, 3) == NOW + timedelta(days=3)
