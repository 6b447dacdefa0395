"""Serve a generated consultation with gunicorn on 127.0.0.1 and measure it under load.

    .venv/bin/python bench/generate.py                   # bench/out/bench.sqlite, 100,000
    .venv/bin/python bench/load.py --label sqlite
    .venv/bin/python bench/load.py --label postgresql \\
        --database-url postgresql://root@127.0.0.1:5432/bench_load
    .venv/bin/python bench/load.py --label figures-1m --only figures \\
        --database-url postgresql://root@127.0.0.1:5432/bench_1m

Phases (``--only`` picks some; the default is every phase but ``figures``):

- ``queries``: SQL statements of the provision page at 100 and at 10,000 comments, counted
  in-process with a SQLAlchemy event (no server);
- ``provision``: the provision page with 10,000 comments: latency at one client, requests/s
  with ``--clients`` clients (page 1, then random pages);
- ``api``: the JSON comment list of that provision (20 a page), when the endpoint exists;
- ``figures``: the dashboard and the per-provision figures (public and secretariat views);
- ``submit``: ``--clients`` contributors of different organisations sign in (CSRF token read
  from the form) and post the real add-comment form for ``--submit-seconds``; afterwards the
  rows in the database are compared with the 2xx/3xx answers (no lost, no duplicate write);
- ``exports``: ``flask exports build`` of the .xlsx compilation and the .docx report, with
  wall time and peak RSS of that process (no server running meanwhile).

The server is gunicorn with the project's ``gunicorn.conf.py`` (threaded workers with
keep-alive; ``--workers`` and ``--gunicorn-arg`` override it). The load generator is in this
file: threads with keep-alive connections (a plain socket each, reopened when the server
closes them, as gunicorn's sync workers do after each response), each phase bounded by a
number of requests or a duration. Results are printed as a table and
written to ``bench/out/load-<label>.json``.
"""

from __future__ import annotations

import argparse
import html.parser
import json
import os
import platform
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))

PASSWORD = "bench-password-1"
TARGETS = {
    "provision_p50_ms": 30.0,
    "provision_rps": 150.0,
    "api_rps": 300.0,
    "submit_per_s": 300.0,  # issue 12: 8 clients, on PostgreSQL and on SQLite
    "figures_ms": 200.0,
    "xlsx_s": 15.0,
    "docx_s": 60.0,
    "export_rss_mib": 300.0,
}
ALL_PHASES = ("queries", "provision", "api", "figures", "submit", "exports")
DEFAULT_PHASES = ("queries", "provision", "api", "submit", "exports")


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def absolute_url(url: str) -> str:
    """SQLite paths relative to the current directory (Flask-SQLAlchemy would use instance/)."""
    if url.startswith("sqlite:///") and not url.startswith("sqlite:////"):
        return "sqlite:///" + str(Path(url[len("sqlite:///") :]).resolve())
    return url


def machine() -> dict[str, Any]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "loadavg_at_start": [round(x, 2) for x in os.getloadavg()],
    }


# --- HTTP client ------------------------------------------------------------------------


class ServerClosed(ConnectionError):
    """The server closed a kept-alive connection before answering (the request is retried)."""


