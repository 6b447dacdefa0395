"""A TCP proxy the fault tests can cut: PostgreSQL made unreachable without stopping it.

    python tests/cluster/tcp_proxy.py LISTEN_PORT TARGET_HOST TARGET_PORT

The cluster's instances and worker reach PostgreSQL through it. ``SIGUSR1`` cuts: every
open connection is reset and new ones are refused (the listening socket is closed), as when
the database's host drops off the network; ``SIGUSR2`` restores it. The shared PostgreSQL
server of the machine keeps running for everyone else.
"""

from __future__ import annotations

import contextlib
import selectors
import signal
import socket
import struct
import sys
import threading


class Proxy:
    def __init__(self, port: int, target: tuple[str, int]) -> None:
        self.port = port
        self.target = target
        self.lock = threading.RLock()
        self.connections: set[socket.socket] = set()
        self.listener: socket.socket | None = None
        self.wanted = threading.Event()  # set: listening
        self.wanted.set()

    def listen(self) -> socket.socket:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(128)
        return listener

    def cut(self) -> None:
        self.wanted.clear()
        with self.lock:
            listener, self.listener = self.listener, None
            connections = list(self.connections)
            self.connections.clear()
        if listener is not None:
            listener.close()
        for conn in connections:
            try:
                # RST rather than FIN: the peer sees the connection broken, not closed.
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                conn.close()
            except OSError:
                pass

    def restore(self) -> None:
        self.wanted.set()

    def pump(self, a: socket.socket, b: socket.socket) -> None:
        selector = selectors.DefaultSelector()
        selector.register(a, selectors.EVENT_READ, b)
        selector.register(b, selectors.EVENT_READ, a)
        try:
            while True:
                for key, _ in selector.select():
                    data = key.fileobj.recv(65536)  # type: ignore[union-attr]
                    if not data:
                        return
                    key.data.sendall(data)
        except (OSError, ValueError):
            return
        finally:
            with self.lock:
                self.connections.discard(a)
                self.connections.discard(b)
            for s in (a, b):
                with contextlib.suppress(OSError):
                    s.close()

    def serve(self) -> None:
        while True:
            self.wanted.wait()
            with self.lock:
                if self.listener is None:
                    self.listener = self.listen()
                listener = self.listener
            try:
                client, _ = listener.accept()
            except OSError:
                continue  # cut meanwhile
            try:
                upstream = socket.create_connection(self.target, timeout=5)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            with self.lock:
                if not self.wanted.is_set():
                    client.close()
                    upstream.close()
                    continue
                self.connections.update((client, upstream))
            threading.Thread(target=self.pump, args=(client, upstream), daemon=True).start()


def main() -> None:
    port, host, target_port = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    proxy = Proxy(port, (host, target_port))
    proxy.listener = proxy.listen()
    signal.signal(signal.SIGUSR1, lambda *_: proxy.cut())
    signal.signal(signal.SIGUSR2, lambda *_: proxy.restore())
    print(f"proxy 127.0.0.1:{port} -> {host}:{target_port}", flush=True)
    proxy.serve()


if __name__ == "__main__":
    main()
