"""The pages' session and import jobs over plain HTTP: cookie flags in production, expiry,
the signing secret, where sign-in may send you, and an import's progress as it runs."""

from __future__ import annotations

import io
import re
import threading
from collections.abc import Mapping
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from app.main import create_app
from app.pages.jobs import ImportJobs
from app.pages.session import SESSION_COOKIE, codec_for, root_mark
from app.schemas import CountsOut, CrmIngestResult
from app.settings import Settings
from ingest.crm.importer import ImportReport
from tests.conftest import API_KEY, make_settings

SECRET = "s" * 40
PRODUCTION_KEY = "k" * 40


def signed_in(client: TestClient, key: str = API_KEY, back_to: str = "/app") -> TestClient:
    form = client.get("/app/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token is not None
    answer = client.post(
        "/app/login",
        data={"key": key, "csrf_token": token.group(1), "next": back_to},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    return client


def test_production_cookies_are_secure(tmp_path: Path) -> None:
    settings = make_settings(
        "sqlite", tmp_path, env="production", api_key=PRODUCTION_KEY, session_secret=SECRET
    )
    with TestClient(create_app(settings), base_url="https://testserver") as client:
        form = client.get("/app/login")
        assert "Secure" in form.headers["set-cookie"]  # the sign-in form's nonce
        token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        assert token is not None
        answer = client.post(
            "/app/login",
            data={"key": PRODUCTION_KEY, "csrf_token": token.group(1)},
            follow_redirects=False,
        )
        session = next(
            c for c in answer.headers.get_list("set-cookie") if c.startswith(SESSION_COOKIE)
        )
        assert {"HttpOnly", "Secure", "SameSite=strict", "Path=/app"} <= {
            part.strip() for part in session.split(";")
        }


@pytest.mark.parametrize("secret", [None, "too-short"])
def test_production_refuses_a_missing_or_short_session_secret(
    tmp_path: Path, secret: str | None
) -> None:
    with pytest.raises(ValidationError, match="BCG_SESSION_SECRET must be set to at least 32"):
        Settings(
            env="production",
            data_dir=tmp_path,
            api_key=PRODUCTION_KEY,
            session_secret=secret,  # type: ignore[arg-type]
        )


def test_an_expired_session_is_no_session(tmp_path: Path) -> None:
    settings = make_settings("sqlite", tmp_path)
    codec = codec_for(settings, API_KEY)
    with TestClient(create_app(settings)) as client:
        # A cookie signed with the right secret, opened a lifetime and a second ago.
        old = codec.open("default", "root", root_mark(API_KEY), now=1_000_000)
        assert codec.read(old, now=1_000_000 + codec.lifetime_s - 1) is not None
        client.cookies.set(SESSION_COOKIE, old, path="/app")
        answer = client.get("/app/segments", follow_redirects=False)
        assert answer.status_code == 303
        assert answer.headers["location"] == "/app/login?next=%2Fapp%2Fsegments"


def test_a_new_root_key_ends_the_root_sessions(tmp_path: Path) -> None:
    settings = make_settings("sqlite", tmp_path, session_secret=SECRET)
    with TestClient(create_app(settings)) as client:
        signed_in(client)
        cookie = client.cookies[SESSION_COOKIE]
        assert client.get("/app", follow_redirects=False).status_code == 200
    rotated = make_settings("sqlite", tmp_path, session_secret=SECRET, api_key="n" * 40)
    with TestClient(create_app(rotated)) as client:
        client.cookies.set(SESSION_COOKIE, cookie, path="/app")
        assert client.get("/app", follow_redirects=False).status_code == 303


def test_the_derived_secret_changes_with_the_root_key(tmp_path: Path) -> None:
    one = codec_for(make_settings("sqlite", tmp_path), API_KEY)
    other = codec_for(make_settings("sqlite", tmp_path), "another-root-key-0123456789abcdef")
    assert other.read(one.open("default", "root", None)) is None
    assert one.csrf_token("sid") != other.csrf_token("sid")


@pytest.mark.parametrize(
    ("asked", "landed"),
    [
        ("/app/deals/d-1", "/app/deals/d-1"),
        ("https://evil.example/app", "/app"),
        ("//evil.example/app", "/app"),
        ("/app//evil.example", "/app"),
        ("/v1/keys", "/app"),
    ],
)
def test_sign_in_only_sends_you_to_a_page_of_this_app(
    tmp_path: Path, asked: str, landed: str
) -> None:
    with TestClient(create_app(make_settings("sqlite", tmp_path))) as client:
        form = client.get("/app/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        assert token is not None
        answer = client.post(
            "/app/login",
            data={"key": API_KEY, "csrf_token": token.group(1), "next": asked},
            follow_redirects=False,
        )
        assert answer.headers["location"] == landed


def test_pages_forbid_framing_and_inline_script(tmp_path: Path) -> None:
    with TestClient(create_app(make_settings("sqlite", tmp_path))) as client:
        page = signed_in(client).get("/app")
        policy = page.headers["content-security-policy"]
        assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
        assert page.headers["x-frame-options"] == "DENY"
        assert page.headers["cache-control"] == "no-store"
        assert "<script>" not in page.text  # every script is a file of this app


def worker(job_id: str) -> threading.Thread:
    return next(t for t in threading.enumerate() if t.name == f"bcg-import-{job_id}")


def test_an_import_job_reports_its_progress_while_it_runs(tmp_path: Path) -> None:
    jobs = ImportJobs(tmp_path / "imports")
    contacts = b'Id,AccountId,Title\n1,a,CFO\n2,a,"Head of\nProcurement"\n3,a,CISO\n'
    deals = b"Id,AccountId,StageName\nd1,a,Closed Won\nd2,a,Closed Lost\n"
    step = threading.Event()
    carry_on = threading.Event()

    def run(files: Mapping[str, Path], progress: object) -> CrmIngestResult:
        assert callable(progress)
        assert files["contacts"].read_bytes() == contacts  # the upload as sent
        progress("contacts", 3)
        step.set()
        assert carry_on.wait(30)
        progress("deals", 2)
        counts = CountsOut(created=3, updated=0, unchanged=0)
        empty = CrmIngestResult.of(ImportReport())
        return empty.model_copy(update={"created": 2, "people": counts})

    started = jobs.start(
        "acme",
        "salesforce",
        {"contacts": io.BytesIO(contacts), "opportunities": io.BytesIO(deals)},
        ("contacts", "opportunities"),
        run,
    )
    assert started.rows_total == 5  # a quoted line break is one row
    assert step.wait(30)
    running = jobs.get("acme", started.id)
    assert running is not None and running.state == "running"
    assert (running.rows_done, running.phase) == (3, "writing contacts")
    assert jobs.get("globex", started.id) is None  # another tenant's job is not found
    assert jobs.get("acme", "../../etc/passwd") is None
    carry_on.set()
    worker(started.id).join(30)
    done = jobs.get("acme", started.id)
    assert done is not None and done.state == "done" and done.rows_done == 5
    assert done.result is not None and done.result.people.created == 3
    assert not (tmp_path / "imports" / started.id / "contacts.csv").exists()  # not kept


def test_a_job_whose_process_is_gone_reads_as_interrupted(tmp_path: Path) -> None:
    jobs = ImportJobs(tmp_path / "imports")
    release = threading.Event()

    def run(files: Mapping[str, Path], progress: object) -> CrmIngestResult:
        release.wait(30)
        raise RuntimeError("stopped")

    started = jobs.start("acme", "hubspot", {"contacts": io.BytesIO(b"x\n")}, (), run)
    status = tmp_path / "imports" / started.id / "status.json"
    # The worker that ran it was restarted: its pid no longer exists.
    status.write_text(status.read_text().replace(f'"pid": {started.pid}', '"pid": 999999999'))
    found = jobs.get("acme", started.id)
    assert found is not None and found.state == "interrupted"
    release.set()
    worker(started.id).join(30)
