"""Faults under load: an app instance killed with SIGKILL behind the proxy, Redis stopped,
the export worker killed in the middle of a job, PostgreSQL unreachable for a moment.

A bounded loopback load of comment posts goes through nginx while one gunicorn instance is
killed. Every post that got its receipt (the redirect to the submission) is in the database
exactly once; a post in flight at the kill is stored whole or refused, never half-stored;
the load goes on through the other instance; the audit chain and the counts hold.
"""

from __future__ import annotations

import runpy
import secrets
import threading
import time
import warnings
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from bench.load import PASSWORD, Client, parse_forms, sign_in
from tests.cluster.conftest import ROOT, Cluster

pytestmark = pytest.mark.cluster

CLIENTS = 4
POSTS_PER_CLIENT = 75  # 300 posts in all
KILL_AFTER = 80  # receipts before the kill


@dataclass
class Outcome:
    accepted: list[tuple[str, int, float]] = field(default_factory=list)  # body, submission
    refused: list[tuple[str, int, str]] = field(default_factory=list)  # body, submission, why
    lock: threading.Lock = field(default_factory=threading.Lock)
    # Seconds a client waits after a refusal before its next post (as one honouring the
    # 503's Retry-After would, shortened), so that the load outlasts an outage.
    pause_after_refusal: float = 0.0


def _in_app(cluster: Cluster, **config: Any) -> Any:
    from consult_app import create_app
    from consult_app.config import normalise_database_url

    return create_app(
        "production",
        SECRET_KEY=secrets.token_urlsafe(48),
        PUBLIC_URL="http://127.0.0.1",
        SQLALCHEMY_DATABASE_URI=normalise_database_url(cluster.database_url),
        **config,
    )


def _make_contributors(cluster: Cluster, tag: str, clients: int = CLIENTS) -> list[dict[str, Any]]:
    """An open consultation and ``clients`` contributors, each with a draft submission."""
    from consult_app.accounts.models import OrgCategory, Role
    from consult_app.extensions import db
    from consult_app.submissions.operations import start_submission
    from tests.conftest import make_consultation, make_org, make_user

    app = _in_app(cluster)
    accounts = []
    with app.app_context():
        consultation = make_consultation()
        for i in range(clients):
            org = make_org(name=f"Fault test {tag} {i}", category=OrgCategory.NGO)
            user = make_user(Role.CONTRIBUTOR, organisation=org, password=PASSWORD)
            submission = start_submission(user, consultation)
            accounts.append(
                {
                    "email": user.email,
                    "submission_id": submission.id,
                    "consultation_id": consultation.id,
                }
            )
        provision_ids = [p.id for p in consultation.version.provisions]
        db.session.commit()
    for account in accounts:
        account["provision_ids"] = provision_ids
    return accounts


def _logs(cluster: Cluster, lines: int = 30) -> str:
    """The last lines of the proxy's error log and of each instance's log, for a failure's
    message (the logs themselves stay in the cluster folder)."""
    parts = []
    for name in ["nginx-error.log", *(f"app-{port}.log" for port in cluster.app_ports)]:
        path = cluster.directory / name
        text = path.read_text("utf-8", "replace") if path.exists() else ""
        parts.append(f"--- {name} ---\n" + "\n".join(text.splitlines()[-lines:]))
    return "\n".join(parts)


def _ready_client(cluster: Cluster, account: dict[str, Any]) -> tuple[Client, dict[str, str], str]:
    """A client signed in through the proxy, with the comment form's fields and a position.

    Getting ready is not what the fault tests test: a sign-in that fails before any fault is
    tried again (three times at most), and each failure is reported as a warning with the
    proxy's and the instances' logs, so that CI's output says what happened."""
    sid = account["submission_id"]
    path = f"/submissions/{sid}/provisions/{account['provision_ids'][0]}/comment"
    for attempt in range(3):
        client = Client(cluster.proxy_port)
        try:
            sign_in(client, account["email"])
            status, _, page = client.request("GET", path)
            assert status == 200, f"the comment form answered {status}"
        except Exception as error:
            client.close()
            warnings.warn(
                f"getting ready (attempt {attempt + 1}) failed: {type(error).__name__}: "
                f"{error}\n{_logs(cluster)}",
                stacklevel=1,
            )
            if attempt == 2:
                raise
            time.sleep(1)
            continue
        client.frozen = True  # keep the sign-in session (flash messages would pile up)
        parsed = parse_forms(page)
        fields = next(f for a, f in parsed.forms.items() if a.endswith("/comment"))
        position = next(v for v in parsed.options.get("position", []) if v)
        return client, fields, position
    raise AssertionError("unreachable")


