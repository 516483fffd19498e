"""`bcg serve --workers N`: the supervisor of the worker processes, on its own.

The supervisor only starts and watches workers; it should not hold what a worker holds.
`bcg` itself imports the whole CLI (stores, drivers, the importers: about 110 MB), so
`bcg serve --workers` replaces itself with this module (about 40 MB), whose workers
each build the app from the settings (app.asgi).
"""

from __future__ import annotations

import argparse
import logging

import uvicorn

from app.protocol import NoDelayH11Protocol


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    uvicorn.run(
        "app.asgi:app",
        host=args.host,
        port=args.port,
        workers=args.workers,
        factory=True,
        access_log=False,
        http=NoDelayH11Protocol,
    )


if __name__ == "__main__":
    main()
