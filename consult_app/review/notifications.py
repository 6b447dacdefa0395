"""E-mail to contributors: the receipt of a submission, the notice of published answers.

Messages are composed inside the operation (after its flush, while the request's data is
at hand) and handed to the mail backend only once the transaction commits: a receipt is
never sent for a submission that was rolled back. Sending never fails the caller: a broken
mail server is logged, and the submission or the publication stands.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from flask import Flask, current_app, has_app_context
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import event, select
from sqlalchemy.orm import Session, SessionTransaction

from consult_app.accounts.models import MembershipStatus, Organisation, Role, User
from consult_app.consultations.models import Consultation
from consult_app.core.mail import send_mail
from consult_app.core.templating import format_local_and_utc
from consult_app.core.urls import external_url
from consult_app.extensions import db
from consult_app.submissions.models import Submission, SubmissionRevision
from consult_app.submissions.signals import submission_received

logger = logging.getLogger(__name__)

_PENDING = "consult_app.pending_mail"


@dataclass(frozen=True)
class PendingMail:
    app: Flask
    to: str
    subject: str
    body: str
    reason: str


# --- delivery after commit -------------------------------------------------------------


def queue_mail(to: str, subject: str, body: str, reason: str) -> None:
    """Send this message once the current transaction commits (dropped on rollback)."""
    session = db.session()
    pending: list[PendingMail] = session.info.setdefault(_PENDING, [])
    pending.append(PendingMail(current_app._get_current_object(), to, subject, body, reason))  # type: ignore[attr-defined]


def deliver(message: PendingMail) -> bool:
    """Hand one message to the backend; log, never raise, when it fails."""
    try:
        send_mail(message.to, message.subject, message.body)
    except Exception:
        # The data is committed; losing an e-mail must not lose (or 500) the request.
        logger.exception("could not send the %s e-mail to %s", message.reason, message.to)
        return False
    logger.info("%s e-mail sent to %s", message.reason, message.to)
    return True


@event.listens_for(Session, "after_commit")
def _send_after_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a SAVEPOINT released: the real commit is still to come
    pending: list[PendingMail] = session.info.pop(_PENDING, [])
    for message in pending:
        if has_app_context():
            deliver(message)
        else:
            with message.app.app_context():
                deliver(message)


@event.listens_for(Session, "after_transaction_end")
def _drop_after_rollback(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(_PENDING, None)  # still there only if the transaction rolled back


# --- links and language ----------------------------------------------------------------


@contextmanager
def _in_language_of(user: User) -> Iterator[None]:
    languages = current_app.config.get("LANGUAGES") or []
    locale = user.locale if user.locale in languages else current_app.config["BABEL_DEFAULT_LOCALE"]
    with force_locale(locale):
        yield


# --- the receipt -----------------------------------------------------------------------


def notify_submission_received(
    user: User, submission: Submission, revision: SubmissionRevision
) -> None:
    """Queue the receipt e-mail to the contributor who submitted (a new revision only)."""
    try:
        if not user.can_act_for(submission.organisation):
            return  # recorded by the secretariat on the organisation's behalf
        snapshot = revision.snapshot or {}
        comments = snapshot.get("comments") or []
        provisions = {c.get("provision_id") for c in comments}
        attachments = snapshot.get("attachments") or []
        consultation = submission.consultation
        link = external_url("submissions.receipt", submission_id=submission.id)
        with _in_language_of(user):
            subject = _(
                "Receipt %(number)s: your submission to “%(title)s”",
                number=submission.receipt_number,
                title=consultation.title,
            )
            lines = [
                _("Dear %(name)s,", name=user.name),
                "",
                _(
                    "The submission of %(organisation)s to the consultation “%(title)s” "
                    "was received.",
                    organisation=submission.organisation.display_name,
                    title=consultation.title,
                ),
                "",
                _("Receipt number: %(number)s", number=submission.receipt_number),
                _("Revision: %(n)d", n=revision.number),
                _(
                    "Received: %(when)s",
                    when=format_local_and_utc(revision.submitted_at, user.timezone),
                ),
                _(
                    "Comments: %(comments)d, on %(provisions)d provisions",
                    comments=len(comments),
                    provisions=len(provisions),
                ),
                _("Attachments: %(n)d", n=len(attachments)),
                _(
                    "General remarks: %(state)s",
                    state=_("included") if snapshot.get("general_remarks") else _("none"),
                ),
                "",
                _("The receipt, which you can print, is at:"),
                link,
                "",
                _(
                    "You can revise the submission until %(deadline)s; every revision is kept.",
                    deadline=format_local_and_utc(consultation.closes_at, user.timezone),
                ),
            ]
        queue_mail(user.email, subject, "\n".join(lines) + "\n", "receipt")
    except Exception:
        # Composing a courtesy e-mail must never undo a submission.
        logger.exception("could not prepare the receipt e-mail of submission %s", submission.id)


# --- published dispositions ------------------------------------------------------------


def _on_submission_received(
    submission: Submission, *, user: User, revision: SubmissionRevision
) -> None:
    notify_submission_received(user, submission, revision)


def connect_signals() -> None:
    """Receive what submissions announce (called by the app factory; connecting twice is
    harmless)."""
    submission_received.connect(_on_submission_received)


def notify_dispositions_published(consultation: Consultation, counts: dict[int, int]) -> None:
    """Queue one notice per contributor of each organisation whose comments were answered."""
    if not counts:
        return
    try:
        organisations = {
            o.id: o
            for o in db.session.scalars(
                select(Organisation).where(Organisation.id.in_(sorted(counts)))
            )
        }
        contributors = db.session.scalars(
            select(User)
            .where(
                User.organisation_id.in_(sorted(counts)),
                User.role == Role.CONTRIBUTOR,
                User.active.is_(True),
                # Someone who only asked to join hears nothing of the organisation's work.
                User.membership_status == MembershipStatus.CONFIRMED,
            )
            .order_by(User.id)
        ).all()
        link = external_url("dispositions.mine", consultation_id=consultation.id)
        for user in contributors:
            organisation = organisations.get(user.organisation_id or 0)
            count = counts.get(user.organisation_id or 0, 0)
            if organisation is None or not count:
                continue
            with _in_language_of(user):
                subject = _(
                    "The secretariat answered your comments on “%(title)s”",
                    title=consultation.title,
                )
                body = "\n".join(
                    [
                        _("Dear %(name)s,", name=user.name),
                        "",
                        _(
                            "The secretariat of the consultation “%(title)s” published its "
                            "answers to %(count)d of the comments of %(organisation)s.",
                            title=consultation.title,
                            count=count,
                            organisation=organisation.display_name,
                        ),
                        "",
                        _(
                            "See each answer, and tell the secretariat whether you are "
                            "satisfied with it, at:"
                        ),
                        link,
                    ]
                )
            queue_mail(user.email, subject, body + "\n", "disposition notice")
    except Exception:
        logger.exception(
            "could not prepare the disposition notices of consultation %s", consultation.id
        )
