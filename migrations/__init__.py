"""Versioned schema migrations: Alembic for the SQL store, ordered Cypher files for Neo4j."""