def _post_comments(
    cluster: Cluster,
    account: dict[str, Any],
    index: int,
    outcome: Outcome,
    started: threading.Barrier,
) -> None:
    try:
        client, fields, position = _ready_client(cluster, account)
    except BaseException:
        started.abort()  # the test fails at once, with this thread's error (not a timeout)
        raise
    sid = account["submission_id"]
    started.wait()
    for n in range(POSTS_PER_CLIENT):
        pid = account["provision_ids"][n % len(account["provision_ids"])]
        body = f"Fault test comment {index}-{n}-{secrets.token_hex(6)}"
        form = dict(
            fields, paragraph="", position=position, body=body, proposed_wording="", rationale=""
        )
        path = f"/submissions/{sid}/provisions/{pid}/comment"
        try:
            status, headers, _ = client.request("POST", path, form)
        except Exception as error:  # connection cut: the post is in doubt
            client.close()
            with outcome.lock:
                outcome.refused.append((body, sid, f"{type(error).__name__}"))
            continue
        receipt = 300 <= status < 400 and "/submissions/" in headers.get("location", "")
        with outcome.lock:
            if receipt:
                outcome.accepted.append((body, sid, time.monotonic()))
            else:
                outcome.refused.append((body, sid, f"HTTP {status}"))
        if not receipt and outcome.pause_after_refusal:
            time.sleep(outcome.pause_after_refusal)
    client.close()


def _load_with_faults(
    cluster: Cluster,
    accounts: list[dict[str, Any]],
    faults: list[tuple[int, Any]],
    pause_after_refusal: float = 0.0,
) -> tuple[Outcome, list[float]]:
    """Run the load; call each fault once ``threshold`` receipts have come back."""
    outcome = Outcome(pause_after_refusal=pause_after_refusal)
    started = threading.Barrier(CLIENTS + 1)
    threads = [
        threading.Thread(target=_post_comments, args=(cluster, a, i, outcome, started))
        for i, a in enumerate(accounts)
    ]
    for thread in threads:
        thread.start()
    try:
        started.wait(timeout=120)
    except threading.BrokenBarrierError:
        for thread in threads:
            thread.join(timeout=60)
        raise AssertionError(
            f"a client could not get ready (see the warnings)\n{_logs(cluster)}"
        ) from None
    times = []
    for threshold, fault in faults:
        while len(outcome.accepted) < threshold and any(t.is_alive() for t in threads):
            time.sleep(0.02)
        times.append(time.monotonic())
        fault()
    for thread in threads:
        thread.join(timeout=600)
    assert not any(t.is_alive() for t in threads)
    assert len(outcome.accepted) + len(outcome.refused) == CLIENTS * POSTS_PER_CLIENT
    return outcome, times


def _check_database(cluster: Cluster, accounts: list[dict[str, Any]], outcome: Outcome) -> None:
    """Receipted posts stored exactly once, others whole or not at all; audit and counts."""
    from consult_app.extensions import db
    from consult_app.submissions.models import Comment

    app = _in_app(cluster)
    with app.app_context():
        rows = db.session.execute(
            select(Comment.body, Comment.submission_id).where(
                Comment.submission_id.in_([a["submission_id"] for a in accounts])
            )
        ).all()
    stored: dict[str, list[int]] = {}
    for body, submission_id in rows:
        stored.setdefault(body, []).append(submission_id)
    for body, sid, _ in outcome.accepted:
        assert stored.get(body) == [sid], f"receipted comment stored {stored.get(body)}"
    for body, sid, _ in outcome.refused:
        assert stored.get(body) in (None, [sid])  # whole or not at all, never twice
    sent_bodies = {b for b, *_ in outcome.accepted} | {b for b, *_ in outcome.refused}
    assert set(stored) <= sent_bodies

    verify = cluster.flask("audit", "verify")
    assert verify.returncode == 0, verify.stdout + verify.stderr
    recount = cluster.flask("summaries", "recount", "--check")
    assert recount.returncode == 0, recount.stdout + recount.stderr


