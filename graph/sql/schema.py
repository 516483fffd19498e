"""Tables of the embedded store. Alembic migrations in migrations/sql create them."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

accounts = Table(
    "accounts",
    metadata,
    Column("tenant", String(100), primary_key=True),
    Column("id", String(200), primary_key=True),
    Column("name", Text),
    Column("industry", String(200)),
    Column("industry_key", String(200)),
    Column("region", String(200)),
    Column("region_key", String(200)),
    Column("country", String(200)),
    Column("employees", Integer),
    Index("ix_accounts_segment", "tenant", "industry_key", "region_key"),
)

people = Table(
    "people",
    metadata,
    Column("tenant", String(100), primary_key=True),
    Column("id", String(200), primary_key=True),
    Column("account_id", String(200)),
    Column("name", Text),
    Column("email", String(254)),
    Column("title", Text),
    Column("function", String(50), nullable=False),
    Column("seniority", String(50), nullable=False),
    Column("role", String(100), nullable=False),
    Column("external_kind", String(50)),
    Column("audience", Integer),
    Column("content_hash", String(64)),
    Column("name_key", String(500)),
    Column("row_hash", String(32)),
    Index("ix_people_account", "tenant", "account_id"),
    Index("ix_people_email", "tenant", "email"),
    Index("ix_people_name", "tenant", "account_id", "name_key"),
)

person_merges = Table(
    "person_merges",
    metadata,
    Column("tenant", String(100), primary_key=True),
    Column("alias_id", String(200), primary_key=True),
    Column("person_id", String(200), nullable=False),
    Column("reason", String(50), nullable=False),
    Column("content_hash", String(64)),
    Column("merged_at", String(40), nullable=False),
    Index("ix_person_merges_person", "tenant", "person_id"),
)

deals = Table(
    "deals",
    metadata,
    Column("tenant", String(100), primary_key=True),
    Column("id", String(200), primary_key=True),
    Column("source", String(50), nullable=False),
    Column("account_id", String(200), nullable=False),
    Column("name", Text),
    Column("amount", Float),
    Column("currency", String(3)),
    Column("stage", String(200)),
    Column("outcome", String(10), nullable=False),
    Column("created_at", String(10)),
    Column("closed_at", String(10)),
    Column("product", String(200)),
    Column("content_hash", String(64), nullable=False),
    Index("ix_deals_account", "tenant", "account_id"),
    Index("ix_deals_outcome", "tenant", "outcome", "closed_at"),
)

participations = Table(
    "participations",
    metadata,
    Column("tenant", String(100), primary_key=True),
    Column("deal_id", String(200), primary_key=True),
    Column("person_id", String(200), primary_key=True),
    Column("source", String(20), primary_key=True),
    Column("deal_role", String(50), nullable=False),
    Column("stance", String(20), nullable=False),
    Column("external", Boolean, nullable=False),
    Column("evidence", Text, nullable=False),
    Column("evidence_count", Integer, nullable=False),
    Column("first_seen", String(40)),
    Column("last_seen", String(40)),
    Index("ix_participations_person", "tenant", "person_id", "deal_id"),
)

notes = Table(
    "notes",
    metadata,
    Column("tenant", String(100), primary_key=True),
    Column("id", String(200), primary_key=True),
    Column("deal_id", String(200)),
    Column("account_id", String(200), nullable=False),
    Column("occurred_at", String(40), nullable=False),
    Column("author", Text),
    Column("text", Text, nullable=False),
    Column("content_hash", String(64), nullable=False),
    Index("ix_notes_deal", "tenant", "deal_id"),
)

mentions = Table(
    "mentions",
    metadata,
    Column("tenant", String(100), primary_key=True),
    Column("note_id", String(200), primary_key=True),
    Column("person_id", String(200), primary_key=True),
    Column("stance", String(20), nullable=False),
    Column("evidence", Text, nullable=False),
    Index("ix_mentions_person", "tenant", "person_id"),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("tenant", String(100), nullable=False),
    Column("scopes", String(100), nullable=False),
    Column("key_hash", String(64), nullable=False),
    Column("created_at", String(40), nullable=False),
    Column("revoked_at", String(40)),
    Index("ix_api_keys_tenant", "tenant"),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("tenant", String(100), nullable=False),
    Column("action", String(50), nullable=False),
    Column("key_id", String(32)),
    Column("at", String(40), nullable=False),
    Column("detail", Text, nullable=False),
)

data_versions = Table(
    "data_versions",
    metadata,
    Column("tenant", String(100), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("generation", Integer, nullable=False, server_default="0"),
    Column("counted", Boolean, nullable=False, server_default="0"),
    # The last version that moved which closed deals anyone sat in (graph.live).
    Column("seats_version", Integer, nullable=False, server_default="0"),
)

# Counters (graph.counts), one row per `StatKey` (its JSON as `sid`), stamped with the
# data version of the write that last moved it.
stats = Table(
    "stats",
    metadata,
    Column("tenant", String(100), primary_key=True),
    Column("sid", Text, primary_key=True),
    Column("kind", String(10), nullable=False),
    Column("key", Text, nullable=False),
    Column("version", Integer, nullable=False),
    Column("present", Integer, nullable=False),
    Column("won", Integer, nullable=False),
    Column("deal_ids", Text, nullable=False),
    Index("ix_stats_version", "tenant", "kind", "version"),
    Index("ix_stats_key", "tenant", "kind", "key"),
)

activities = Table(
    "activities",
    metadata,
    Column("tenant", String(100), primary_key=True),
    Column("id", String(200), primary_key=True),
    Column("source", String(50), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("occurred_at", String(40), nullable=False),
    Column("subject", Text),
    Column("deal_id", String(200)),
    Column("account_id", String(200), nullable=False),
    Column("content_hash", String(64), nullable=False),
    Index("ix_activities_deal", "tenant", "deal_id"),
    Index("ix_activities_account", "tenant", "account_id"),
)

activity_people = Table(
    "activity_people",
    metadata,
    Column("tenant", String(100), primary_key=True),
    Column("activity_id", String(200), primary_key=True),
    Column("person_id", String(200), primary_key=True),
    Index("ix_activity_people_person", "tenant", "person_id"),
)
