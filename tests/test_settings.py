"""Settings come from KOC_* variables; production refuses default or short secrets."""

import pytest
from pydantic import ValidationError

from koc.settings import DEFAULT_JWT_SECRET, Settings


def test_development_defaults_work(monkeypatch):
    monkeypatch.delenv("KOC_ENV", raising=False)
    monkeypatch.delenv("KOC_JWT_SECRET", raising=False)
    settings = Settings()
    assert settings.is_development and settings.database_url.startswith("sqlite://./var/")


@pytest.mark.parametrize("secret", [DEFAULT_JWT_SECRET, "short-secret", ""])
def test_production_refuses_weak_secrets(monkeypatch, secret):
    monkeypatch.setenv("KOC_ENV", "production")
    monkeypatch.setenv("KOC_JWT_SECRET", secret)
    with pytest.raises(ValidationError, match="KOC_JWT_SECRET"):
        Settings()


def test_production_accepts_a_long_secret(monkeypatch):
    monkeypatch.setenv("KOC_ENV", "production")
    monkeypatch.setenv("KOC_JWT_SECRET", "k" * 40)
    monkeypatch.setenv("KOC_DATABASE_URL", "postgres://koc@db:5432/koc")
    settings = Settings()
    assert settings.database_url == "postgres://koc@db:5432/koc"


def test_member_access_tokens_live_at_most_15_minutes(monkeypatch):
    monkeypatch.setenv("KOC_MEMBER_ACCESS_TTL_SECONDS", "3600")
    with pytest.raises(ValidationError):
        Settings()
