"""The service's HTTP connections send every response at once, however they were accepted."""

from __future__ import annotations

import asyncio
import socket

from app.protocol import no_delay


def test_a_connection_on_a_socket_bound_like_uvicorns_workers_gets_no_delay() -> None:
    """`bcg serve --workers N` accepts on a listener bound with proto 0, on which asyncio
    leaves Nagle's algorithm on (each keep-alive response then waits ~40 ms for an ACK)."""

    async def accept_one() -> tuple[int, int]:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)  # proto 0, as uvicorn
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        seen: asyncio.Future[tuple[int, int]] = asyncio.get_running_loop().create_future()

        class Probe(asyncio.Protocol):
            def connection_made(self, transport: asyncio.BaseTransport) -> None:
                sock = transport.get_extra_info("socket")
                before = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
                no_delay(transport)
                seen.set_result((before, sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)))
                transport.close()

        server = await asyncio.get_running_loop().create_server(Probe, sock=listener)
        async with server:
            _, writer = await asyncio.open_connection(*listener.getsockname())
            result = await asyncio.wait_for(seen, 5)
            writer.close()
        return result

    before, after = asyncio.run(accept_one())
    assert before == 0  # the trap this guards against
    assert after != 0