def _get(port: int, path: str) -> int:
    client = Client(port)
    try:
        status, _, _ = client.request("GET", path)
    finally:
        client.close()
    return status


def test_kill_one_app_instance_under_load(cluster: Cluster) -> None:
    accounts = _make_contributors(cluster, "kill")
    victim = cluster.app_ports[0]
    outcome, (killed_at,) = _load_with_faults(
        cluster, accounts, [(KILL_AFTER, lambda: cluster.script("kill-app", str(victim)))]
    )
    print(f"kill -9: {len(outcome.accepted)} receipts, refused: {outcome.refused}")
    # The load went on through the other instance: the posts after the kill got receipts,
    # and only posts in flight at the kill (at most one per client) were refused.
    after_kill = [a for a in outcome.accepted if a[2] > killed_at]
    assert len(after_kill) >= CLIENTS * POSTS_PER_CLIENT - KILL_AFTER - 2 * CLIENTS
    assert len(outcome.refused) <= CLIENTS, outcome.refused
    _check_database(cluster, accounts, outcome)

    # The killed instance comes back and serves again.
    cluster.script("start-app", str(victim))
    assert _get(victim, "/readyz") == 200


def test_redis_stopped_and_started_under_load(cluster: Cluster) -> None:
    """Without Redis the posts go on (limits counted in the process meanwhile); /readyz
    says 503 until Redis is back."""
    accounts = _make_contributors(cluster, "redis")
    readiness: list[int] = []

    def stop() -> None:
        cluster.stop_redis()
        readiness.append(_get(cluster.app_ports[1], "/readyz"))

    def start() -> None:
        cluster.start_redis()
        readiness.append(_get(cluster.app_ports[1], "/readyz"))

    outcome, _ = _load_with_faults(cluster, accounts, [(60, stop), (180, start)])
    print(f"redis: {len(outcome.accepted)} receipts, refused: {outcome.refused}")
    assert readiness == [503, 200]
    assert not outcome.refused
    _check_database(cluster, accounts, outcome)


EXPORT_COMMENTS = 4000  # enough rows that the build lasts while the worker is killed


def _export_data(cluster: Cluster, accounts: list[dict[str, Any]]) -> tuple[int, int]:
    """EXPORT_COMMENTS comments of one more, submitted, submission of the consultation, and a
    secretariat account: (consultation id, user id)."""
    from consult_app.accounts.models import OrgCategory, Role
    from consult_app.core.models import utcnow
    from consult_app.extensions import db
    from consult_app.submissions.models import (
        Comment,
        Position,
        Submission,
        SubmissionStatus,
    )
    from tests.conftest import make_org, make_user

    app = _in_app(cluster)
    with app.app_context():
        first = db.session.get(Submission, accounts[0]["submission_id"])
        assert first is not None
        consultation_id = first.consultation_id
        org = make_org(name=f"Export load {secrets.token_hex(4)}", category=OrgCategory.NGO)
        submission = Submission(
            consultation_id=consultation_id,
            organisation=org,
            status=SubmissionStatus.SUBMITTED,
            submitted_at=utcnow(),
            receipt_number=f"EXPORT-LOAD-{secrets.token_hex(4)}",
            revision_count=1,
        )
        db.session.add(submission)
        db.session.flush()
        provisions = accounts[0]["provision_ids"]
        db.session.add_all(
            Comment(
                submission_id=submission.id,
                consultation_id=consultation_id,
                provision_id=provisions[n % len(provisions)],
                position=Position.SUPPORT,
                body=f"Export load comment {n} " + "words " * 40,
            )
            for n in range(EXPORT_COMMENTS)
        )
        secretariat = make_user(Role.SECRETARIAT)
        db.session.commit()
        return consultation_id, secretariat.id


def _request_export(cluster: Cluster, consultation_id: int, user_id: int) -> int:
    """The internal compilation queued on the cluster's Redis."""
    from consult_app.accounts.models import User
    from consult_app.consultations.models import Consultation
    from consult_app.exports.jobs import request_export
    from consult_app.exports.models import ExportFormat, ExportKind
    from consult_app.extensions import db

    app = _in_app(cluster, REDIS_URL=cluster.env["REDIS_URL"])
    with app.app_context():
        user = db.session.get(User, user_id)
        consultation = db.session.get(Consultation, consultation_id)
        assert user is not None and consultation is not None
        job = request_export(
            user, consultation, ExportKind.COMPILATION, ExportFormat.XLSX, internal=True
        )
        db.session.commit()  # queued after the commit
        return int(job.id)


