"""Rendering the pages: Jinja2 templates, their filters, and refusals shown as pages.

The JSON API answers every error as problem+json; a person in a browser gets a
page instead: the sign-in form when there is no session, a short explanation
(with the same status code) for everything else.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from app.pages.access import PageRefused, SignInRequired, current_viewer, login_url
from graph.errors import InvalidInput, NotFound, StoreUnavailable

log = logging.getLogger("bcg.pages")

# Pages load nothing from elsewhere and run no inline script: what gets into a page
# (a name in a CRM export) cannot run as code.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; "
        "object-src 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def _percent(value: float | None, digits: int = 0) -> str:
    return "–" if value is None else f"{value * 100:.{digits}f}%"


def _ratio(value: float | None) -> str:
    if value is None:
        return "–"
    if value >= 1e6:
        return "> 10⁶"
    return f"{value:.2f}"


def _amount(value: float | None, currency: str | None = None) -> str:
    if value is None:
        return "–"
    return f"{value:,.0f}" + (f" {currency}" if currency else "")


def _words(value: str | None) -> str:
    return (value or "").replace("_", " ")


def _role(value: str | None) -> Markup:
    """A role key that may break after its dot on a narrow screen."""
    return Markup(".<wbr>").join(escape(value or "").split("."))


ENV = Environment(
    loader=PackageLoader("app.pages", "templates"),
    autoescape=select_autoescape(["html", "svg"], default_for_string=True, default=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
ENV.filters.update(percent=_percent, ratio=_ratio, amount=_amount, words=_words, role=_role)


def render(
    request: Request,
    template: str,
    status: int = 200,
    headers: dict[str, str] | None = None,
    **context: Any,
) -> HTMLResponse:
    viewer = context.pop("viewer", None)
    html = ENV.get_template(template).render(request=request, viewer=viewer, **context)
    return HTMLResponse(html, status_code=status, headers={**SECURITY_HEADERS, **(headers or {})})


def refusal(request: Request, status: int, title: str, detail: str, **extra: str) -> HTMLResponse:
    viewer = None
    if status != 503:
        try:
            viewer = current_viewer(request)
        except StoreUnavailable:
            viewer = None
    return render(
        request,
        "refused.html",
        status=status,
        headers=extra or None,
        viewer=viewer,
        title=title,
        detail=detail,
    )


class PageRoute(APIRoute):
    """A route whose refusals are pages, not problem+json."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def run(request: Request) -> Response:
            try:
                return await handler(request)
            except SignInRequired as wanted:
                return RedirectResponse(login_url(wanted.back_to), status_code=303)
            except PageRefused as refused:
                return refusal(request, refused.status, refused.title, refused.detail)
            except NotFound as missing:
                return refusal(
                    request,
                    404,
                    "Not found",
                    f"There is no {missing.kind} {missing.record_id!r} in your tenant.",
                )
            except InvalidInput as invalid:
                return refusal(
                    request, 422, "Invalid request", f"{invalid.field}: {invalid.message}"
                )
            except RequestValidationError as invalid:
                fields = "; ".join(
                    f"{'.'.join(str(p) for p in e.get('loc', ())[1:])}: {e.get('msg')}"
                    for e in invalid.errors()
                )
                return refusal(request, 422, "Invalid request", fields)
            except StoreUnavailable as away:
                return refusal(
                    request,
                    503,
                    "Store unavailable",
                    "The graph store cannot be reached just now; nothing was changed. "
                    "Try again in a few seconds.",
                    **{"Retry-After": str(away.retry_after_s)},
                )

        return run
