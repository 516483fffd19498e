"""The `bcg` command as a user runs it: a real process, real environment variables."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

BCG = str(Path(sys.executable).with_name("bcg"))


def run_bcg(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [BCG, *args], capture_output=True, text=True, env=env, timeout=120, check=False
    )


def test_migrate_creates_the_embedded_store_once(tmp_path: Path) -> None:
    env = {**os.environ, "BCG_STORE": "sqlite", "BCG_DATA_DIR": str(tmp_path / "data")}
    env.pop("BCG_DATABASE_URL", None)
    first = run_bcg("migrate", env=env)
    assert first.returncode == 0, first.stderr
    assert "applied 0001, 0002" in first.stdout
    assert (tmp_path / "data" / "bcg.sqlite3").exists()
    second = run_bcg("migrate", env=env)
    assert second.returncode == 0 and "up to date" in second.stdout


def test_migrate_on_neo4j(neo4j_driver: object) -> None:
    uri = os.environ["BCG_NEO4J_URI"]
    env = {**os.environ, "BCG_STORE": "neo4j", "BCG_NEO4J_URI": uri}
    result = run_bcg("migrate", env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"neo4j ({uri}):")


def test_unsafe_production_settings_are_refused(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "BCG_ENV": "production",
        "BCG_API_KEY": "short",
        "BCG_DATA_DIR": str(tmp_path),
    }
    result = run_bcg("migrate", env=env)
    assert result.returncode != 0
    assert "BCG_API_KEY must be set to at least 32 characters" in result.stderr


def test_serve_refuses_workers_on_the_embedded_store(tmp_path: Path) -> None:
    env = {**os.environ, "BCG_STORE": "sqlite", "BCG_DATA_DIR": str(tmp_path / "data")}
    env.pop("BCG_DATABASE_URL", None)
    result = run_bcg("serve", "--workers", "2", env=env)
    assert result.returncode == 2
    words = " ".join(result.stderr.replace("│", " ").split())  # typer draws a box, wrapped
    assert "the embedded SQLite store is served by one worker" in words
    assert not (tmp_path / "data" / "bcg.sqlite3").exists()


@pytest.mark.parametrize("args", [["--help"], ["serve", "--help"]])
def test_help_lists_the_commands(args: list[str]) -> None:
    result = run_bcg(*args, env=dict(os.environ))
    assert result.returncode == 0
    assert "serve" in result.stdout or "--port" in result.stdout


def test_keys_create_prints_a_working_key_once(tmp_path: Path) -> None:
    env = {**os.environ, "BCG_STORE": "sqlite", "BCG_DATA_DIR": str(tmp_path / "data")}
    env.pop("BCG_DATABASE_URL", None)
    assert run_bcg("migrate", env=env).returncode == 0
    made = run_bcg("keys", "create", "--tenant", "acme-eu", "--scopes", "read,ingest", env=env)
    assert made.returncode == 0, made.stderr
    header, key = made.stdout.strip().splitlines()
    assert header.startswith("key ") and "for tenant acme-eu (read,ingest)" in header
    from fastapi.testclient import TestClient

    from app.main import create_app
    from app.settings import Settings

    settings = Settings(store="sqlite", data_dir=tmp_path / "data", api_key="r" * 40)
    with TestClient(create_app(settings)) as client:
        ok = client.get("/v1/influencers/roles", headers={"Authorization": f"Bearer {key}"})
        assert ok.status_code == 200
        assert client.get("/v1/keys", headers={"Authorization": f"Bearer {key}"}).status_code == 403
    bad = run_bcg("keys", "create", "--tenant", "acme-eu", "--scopes", "root", env=env)
    assert bad.returncode != 0 and "scopes must be among" in bad.stderr


def test_recount_repairs_counters_that_drifted(tmp_path: Path) -> None:
    """Counters damaged by hand (as by a bug or a restore) are counted again from the deals."""
    env = {**os.environ, "BCG_STORE": "sqlite", "BCG_DATA_DIR": str(tmp_path / "data")}
    env.pop("BCG_DATABASE_URL", None)
    deals = tmp_path / "deals.jsonl"
    deals.write_text(
        '{"id": "d1", "account": {"id": "a1", "name": "A1", "industry": "Retail"}, '
        '"outcome": "won", "amount": 100, "closed_at": "2025-01-01", '
        '"participants": [{"person": {"id": "p1", "name": "Dana", "title": "CFO"}}]}\n'
    )
    assert run_bcg("import", "deals", str(deals), env=env).returncode == 0
    with sqlite3.connect(tmp_path / "data" / "bcg.sqlite3") as db:
        kept = db.execute("SELECT sid, present, won FROM stats ORDER BY sid").fetchall()
        db.execute("UPDATE stats SET present = present + 5")
    result = run_bcg("recount", "--tenant", "default", env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"default: {len(kept)} counters"
    with sqlite3.connect(tmp_path / "data" / "bcg.sqlite3") as db:
        assert db.execute("SELECT sid, present, won FROM stats ORDER BY sid").fetchall() == kept