def _job(cluster: Cluster, job_id: int) -> tuple[str, int, str | None]:
    from consult_app.exports.models import ExportJob
    from consult_app.extensions import db

    app = _in_app(cluster)
    with app.app_context():
        job = db.session.get(ExportJob, job_id)
        assert job is not None
        return job.status.value, job.progress, job.file_path


def test_worker_killed_in_the_middle_of_a_job(cluster: Cluster) -> None:
    """kill -9 of the export worker while it builds: the restarted worker finds the job
    silent, queues it again (once, audited) and builds it; one file, one job, under load."""
    from consult_app.core.audit import AuditEntry
    from consult_app.core.storage import StoredFile
    from consult_app.exports.models import ExportJob
    from consult_app.extensions import db

    accounts = _make_contributors(cluster, "worker")
    consultation_id, user_id = _export_data(cluster, accounts)
    seen: list[tuple[str, int, str | None]] = []
    jobs: list[int] = []

    def kill_worker_mid_job() -> None:
        job_id = _request_export(cluster, consultation_id, user_id)
        jobs.append(job_id)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            state = _job(cluster, job_id)
            if state[0] == "running" and state[1] >= 1:
                break
            assert state[0] in ("queued", "running"), state
            time.sleep(0.05)
        cluster.script("kill-worker")
        seen.append(_job(cluster, job_id))
        cluster.script("start-worker")

    outcome, _ = _load_with_faults(cluster, accounts, [(20, kill_worker_mid_job)])
    assert seen and seen[0][0] == "running", f"the job was not running at the kill: {seen}"
    assert not outcome.refused
    (job_id,) = jobs
    deadline = time.monotonic() + 300
    status, progress, file_path = _job(cluster, job_id)
    while status != "done" and time.monotonic() < deadline:
        assert status in ("queued", "running"), (status, progress, file_path)
        time.sleep(0.5)
        status, progress, file_path = _job(cluster, job_id)
    assert (status, progress) == ("done", 100)

    app = _in_app(cluster)
    with app.app_context():
        assert (
            db.session.scalar(
                select(func.count())
                .select_from(ExportJob)
                .where(
                    ExportJob.consultation_id
                    == (
                        select(ExportJob.consultation_id)
                        .where(ExportJob.id == job_id)
                        .scalar_subquery()
                    )
                )
            )
            == 1
        )
        requeued = db.session.scalars(
            select(AuditEntry.object_id).where(AuditEntry.action == "requeue_export_job")
        ).all()
        assert requeued == [job_id]
        files = db.session.scalars(
            select(StoredFile.key).where(StoredFile.key.startswith(f"exports/job-{job_id}-"))
        ).all()
        assert files == [f"exports/{file_path}"]
    _check_database(cluster, accounts, outcome)


def test_database_unreachable_for_a_moment_under_load(cluster: Cluster) -> None:
    """PostgreSQL cut off (connections reset, new ones refused) for a few seconds: clear
    503s meanwhile, no receipted post lost, nothing half-stored, and the service comes back
    by itself."""
    accounts = _make_contributors(cluster, "database")
    readiness: list[int] = []
    pages: list[tuple[int, str]] = []
    outage: list[float] = []

    def cut() -> None:
        cluster.cut_database()
        outage.append(time.monotonic())
        time.sleep(0.5)
        readiness.append(_get(cluster.app_ports[0], "/readyz"))
        client = Client(cluster.proxy_port)
        try:
            status, _, body = client.request("GET", "/")
            pages.append((status, body.decode("utf-8", "replace")))
        finally:
            client.close()
        time.sleep(3)
        cluster.restore_database()
        outage.append(time.monotonic())

    outcome, _ = _load_with_faults(cluster, accounts, [(60, cut)], pause_after_refusal=0.5)
    print(f"database: {len(outcome.accepted)} receipts, refused: {len(outcome.refused)}")
    assert readiness == [503]
    assert pages and pages[0][0] == 503
    assert "briefly unavailable" in pages[0][1]
    # Refused posts were refused with a clear 503 (or cut in flight at the moment of the
    # outage), and posts went on being receipted after it, without anyone restarting anything.
    assert outcome.refused, "the outage refused nothing: was the database cut?"
    for _, _, why in outcome.refused:
        assert why == "HTTP 503" or not why.startswith("HTTP"), why
    after = [a for a in outcome.accepted if a[2] > outage[1]]
    assert after, "no post was receipted after the database came back"
    assert _get(cluster.app_ports[0], "/readyz") == 200
    assert _get(cluster.app_ports[1], "/readyz") == 200
    _check_database(cluster, accounts, outcome)