class Client:
    """One keep-alive HTTP/1.1 connection with a cookie jar; reconnects when the server closes.

    A plain socket and a few lines of parsing rather than ``http.client``, whose header
    parsing (the ``email`` package) costs more than the request itself at this rate: the
    load generator shares the machine with the server, so its own CPU is kept small. It
    reads what the server sends (``Content-Length``, chunked, or until the server closes)
    and honours ``Connection: close`` (gunicorn's sync workers close after each response).
    """

    def __init__(self, port: int) -> None:
        self.port = port
        self.sock: socket.socket | None = None
        self.reader: Any = None
        self.cookies: dict[str, str] = {}
        # Once frozen, cookies the server sets are ignored (see phase_submit).
        self.frozen = False
        self._head = (
            f"Host: 127.0.0.1:{port}\r\nAccept: text/html,application/json\r\n"
            "Accept-Encoding: identity\r\nConnection: keep-alive\r\n"
        )

    def _connect(self) -> None:
        self.sock = socket.create_connection(("127.0.0.1", self.port), timeout=60)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.reader = self.sock.makefile("rb")

    def close(self) -> None:
        if self.reader is not None:
            self.reader.close()
            self.reader = None
        if self.sock is not None:
            self.sock.close()
            self.sock = None

    def request(
        self, method: str, path: str, form: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        head = f"{method} {path} HTTP/1.1\r\n{self._head}"
        body = b""
        if form is not None:
            body = urllib.parse.urlencode(form).encode()
            head += "Content-Type: application/x-www-form-urlencoded\r\n"
        if body or method not in ("GET", "HEAD"):
            head += f"Content-Length: {len(body)}\r\n"
        if self.cookies:
            head += "Cookie: " + "; ".join(f"{k}={v}" for k, v in self.cookies.items()) + "\r\n"
        message = head.encode("latin-1") + b"\r\n" + body
        for attempt in range(2):
            reused = self.sock is not None
            if not reused:
                self._connect()
            try:
                assert self.sock is not None
                self.sock.sendall(message)
                return self._response(method)
            except (ServerClosed, ConnectionResetError, BrokenPipeError):
                # The server closed the kept-alive connection before this request: retry
                # once on a new one (the request never reached the application).
                self.close()
                if attempt or not reused:
                    raise
            except BaseException:
                self.close()
                raise
        raise RuntimeError("unreachable")

    def _response(self, method: str) -> tuple[int, dict[str, str], bytes]:
        reader = self.reader
        line = reader.readline(65537)
        if not line:
            raise ServerClosed("connection closed before the status line")
        parts = line.split(None, 2)
        if len(parts) < 2 or not parts[0].startswith(b"HTTP/1."):
            raise ConnectionError(f"bad status line {line[:80]!r}")
        status = int(parts[1])
        headers: dict[str, str] = {}
        cookies: list[str] = []
        while True:
            line = reader.readline(65537)
            if line in (b"\r\n", b"\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            key, value = name.strip().lower(), value.strip()
            if key == "set-cookie":
                cookies.append(value)
            headers[key] = f"{headers[key]}, {value}" if key in headers else value
        if method == "HEAD" or status in (204, 304) or 100 <= status < 200:
            data = b""
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            data = self._chunked()
        elif "content-length" in headers:
            length = int(headers["content-length"])
            data = reader.read(length)
            if len(data) != length:
                raise ConnectionError("connection closed inside the body")
        else:
            data = reader.read()  # until the server closes
            headers["connection"] = "close"
        if cookies and not self.frozen:
            for raw in cookies:
                cookie: SimpleCookie = SimpleCookie()
                cookie.load(raw)
                for key, morsel in cookie.items():
                    self.cookies[key] = morsel.value
        if headers.get("connection", "").lower() == "close":
            self.close()
        return status, headers, data

    def _chunked(self) -> bytes:
        chunks: list[bytes] = []
        while True:
            size = int(self.reader.readline(65537).split(b";", 1)[0], 16)
            if size == 0:
                while self.reader.readline(65537) not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                return b"".join(chunks)
            chunks.append(self.reader.read(size))
            self.reader.readline(65537)


@dataclass
class Run:
    """Outcome of one bounded load phase."""

    name: str
    clients: int
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    server_cpu: float | None = None  # CPU seconds the gunicorn processes used meanwhile
    client_cpu: float | None = None  # CPU seconds this load generator used meanwhile

    def record(self, status: int, elapsed: float) -> None:
        with self.lock:
            self.latencies.append(elapsed)
            self.statuses[status] = self.statuses.get(status, 0) + 1

    def fail(self, message: str) -> None:
        with self.lock:
            self.errors.append(message)

    def summary(self) -> dict[str, Any]:
        ordered = sorted(self.latencies)

        def pct(p: float) -> float | None:
            if not ordered:
                return None
            return round(ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000, 1)

        return {
            "name": self.name,
            "clients": self.clients,
            "requests": len(ordered),
            "seconds": round(self.seconds, 2),
            "rps": round(len(ordered) / self.seconds, 1) if self.seconds else None,
            "p50_ms": round(statistics.median(ordered) * 1000, 1) if ordered else None,
            "p90_ms": pct(0.9),
            "p99_ms": pct(0.99),
            "max_ms": round(ordered[-1] * 1000, 1) if ordered else None,
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "errors": self.errors[:10],
            "error_count": len(self.errors),
            # CPU time of the application per request, whoever else uses the machine; 2 idle
            # cores could serve at most 2 / that many requests per second.
            "server_cpu_ms_per_request": (
                round(self.server_cpu * 1000 / len(ordered), 2)
                if self.server_cpu is not None and ordered else None
            ),
            "client_cpu_ms_per_request": (
                round(self.client_cpu * 1000 / len(ordered), 2)
                if self.client_cpu is not None and ordered else None
            ),
        }


def drive(
    name: str,
    port: int,
    clients: int,
    make_path: Callable[[int, random.Random], str],
    *,
    requests_per_client: int | None = None,
    duration: float | None = None,
    ok: Callable[[int], bool] = lambda status: status == 200,
) -> Run:
    """``clients`` threads GET paths until each did its requests or the duration is over."""
    run = Run(name, clients)
    deadline: list[float] = [0.0]
    started: list[float] = [0.0]

    def go() -> None:  # run once, when every client is ready
        started[0] = time.perf_counter()
        deadline[0] = started[0] + (duration or 0)

    barrier = threading.Barrier(clients + 1, action=go)

    def worker(index: int) -> None:
        rng = random.Random(index)
        client = Client(port)
        barrier.wait()
        done = 0
        while True:
            if requests_per_client is not None and done >= requests_per_client:
                break
            if duration is not None and time.perf_counter() >= deadline[0]:
                break
            path = make_path(index, rng)
            started = time.perf_counter()
            try:
                status, _, _ = client.request("GET", path)
            except Exception as error:
                run.fail(f"{type(error).__name__}: {error}")
                client.close()
                continue
            run.record(status, time.perf_counter() - started)
            if not ok(status):
                run.fail(f"HTTP {status} on {path}")
            done += 1
        client.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    cpu_before = server_cpu_seconds()
    client_before = time.process_time()
    barrier.wait()
    for thread in threads:
        thread.join()
    run.seconds = time.perf_counter() - started[0]
    run.client_cpu = time.process_time() - client_before
    cpu_after = server_cpu_seconds()
    if cpu_before is not None and cpu_after is not None:
        run.server_cpu = cpu_after - cpu_before
    return run


# --- forms ------------------------------------------------------------------------------


class FormParser(html.parser.HTMLParser):
    """The fields of the forms of a page: {action: {name: value}} and select options."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: dict[str, dict[str, str]] = {}
        self.options: dict[str, list[str]] = {}
        self._action: str | None = None
        self._textarea: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._action = a.get("action", "")
            self.forms.setdefault(self._action, {})
            return
        if self._action is None:
            return
        fields = self.forms[self._action]
        name = a.get("name")
        if tag == "input" and name:
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            fields[name] = a.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            fields[name] = ""
        elif tag == "select" and name:
            self._select = name
            fields[name] = ""
            self.options[name] = []
        elif tag == "option" and self._select:
            value = a.get("value", "")
            self.options[self._select].append(value)
            if "selected" in a:
                fields[self._select] = value

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._action = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data: str) -> None:
        if self._textarea and self._action is not None:
            self.forms[self._action][self._textarea] += data


def parse_forms(page: bytes) -> FormParser:
    parser = FormParser()
    parser.feed(page.decode("utf-8", "replace"))
    return parser


def sign_in(client: Client, email: str) -> None:
    status, _, page = client.request("GET", "/account/login")
    forms = parse_forms(page).forms
    action, fields = next((a, f) for a, f in forms.items() if "/account/login" in a)
    fields.update(email=email, password=PASSWORD)
    status, _, _ = client.request("POST", action, fields)
    if status != 302:
        raise RuntimeError(f"sign-in of {email} answered {status}")


# --- the application in-process -----------------------------------------------------------


def make_app(database_url: str) -> Any:
    from consult_app import create_app
    from consult_app.config import normalise_database_url

    return create_app(
        "production",
        SECRET_KEY="bench-load-" + os.urandom(24).hex(),
        PUBLIC_URL="http://127.0.0.1",
        ALLOWED_HOSTS=["localhost"],  # the in-process test client's host
        SQLALCHEMY_DATABASE_URI=normalise_database_url(database_url),
        SESSION_COOKIE_SECURE=False,
        RATELIMIT_ENABLED=False,
    )


def discover(database_url: str) -> dict[str, Any]:
    """The consultation, its busiest provision, and the one closest to 100 public comments."""
    from sqlalchemy import case, func, select

    from consult_app.consultations.models import Consultation
    from consult_app.extensions import db
    from consult_app.submissions.models import Comment

    app = make_app(database_url)
    with app.app_context():
        consultation_id = db.session.scalars(
            select(Consultation.id).order_by(Consultation.id).limit(1)
        ).one()
        counts = db.session.execute(
            select(
                Comment.provision_id,
                func.count(),
                func.sum(case((Comment.is_public.is_(True), 1), else_=0)),
            )
            .where(Comment.consultation_id == consultation_id)
            .group_by(Comment.provision_id)
        ).all()
        big = max(counts, key=lambda row: row[1])
        small = min(counts, key=lambda row: abs(row[1] - 100))
        total = sum(row[1] for row in counts)
        dialect = db.engine.dialect.name
        server_version = ".".join(str(x) for x in (db.engine.dialect.server_version_info or ()))
    return {
        "consultation_id": consultation_id,
        "big_provision_id": big[0],
        "big_comments": big[1],
        "big_public": int(big[2] or 0),
        "small_provision_id": small[0],
        "small_comments": small[1],
        "small_public": int(small[2] or 0),
        "comments": total,
        "dialect": dialect,
        "server_version": server_version,
    }


def count_queries(database_url: str, data: dict[str, Any]) -> dict[str, Any]:
    """SQL statements of the provision page, counted with a SQLAlchemy event."""
    from sqlalchemy import event

    from consult_app.extensions import db

    app = make_app(database_url)
    client = app.test_client()
    result: dict[str, Any] = {}
    with app.app_context():
        engine = db.engine
    counter = {"n": 0}

    def count(*args: Any) -> None:
        counter["n"] += 1

    event.listen(engine, "before_cursor_execute", count)
    try:
        cid = data["consultation_id"]
        for key, pid, comments in (
            ("small", data["small_provision_id"], data["small_comments"]),
            ("big", data["big_provision_id"], data["big_comments"]),
        ):
            for query in ("", "?page=2", "?position=oppose"):
                path = f"/consultations/{cid}/provisions/{pid}{query}"
                client.get(path)  # warm (first-request work is not counted)
                counter["n"] = 0
                status = client.get(path).status_code
                result[f"{key}{query or ''}"] = {
                    "comments": comments, "path": path, "status": status,
                    "queries": counter["n"],
                }
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return result


def make_accounts(database_url: str, n: int, tag: str) -> list[dict[str, Any]]:
    """``n`` contributors of new organisations (of different categories), each with a draft
    submission started through the application's own operation."""
    from consult_app.accounts.models import (
        Organisation,
        OrgCategory,
        RegionalGroup,
        Role,
        User,
        VerificationStatus,
    )
    from consult_app.consultations.models import Consultation
    from consult_app.core.models import utcnow
    from consult_app.extensions import db
    from consult_app.submissions.operations import start_submission

    app = make_app(database_url)
    categories = [c for c in OrgCategory if c is not OrgCategory.OBSERVER_STATE]
    groups = list(RegionalGroup)
    accounts = []
    with app.app_context():
        consultation = db.session.scalars(db.select(Consultation).order_by(Consultation.id)).first()
        assert consultation is not None
        if not consultation.is_open():
            raise SystemExit("the consultation is not open: regenerate the data set")
        password_hash = None
        for i in range(n):
            category = categories[i % len(categories)]
            org = Organisation(
                name=f"Load test {tag} {i + 1:03d}",
                category=category,
                regional_group=groups[i % len(groups)] if category.is_state else None,
                verification_status=VerificationStatus.VERIFIED,
                verified_at=utcnow(),
            )
            user = User(
                email=f"load-{tag}-{i + 1}@bench.example", name=f"Load {i + 1}",
                role=Role.CONTRIBUTOR, organisation=org, password_hash="",
            )
            if password_hash is None:
                user.set_password(PASSWORD)
                password_hash = user.password_hash
            user.password_hash = password_hash
            db.session.add_all([org, user])
            db.session.flush()
            submission = start_submission(user, consultation)
            accounts.append({"email": user.email, "submission_id": submission.id})
        db.session.commit()
        provision_ids = [p.id for p in consultation.version.provisions]
    for account in accounts:
        account["provision_ids"] = provision_ids
    return accounts


def count_written(database_url: str, submission_ids: list[int]) -> dict[str, int]:
    from sqlalchemy import func, select

    from consult_app.extensions import db
    from consult_app.submissions.models import Comment

    app = make_app(database_url)
    with app.app_context():
        rows, distinct_bodies = db.session.execute(
            select(func.count(), func.count(func.distinct(Comment.body))).where(
                Comment.submission_id.in_(submission_ids)
            )
        ).one()
    return {"rows": int(rows), "distinct_bodies": int(distinct_bodies)}


# --- gunicorn ---------------------------------------------------------------------------

SERVER_PID: list[int] = []  # the gunicorn master, when one runs


RUNNING_SERVER: list[bool] = []  # --running: a server of this machine started elsewhere


def server_cpu_seconds() -> float | None:
    """User + system CPU of the gunicorn master and its workers (from /proc); with
    ``--running``, of every gunicorn and nginx process of the machine (a cluster's)."""
    if not SERVER_PID and not RUNNING_SERVER:
        return None
    tick = os.sysconf("SC_CLK_TCK")
    master = SERVER_PID[0] if SERVER_PID else -1
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            command = (entry / "cmdline").read_bytes() if RUNNING_SERVER else b""
        except OSError:
            continue
        pid, ppid = int(entry.name), int(fields[1])
        if pid == master or ppid == master or b"gunicorn" in command or b"nginx" in command:
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / tick


class Server:
    def __init__(
        self, database_url: str, port: int, workers: int | None, extra: list[str]
    ) -> None:
        env = dict(os.environ)
        env.update(
            CONSULT_ENV="production",
            SECRET_KEY="bench-" + os.urandom(24).hex(),
            PUBLIC_URL=f"http://127.0.0.1:{port}",
            DATABASE_URL=database_url,
            SESSION_COOKIE_SECURE="0",
            MAIL_BACKEND="memory",
            # Limits stay switched on (their cost is part of what is measured), but high.
            LOGIN_RATE_LIMIT="100000 per minute",
            SUBMIT_RATE_LIMIT="1000000 per minute",
            API_RATE_LIMIT="1000000 per minute",
            EXPORTS_DIR=str(OUT / "exports"),
        )
        self.port = port
        # The project's gunicorn.conf.py (threaded workers, keep-alive), as in production;
        # ``--gunicorn-arg`` overrides it (sync workers need ``--threads=1`` too: gunicorn
        # turns "sync" with several threads into gthread).
        self.command = [
            str(Path(sys.executable).with_name("gunicorn")),
            "-c", str(ROOT / "gunicorn.conf.py"),
            *(["-w", str(workers)] if workers else []), "-b", f"127.0.0.1:{port}",
            "--log-level", "warning", "--timeout", "120",
            *extra,
            "consult_app:create_app()",
        ]
        self.log_path = OUT / f"gunicorn-{port}.log"
        self.log_file = self.log_path.open("w")
        self.process = subprocess.Popen(
            self.command, cwd=ROOT, env=env, stdout=self.log_file, stderr=subprocess.STDOUT
        )
        SERVER_PID[:] = [self.process.pid]

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn stopped; see {self.log_path}")
            try:
                status, _, _ = Client(self.port).request("GET", "/healthz")
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        raise SystemExit("gunicorn did not answer /healthz in time")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        SERVER_PID.clear()
        self.log_file.close()


# --- phases -----------------------------------------------------------------------------


def phase_provision(port: int, data: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    cid, pid = data["consultation_id"], data["big_provision_id"]
    path = f"/consultations/{cid}/provisions/{pid}"
    pages = max(1, -(-data["big_public"] // 20))
    drive("warm-up", port, args.clients, lambda i, r: path, requests_per_client=20)
    one = drive("provision page 1, 1 client", port, 1, lambda i, r: path,
                requests_per_client=args.requests)
    many = drive(f"provision page 1, {args.clients} clients", port, args.clients,
                 lambda i, r: path, duration=args.seconds)
    random_pages = drive(
        f"provision random page, {args.clients} clients", port, args.clients,
        lambda i, r: f"{path}?page={r.randint(1, pages)}", duration=args.seconds,
    )
    return {"one": one.summary(), "many": many.summary(), "random": random_pages.summary(),
            "pages": pages}


def phase_api(port: int, data: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    cid, pid = data["consultation_id"], data["big_provision_id"]
    path = f"/api/v1/consultations/{cid}/provisions/{pid}/comments"
    status, _, body = Client(port).request("GET", path)
    if status != 200:
        return {"available": False, "reason": f"GET {path} answered {status}"}
    per_page = len(json.loads(body).get("data", []))
    pages = max(1, -(-data["big_public"] // 20))
    drive("warm-up", port, args.clients, lambda i, r: path, requests_per_client=20)
    one = drive("API page 1, 1 client", port, 1, lambda i, r: path,
                requests_per_client=args.requests)
    many = drive(f"API page 1, {args.clients} clients", port, args.clients,
                 lambda i, r: path, duration=args.seconds)
    random_pages = drive(
        f"API random page, {args.clients} clients", port, args.clients,
        lambda i, r: f"{path}?page={r.randint(1, pages)}", duration=args.seconds,
    )
    return {"available": True, "per_page": per_page, "one": one.summary(),
            "many": many.summary(), "random": random_pages.summary()}


def _constant(path: str) -> Callable[[int, random.Random], str]:
    return lambda index, rng: path


def phase_figures(port: int, data: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    cid, pid = data["consultation_id"], data["big_provision_id"]
    results: dict[str, Any] = {}
    secretariat = Client(port)
    try:
        sign_in(secretariat, "secretariat@bench.example")
    except (RuntimeError, StopIteration) as error:
        secretariat = None  # type: ignore[assignment]
        results["secretariat_sign_in"] = str(error)
    for name, path in (
        ("dashboard", f"/consultations/{cid}/dashboard"),
        ("figures", f"/consultations/{cid}/figures/{pid}"),
    ):
        status, _, _ = Client(port).request("GET", path)
        if status != 200:
            results[name] = {"available": False, "reason": f"GET {path} answered {status}"}
            continue
        public = drive(f"{name} (public), 1 client", port, 1, _constant(path),
                       requests_per_client=args.figure_requests)
        entry: dict[str, Any] = {"available": True, "path": path, "public": public.summary()}
        if secretariat is not None:
            run = Run(f"{name} (secretariat), 1 client", 1)
            cpu_before = server_cpu_seconds()
            start = time.perf_counter()
            for _ in range(args.figure_requests):
                t = time.perf_counter()
                status, _, _ = secretariat.request("GET", path)
                run.record(status, time.perf_counter() - t)
                if status != 200:
                    run.fail(f"HTTP {status}")
            run.seconds = time.perf_counter() - start
            cpu_after = server_cpu_seconds()
            if cpu_before is not None and cpu_after is not None:
                run.server_cpu = cpu_after - cpu_before
            entry["secretariat"] = run.summary()
        results[name] = entry

    # The same pages computed in this process with the figures cache off (the HTTP runs
    # above read the server's FIGURES_CACHE_SECONDS cache after the first request): what
    # every request costs when nothing is cached. CPU is this process's, i.e. the app's.
    from sqlalchemy import select

    from consult_app.accounts.models import User
    from consult_app.extensions import db

    app = make_app(absolute_url(args.database_url))
    app.config["FIGURES_CACHE_SECONDS"] = 0
    with app.app_context():
        secretariat_id = db.session.scalar(
            select(User.id).where(User.email == "secretariat@bench.example")
        )
    cold: dict[str, Any] = {}
    for view in ("public", "secretariat"):
        client = app.test_client()
        if view == "secretariat":
            if secretariat_id is None:
                continue
            with client.session_transaction() as session:
                session["_user_id"] = str(secretariat_id)
                session["_fresh"] = True
        for name, path in (
            ("dashboard", f"/consultations/{cid}/dashboard"),
            ("figures", f"/consultations/{cid}/figures/{pid}"),
        ):
            client.get(path)  # warm-up: imports, compiled statements
            run = Run(f"{name} ({view}), cache off, in process", 1)
            cpu_start, start = time.process_time(), time.perf_counter()
            for _ in range(args.figure_requests):
                t = time.perf_counter()
                response = client.get(path)
                run.record(response.status_code, time.perf_counter() - t)
                if response.status_code != 200:
                    run.fail(f"HTTP {response.status_code}")
            run.seconds = time.perf_counter() - start
            run.server_cpu = time.process_time() - cpu_start
            cold.setdefault(name, {})[view] = run.summary()
            log(f"{run.name}: p50 {cold[name][view]['p50_ms']} ms, "
                f"CPU {cold[name][view]['server_cpu_ms_per_request']} ms per request")
    results["cache_off_in_process"] = cold
    return results


def phase_submit(
    port: int, database_url: str, data: dict[str, Any], args: argparse.Namespace
) -> dict[str, Any]:
    tag = f"{args.label}-{int(time.time())}"
    accounts = make_accounts(database_url, args.accounts or args.clients, tag)
    run = Run(f"comment posts, {args.clients} clients", args.clients)
    successes = [0] * args.clients
    deadline = [0.0]
    started = [0.0]

    def go() -> None:  # run once, when every client has signed in and read its form
        started[0] = time.perf_counter()
        deadline[0] = started[0] + args.submit_seconds

    barrier = threading.Barrier(args.clients + 1, action=go)
    mine = [accounts[i::args.clients] for i in range(args.clients)]

    def worker(index: int) -> None:
        rng = random.Random(1000 + index)
        sessions = []
        try:
            for account in mine[index]:
                client = Client(port)
                sign_in(client, account["email"])
                sid = account["submission_id"]
                first = account["provision_ids"][0]
                status, _, page = client.request(
                    "GET", f"/submissions/{sid}/provisions/{first}/comment")
                # The client does not follow the redirect after a post (a browser would
                # then load the submission page and read the flash message). It keeps the
                # session cookie of the sign-in, so that unread flash messages do not pile
                # up in the cookie; the session stays valid (it is signed, not stored).
                client.frozen = True
                parsed = parse_forms(page)
                fields = next(f for a, f in parsed.forms.items() if a.endswith("/comment"))
                sessions.append((client, account, fields, parsed.options))
        except Exception as error:
            run.fail(f"set-up: {type(error).__name__}: {error}")
            barrier.wait()
            return
        barrier.wait()
        n = 0
        while time.perf_counter() < deadline[0]:
            client, account, fields, options = sessions[n % len(sessions)]
            n += 1
            pid = rng.choice(account["provision_ids"])
            positions = [v for v in options.get("position", []) if v]
            form = dict(fields)
            form.update(
                paragraph="",
                position=rng.choice(positions),
                kind=rng.choice([v for v in options.get("kind", []) if v] or ["substantive"]),
                body=(f"Load test comment {index}-{n} from {account['email']}: the provision "
                      f"should be read together with agreed language. {rng.random():.6f}"),
                proposed_wording="",
                rationale="Consistency with agreed language." if n % 3 == 0 else "",
            )
            path = f"/submissions/{account['submission_id']}/provisions/{pid}/comment"
            started = time.perf_counter()
            try:
                status, headers, _ = client.request("POST", path, form)
            except Exception as error:
                run.fail(f"{type(error).__name__}: {error}")
                client.close()
                continue
            run.record(status, time.perf_counter() - started)
            if 200 <= status < 400 and "/submissions/" in headers.get("location", ""):
                successes[index] += 1
            else:
                run.fail(f"HTTP {status} on {path}")
        for client, *_ in sessions:
            client.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(args.clients)]
    for thread in threads:
        thread.start()
    barrier.wait()  # every client signed in and read its form
    cpu_before = server_cpu_seconds()
    client_before = time.process_time()
    for thread in threads:
        thread.join()
    run.seconds = time.perf_counter() - started[0]
    run.client_cpu = time.process_time() - client_before
    cpu_after = server_cpu_seconds()
    if cpu_before is not None and cpu_after is not None:
        run.server_cpu = cpu_after - cpu_before
    written = count_written(database_url, [a["submission_id"] for a in accounts])

    def statements_per_post() -> int:
        """SQL statements of one post, counted in this process with a SQLAlchemy event, by
        another contributor (whose comments are not among the rows compared above)."""
        from sqlalchemy import event

        from consult_app.extensions import db

        account = make_accounts(database_url, 1, f"{tag}-count")[0]
        app = make_app(database_url)
        with app.app_context():
            engine = db.engine
        client = app.test_client()
        forms = parse_forms(client.get("/account/login").data).forms
        action, login = next((a, f) for a, f in forms.items() if "/account/login" in a)
        login.update(email=account["email"], password=PASSWORD)
        client.post(action, data=login)
        path = (f"/submissions/{account['submission_id']}/provisions/"
                f"{account['provision_ids'][0]}/comment")
        forms = parse_forms(client.get(path).data).forms
        fields = next(f for a, f in forms.items() if a.endswith("/comment"))
        counter = [0]

        def count(*_: Any) -> None:
            counter[0] += 1

        for n in range(3):  # the last post is counted (first-request work is not)
            counter[0] = 0
            event.listen(engine, "before_cursor_execute", count)
            try:
                response = client.post(path, data={
                    **fields, "paragraph": "", "position": "support", "kind": "substantive",
                    "body": f"Counted comment {n}.", "proposed_wording": "", "rationale": "",
                })
            finally:
                event.remove(engine, "before_cursor_execute", count)
            if response.status_code != 302:
                raise RuntimeError(f"counted post answered {response.status_code}")
        return counter[0]

    summary = run.summary()
    accepted = sum(successes)
    summary.update(
        accounts=len(accounts),
        accepted=accepted,
        per_second=round(accepted / run.seconds, 1),
        rows_written=written["rows"],
        distinct_bodies=written["distinct_bodies"],
        lost_writes=max(0, accepted - written["rows"]),
        unexpected_rows=max(0, written["rows"] - accepted),
        statements_per_post=statements_per_post(),
    )
    log(f"submit: {summary['statements_per_post']} SQL statements per post (in-process)")
    return summary


def _vm_hwm_kib(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        return None
    return None


def _time_child(command: list[str], env: dict[str, str]) -> dict[str, Any]:
    """Run a command; its wall time and peak resident memory.

    The peak is the kernel's high-water mark of the child's own memory (``VmHWM`` in
    /proc/<pid>/status, read every 20 ms until it exits). ``ru_maxrss`` from ``wait4`` is
    kept too, but on Linux it starts from the RSS this (large) process had when it forked.
    """
    start = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    peak = [0]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            value = _vm_hwm_kib(process.pid)
            if value:
                peak[0] = max(peak[0], value)
            done.wait(0.02)

    sampler = threading.Thread(target=sample)
    sampler.start()
    assert process.stdout is not None and process.stderr is not None
    stderr = process.stderr
    err_chunks: list[bytes] = []
    reader = threading.Thread(target=lambda: err_chunks.append(stderr.read()))
    reader.start()
    out = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    done.set()
    sampler.join()
    reader.join()
    err = b"".join(err_chunks)
    process.returncode = os.waitstatus_to_exitcode(status)
    elapsed = time.perf_counter() - start
    return {
        "seconds": round(elapsed, 2),
        "peak_rss_mib": round(peak[0] / 1024, 1),
        "ru_maxrss_mib_including_fork_image": round(usage.ru_maxrss / 1024, 1),
        "returncode": process.returncode,
        "stdout": out.decode(errors="replace")[-400:],
        "stderr": err.decode(errors="replace")[-400:],
    }


def phase_exports(database_url: str, data: dict[str, Any]) -> dict[str, Any]:
    flask = str(Path(sys.executable).with_name("flask"))
    env = dict(os.environ)
    env.update(CONSULT_ENV="production", SECRET_KEY="bench-exports-" + os.urandom(24).hex(),
               PUBLIC_URL="http://127.0.0.1", DATABASE_URL=database_url,
               EXPORTS_DIR=str(OUT / "exports"))
    probe = subprocess.run(
        [flask, "--app", "consult_app", "exports", "build", "--help"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=False,
    )
    if probe.returncode != 0:
        return {"available": False, "reason": "`flask exports build` is not available: "
                + probe.stderr.strip()[-200:]}
    results: dict[str, Any] = {"available": True}
    for fmt in ("xlsx", "docx"):
        output = OUT / f"export-{data['dialect']}.{fmt}"
        output.unlink(missing_ok=True)
        command = [flask, "--app", "consult_app", "exports", "build", "--consultation",
                   str(data["consultation_id"]), "--format", fmt, "--output", str(output)]
        result = _time_child(command, env)
        result["command"] = " ".join(["flask", *command[1:]]).replace(str(ROOT) + "/", "")
        result["bytes"] = output.stat().st_size if output.exists() else None
        result["rows_per_second"] = (
            round(data["comments"] / result["seconds"]) if result["returncode"] == 0 else None
        )
        results[fmt] = result
    return results


# --- report -----------------------------------------------------------------------------


def _cpu(summary: dict[str, Any]) -> str:
    value = summary.get("server_cpu_ms_per_request")
    client = summary.get("client_cpu_ms_per_request")
    if value is None:
        return ""
    return f" ({value} ms CPU/req" + (f", client {client})" if client is not None else ")")


def verdict(value: float | None, target: float, higher_is_better: bool) -> str:
    if value is None:
        return "n/a"
    met = value >= target if higher_is_better else value <= target
    return "met" if met else "NOT met"


def table(results: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    rows: list[tuple[str, str, str, str]] = []
    q = results.get("queries")
    if q:
        rows.append(("provision page SQL statements (100 / 10,000 comments)",
                     f"{q['small']['queries']} / {q['big']['queries']}", "constant",
                     "met" if q["small"]["queries"] == q["big"]["queries"] else "NOT met"))
    p = results.get("provision")
    if p:
        rows.append(("provision page (10,000) p50, 1 client", f"{p['one']['p50_ms']} ms",
                     "≤ 30 ms", verdict(p["one"]["p50_ms"], TARGETS["provision_p50_ms"], False)))
        rows.append((f"provision page (10,000) req/s, {p['many']['clients']} clients",
                     f"{p['many']['rps']}{_cpu(p['many'])}", "≥ 150",
                     verdict(p["many"]["rps"], TARGETS["provision_rps"], True)))
        rows.append((f"  random pages req/s, {p['random']['clients']} clients",
                     f"{p['random']['rps']}{_cpu(p['random'])}", "(≥ 150)",
                     verdict(p["random"]["rps"], TARGETS["provision_rps"], True)))
    a = results.get("api")
    if a:
        if a.get("available"):
            rows.append((f"JSON comment list req/s, {a['many']['clients']} clients",
                         f"{a['many']['rps']}{_cpu(a['many'])}", "≥ 300",
                         verdict(a["many"]["rps"], TARGETS["api_rps"], True)))
            rows.append(("  JSON comment list p50, 1 client", f"{a['one']['p50_ms']} ms", "",
                         ""))
        else:
            rows.append(("JSON comment list", "not measurable", "≥ 300", a["reason"]))
    f = results.get("figures")
    if f:
        for name in ("dashboard", "figures"):
            entry = f.get(name, {})
            if not entry.get("available"):
                rows.append((name, "not measurable", "≤ 200 ms", entry.get("reason", "")))
                continue
            for view in ("public", "secretariat"):
                if view in entry:
                    value = entry[view]["p50_ms"]
                    rows.append((f"{name} p50 ({view})", f"{value} ms", "≤ 200 ms",
                                 verdict(value, TARGETS["figures_ms"], False)))
    s = results.get("submit")
    if s:
        clean = s["error_count"] == 0 and s["lost_writes"] == 0 and s["unexpected_rows"] == 0
        rows.append((f"comment posts/s, {s['clients']} clients, {s['seconds']} s",
                     f"{s['per_second']}{_cpu(s)}", "≥ 300, no error, no lost write",
                     verdict(s["per_second"], TARGETS["submit_per_s"], True)
                     + ("" if clean else " (errors or lost writes)")))
        rows.append(("  posts accepted / rows written / errors",
                     f"{s['accepted']} / {s['rows_written']} / {s['error_count']}", "", ""))
    e = results.get("exports")
    if e:
        if not e.get("available"):
            rows.append(("exports", "not measurable", "", e["reason"]))
        else:
            for fmt, limit in (("xlsx", TARGETS["xlsx_s"]), ("docx", TARGETS["docx_s"])):
                r = e[fmt]
                if r["returncode"] != 0:
                    rows.append((f".{fmt} export", "failed", f"≤ {limit:g} s",
                                 r["stderr"][-120:]))
                    continue
                rows.append((f".{fmt} export time", f"{r['seconds']} s", f"≤ {limit:g} s",
                             verdict(r["seconds"], limit, False)))
                rows.append((f".{fmt} export peak RSS", f"{r['peak_rss_mib']} MiB", "≤ 300 MB",
                             verdict(r["peak_rss_mib"], TARGETS["export_rss_mib"], False)))
    return rows


def print_table(rows: list[tuple[str, str, str, str]]) -> None:
    widths = [max(len(r[i]) for r in rows) for i in range(4)] if rows else [0] * 4
    header = ("measure", "result", "target", "verdict")
    widths = [max(w, len(h)) for w, h in zip(widths, header, strict=True)]
    for row in (header, tuple("-" * w for w in widths), *rows):
        print(" | ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--database-url", default=os.environ.get(
        "BENCH_DATABASE_URL", f"sqlite:///{OUT / 'bench.sqlite'}"))
    parser.add_argument("--label", default=None, help="name of the result file")
    parser.add_argument("--only", default=None,
                        help=f"comma-separated phases among {', '.join(ALL_PHASES)}")
    parser.add_argument("--workers", type=int, default=None,
                        help="gunicorn workers (default: gunicorn.conf.py's, one per core)")
    parser.add_argument("--gunicorn-arg", action="append", default=[],
                        help="extra gunicorn argument (repeatable), e.g. sync workers: "
                        "--gunicorn-arg=--worker-class=sync --gunicorn-arg=--threads=1")
    parser.add_argument("--port", type=int, default=18765)
    parser.add_argument("--running", action="store_true",
                        help="load the server already answering on --port (e.g. make cluster's "
                        "nginx on 8080, with --database-url its database) instead of starting "
                        "gunicorn; the server CPU is that of every gunicorn and nginx process")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--accounts", type=int, default=None,
                        help="contributor accounts for the submission phase (default: clients)")
    parser.add_argument("--requests", type=int, default=300,
                        help="requests of the one-client latency runs")
    parser.add_argument("--seconds", type=float, default=20.0,
                        help="duration of each throughput run (default 20)")
    parser.add_argument("--submit-seconds", type=float, default=60.0)
    parser.add_argument("--figure-requests", type=int, default=20)
    args = parser.parse_args(argv)
    phases = tuple(args.only.split(",")) if args.only else DEFAULT_PHASES
    unknown = set(phases) - set(ALL_PHASES)
    if unknown:
        parser.error(f"unknown phase(s): {', '.join(sorted(unknown))}")
    database_url = absolute_url(args.database_url)
    label = args.label or ("postgresql" if "postgres" in database_url else "sqlite")
    args.label = re.sub(r"[^A-Za-z0-9_.-]", "-", label)
    OUT.mkdir(parents=True, exist_ok=True)

    results: dict[str, Any] = {"machine": machine(), "argv": sys.argv[1:],
                               "command": "python bench/load.py " + " ".join(sys.argv[1:]),
                               "started": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    data = discover(database_url)
    results["data"] = data
    log(f"data: {data}")
    if "queries" in phases:
        results["queries"] = count_queries(database_url, data)
        log(f"queries: {results['queries']}")
    served = [p for p in phases if p in ("provision", "api", "figures", "submit")]
    if served:
        server: Server | None = None
        if args.running:
            RUNNING_SERVER.append(True)
            results["gunicorn"] = {"running": f"127.0.0.1:{args.port}"}
        else:
            server = Server(database_url, args.port, args.workers, args.gunicorn_arg)
            results["gunicorn"] = {"workers": args.workers, "command": server.command}
        try:
            if server is not None:
                server.wait_ready()
            for phase in served:
                log(f"phase {phase} (load average {os.getloadavg()[0]:.2f})")
                load_before = os.getloadavg()[0]
                if phase == "provision":
                    results[phase] = phase_provision(args.port, data, args)
                elif phase == "api":
                    results[phase] = phase_api(args.port, data, args)
                elif phase == "figures":
                    results[phase] = phase_figures(args.port, data, args)
                else:
                    results[phase] = phase_submit(args.port, database_url, data, args)
                results[phase]["loadavg_1min_before"] = round(load_before, 2)
        finally:
            if server is not None:
                server.stop()
    if "exports" in phases:
        log("phase exports")
        results["exports"] = phase_exports(database_url, data)
    results["machine"]["loadavg_at_end"] = [round(x, 2) for x in os.getloadavg()]
    rows = table(results)
    results["table"] = rows
    path = OUT / f"load-{args.label}.json"
    path.write_text(json.dumps(results, indent=2, default=str))
    print_table(rows)
    print(f"\nresults: {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
