"""Configuration from the environment (OMS_*), validated once at start-up."""
from __future__ import annotations

import secrets
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="OMS_", extra="ignore")

    database_url: str = "sqlite://oms.sqlite3"
    redis_url: str | None = None
    # One stream per deployment; tests give each server group its own.
    redis_stream: str = "oms:events"
    jwt_secret: str | None = Field(default=None, repr=False)
    jwt_ttl_hours: int = 24 * 30
    data_dir: Path = Path(".oms")
    host: str = "127.0.0.1"
    port: int = 8000
    graphiql: bool = True
    introspection: bool = True
    allowed_origins: list[str] = Field(default_factory=list)
    max_query_depth: int = 12
    max_aliases: int = 30
    max_tokens: int = 2000
    db_pool_size: int = 20
    # How often the server expires lapsed reservations and routes orders
    # whose ship-after date has come (oms.orders.sweeper); 0 turns it off.
    sweep_interval_seconds: float = Field(default=30.0, ge=0)
    # How often the durable event-log consumers (partner hand-off, payment
    # captures, notifications; oms.workers) look for new events; 0 turns them off.
    consumer_interval_seconds: float = Field(default=1.0, ge=0)
    # Customer emails (oms.notifications): smtp://[user:pass@]host[:port] or
    # smtps://...; unset, notifications are only recorded on the order.
    smtp_url: str | None = Field(default=None, repr=False)
    smtp_from: str = "OMS <no-reply@localhost>"
    # How often each server finishes payment calls left unanswered and sends
    # failed emails again (oms.payments.recovery, oms.notifications); 0: off.
    recovery_interval_seconds: float = Field(default=30.0, ge=0)
    # How often each process sends due partner deliveries (oms.handoff.delivery;
    # 0 turns it off), and the first retry's delay, doubled per failed attempt.
    handoff_interval_seconds: float = Field(default=1.0, ge=0)
    handoff_retry_base_seconds: float = Field(default=5.0, gt=0)
    # Per carrier code, the secret its tracking webhook signs with
    # (oms.fulfillment.http), e.g. OMS_CARRIER_WEBHOOK_SECRETS='{"oms-post": "..."}'.
    # A carrier without one has no webhook.
    carrier_webhook_secrets: dict[str, str] = Field(default_factory=dict, repr=False)
    # The shop's currency (ISO 4217): customers' lifetime values are stated in it.
    base_currency: str = Field(default="EUR", pattern=r"^[A-Z]{3}$")
    # Every customer's RFM segment and predicted yearly value are computed
    # again at least this often (oms.customers.schedule; one process at a
    # time runs it); 0 turns the schedule off.
    segment_interval_seconds: float = Field(default=3600.0, ge=0)

    @field_validator("database_url")
    @classmethod
    def _known_scheme(cls, v: str) -> str:
        if not v.startswith(("sqlite://", "postgres://", "postgresql://", "asyncpg://")):
            raise ValueError("OMS_DATABASE_URL must be sqlite://... or postgres://...")
        if v.startswith("postgresql://"):
            v = "postgres://" + v[len("postgresql://"):]
        return v

    @field_validator("redis_url")
    @classmethod
    def _redis_scheme(cls, v: str | None) -> str | None:
        if v in (None, ""):
            return None
        if not v.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("OMS_REDIS_URL must be redis://... or rediss://...")
        return v

    @field_validator("smtp_url")
    @classmethod
    def _smtp_scheme(cls, v: str | None) -> str | None:
        if v in (None, ""):
            return None
        if not v.startswith(("smtp://", "smtps://")):
            raise ValueError("OMS_SMTP_URL must be smtp://[user:pass@]host[:port] or smtps://...")
        return v

    def resolved_jwt_secret(self) -> str:
        """OMS_JWT_SECRET, or a random one kept in the data dir, so a fresh
        checkout works and `oms token` mints tokens the server accepts."""
        if self.jwt_secret:
            return self.jwt_secret
        path = self.data_dir / "jwt-secret"
        if path.exists():
            return path.read_text().strip()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        secret = secrets.token_urlsafe(48)
        path.write_text(secret)
        path.chmod(0o600)
        return secret


def load() -> Settings:
    return Settings()
