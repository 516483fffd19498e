"""Pages for people: server-rendered, under /app, beside the JSON API.

Why they look as they do: docs/decisions.md, "Pages for people".

`router` holds the pages; `static_files()` serves their CSS, script and the
vendored htmx (no build step, nothing fetched from elsewhere).
"""

from __future__ import annotations

from pathlib import Path

from fastapi.staticfiles import StaticFiles

from app.pages.routes import router

STATIC_DIR = Path(__file__).parent / "static"
STATIC_PATH = "/app/static"


def static_files() -> StaticFiles:
    return StaticFiles(directory=STATIC_DIR)


__all__ = ["STATIC_PATH", "router", "static_files"]
