"""The pages' session: an API key exchanged once for a signed, expiring cookie.

Why a cookie and not the key: a browser cannot send `Authorization: Bearer` on
a link or a form, and a key kept in the page's storage can be read by any
script that gets in. The cookie is HttpOnly (no script reads it), SameSite=
Strict (no other site's page sends it), Secure in production, and holds no
secret: only who signed in (tenant, key id) and until when, signed with
HMAC-SHA256. The key itself is checked again on every request (app.pages.access),
so that revoking it ends its sessions.

A second, short-lived cookie carries the sign-in form's CSRF nonce, so that
showing the form never overwrites a live session.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

from fastapi import Request, Response
from itsdangerous import BadSignature, URLSafeSerializer

from app.settings import Settings

SESSION_COOKIE = "bcg_session"
LOGIN_COOKIE = "bcg_login"
COOKIE_PATH = "/app"
LOGIN_PATH = "/app/login"
LOGIN_FORM_SECONDS = 3600  # time to fill in the sign-in form


@dataclass(frozen=True)
class PageSession:
    """Who signed in. `root_mark` ties a root session to the root key it was opened
    with, so that changing BCG_API_KEY ends those sessions even with a fixed secret."""

    sid: str
    tenant: str
    key_id: str
    root_mark: str | None
    expires_at: int


def session_secret(settings: Settings, root_key: str) -> bytes:
    """BCG_SESSION_SECRET, else a key derived from the root key (development, tests):
    a fresh data directory then needs no more configuration than the API does."""
    if settings.session_secret is not None:
        return settings.session_secret.get_secret_value().encode()
    return hmac.new(root_key.encode(), b"bcg page sessions v1", hashlib.sha256).digest()


def root_mark(root_key: str) -> str:
    return hashlib.sha256(b"bcg root mark:" + root_key.encode()).hexdigest()[:32]


class SessionCodec:
    """Signs and reads the two cookies; the clock is a parameter so that expiry is
    tested without waiting."""

    def __init__(self, secret: bytes, lifetime_s: int, secure: bool) -> None:
        self._sessions = URLSafeSerializer(secret, salt="bcg.pages.session")
        self._logins = URLSafeSerializer(secret, salt="bcg.pages.login")
        self._secret = secret
        self.lifetime_s = lifetime_s
        self.secure = secure

    # -- the session ---------------------------------------------------------------

    def open(self, tenant: str, key_id: str, mark: str | None, now: float | None = None) -> str:
        """A new session's cookie value; a new session id every sign-in (no fixation)."""
        expires = int(now if now is not None else time.time()) + self.lifetime_s
        return str(
            self._sessions.dumps(
                {
                    "sid": secrets.token_urlsafe(16),
                    "t": tenant,
                    "k": key_id,
                    "r": mark,
                    "e": expires,
                }
            )
        )

    def read(self, value: str | None, now: float | None = None) -> PageSession | None:
        """The session a cookie holds; None when it is missing, forged or expired."""
        if not value:
            return None
        try:
            data = self._sessions.loads(value)
        except BadSignature:
            return None
        if not isinstance(data, dict):
            return None
        try:
            session = PageSession(
                sid=str(data["sid"]),
                tenant=str(data["t"]),
                key_id=str(data["k"]),
                root_mark=None if data["r"] is None else str(data["r"]),
                expires_at=int(data["e"]),
            )
        except (KeyError, TypeError, ValueError):
            return None
        if session.expires_at <= (now if now is not None else time.time()):
            return None
        return session

    def csrf_token(self, sid: str) -> str:
        """The token every form of a session carries: bound to the session id, so a
        token from another session (or made up) is refused."""
        return hmac.new(self._secret, b"csrf:" + sid.encode(), hashlib.sha256).hexdigest()

    def csrf_ok(self, sid: str, token: str | None) -> bool:
        return bool(token) and hmac.compare_digest(self.csrf_token(sid), str(token))

    def set_session(self, response: Response, value: str) -> None:
        response.set_cookie(
            SESSION_COOKIE,
            value,
            max_age=self.lifetime_s,
            path=COOKIE_PATH,
            httponly=True,
            samesite="strict",
            secure=self.secure,
        )

    def clear_session(self, response: Response) -> None:
        response.delete_cookie(
            SESSION_COOKIE, path=COOKIE_PATH, httponly=True, samesite="strict", secure=self.secure
        )

    # -- the sign-in form's nonce ----------------------------------------------------

    def login_nonce(self, request: Request, now: float | None = None) -> tuple[str, str | None]:
        """The sign-in form's nonce: the one its cookie holds while fresh, else a new
        one; and the cookie value to set when it is new."""
        current = self.read_login(request.cookies.get(LOGIN_COOKIE), now)
        if current is not None:
            return current, None
        nonce = secrets.token_urlsafe(16)
        issued = int(now if now is not None else time.time())
        return nonce, str(self._logins.dumps({"n": nonce, "i": issued}))

    def read_login(self, value: str | None, now: float | None = None) -> str | None:
        if not value:
            return None
        try:
            data = self._logins.loads(value)
        except BadSignature:
            return None
        if not isinstance(data, dict) or not isinstance(data.get("n"), str):
            return None
        issued = data.get("i")
        clock = now if now is not None else time.time()
        if not isinstance(issued, int) or issued + LOGIN_FORM_SECONDS <= clock:
            return None
        return str(data["n"])

    def set_login(self, response: Response, value: str) -> None:
        response.set_cookie(
            LOGIN_COOKIE,
            value,
            max_age=LOGIN_FORM_SECONDS,
            path=LOGIN_PATH,
            httponly=True,
            samesite="strict",
            secure=self.secure,
        )

    def clear_login(self, response: Response) -> None:
        response.delete_cookie(
            LOGIN_COOKIE, path=LOGIN_PATH, httponly=True, samesite="strict", secure=self.secure
        )


def codec_for(settings: Settings, root_key: str) -> SessionCodec:
    return SessionCodec(
        session_secret(settings, root_key),
        lifetime_s=int(settings.session_hours * 3600),
        secure=settings.env == "production",
    )