# --- the deadline under load -------------------------------------------------------------

DEADLINE_CLIENTS = 8
#: Seconds from the start of the load to the deadline, and of load after it.
BEFORE_DEADLINE = 2.5
AFTER_DEADLINE = 1.5


@dataclass
class Attempt:
    kind: str  # "comment" or "submit"
    submission_id: int
    body: str
    sent: float  # wall-clock time (time.time()) the request left, and its answer came back
    done: float
    status: int
    receipt: bool


def _at_the_deadline(
    cluster: Cluster,
    account: dict[str, Any],
    index: int,
    closes: list[float],
    attempts: list[Attempt],
    lock: threading.Lock,
    started: threading.Barrier,
) -> None:
    """Post comments without pause across the deadline; submit once, at a moment near it
    (the clients' moments spread from 0.6 s before to 0.45 s after)."""
    try:
        client, fields, position = _ready_client(cluster, account)
    except BaseException:
        started.abort()
        raise
    sid = account["submission_id"]
    started.wait()  # every client ready
    started.wait()  # the deadline set (however long getting ready took)
    deadline = closes[0]
    submit_at = deadline - 0.6 + index * 0.15
    submitted = False
    n = 0
    while time.time() < deadline + AFTER_DEADLINE:
        if not submitted and time.time() >= submit_at:
            submitted = True
            _, _, page = client.request("GET", f"/submissions/{sid}")
            # The Submit button belongs to the details form (what it holds is submitted too).
            form = next((f for a, f in parse_forms(page).forms.items() if "/details" in a), None)
            sent = time.time()
            if form is None:  # the page no longer offers Submit: the deadline passed
                attempts_status, location = 403, ""
            else:
                # As a browser sends it: the pressed button only, an empty multiple select
                # (the co-signers) not at all.
                form.pop("details-submit", None)
                if not form.get("details-cosigners"):
                    form.pop("details-cosigners", None)
                form["submit-submit"] = "Submit"
                attempts_status, headers, _ = client.request(
                    "POST", f"/submissions/{sid}/submit", form
                )
                location = headers.get("location", "")

            with lock:
                attempts.append(
                    Attempt(
                        "submit",
                        sid,
                        "",
                        sent,
                        time.time(),
                        attempts_status,
                        300 <= attempts_status < 400 and "/receipt" in location,
                    )
                )
            continue
        n += 1
        pid = account["provision_ids"][n % len(account["provision_ids"])]
        body = f"Deadline comment {index}-{n}-{secrets.token_hex(6)}"
        form = dict(
            fields, paragraph="", position=position, body=body, proposed_wording="", rationale=""
        )
        sent = time.time()
        status, headers, _ = client.request(
            "POST", f"/submissions/{sid}/provisions/{pid}/comment", form
        )
        receipt = 300 <= status < 400 and "/submissions/" in headers.get("location", "")
        with lock:
            attempts.append(Attempt("comment", sid, body, sent, time.time(), status, receipt))
    client.close()


