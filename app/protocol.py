"""The HTTP protocol the service is served with: uvicorn's, with Nagle's algorithm off.

Why: with `bcg serve --workers N`, uvicorn binds the listening socket itself and leaves
its `proto` at 0; asyncio turns TCP_NODELAY on only for sockets that report IPPROTO_TCP
(uvicorn issue 3149). Every response after a connection's first then waits for the
client's delayed ACK: /healthz took 2-3 ms with one worker and 44-48 ms with two.
"""

from __future__ import annotations

import asyncio
import socket

from uvicorn.protocols.http.h11_impl import H11Protocol


def no_delay(transport: asyncio.BaseTransport) -> None:
    """Send each response at once, whatever socket the connection was accepted on."""
    sock = transport.get_extra_info("socket")
    if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class NoDelayH11Protocol(H11Protocol):
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        no_delay(transport)
        super().connection_made(transport)
