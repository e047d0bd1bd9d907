"""Settings from the environment, prefix ``KOC_``.

Operators script against these names; keep them stable.
"""

from __future__ import annotations

from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_JWT_SECRET = "dev-insecure-change-me"
MIN_SECRET_LENGTH = 32
DEFAULT_DATABASE_URL = "sqlite://./var/koc.sqlite3"
DATABASE_SCHEMES = ("sqlite://", "postgres://", "postgresql://")


class Environment(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


class TrustedDocumentsMode(StrEnum):
    """Whether callers may send a registered document's hash instead of the document."""

    OFF = "off"  # hashes are not looked up; every request carries its document
    ALLOWED = "allowed"  # hashes are looked up; free-form documents are accepted too
    REQUIRED = "required"  # members and partners may only run registered documents


class LogFormat(StrEnum):
    AUTO = "auto"  # text in development, JSON in production
    JSON = "json"
    TEXT = "text"


# A list setting is written comma-separated: KOC_CORS_ALLOW_ORIGINS=https://a.example,https://b.example
CommaList = Annotated[list[str], NoDecode]


class Settings(BaseSettings):
    """All configuration of a koc process. Every field maps to ``KOC_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="KOC_", extra="ignore")

    env: Environment = Environment.DEVELOPMENT
    database_url: str = DEFAULT_DATABASE_URL
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
    badge_token_ttl_seconds: int = Field(default=24 * 3600, ge=60, le=30 * 24 * 3600)
    privilege_code_ttl_seconds: int = Field(default=300, ge=30, le=3600)
    # Query limits and rate limiting (see koc.security).
    max_query_cost: int = Field(default=50_000, ge=1)
    execution_timeout_seconds: float = Field(default=5.0, gt=0, le=300)
    # SQLite: worker processes of this koc process where whole reports run (koc.graphql.reportproc);
    # 0 runs them on this process's report thread instead. Started with the app; each is an idle
    # child of ~116 MB RSS.
    report_processes: int = Field(default=1, ge=0, le=8)
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    trusted_documents: TrustedDocumentsMode = TrustedDocumentsMode.ALLOWED
    rate_limit_capacity: int = Field(default=50_000, ge=1)
    rate_limit_refill_per_second: float = Field(default=500.0, gt=0)
    redis_url: str | None = None
    redis_key_prefix: str = "koc:ratelimit:"
    koc_reapply_cooldown_days: int = Field(default=30, ge=0, le=3650)
    # referrals: attribution window, reward hold, fraud thresholds
    referral_attribution_window_days: int = Field(default=180, ge=1, le=3650)
    referral_reward_hold_days: int = Field(default=14, ge=0, le=365)
    referral_burst_per_hour: int = Field(default=10, ge=1)
    referral_burst_per_day: int = Field(default=30, ge=1)
    referral_idle_referees: int = Field(default=10, ge=1)
    referral_idle_days: int = Field(default=30, ge=1)
    referral_risk_rank: int = Field(default=3, ge=0, le=4)
    # privacy: erasure cooling-off, retention of prospects and raw member events (koc.privacy)
    privacy_erasure_cooling_off_days: int = Field(default=15, ge=0, le=90)
    privacy_prospect_retention_days: int = Field(default=365, ge=30, le=3650)
    privacy_event_retention_days: int = Field(default=730, ge=30, le=3650)
    # webhooks (koc.webhooks): which targets deliveries may reach, and how long a receiver may take
    webhook_allow_private_targets: bool = False
    webhook_allow_http: bool = False
    webhook_connect_timeout_seconds: float = Field(default=5.0, gt=0, le=30)
    webhook_read_timeout_seconds: float = Field(default=10.0, gt=0, le=60)
    webhook_max_response_bytes: int = Field(default=4096, ge=0, le=65536)
    # live codes (koc.livecodes): the public URL printed in QR codes, scan flood limits, the
    # brand logo of QR images, the mini-program URL Link lifetime, and WeCom (contact ways and
    # their add-contact callback)
    public_base_url: str = Field(default="", pattern=r"^(https?://[^\s/?#]+(/[^\s?#]*)?)?$")
    livecode_scans_per_minute: int = Field(default=30, ge=1, le=10_000)
    brand_logo_path: Path | None = None
    livecode_url_link_days: int = Field(default=30, ge=1, le=30)
    wecom_corp_id: str = ""
    wecom_secret: str = ""
    wecom_api_base: str = "https://qyapi.weixin.qq.com"
    wecom_callback_token: str = ""
    wecom_encoding_aes_key: str = Field(default="", pattern="^([A-Za-z0-9]{43})?$")
    wecom_timeout_seconds: float = Field(default=5.0, gt=0, le=30)
    # advisory: a member with no follow-up for this many days goes back to the pool
    advisory_pool_days: int = Field(default=14, ge=1, le=365)
    # notifications: brand time zone, quiet hours (local, start == end: none), per-member cap
    notify_time_zone: str = "Asia/Shanghai"
    notify_quiet_start_hour: int = Field(default=22, ge=0, le=23)
    notify_quiet_end_hour: int = Field(default=8, ge=0, le=23)
    notify_daily_cap: int = Field(default=3, ge=1, le=100)
    notify_max_attempts: int = Field(default=5, ge=1, le=20)
    notify_send_concurrency: int = Field(default=16, ge=1, le=200)
    notify_privilege_expiring_days: int = Field(default=3, ge=1, le=60)
    wechat_miniprogram_state: str = Field(default="formal", pattern="^(developer|trial|formal)$")
    # Operations: logs, CORS, metrics, traces (README "Operations").
    log_format: LogFormat = LogFormat.AUTO
    log_level: str = Field(default="INFO", pattern="^(DEBUG|INFO|WARNING|ERROR)$")
    cors_allow_origins: CommaList = []
    cors_allow_methods: CommaList = ["GET", "POST"]
    cors_allow_headers: CommaList = ["Authorization", "Content-Type", "X-Request-ID"]
    cors_max_age_seconds: int = Field(default=600, ge=0, le=86400)
    metrics_token: str | None = Field(default=None, min_length=16)
    tracing: bool = False
    # Background work (koc.worker, README "Workers").
    embedded_worker: bool = True
    worker_max_attempts: int = Field(default=8, ge=1, le=50)
    worker_heartbeat_seconds: float = Field(default=30.0, ge=2, le=3600)
    worker_concurrency: int = Field(default=10, ge=2, le=100)
    # Scheduled jobs (koc.schedules): cron expressions, UTC; empty turns one off.
    schedule_rewards_issue_due: str = "5 * * * *"
    schedule_benefits_refresh: str = "30 3 * * *"
    schedule_kocs_recompute_scores: str = "0 4 * * *"
    schedule_referrals_rollup_rebuild: str = "30 4 * * 0"
    schedule_privacy_erase_due: str = "0 2 * * *"
    schedule_privacy_retention: str = "30 2 * * *"
    schedule_webhooks_sweep: str = "* * * * *"
    schedule_live_codes_check: str = "10 * * * *"
    schedule_advisory_pool_return: str = "15 3 * * *"
    schedule_advisory_remind_due: str = "*/5 * * * *"
    schedule_segments_recompute: str = "15 3 * * *"
    # 09:00 in Shanghai: expiring privileges and tomorrow's seats
    schedule_notifications_remind: str = "0 1 * * *"
    # a sweep for messages whose job was lost (the jobs themselves send the rest)
    schedule_notifications_deliver_due: str = "*/10 * * * *"

    @field_validator(
        "cors_allow_origins", "cors_allow_methods", "cors_allow_headers", mode="before"
    )
    @classmethod
    def _split_commas(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value

    @field_validator("notify_time_zone")
    @classmethod
    def _known_zone(cls, name: str) -> str:
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{name!r} is not a time zone name, e.g. Asia/Shanghai") from None
        return name

    @field_validator(
        "schedule_rewards_issue_due",
        "schedule_benefits_refresh",
        "schedule_kocs_recompute_scores",
        "schedule_referrals_rollup_rebuild",
        "schedule_privacy_erase_due",
        "schedule_privacy_retention",
        "schedule_webhooks_sweep",
        "schedule_live_codes_check",
        "schedule_advisory_pool_return",
        "schedule_advisory_remind_due",
        "schedule_segments_recompute",
        "schedule_notifications_remind",
        "schedule_notifications_deliver_due",
    )
    @classmethod
    def _cron(cls, value: str) -> str:
        from croniter import croniter

        value = value.strip()
        if value and not croniter.is_valid(value):
            raise ValueError(
                "a cron expression like '30 3 * * *' (minute hour day month weekday, UTC), "
                "or empty to turn this job off"
            )
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, url: str) -> str:
        if not url.startswith(DATABASE_SCHEMES):
            raise ValueError(
                "use sqlite://PATH or postgres://USER:PASSWORD@HOST:5432/DB; no other database "
                "is supported"
            )
        folder = sqlite_path(url).parent if url.startswith("sqlite://") else None
        # A typo in the path must not quietly start an empty database in a new folder; only
        # the default ./var/ is created (koc.db.ensure_sqlite_directory).
        if folder is not None and url != DEFAULT_DATABASE_URL and not folder.is_dir():
            raise ValueError(f"the folder {folder} does not exist: create it or fix the path")
        return url

    @model_validator(mode="after")
    def _refuse_default_secrets(self) -> Settings:
        # A forgotten secret in production lets anyone mint staff tokens: refuse to start.
        weak = self.jwt_secret == DEFAULT_JWT_SECRET or len(self.jwt_secret) < MIN_SECRET_LENGTH
        if self.env is Environment.PRODUCTION and weak:
            raise ValueError(
                f"KOC_JWT_SECRET must be set to a random string of at least "
                f"{MIN_SECRET_LENGTH} characters when KOC_ENV=production"
            )
        # A bucket smaller than the largest allowed query would refuse that query forever.
        if self.rate_limit_capacity < self.max_query_cost:
            raise ValueError("KOC_RATE_LIMIT_CAPACITY must be at least KOC_MAX_QUERY_COST")
        return self

    @property
    def is_development(self) -> bool:
        return self.env is Environment.DEVELOPMENT


def sqlite_path(url: str) -> Path:
    """The file of a ``sqlite://PATH[?params]`` URL."""
    return Path(url.removeprefix("sqlite://").split("?", 1)[0])


@lru_cache
def get_settings() -> Settings:
    return Settings()


def settings_problems(exc: ValidationError) -> list[str]:
    """One line per refused setting, naming its variable: what a person at a shell can fix."""
    lines = []
    for error in exc.errors():
        message = error["msg"].removeprefix("Value error, ")
        names = [f"KOC_{str(part).upper()}" for part in error["loc"] if isinstance(part, str)]
        # Errors of the whole model already name their variables.
        lines.append(f"{names[0]}: {message}" if names else message)
    return lines