def test_the_deadline_under_load(cluster: Cluster) -> None:
    """Many contributors post and submit at the closing second. Nothing sent after the
    deadline is accepted; nothing is refused before it; every receipted comment is stored
    once; a submission with a receipt is submitted with a time at or before the deadline,
    one refused stays a draft; the refusals are clear 4xx, never a server error."""
    from consult_app.consultations.models import Consultation
    from consult_app.core.models import utcnow
    from consult_app.extensions import db
    from consult_app.submissions.models import Comment, Submission, SubmissionStatus

    accounts = _make_contributors(cluster, "deadline", DEADLINE_CLIENTS)
    attempts: list[Attempt] = []
    lock = threading.Lock()
    closes: list[float] = []
    started = threading.Barrier(DEADLINE_CLIENTS + 1)
    threads = [
        threading.Thread(
            target=_at_the_deadline, args=(cluster, a, i, closes, attempts, lock, started)
        )
        for i, a in enumerate(accounts)
    ]
    for thread in threads:
        thread.start()
    try:
        started.wait(timeout=120)
    except threading.BrokenBarrierError:
        raise AssertionError(
            f"a client could not get ready (see the warnings)\n{_logs(cluster)}"
        ) from None
    # The deadline a moment after every client is ready, whatever getting ready took.
    app = _in_app(cluster)
    with app.app_context():
        consultation = db.session.get(Consultation, accounts[0]["consultation_id"])
        assert consultation is not None
        deadline = (utcnow() + timedelta(seconds=BEFORE_DEADLINE)).replace(microsecond=0)
        consultation.closes_at = deadline
        db.session.commit()
    closes.append(deadline.timestamp())
    started.wait(timeout=120)
    for thread in threads:
        thread.join(timeout=600)
    assert not any(t.is_alive() for t in threads)

    comments = [a for a in attempts if a.kind == "comment"]
    submits = [a for a in attempts if a.kind == "submit"]
    print(
        f"deadline: {sum(a.receipt for a in comments)} comments receipted, "
        f"{sum(not a.receipt for a in comments)} refused; submissions "
        f"{sum(a.receipt for a in submits)} receipted, "
        f"{sum(not a.receipt for a in submits)} refused"
    )
    assert len(submits) == DEADLINE_CLIENTS
    assert any(a.receipt for a in comments) and any(not a.receipt for a in comments)
    for a in attempts:
        assert a.status < 500, a
        if a.receipt:
            assert a.sent <= closes[0], f"accepted although sent after the deadline: {a}"
        else:
            assert a.status in (403, 200), a  # refused with the deadline's message
            assert a.done >= closes[0], f"refused before the deadline: {a}"

    with app.app_context():
        sids = [a["submission_id"] for a in accounts]
        stored: dict[str, int] = {}
        for body, count in db.session.execute(
            select(Comment.body, func.count())
            .where(Comment.submission_id.in_(sids))
            .group_by(Comment.body)
        ):
            stored[body] = count
        for a in comments:
            assert stored.get(a.body, 0) == (1 if a.receipt else 0), a
        by_id = {
            s.id: s for s in db.session.scalars(select(Submission).where(Submission.id.in_(sids)))
        }
        for a in submits:
            submission = by_id[a.submission_id]
            if a.receipt:
                assert submission.status is SubmissionStatus.SUBMITTED
                assert submission.submitted_at is not None
                assert submission.submitted_at <= deadline
            else:
                assert submission.status is SubmissionStatus.DRAFT
                assert submission.revision_count == 0
    verify = cluster.flask("audit", "verify")
    assert verify.returncode == 0, verify.stdout + verify.stderr
    recount = cluster.flask("summaries", "recount", "--check")
    assert recount.returncode == 0, recount.stdout + recount.stderr


# --- idle connections between the proxy and the instances --------------------------------


def _gunicorn_keepalive() -> float:
    return float(runpy.run_path(str(ROOT / "gunicorn.conf.py"))["keepalive"])


def test_the_proxy_closes_idle_connections_before_the_instances(cluster: Cluster) -> None:
    """Kept-alive connections between nginx and the instances: nginx must close an idle one
    before gunicorn does. The other way round, a POST that nginx sends on a connection
    gunicorn is closing at that moment comes back as a 502, and nginx never resends a POST
    (28 of 640 POSTs sent as idle connections expired, 0 of 640 with the order right:
    ``bench/keepalive_probe.py``, docs/benchmarks.md)."""
    nginx_conf = (cluster.directory / "nginx.conf").read_text()
    upstream = nginx_conf.split("upstream consult_app {", 1)[1].split("}", 1)[0]
    assert "keepalive_timeout" in upstream
    nginx_idle = upstream.split("keepalive_timeout", 1)[1].split(";", 1)[0].strip()
    assert nginx_idle.endswith("s")
    assert 0 < float(nginx_idle[:-1]) < _gunicorn_keepalive()
