"""Every error the service answers, as RFC 9457 problem details, mapped in this one place."""

from __future__ import annotations

import logging
import traceback
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from graph.errors import DomainError, InvalidInput, NotFound, StoreUnavailable

log = logging.getLogger("bcg.errors")
PROBLEM_JSON = "application/problem+json"


class ApiError(Exception):
    """An HTTP-level refusal (auth, limits) raised by routes and dependencies."""

    def __init__(
        self,
        status: int,
        slug: str,
        title: str,
        detail: str,
        errors: list[dict[str, str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.slug = slug
        self.title = title
        self.detail = detail
        self.errors = errors
        self.headers = headers


def problem(
    status: int,
    slug: str,
    title: str,
    detail: str,
    errors: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": f"/problems/{slug}",
        "title": title,
        "status": status,
        "detail": detail,
    }
    if errors is not None:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _field_path(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "query", "path", "header"):
        parts = parts[1:] if parts[0] == "body" else parts
    return ".".join(parts) or "(body)"


async def _validation(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"field": _field_path(tuple(e.get("loc", ()))), "message": str(e.get("msg", "invalid"))}
        for e in exc.errors()
    ]
    return problem(
        422, "validation-error", "Invalid request", "The request has invalid fields.", errors
    )


def _allowed_methods(request: Request) -> str:
    """Every method some route offers on this path (Starlette names only the first route's).

    Routes are walked by duck typing, as included routers keep their routes as candidates.
    """
    path = request.url.path
    methods: set[str] = set()
    pending: list[Any] = list(request.app.router.routes)
    while pending:
        route = pending.pop()
        pending.extend(getattr(route, "_effective_candidates", None) or ())
        pending.extend(getattr(route, "routes", None) or ())
        regex = getattr(route, "path_regex", None)
        if regex is not None and regex.match(path):
            methods.update(getattr(route, "methods", None) or ())
    return ", ".join(sorted(methods))


async def _http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 405:
        return problem(
            405,
            "method-not-allowed",
            "Method not allowed",
            f"{request.method} is not allowed here.",
            headers={"Allow": _allowed_methods(request)},
        )
    slugs = {404: "not-found", 405: "method-not-allowed", 401: "unauthorized"}
    return problem(
        exc.status_code,
        slugs.get(exc.status_code, f"http-{exc.status_code}"),
        str(exc.detail) if exc.status_code != 405 else "Method not allowed",
        str(exc.detail),
        headers=getattr(exc, "headers", None),
    )


async def _api(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return problem(exc.status, exc.slug, exc.title, exc.detail, exc.errors, exc.headers)


async def _domain(_: Request, exc: Exception) -> JSONResponse:
    if isinstance(exc, NotFound):
        return problem(404, exc.type_slug, "Not found", str(exc))
    if isinstance(exc, InvalidInput):
        return problem(
            422,
            exc.type_slug,
            "Invalid request",
            exc.message,
            [{"field": exc.field, "message": exc.message}],
        )
    if isinstance(exc, StoreUnavailable):
        return problem(
            503,
            exc.type_slug,
            "Store unavailable",
            "The graph store cannot be reached; nothing was written. Retry later.",
            headers={"Retry-After": str(exc.retry_after_s)},
        )
    return problem(400, "domain-error", "Request refused", str(exc))


async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
    # The type and the code locations; never the message, which may quote input.
    log.error(
        "unhandled error: %s\n%s",
        type(exc).__name__,
        "".join(traceback.format_tb(exc.__traceback__)),
    )
    return problem(
        500,
        "internal-error",
        "Internal error",
        "The service failed to answer; the error was logged.",
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(ApiError, _api)
    app.add_exception_handler(DomainError, _domain)
    app.add_exception_handler(Exception, _unexpected)
