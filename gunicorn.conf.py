"""gunicorn settings for consult_app: ``gunicorn -c gunicorn.conf.py 'consult_app:create_app()'``.

Threaded workers that keep connections open between requests. gunicorn's default (sync)
workers answer one request per connection and close it, so every request pays a new TCP
connection in the server and in the client (or the load balancer), and a worker cannot
overlap one request's wait on the database with another request's work.

The work of a request is Python and holds the interpreter lock, so more processes than
cores gain nothing and cost memory and context switches: one worker per core by default
(``WEB_CONCURRENCY``). One thread a worker by default (``GUNICORN_THREADS``): measured with
8 contributors posting comments (docs/benchmarks.md, "Comment posts, one thread a worker"),
threads of one process wait for each other's interpreter lock and, on SQLite, for the
write lock through SQLite's sleeping busy handler, so 2 workers x 4 threads took about a
quarter fewer posts a second than 2 x 1 on SQLite and none more on PostgreSQL. A thread
still reads and answers one request at a time: behind a buffering proxy (nginx, as in
``make cluster``) a slow client does not hold it; serving clients directly over slow
links, give a few threads. Each thread holds at most one database connection. Anything
given on the command line (``-w``, ``-b``, ``-k``...) wins over this file.
"""

from __future__ import annotations

import os

workers = int(os.environ.get("WEB_CONCURRENCY") or os.cpu_count() or 1)
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS") or 1)
# Seconds an idle kept-alive connection stays open (gunicorn's default is 2).
keepalive = 5
# gunicorn 27's control socket (``gunicornc``): one per instance where several run on one
# host (scripts/cluster.sh gives each its own); by default every instance of a user binds
# the same path, each new one taking it from the others. Older gunicorn ignores the name.
if os.environ.get("GUNICORN_CONTROL_SOCKET"):
    control_socket = os.environ["GUNICORN_CONTROL_SOCKET"]

# The workers' heartbeat files, in memory where there is /dev/shm (as in containers).
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"


def child_exit(server, worker):  # type: ignore[no-untyped-def]
    """Prometheus multiprocess mode: forget the gauges of a worker that exited."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
