"""Settings come from KOC_* variables; production refuses default or short secrets."""

import pytest
from pydantic import ValidationError

from koc.settings import DEFAULT_JWT_SECRET, Settings, settings_problems


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


@pytest.mark.parametrize(
    "url", ["mysql://koc@db/koc", "postgresq://koc@db/koc", "./var/koc.sqlite3", ""]
)
def test_an_unknown_database_is_refused_naming_the_variable(monkeypatch, url):
    monkeypatch.setenv("KOC_DATABASE_URL", url)
    with pytest.raises(ValidationError) as refused:
        Settings()
    assert settings_problems(refused.value) == [
        "KOC_DATABASE_URL: use sqlite://PATH or postgres://USER:PASSWORD@HOST:5432/DB; no other "
        "database is supported"
    ]


def test_a_sqlite_file_in_a_missing_folder_is_refused(monkeypatch, tmp_path):
    # (a typo in the path must not start an empty database in a new folder)
    monkeypatch.setenv("KOC_DATABASE_URL", f"sqlite://{tmp_path}/typo/koc.sqlite3")
    with pytest.raises(ValidationError) as refused:
        Settings()
    assert settings_problems(refused.value) == [
        f"KOC_DATABASE_URL: the folder {tmp_path}/typo does not exist: create it or fix the path"
    ]
    # (the control: in a folder that exists, with parameters)
    monkeypatch.setenv("KOC_DATABASE_URL", f"sqlite://{tmp_path}/koc.sqlite3?busy_timeout=100")
    assert Settings().database_url.endswith("?busy_timeout=100")
