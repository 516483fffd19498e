"""The embedded adapter: SQLAlchemy 2 on SQLite by default (PostgreSQL works too)."""
