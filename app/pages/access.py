"""Who is looking at a page: the session's key, checked again on every request.

The pages follow the API's rules (app.auth): a key acts in its own tenant with
its own scopes. The key is authenticated once at sign-in (`authenticate`); after
that, each request looks the key up again, so that a revoked key, or a changed
root key, ends its sessions at once rather than when the cookie expires.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import urlencode

from fastapi import Depends, Request

from app.auth import ALL_SCOPES, ROOT_KEY_ID, ROOT_TENANT, Principal
from app.deps import Services, get_services
from app.pages.session import SESSION_COOKIE, PageSession, SessionCodec, codec_for, root_mark


class SignInRequired(Exception):
    """No live session: a page answers with the sign-in form, then comes back."""

    def __init__(self, back_to: str) -> None:
        super().__init__(back_to)
        self.back_to = back_to


class PageRefused(Exception):
    """A refusal shown as a page (forged form token, missing scope, not found …)."""

    def __init__(self, status: int, title: str, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.title = title
        self.detail = detail


@dataclass(frozen=True)
class Viewer:
    session: PageSession
    principal: Principal
    csrf: str

    @property
    def tenant(self) -> str:
        return self.principal.tenant

    def can(self, scope: str) -> bool:
        return scope in self.principal.scopes


def page_codec(request: Request) -> SessionCodec:
    services = get_services(request)
    return codec_for(services.settings, services.root_key)


def _principal(session: PageSession, services: Services) -> Principal | None:
    if session.key_id == ROOT_KEY_ID:
        if session.root_mark != root_mark(services.root_key):
            return None
        return Principal(ROOT_TENANT, ALL_SCOPES, ROOT_KEY_ID)
    key = services.store.get_key(session.key_id)
    if key is None or key.revoked_at is not None or key.tenant != session.tenant:
        return None
    return Principal(key.tenant, frozenset(key.scopes), key.id)


def current_viewer(request: Request) -> Viewer | None:
    codec = page_codec(request)
    session = codec.read(request.cookies.get(SESSION_COOKIE))
    if session is None:
        return None
    principal = _principal(session, get_services(request))
    if principal is None:
        return None
    return Viewer(session, principal, codec.csrf_token(session.sid))


def login_url(back_to: str | None) -> str:
    return "/app/login" + (f"?{urlencode({'next': back_to})}" if back_to else "")


def safe_next(value: str | None) -> str:
    """Where to go after signing in: a page of this app, never another site."""
    if not value or not value.startswith("/app") or value.startswith("/app/login"):
        return "/app"
    if "//" in value or "\\" in value or any(ord(c) < 32 for c in value):
        return "/app"
    return value


def _signed_in(request: Request) -> Viewer:
    viewer = current_viewer(request)
    if viewer is None:
        query = f"?{request.url.query}" if request.url.query else ""
        raise SignInRequired(request.url.path + query)
    return viewer


def _scoped(scope: str) -> object:
    def check(viewer: Annotated[Viewer, Depends(_signed_in)]) -> Viewer:
        if not viewer.can(scope):
            raise PageRefused(
                403,
                "Not allowed",
                f"The key you signed in with lacks the {scope!r} scope this page needs.",
            )
        return viewer

    return check


SignedIn = Annotated[Viewer, Depends(_signed_in)]
Reader = Annotated[Viewer, Depends(_scoped("read"))]
Importer = Annotated[Viewer, Depends(_scoped("ingest"))]


def check_form(viewer: Viewer, token: str | None) -> None:
    """Every form posts the session's token; anything else is refused (403)."""
    if not token or not hmac.compare_digest(token, viewer.csrf):
        raise PageRefused(
            403,
            "Form refused",
            "This form's security token does not belong to your session. "
            "Reload the page and send it again.",
        )
