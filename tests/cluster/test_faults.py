"""Faults under load: an app instance killed with SIGKILL behind the proxy, Redis stopped.

A bounded loopback load of comment posts goes through nginx while one gunicorn instance is
killed. Every post that got its receipt (the redirect to the submission) is in the database
exactly once; a post in flight at the kill is stored whole or refused, never half-stored;
the load goes on through the other instance; the audit chain and the counts hold.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import select

from bench.load import PASSWORD, Client, parse_forms, sign_in
from tests.cluster.conftest import Cluster

pytestmark = pytest.mark.cluster

CLIENTS = 4
POSTS_PER_CLIENT = 75  # 300 posts in all
KILL_AFTER = 80  # receipts before the kill


@dataclass
class Outcome:
    accepted: list[tuple[str, int, float]] = field(default_factory=list)  # body, submission
    refused: list[tuple[str, int, str]] = field(default_factory=list)  # body, submission, why
    lock: threading.Lock = field(default_factory=threading.Lock)


def _in_app(cluster: Cluster) -> Any:
    from consult_app import create_app
    from consult_app.config import normalise_database_url

    return create_app(
        "production",
        SECRET_KEY=secrets.token_urlsafe(48),
        PUBLIC_URL="http://127.0.0.1",
        SQLALCHEMY_DATABASE_URI=normalise_database_url(cluster.database_url),
    )


def _make_contributors(cluster: Cluster, tag: str) -> list[dict[str, Any]]:
    """An open consultation and CLIENTS contributors, each with a draft submission."""
    from consult_app.accounts.models import OrgCategory, Role
    from consult_app.extensions import db
    from consult_app.submissions.operations import start_submission
    from tests.conftest import make_consultation, make_org, make_user

    app = _in_app(cluster)
    accounts = []
    with app.app_context():
        consultation = make_consultation()
        for i in range(CLIENTS):
            org = make_org(name=f"Fault test {tag} {i}", category=OrgCategory.NGO)
            user = make_user(Role.CONTRIBUTOR, organisation=org, password=PASSWORD)
            submission = start_submission(user, consultation)
            accounts.append({"email": user.email, "submission_id": submission.id})
        provision_ids = [p.id for p in consultation.version.provisions]
        db.session.commit()
    for account in accounts:
        account["provision_ids"] = provision_ids
    return accounts


def _post_comments(
    cluster: Cluster,
    account: dict[str, Any],
    index: int,
    outcome: Outcome,
    started: threading.Barrier,
) -> None:
    client = Client(cluster.proxy_port)
    sign_in(client, account["email"])
    sid = account["submission_id"]
    status, _, page = client.request(
        "GET", f"/submissions/{sid}/provisions/{account['provision_ids'][0]}/comment"
    )
    assert status == 200, status
    client.frozen = True  # keep the sign-in session (flash messages would pile up)
    parsed = parse_forms(page)
    fields = next(f for a, f in parsed.forms.items() if a.endswith("/comment"))
    position = next(v for v in parsed.options.get("position", []) if v)
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
    client.close()


def _load_with_faults(
    cluster: Cluster, accounts: list[dict[str, Any]], faults: list[tuple[int, Any]]
) -> tuple[Outcome, list[float]]:
    """Run the load; call each fault once ``threshold`` receipts have come back."""
    outcome = Outcome()
    started = threading.Barrier(CLIENTS + 1)
    threads = [
        threading.Thread(target=_post_comments, args=(cluster, a, i, outcome, started))
        for i, a in enumerate(accounts)
    ]
    for thread in threads:
        thread.start()
    started.wait(timeout=120)
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
