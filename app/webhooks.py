"""Webhook deliveries: URL checks against request forgery, signatures, the worker.

The worker is a thread per process, started in the app's lifespan. Each round it
runs detection over the writes that have not been through it yet
(graph.detection.run_pending), then claims the outbox rows that are due (with a
lease in the store, so that several workers never deliver one event at once) and
posts them. It never runs in a request: a slow or dead receiver delays nobody's
write. Failures are retried with exponential backoff and jitter; after
`webhook_max_attempts` an event is parked and shown on `GET /v1/webhooks`.

Signatures follow Stripe's and GitHub's: `BCG-Signature: t=<unix seconds>,v1=<hex
HMAC-SHA256 of "<t>.<body>">` with the webhook's secret, and `BCG-Event-Id` for the
receiver's de-duplication (DESIGN §4).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import logging
import random
import secrets
import socket
import threading
import time
from urllib.parse import urljoin, urlsplit

import httpx

from app.settings import Settings
from graph.detection import PendingStore, run_pending
from graph.influence import InfluenceSettings
from graph.likely import LikelySettings
from graph.live import LiveStats
from graph.webhooks import Delivery, Outcome
from graph.writing import now_iso
from ingest.notes.intent import read_intent

log = logging.getLogger("bcg.webhooks")
MAX_REDIRECTS = 3
BATCH = 20
# Cloud metadata services that are not already link-local (169.254.169.254 is).
METADATA = frozenset(
    ipaddress.ip_address(a) for a in ("fd00:ec2::254", "100.100.100.200", "192.0.0.192")
)


class UnsafeUrl(ValueError):
    """A webhook URL that must not be called from the server."""


def _refused(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address in METADATA:
        return "a cloud metadata address"
    if address.is_loopback:
        return "a loopback address"
    if address.is_link_local:
        return "a link-local address"
    if address.is_private or address.is_reserved or address.is_unspecified:
        return "a private address"
    if address.is_multicast:
        return "a multicast address"
    return None


def check_url(url: str, settings: Settings) -> None:
    """Refuse what a webhook must not reach: not http(s) (https only in production), and,
    unless BCG_WEBHOOK_ALLOW_PRIVATE, loopback, private, link-local and metadata
    addresses, checked on every address the host name resolves to now."""
    parts = urlsplit(url)
    allowed = ("https",) if settings.env == "production" else ("https", "http")
    if parts.scheme not in allowed:
        raise UnsafeUrl(f"the URL must use {' or '.join(allowed)}")
    host = parts.hostname
    if not host:
        raise UnsafeUrl("the URL has no host")
    if parts.username or parts.password:
        raise UnsafeUrl("the URL must not carry credentials")
    if settings.webhook_allow_private:
        return
    try:
        infos = socket.getaddrinfo(host, parts.port or 443, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as error:
        raise UnsafeUrl(f"the host {host!r} does not resolve") from error
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        reason = _refused(address)
        if reason:
            raise UnsafeUrl(f"the host {host!r} resolves to {reason} ({address})")


def signature(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def backoff(attempts: int, settings: Settings, rng: random.Random) -> float:
    """Seconds until the next attempt after `attempts` failures: a uniform draw over the
    upper half of an exponential ceiling (spreads the retries of events that failed
    together, and never retries at once)."""
    ceiling: float = min(
        settings.webhook_backoff_max_seconds,
        settings.webhook_backoff_seconds * 2 ** (attempts - 1),
    )
    return ceiling / 2 + rng.uniform(0, ceiling / 2)


def attempt(delivery: Delivery, settings: Settings, client: httpx.Client) -> str | None:
    """Post one event; None when the receiver answered 2xx, else what went wrong. Each
    redirect is checked as the URL was, and followed at most MAX_REDIRECTS times."""
    body = delivery.body.encode("utf-8")
    url = delivery.url
    for _ in range(MAX_REDIRECTS + 1):
        try:
            check_url(url, settings)
        except UnsafeUrl as error:
            return f"refused: {error}"
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "bcg-webhooks/1",
            "BCG-Event-Id": delivery.event_id,
            "BCG-Signature": signature(delivery.secret, int(time.time()), body),
        }
        try:
            response = client.post(url, content=body, headers=headers)
        except httpx.HTTPError as error:
            return f"{type(error).__name__}: {error}"[:300]
        if response.is_redirect and "location" in response.headers:
            url = urljoin(url, response.headers["location"])
            continue
        if 200 <= response.status_code < 300:
            return None
        return f"HTTP {response.status_code}: {response.text[:200]}"
    return "too many redirects"


def outcome_of(error: str | None, attempts: int, settings: Settings, rng: random.Random) -> Outcome:
    """`attempts` counts this one."""
    if error is None:
        return Outcome(ok=True)
    if attempts >= settings.webhook_max_attempts:
        return Outcome(ok=False, error=error, parked=True)
    return Outcome(ok=False, error=error, retry_at=time.time() + backoff(attempts, settings, rng))


class SignalWorker:
    """Detection and delivery beside the request path, in one daemon thread."""

    def __init__(
        self,
        settings: Settings,
        store: PendingStore,
        influence: InfluenceSettings,
        likely: LikelySettings,
        live: LiveStats,
    ) -> None:
        self._settings = settings
        self._store = store
        self._influence = influence
        self._likely = likely
        # The request path's counters: one copy per process, held only rule by rule
        # (graph.detection.Detector).
        self._live = live
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bcg-signals", daemon=True)
        self._rng = random.Random(secrets.randbits(64))  # noqa: S311 (jitter, not secrets)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=self._settings.webhook_timeout_seconds + 5)

    def _run(self) -> None:
        with httpx.Client(
            timeout=self._settings.webhook_timeout_seconds, follow_redirects=False
        ) as client:
            while not self._stop.is_set():
                try:
                    busy = self.round(client)
                except Exception:
                    log.exception("signal worker round failed")
                    busy = False
                if not busy:
                    self._stop.wait(self._settings.signal_poll_seconds)

    def round(self, client: httpx.Client) -> bool:
        """One round of detection and delivery; True when there may be more to do now."""
        settings = self._settings
        detected = run_pending(
            self._store,
            self._live,
            read_intent,
            self._influence,
            self._likely,
            lease_seconds=settings.webhook_lease_seconds,
        )
        token = secrets.token_hex(8)
        due = self._store.claim_deliveries(
            time.time(), settings.webhook_lease_seconds, BATCH, token
        )
        for delivery in due:
            if self._stop.is_set():
                break  # the lease runs out; another worker (or this one, restarted) resends
            error = attempt(delivery, settings, client)
            outcome = outcome_of(error, delivery.attempts + 1, settings, self._rng)
            if error is not None:
                log.info(
                    "webhook %s: event %s failed: %s", delivery.webhook_id, delivery.event_id, error
                )
            self._store.finish_delivery(delivery, outcome, now_iso())
        return bool(detected) or len(due) == BATCH
