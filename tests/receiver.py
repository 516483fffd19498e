"""A real local HTTP receiver for webhook tests: records every request, answers as told.

`fail_first` makes it answer 500 to the first N attempts of each event (by its
BCG-Event-Id); `hold` makes it wait before answering (a delivery in flight when
the service is killed). Signatures are checked as a receiver would check them.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    event_id: str
    signature: str
    body: bytes
    status: int

    @property
    def payload(self) -> dict[str, Any]:
        parsed: dict[str, Any] = json.loads(self.body)
        return parsed


@dataclass
class Receiver:
    fail_first: int = 0
    status: int = 200
    hold: threading.Event | None = None
    requests: list[Received] = field(default_factory=list)
    _seen: Counter[str] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    url: str = ""
    arrived: int = 0  # requests received, answered or not
    redirect_to: str | None = None  # answer 302 to this location

    def answer(self, event_id: str) -> int:
        with self._lock:
            self._seen[event_id] += 1
            if self._seen[event_id] <= self.fail_first:
                return 500
            return self.status

    def record(self, item: Received) -> None:
        with self._lock:
            self.requests.append(item)

    def delivered(self) -> list[Received]:
        with self._lock:
            return [r for r in self.requests if 200 <= r.status < 300]

    def of_signal(self, signal_id: str) -> list[Received]:
        with self._lock:
            return [r for r in self.requests if r.payload["data"]["id"] == signal_id]


def verify(secret: str, header: str, body: bytes) -> bool:
    """What a receiver does with BCG-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "t.body">."""
    parts = dict(p.split("=", 1) for p in header.split(","))
    expected = hmac.new(secret.encode(), parts["t"].encode() + b"." + body, hashlib.sha256)
    return hmac.compare_digest(expected.hexdigest(), parts["v1"])


@contextmanager
def receiving(receiver: Receiver) -> Iterator[Receiver]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            event_id = self.headers.get("BCG-Event-Id", "")
            with receiver._lock:
                receiver.arrived += 1
            if receiver.hold is not None:
                receiver.hold.wait(30)
            status = 302 if receiver.redirect_to else receiver.answer(event_id)
            receiver.record(Received(event_id, self.headers.get("BCG-Signature", ""), body, status))
            try:
                self.send_response(status)
                if receiver.redirect_to:
                    self.send_header("Location", receiver.redirect_to)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok" if status < 300 else b"no")
            except (BrokenPipeError, ConnectionResetError):
                pass  # the sender died while we held its request (the kill test)

        def log_message(self, *_: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    try:
        yield receiver
    finally:
        if receiver.hold is not None:
            receiver.hold.set()
        server.shutdown()
        server.server_close()


def wait_for(check: Callable[[], bool], what: str, seconds: float = 60) -> None:
    """Poll until `check` holds (the worker runs beside the test); fail with `what`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError(f"gave up waiting: {what}")
