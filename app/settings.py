"""Settings from `BCG_` environment variables, read once by whoever builds the app."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BCG_", extra="ignore")

    env: Literal["development", "test", "production"] = "development"
    store: Literal["sqlite", "neo4j"] = "sqlite"
    data_dir: Path = Path("data")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; defaults to a SQLite file in data_dir."
    )
    neo4j_uri: str = "bolt://127.0.0.1:7687"
    neo4j_user: str | None = None
    neo4j_password: SecretStr | None = None
    neo4j_database: str | None = None
    neo4j_batch_size: int = Field(default=1000, ge=1, le=50_000)
    api_key: SecretStr | None = None
    max_body_mb: float = Field(default=16, gt=0)
    max_batch: int = Field(default=5000, ge=1)
    cors_origins: list[str] = Field(default_factory=list)
    read_cache_tenants: int = Field(
        default=8, ge=1, description="Tenants whose counters each worker keeps in memory."
    )
    session_secret: SecretStr | None = Field(
        default=None, description="Signs the pages' session cookies; derived from the root key."
    )
    session_hours: float = Field(default=8, gt=0, le=24 * 30, description="A page session's life.")
    signal_worker: bool = Field(
        default=True, description="Run signal detection and webhook delivery in this process."
    )
    signal_poll_seconds: float = Field(
        default=1.0, gt=0, le=60, description="How often the worker looks for work."
    )
    webhook_allow_private: bool = Field(
        default=False, description="Allow webhooks to loopback and private addresses (tests)."
    )
    webhook_timeout_seconds: float = Field(default=5.0, gt=0, le=60)
    webhook_max_attempts: int = Field(
        default=8, ge=1, le=50, description="Attempts before an event is parked."
    )
    webhook_backoff_seconds: float = Field(
        default=2.0, gt=0, description="First retry delay; doubled each attempt, with jitter."
    )
    webhook_backoff_max_seconds: float = Field(default=3600.0, gt=0)
    webhook_lease_seconds: float = Field(
        default=30.0, gt=0, description="How long a worker holds an event it is delivering."
    )

    @model_validator(mode="after")
    def _refuse_unsafe_production(self) -> Settings:
        if self.env != "production":
            return self
        key = self.api_key.get_secret_value() if self.api_key else ""
        if len(key) < 32:
            raise ValueError("BCG_API_KEY must be set to at least 32 characters in production")
        if self.store == "neo4j" and not (self.neo4j_user and self.neo4j_password):
            raise ValueError("BCG_NEO4J_USER and BCG_NEO4J_PASSWORD are required in production")
        if "*" in self.cors_origins:
            raise ValueError("BCG_CORS_ORIGINS must not be '*' in production")
        secret = self.session_secret.get_secret_value() if self.session_secret else ""
        if len(secret) < 32:
            raise ValueError(
                "BCG_SESSION_SECRET must be set to at least 32 characters in production"
            )
        return self

    @property
    def sql_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'bcg.sqlite3'}"

    @property
    def max_body_bytes(self) -> int:
        return int(self.max_body_mb * 1024 * 1024)
