"""`bcg signals` as a user runs it: after a `bcg import` with no server running, the
writes not yet through detection are detected first, then listed (a real process)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from synth.__main__ import DEMO
from tests.test_cli import run_bcg

OPEN_DEAL = {
    "id": "open-fs-1",
    "name": "Platform renewal",
    "account": {"id": "acc-0-0-0", "industry": "Financial Services", "region": "EMEA"},
    "outcome": "open",
    "stage": "Discovery",
    "amount": 40000,
    "created_at": "2026-11-01",
    "participants": [
        {
            "person": {"id": "pia", "name": "Pia Proc", "title": "Head of Procurement"},
            "deal_role": "influencer",
            "stance": "skeptical",
        }
    ],
}


def test_bcg_signals_after_an_import(tmp_path: Path) -> None:
    env = {**os.environ, "BCG_STORE": "sqlite", "BCG_DATA_DIR": str(tmp_path / "data")}
    env.pop("BCG_DATABASE_URL", None)
    deals = tmp_path / "deals.jsonl"
    lines = [json.dumps(d) for d in DEMO.generate()]
    deals.write_text("\n".join(lines) + "\n", encoding="utf-8")
    opened = tmp_path / "open.jsonl"
    opened.write_text(json.dumps(OPEN_DEAL) + "\n", encoding="utf-8")
    for path in (deals, opened):
        imported = run_bcg("import", "deals", str(path), env=env)
        assert imported.returncode == 0, imported.stderr

    listed = run_bcg("signals", "--json", env=env)
    assert listed.returncode == 0, listed.stderr
    found = [json.loads(line) for line in listed.stdout.splitlines()]
    assert {s["deal_id"] for s in found} == {"open-fs-1"}
    blockers = [s for s in found if s["kind"] == "blocker_joined"]
    assert [b["person"]["id"] for b in blockers] == ["pia"]
    gaps = {s["evidence"]["role"] for s in found if s["kind"] == "committee_gap"}
    assert "c_level.security" in gaps  # the planted CISO, in most won deals like it

    again = run_bcg("signals", "--kind", "blocker_joined", env=env)
    assert again.returncode == 0, again.stderr
    assert "blocker_joined" in again.stdout and "pia" in again.stdout
    assert again.stdout.count("blocker_joined") == 1  # found once, listed once
    wrong = run_bcg("signals", "--kind", "gossip", env=env)
    assert wrong.returncode == 2
