"""Security settings refuse combinations that could never work."""

import pytest
from pydantic import ValidationError

from koc.settings import Settings, TrustedDocumentsMode


def test_defaults() -> None:
    settings = Settings(_env_file=None)
    assert settings.max_query_cost == 50_000
    assert settings.execution_timeout_seconds == 5.0
    assert settings.trusted_documents is TrustedDocumentsMode.ALLOWED
    assert settings.rate_limit_capacity >= settings.max_query_cost
    assert settings.redis_url is None


def test_a_bucket_smaller_than_the_largest_allowed_query_is_refused() -> None:
    # such a query could never run, whatever the caller waited
    with pytest.raises(ValidationError, match="KOC_RATE_LIMIT_CAPACITY must be at least"):
        Settings(max_query_cost=1_000, rate_limit_capacity=999)


def test_unknown_trusted_documents_mode_is_refused() -> None:
    with pytest.raises(ValidationError):
        Settings(trusted_documents="sometimes")
