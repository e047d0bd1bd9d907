"""Settings from the environment, prefix ``KOC_``.

Operators script against these names; keep them stable.
"""

from __future__ import annotations

from enum import StrEnum
from functools import lru_cache

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_JWT_SECRET = "dev-insecure-change-me"
MIN_SECRET_LENGTH = 32


class Environment(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


class Settings(BaseSettings):
    """All configuration of a koc process. Every field maps to ``KOC_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="KOC_", extra="ignore")

    env: Environment = Environment.DEVELOPMENT
    database_url: str = "sqlite://./var/koc.sqlite3"
    jwt_secret: str = DEFAULT_JWT_SECRET
    jwt_issuer: str = "koc"
    jwt_leeway_seconds: int = Field(default=10, ge=0, le=60)
    member_access_ttl_seconds: int = Field(default=900, ge=60, le=900)
    staff_access_ttl_seconds: int = Field(default=3600, ge=60, le=12 * 3600)
    refresh_ttl_seconds: int = Field(default=30 * 24 * 3600, ge=3600)
    wechat_appid: str = "wx-demo-appid"
    wechat_secret: str = "wx-demo-secret"
    wechat_api_base: str = "https://api.weixin.qq.com"
    wechat_timeout_seconds: float = Field(default=5.0, gt=0, le=30)
    graphiql: bool = True
    lifecycle_template: str = Field(default="retail", pattern="^(retail|automotive)$")

    @model_validator(mode="after")
    def _refuse_default_secrets(self) -> Settings:
        # A forgotten secret in production lets anyone mint staff tokens: refuse to start.
        weak = self.jwt_secret == DEFAULT_JWT_SECRET or len(self.jwt_secret) < MIN_SECRET_LENGTH
        if self.env is Environment.PRODUCTION and weak:
            raise ValueError(
                f"KOC_JWT_SECRET must be set to a random string of at least "
                f"{MIN_SECRET_LENGTH} characters when KOC_ENV=production"
            )
        return self

    @property
    def is_development(self) -> bool:
        return self.env is Environment.DEVELOPMENT


@lru_cache
def get_settings() -> Settings:
    return Settings()
