"""A cluster for the fault tests: nginx, two gunicorn instances, PostgreSQL, Redis, a worker.

Started by ``scripts/cluster.sh`` on ports of its own (``CLUSTER_TEST_APP_PORTS``,
``CLUSTER_TEST_PROXY_PORT``) over a fresh database (``CLUSTER_TEST_DATABASE``) and Redis
database 6, so that a ``make cluster`` left running is not disturbed. Logs stay in
``instance/cluster-test/`` for reading after a failure.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "cluster.sh"
PG_ADMIN = os.environ.get("CLUSTER_TEST_PG", "postgresql://root@127.0.0.1:5432")
DATABASE = os.environ.get("CLUSTER_TEST_DATABASE", "consult_cluster_faults")
# A Redis of the test's own, so that it can be stopped and started (a fault).
REDIS_PORT = int(os.environ.get("CLUSTER_TEST_REDIS_PORT", "18379"))
REDIS_URL = f"redis://127.0.0.1:{REDIS_PORT}/0"
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
# The instances and the worker reach PostgreSQL through a TCP proxy of the test's own
# (tests/cluster/tcp_proxy.py) that a test cuts and restores: PostgreSQL unreachable without
# stopping the machine's shared server.
PG_PROXY_PORT = int(os.environ.get("CLUSTER_TEST_PG_PROXY_PORT", "18432"))
APP_PORTS = [int(p) for p in os.environ.get("CLUSTER_TEST_APP_PORTS", "18101 18102").split()]
PROXY_PORT = int(os.environ.get("CLUSTER_TEST_PROXY_PORT", "18180"))


@dataclass
class Cluster:
    env: dict[str, str]
    directory: Path
    database_url: str
    proxy_port: int = PROXY_PORT
    app_ports: list[int] = field(default_factory=lambda: list(APP_PORTS))
    redis: subprocess.Popen[bytes] | None = None
    pg_proxy: subprocess.Popen[bytes] | None = None

    def start_pg_proxy(self) -> None:
        target = make_url(self.database_url)
        self.pg_proxy = subprocess.Popen(
            [
                sys.executable,
                str(ROOT / "tests" / "cluster" / "tcp_proxy.py"),
                str(PG_PROXY_PORT),
                target.host or "127.0.0.1",
                str(target.port or 5432),
            ],
            stdout=open(self.directory / "pg-proxy.log", "ab"),  # noqa: SIM115
            stderr=subprocess.STDOUT,
        )
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", PG_PROXY_PORT), timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)
        raise AssertionError("the PostgreSQL proxy did not start")

    def cut_database(self) -> None:
        """PostgreSQL unreachable: open connections reset, new ones refused."""
        assert self.pg_proxy is not None
        self.pg_proxy.send_signal(signal.SIGUSR1)

    def restore_database(self) -> None:
        assert self.pg_proxy is not None
        self.pg_proxy.send_signal(signal.SIGUSR2)

    def stop_pg_proxy(self) -> None:
        if self.pg_proxy is not None:
            self.pg_proxy.kill()
            self.pg_proxy.wait(timeout=30)
            self.pg_proxy = None

    def start_redis(self) -> None:
        self.redis = subprocess.Popen(
            [
                REDIS_SERVER,
                "--port",
                str(REDIS_PORT),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.directory),
            ],
            stdout=open(self.directory / "redis.log", "ab"),  # noqa: SIM115 (kept by the child)
            stderr=subprocess.STDOUT,
        )
        from redis import Redis

        for _ in range(100):
            try:
                Redis.from_url(REDIS_URL).ping()
                return
            except Exception:
                time.sleep(0.1)
        raise AssertionError("redis-server did not start")

    def stop_redis(self) -> None:
        if self.redis is not None:
            self.redis.kill()
            self.redis.wait(timeout=30)
            self.redis = None

    def script(self, *args: str, timeout: float = 400) -> str:
        result = subprocess.run(
            [str(SCRIPT), *args],
            env=self.env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if result.returncode != 0:
            raise AssertionError(f"cluster.sh {' '.join(args)} failed:\n{result.stderr}")
        return result.stderr

    def flask(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [self.env["BIN"] + "/flask", "--app", "consult_app", *args],
            env=self.env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )


def _psql(database: str, sql: str) -> None:
    subprocess.run(
        ["psql", f"{PG_ADMIN}/{database}", "-v", "ON_ERROR_STOP=1", "-qc", sql],
        check=True,
        capture_output=True,
        timeout=60,
    )


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    if not Path(os.environ.get("NGINX", "/usr/sbin/nginx")).exists():
        pytest.fail("nginx is missing: `make test-cluster` installs it (as root)")
    if not Path(REDIS_SERVER).exists():
        pytest.fail("redis-server is missing (Debian's redis-server package)")
    _psql("postgres", f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
    _psql("postgres", f'CREATE DATABASE "{DATABASE}"')
    directory = ROOT / "instance" / "cluster-test"
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    database_url = f"{PG_ADMIN}/{DATABASE}"
    env = dict(os.environ)
    for name in ("TEST_DATABASE_URL", "PROMETHEUS_MULTIPROC_DIR", "INSTANCE_PATH"):
        env.pop(name, None)
    env.update(
        BIN=str(Path(sys.executable).parent),
        CLUSTER_DIR=str(directory),
        APP_PORTS=" ".join(map(str, APP_PORTS)),
        PROXY_PORT=str(PROXY_PORT),
        DATABASE_URL=make_url(database_url).set(port=PG_PROXY_PORT).render_as_string(False),
        REDIS_URL=REDIS_URL,
        # A killed worker's job is seen silent after 4 s and queued again within 2 s more.
        EXPORTS_HEARTBEAT_SECONDS="1",
        EXPORTS_STALE_SECONDS="4",
        EXPORTS_RECOVERY_SECONDS="2",
        SECRET_KEY=secrets.token_urlsafe(48),
        # The load comes from one address: limits high enough for it, but counted (in Redis).
        SUBMIT_RATE_LIMIT="100000 per minute",
    )
    cluster = Cluster(env=env, directory=directory, database_url=database_url)
    try:
        cluster.start_redis()
        cluster.start_pg_proxy()
        cluster.script("start")
        yield cluster
    finally:
        cluster.script("stop")
        cluster.stop_redis()
        cluster.stop_pg_proxy()
