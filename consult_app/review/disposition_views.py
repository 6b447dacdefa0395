"""Dispositions of comments: recording, publication, satisfaction, public tables.

Secretariat pages answer 403 to contributors; the contributor's pages answer 404 for
another organisation's dispositions; the public tables show only public comments with a
published disposition, never the internal note and never a name the public may not see.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from werkzeug.wrappers import Response

from consult_app.accounts.models import User
from consult_app.accounts.util import safe_next_url, signed_in_user
from consult_app.consultations.models import Consultation
from consult_app.core.errors import NotAllowed, NotFound, UserError
from consult_app.core.guards import parse_id
from consult_app.core.pagination import paginate
from consult_app.extensions import db
from consult_app.review import dispositions as ops
from consult_app.review.disposition_forms import (
    BulkDispositionForm,
    DispositionForm,
    PublishForm,
    SatisfactionForm,
)
from consult_app.review.models import Disposition, Outcome, Satisfaction
from consult_app.submissions.forms import ActionForm
from consult_app.submissions.models import Comment, Submission, SubmissionStatus
from consult_app.texts.models import Provision

logger = logging.getLogger(__name__)

bp = Blueprint("dispositions", __name__, url_prefix="/dispositions")

PREFIX = "disposition"


# --- loading and permission ------------------------------------------------------------


def _secretariat() -> User:
    user = signed_in_user()
    if not ops.can_record_dispositions(user):
        raise NotAllowed(_("Only the secretariat can answer comments."))
    return user


def _consultation(consultation_id: int) -> Consultation:
    consultation = db.session.get(Consultation, consultation_id)
    if consultation is None or not consultation.can_view(current_user):
        raise NotFound(_("This consultation does not exist."))
    return consultation


def _comment(comment_id: int) -> Comment:
    """A comment of a submitted submission (drafts are not the secretariat's to answer)."""
    comment = db.session.execute(
        select(Comment)
        .join(Submission, Comment.submission_id == Submission.id)
        .where(Comment.id == comment_id, Submission.status == SubmissionStatus.SUBMITTED)
        .options(
            joinedload(Comment.submission).joinedload(Submission.organisation),
            joinedload(Comment.provision),
            joinedload(Comment.paragraph),
        )
    ).scalar_one_or_none()
    if comment is None:
        raise NotFound(_("This comment does not exist."))
    return comment


def _current_disposition(comment_id: int) -> Disposition | None:
    return db.session.execute(
        select(Disposition)
        .where(Disposition.comment_id == comment_id)
        .options(joinedload(Disposition.decided_by))
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()


def _provision_choices(consultation: Consultation) -> list[tuple[str, str]]:
    return [
        (str(p.id), f"{p.version.display_title} — {p.full_label}")
        for p in db.session.scalars(ops.later_provisions_query(consultation))
    ]


def _here() -> str:
    path = request.full_path if request.query_string else request.path
    return path


def disposition_form_for(comment: Comment, formdata: bool = False) -> DispositionForm:
    """The disposition form of ``comment``, filled with its current disposition."""
    consultation = comment.submission.consultation
    if formdata:
        form = DispositionForm(prefix=PREFIX)
    else:
        current = comment.disposition
        form = DispositionForm(
            formdata=None,
            prefix=PREFIX,
            outcome=current.outcome.value if current else None,
            public_explanation=current.public_explanation if current else None,
            internal_note=current.internal_note if current else None,
            change_reference=current.change_reference if current else None,
            resulting_provision=str(current.resulting_provision_id or "") if current else "",
            lock_version=current.lock_version if current else 0,
            next=_here(),
        )
    form.set_provision_choices(_provision_choices(consultation))
    return form


@bp.app_context_processor
def _panel_helpers() -> dict[str, Any]:
    # Lets another page include review/_disposition_panel.html with only ``comment``.
    return {"disposition_form_for": disposition_form_for}


# --- one comment (secretariat) ---------------------------------------------------------


def _render_edit(
    comment: Comment,
    form: DispositionForm,
    status: int,
    conflict: str | None = None,
    current: Disposition | None = None,
) -> tuple[str, int]:
    return (
        render_template(
            "review/disposition_form.html",
            comment=comment,
            consultation=comment.submission.consultation,
            disposition_form=form,
            redline=ops.redline_for(comment),
            conflict=conflict,
            current=current,
        ),
        status,
    )


@bp.route("/comments/<int:comment_id>", methods=["GET", "POST"])
@login_required
def edit(comment_id: int) -> tuple[str, int] | Response:
    user = _secretariat()
    comment = _comment(comment_id)
    if request.method == "GET":
        return _render_edit(comment, disposition_form_for(comment), 200)
    form = disposition_form_for(comment, formdata=True)
    if not form.validate_on_submit():
        return _render_edit(comment, form, 400)
    try:
        ops.record_disposition(
            user,
            [comment],
            Outcome(form.outcome.data),
            form.public_explanation.data,
            internal_note=form.internal_note.data,
            change_reference=form.change_reference.data,
            resulting_provision_id=form.resulting_provision_id,
            expected_lock_versions={comment.id: int(form.lock_version.data or 0)},
        )
    except ops.DispositionConflict:
        db.session.rollback()
        current = _current_disposition(comment.id)
        # The reviewer's text stays in the form; the version they now have seen is the one
        # that saving again would replace.
        seen = current.lock_version if current is not None else 0
        form.lock_version.data = seen
        form.lock_version.raw_data = [str(seen)]  # what the hidden input renders
        return _render_edit(
            comment, form, 409, conflict=ops.conflict_message(current, user), current=current
        )
    except UserError as error:
        if error.status_code != 400:
            raise
        db.session.rollback()
        form.form_errors.append(error.message)
        return _render_edit(comment, form, 400)
    flash(_("The disposition of the comment on %(label)s was saved.",
            label=comment.provision.label), "info")
    return redirect(
        safe_next_url(form.next.data) or url_for("dispositions.edit", comment_id=comment.id)
    )


# --- several comments answered the same way (secretariat) ------------------------------


def _expected_locks(comments: list[Comment]) -> dict[int, int] | None:
    """Versions the bulk form was loaded with (absent when posted straight from the queue)."""
    locks: dict[int, int] = {}
    for comment in comments:
        raw = request.form.get(f"lock-{comment.id}")
        if raw is None:
            continue
        if not raw.isascii() or not raw.isdigit() or len(raw) > 9:
            raise UserError(_("The form was changed. Reload the page and try again."))
        locks[comment.id] = int(raw)
    return locks or None


def _render_bulk(
    comments: list[Comment], form: BulkDispositionForm, status: int, next_url: str | None
) -> tuple[str, int]:
    return (
        render_template(
            "review/disposition_bulk.html",
            comments=comments,
            consultation=comments[0].submission.consultation,
            form=form,
            answered=[c for c in comments if c.disposition is not None],
            next_url=next_url,
        ),
        status,
    )


@bp.route("/bulk", methods=["GET", "POST"])
@login_required
def bulk() -> tuple[str, int] | Response:
    user = _secretariat()
    source = request.form if request.method == "POST" else request.args
    # Every id must be a submitted comment of one consultation, or nothing happens.
    ids = ops.parse_ids(source.getlist("comment_ids"))
    comments = ops.load_comments_of_one_consultation(ids)
    consultation = comments[0].submission.consultation
    next_url = safe_next_url(source.get("next"))
    showing = request.method == "GET" or "outcome" not in request.form
    form = BulkDispositionForm(formdata=None) if showing else BulkDispositionForm()
    form.set_provision_choices(_provision_choices(consultation))
    if showing:
        # From the queue's selection: show the form (a POST here must still carry CSRF).
        if request.method == "POST" and not ActionForm().validate_on_submit():
            raise UserError(_("The form was incomplete. Reload the page and try again."))
        return _render_bulk(comments, form, 200, next_url)
    if not form.validate_on_submit():
        return _render_bulk(comments, form, 400, next_url)
    answered = [c for c in comments if c.disposition is not None]
    if answered and not form.replace_existing.data:
        form.form_errors.append(
            ngettext(
                "%(num)d of these comments already has a disposition. Tick the box to replace "
                "it, or leave that comment out. Nothing was saved.",
                "%(num)d of these comments already have a disposition. Tick the box to "
                "replace them, or leave those comments out. Nothing was saved.",
                len(answered),
            )
        )
        return _render_bulk(comments, form, 400, next_url)
    try:
        saved = ops.record_disposition(
            user,
            comments,
            Outcome(form.outcome.data),
            form.public_explanation.data,
            internal_note=form.internal_note.data,
            change_reference=form.change_reference.data,
            resulting_provision_id=form.resulting_provision_id,
            expected_lock_versions=_expected_locks(comments),
        )
    except ops.DispositionConflict as error:
        db.session.rollback()
        comments = ops.load_comments_of_one_consultation(ids)
        form.form_errors.append(error.message)
        return _render_bulk(comments, form, 409, next_url)
    except UserError as error:
        if error.status_code != 400:
            raise
        db.session.rollback()
        comments = ops.load_comments_of_one_consultation(ids)
        form.form_errors.append(error.message)
        return _render_bulk(comments, form, 400, next_url)
    flash(
        ngettext("%(num)d comment was answered.", "%(num)d comments were answered.", len(saved)),
        "info",
    )
    return redirect(
        next_url or url_for("dispositions.public_table", consultation_id=consultation.id)
    )


# --- publication (secretariat) ---------------------------------------------------------


@bp.post("/<int:consultation_id>/publish")
@login_required
def publish(consultation_id: int) -> Response:
    user = _secretariat()
    consultation = _consultation(consultation_id)
    if not PublishForm().validate_on_submit():
        raise UserError(_("The form was incomplete. Reload the page and try again."))
    count = ops.publish_dispositions(user, consultation)
    if count:
        flash(
            ngettext(
                "%(num)d disposition was published; the organisations concerned are notified.",
                "%(num)d dispositions were published; the organisations concerned are notified.",
                count,
            ),
            "info",
        )
    else:
        flash(_("There was no unpublished disposition to publish."), "info")
    return redirect(url_for("dispositions.public_table", consultation_id=consultation.id))


# --- the contributor's own dispositions -------------------------------------------------


def _satisfaction_form(disposition: Disposition, formdata: bool = False) -> SatisfactionForm:
    prefix = f"d{disposition.id}"
    if formdata:
        return SatisfactionForm(prefix=prefix)
    return SatisfactionForm(
        formdata=None,
        prefix=prefix,
        satisfaction=disposition.satisfaction.value if disposition.satisfaction else None,
        note=disposition.satisfaction_note,
    )


@bp.get("/mine/<int:consultation_id>")
@login_required
def mine(consultation_id: int) -> str:
    user = signed_in_user()
    consultation = _consultation(consultation_id)
    organisation = user.organisation
    if organisation is None or not user.can_act_for(organisation):
        raise NotAllowed(_("Only contributors of an organisation see its dispositions."))
    pagination = paginate(
        ops.own_comments_query(consultation, organisation), current_app.config["PER_PAGE"]
    )
    comments: list[Comment] = list(pagination.items)
    published = [
        c.disposition
        for c in comments
        if c.disposition is not None and c.disposition.published_at is not None
    ]
    return render_template(
        "review/dispositions_mine.html",
        consultation=consultation,
        organisation=organisation,
        pagination=pagination,
        comments=comments,
        redlines={c.id: ops.redline_for(c) for c in comments},
        resulting=ops.resulting_provisions(published),
        forms={d.id: _satisfaction_form(d) for d in published},
    )


@bp.route("/<int:disposition_id>/satisfaction", methods=["GET", "POST"])
@login_required
def rate(disposition_id: int) -> tuple[str, int] | Response:
    user = signed_in_user()
    disposition = db.session.get(Disposition, disposition_id)
    comment = db.session.get(Comment, disposition.comment_id) if disposition else None
    if (
        disposition is None
        or comment is None
        or not ops.can_see_own_disposition(user, comment, disposition)
    ):
        raise NotFound(_("This disposition does not exist."))
    consultation = comment.submission.consultation
    form = _satisfaction_form(disposition, formdata=request.method == "POST")
    if request.method == "POST" and form.validate_on_submit():
        try:
            ops.record_satisfaction(
                user, disposition, Satisfaction(form.satisfaction.data), form.note.data
            )
        except UserError as error:
            if error.status_code != 400:
                raise
            db.session.rollback()
            form.form_errors.append(error.message)
        else:
            flash(_("Thank you: the secretariat will see your answer."), "info")
            return redirect(
                url_for("dispositions.mine", consultation_id=consultation.id)
                + f"#comment-{comment.id}"
            )
    return (
        render_template(
            "review/disposition_rate.html",
            consultation=consultation,
            comment=comment,
            disposition=disposition,
            form=form,
        ),
        400 if request.method == "POST" else 200,
    )


# --- public "disposition of comments" tables -------------------------------------------


def _outcome_arg() -> Outcome | None:
    raw = request.args.get("outcome") or None
    if raw is None:
        return None
    try:
        return Outcome(raw)
    except ValueError:
        abort(400)


def _provision_of(consultation: Consultation, provision_id: int) -> Provision:
    provision = db.session.get(Provision, provision_id)
    if provision is None or provision.version_id != consultation.version_id:
        raise NotFound(_("This provision is not part of the consulted text."))
    return provision


def _render_table(consultation: Consultation, provision: Provision | None) -> str:
    outcome = _outcome_arg()
    provision_id = provision.id if provision is not None else None
    if provision is None and request.args.get("provision"):
        raw_id = parse_id(request.args["provision"])
        if raw_id is None:
            abort(400)
        provision_id = _provision_of(consultation, raw_id).id
    pagination = paginate(
        ops.public_dispositions_query(consultation, provision_id, outcome),
        current_app.config["PER_PAGE"],
    )
    provisions = db.session.scalars(
        select(Provision)
        .where(Provision.version_id == consultation.version_id)
        .order_by(Provision.position)
    ).all()
    secretariat = ops.can_record_dispositions(current_user)
    return render_template(
        "review/disposition_table.html",
        consultation=consultation,
        provision=provision,
        provisions=provisions,
        provision_id=provision_id,
        outcome=outcome,
        outcomes=list(Outcome),
        pagination=pagination,
        rows=ops.table_rows(consultation, list(pagination.items)),
        unpublished=ops.unpublished_count(consultation) if secretariat else None,
        publish_form=PublishForm() if secretariat else None,
    )


@bp.get("/<int:consultation_id>")
def public_table(consultation_id: int) -> str:
    return _render_table(_consultation(consultation_id), None)


@bp.get("/<int:consultation_id>/provisions/<int:provision_id>")
def provision_table(consultation_id: int, provision_id: int) -> str:
    consultation = _consultation(consultation_id)
    return _render_table(consultation, _provision_of(consultation, provision_id))
