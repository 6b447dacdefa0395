"""Probe: POSTs through the proxy at the moment its idle connections to the instances expire.

A burst of POSTs leaves kept-alive connections between nginx and the instances, all idle
from the same moment; after an idle time drawn around gunicorn's keepalive (5 s,
gunicorn.conf.py) a second burst follows. If gunicorn closes an idle connection at the
moment nginx sends a request on it, nginx answers 502 and, the request being a POST, does
not resend it. Every other answer is the application's (400 here: the POSTs carry no CSRF
token, which is all they need to reach it).

    scripts/cluster.sh start          # or make cluster
    .venv/bin/python bench/keepalive_probe.py --port 8080 --cycles 40

Prints the count of each status (docs/benchmarks.md has the figures).
"""

from __future__ import annotations

import argparse
import random
import socket
import threading
import time
from collections import Counter

REQUEST = (
    b"POST /account/login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 3\r\n"
    b"Connection: close\r\n\r\na=b"
)


def post(port: int) -> int:
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(REQUEST)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    return int(data.split(b" ", 2)[1])


def burst(port: int, size: int, statuses: Counter[int], lock: threading.Lock) -> None:
    def one() -> None:
        status = post(port)
        with lock:
            statuses[status] += 1

    threads = [threading.Thread(target=one) for _ in range(size)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8080, help="the proxy's port")
    parser.add_argument("--cycles", type=int, default=40)
    parser.add_argument("--burst", type=int, default=8, help="POSTs at once")
    parser.add_argument("--idle", type=float, default=5.0, help="gunicorn's keepalive")
    args = parser.parse_args()
    statuses: Counter[int] = Counter()
    lock = threading.Lock()
    rng = random.Random(1)
    for _ in range(args.cycles):
        burst(args.port, args.burst, statuses, lock)
        time.sleep(args.idle + rng.uniform(-0.6, 0.6))
        burst(args.port, args.burst, statuses, lock)
    print(dict(sorted(statuses.items())))


if __name__ == "__main__":
    main()
