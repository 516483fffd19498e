"""A loopback TCP proxy that tests can cut, to take a real Neo4j away from the service.

`cut()` closes the listener and every open connection, as a network
partition or a stopped server would; `cut_after(n)` does so once n bytes
went from client to server, which lands in the middle of a transaction.
"""

from __future__ import annotations

import contextlib
import socket
import threading


class TcpProxy:
    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        self.port = probe.getsockname()[1]
        probe.close()
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._listener: socket.socket | None = None
        self._budget: int | None = None
        self._accepting = False

    def start(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        self._accepting = True
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut_after(self, budget: int) -> None:
        with self._lock:
            self._budget = budget

    def cut(self) -> None:
        with self._lock:
            self._accepting = False
            self._budget = None
            if self._listener is not None:
                with contextlib.suppress(OSError):
                    self._listener.shutdown(socket.SHUT_RDWR)  # wakes a blocked accept()
                self._listener.close()
                self._listener = None
            for sock in self._sockets:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            self._sockets.clear()

    def _accept(self, listener: socket.socket) -> None:
        while self._accepting:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            if not self._accepting:
                client.close()
                return
            try:
                upstream = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._sockets += [client, upstream]
            threading.Thread(target=self._pump, args=(client, upstream, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client, False), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket, counted: bool) -> None:
        try:
            while data := source.recv(65536):
                if counted:
                    with self._lock:
                        if self._budget is not None:
                            self._budget -= len(data)
                            exhausted = self._budget <= 0
                        else:
                            exhausted = False
                    if exhausted:
                        threading.Thread(target=self.cut, daemon=True).start()
                        return
                sink.sendall(data)
        except OSError:
            pass
