"""gunicorn settings for consult_app: ``gunicorn -c gunicorn.conf.py 'consult_app:create_app()'``.

Threaded workers that keep connections open between requests. gunicorn's default (sync)
workers answer one request per connection and close it, so every request pays a new TCP
connection in the server and in the client (or the load balancer), and a worker cannot
overlap one request's wait on the database with another request's work.

The work of a request is Python and holds the interpreter lock, so more processes than
cores gain nothing and cost memory and context switches: one worker per core by default
(``WEB_CONCURRENCY``), each with a few threads (``GUNICORN_THREADS``) to overlap database
and network waits. Each thread can hold one database connection (the pool's default size
is 5 per process). Anything given on the command line (``-w``, ``-b``, ``-k``...) wins
over this file.
"""

from __future__ import annotations

import os

workers = int(os.environ.get("WEB_CONCURRENCY") or os.cpu_count() or 1)
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS") or 4)
# Seconds an idle kept-alive connection stays open (gunicorn's default is 2).
keepalive = 5
# The workers' heartbeat files, in memory where there is /dev/shm (as in containers).
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"


def child_exit(server, worker):  # type: ignore[no-untyped-def]
    """Prometheus multiprocess mode: forget the gauges of a worker that exited."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
