"""Review queue, moderation, themes and assignment (secretariat).

Every route needs a signed-in member of the secretariat: anonymous visitors are sent to
sign in, contributors get 403. Views load, check, validate, call one operation, redirect.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import parse_qsl, urlencode

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from consult_app.accounts.models import OrgCategory, RegionalGroup, User
from consult_app.consultations.models import Consultation
from consult_app.core.audit import AuditEntry
from consult_app.core.audit_labels import Change, action_label, entry_changes
from consult_app.core.errors import NotAllowed, NotFound, UserError
from consult_app.extensions import db
from consult_app.review import assignment, moderation, themes
from consult_app.review.forms import (
    ActionForm,
    AssignForm,
    AttachmentModerationForm,
    BulkForm,
    ProvisionAssignForm,
    RedactForm,
    RenameThemeForm,
    TagForm,
    ThemeForm,
    WithholdForm,
)
from consult_app.review.models import Outcome, Theme, WithheldReason
from consult_app.review.queue import (
    ANSWERED,
    MINE,
    QUERY_KEYS,
    SORTS,
    TO_ANSWER,
    UNASSIGNED,
    UNKNOWN_LANGUAGE,
    UNVERIFIED,
    VERIFIED,
    QueueFilters,
    parse_filters,
    queue_comments,
    queue_page,
    snippet,
)
from consult_app.submissions.commenting import amendment_base
from consult_app.submissions.models import (
    Attachment,
    Channel,
    Comment,
    CommentKind,
    ModerationStatus,
    Position,
    Submission,
    SubmissionStatus,
)
from consult_app.texts.models import TEXT_LANGUAGES, Provision, language_name
from consult_app.texts.redline import redline_html

logger = logging.getLogger(__name__)

bp = Blueprint("review", __name__, url_prefix="/review")


@bp.context_processor
def _labels() -> dict[str, Any]:
    return {"reason_labels": {r.value: r.label for r in WithheldReason}}


def _user() -> User:
    user: User = current_user._get_current_object()
    return user


# --- loading and permission ------------------------------------------------------------


def _load_consultation(consultation_id: int) -> Consultation:
    consultation = db.session.get(Consultation, consultation_id)
    if consultation is None:
        raise NotFound(_("This consultation does not exist."))
    if not consultation.can_manage(_user()):
        raise NotAllowed(_("Only the secretariat can review comments."))
    return consultation


def _load_comment(comment_id: int) -> Comment:
    comment = db.session.get(
        Comment,
        comment_id,
        options=[
            joinedload(Comment.submission).joinedload(Submission.organisation),
            joinedload(Comment.provision).selectinload(Provision.paragraphs),
            joinedload(Comment.paragraph),
            selectinload(Comment.themes),
        ],
    )
    # Drafts are their authors' business: for the secretariat they do not exist yet.
    if comment is None or comment.submission.status is not SubmissionStatus.SUBMITTED:
        raise NotFound(_("This comment does not exist."))
    if not comment.submission.consultation.can_manage(_user()):
        raise NotAllowed(_("Only the secretariat can review comments."))
    return comment


def _load_theme(theme_id: int) -> tuple[Theme, Consultation]:
    theme = db.session.get(Theme, theme_id)
    if theme is None:
        raise NotFound(_("This theme does not exist."))
    return theme, _load_consultation(theme.consultation_id)


def _theme_of(consultation: Consultation, theme_id: int | None) -> Theme:
    theme = db.session.get(Theme, theme_id) if theme_id is not None else None
    if theme is None or theme.consultation_id != consultation.id:
        raise UserError(_("This theme does not belong to this consultation."))
    return theme


# --- the queue -------------------------------------------------------------------------


def _queue_url(consultation: Consultation, query: str | None) -> str:
    """The queue with the filters the reviewer had (only known keys are kept)."""
    pairs = [(k, v) for k, v in parse_qsl(query or "") if k in QUERY_KEYS and v]
    url = url_for(".queue", consultation_id=consultation.id)
    return f"{url}?{urlencode(pairs)}" if pairs else url


def _render_queue(
    consultation: Consultation, filters: QueueFilters, form: BulkForm | None, status: int = 200
) -> tuple[str, int]:
    user = _user()
    pagination = queue_page(consultation, filters, user)
    all_themes = themes.consultation_themes(consultation)
    reviewer_list = assignment.reviewers()
    if form is None:
        form = BulkForm(themes=all_themes, reviewers=reviewer_list, formdata=None)
    form.back.data = urlencode(filters.raw)
    names = {u.id: u.name for u in reviewer_list}
    missing = {c.assigned_to_id for c in pagination.items if c.assigned_to_id} - set(names)
    if missing:
        names.update(
            (user_id, name)
            for user_id, name in db.session.execute(
                select(User.id, User.name).where(User.id.in_(missing))
            )
        )
    provisions = list(
        db.session.scalars(
            select(Provision)
            .where(Provision.version_id == consultation.version_id)
            .order_by(Provision.position)
        )
    )
    base = {k: v for k, v in filters.raw.items() if k != "page"}

    def page_url(page: int) -> str:
        args: dict[str, Any] = {**base, "page": str(page)} if page > 1 else dict(base)
        return url_for(".queue", consultation_id=consultation.id, **args)

    return render_template(
        "review/queue.html",
        consultation=consultation,
        filters=filters,
        pagination=pagination,
        comments=pagination.items,
        form=form,
        themes=all_themes,
        reviewers=reviewer_list,
        reviewer_names=names,
        provisions=provisions,
        page_url=page_url,
        snippet=snippet,
        labels=_enum_labels(),
        categories=list(OrgCategory),
        groups=list(RegionalGroup),
        positions=list(Position),
        statuses=list(ModerationStatus),
        channels=list(Channel),
        languages=TEXT_LANGUAGES,
        language_names={code: language_name(code) for code in TEXT_LANGUAGES},
        UNKNOWN_LANGUAGE=UNKNOWN_LANGUAGE,
        sorts=SORTS,
        UNASSIGNED=UNASSIGNED,
        MINE=MINE,
        VERIFIED=VERIFIED,
        UNVERIFIED=UNVERIFIED,
        TO_ANSWER=TO_ANSWER,
        ANSWERED=ANSWERED,
    ), status


def _enum_labels() -> dict[Any, str]:
    """Every label a queue row shows, translated once per request (not once per row)."""
    enums: tuple[type[Any], ...] = (
        OrgCategory, RegionalGroup, Position, CommentKind, ModerationStatus, Channel, Outcome,
    )
    labels: dict[Any, str] = {member: member.label for enum in enums for member in enum}
    labels.update({r.value: r.label for r in WithheldReason})
    return labels


@bp.get("/<int:consultation_id>/queue")
@login_required
def queue(consultation_id: int) -> tuple[str, int]:
    consultation = _load_consultation(consultation_id)
    filters = parse_filters(request.args, consultation)
    return _render_queue(consultation, filters, None)


@bp.post("/<int:consultation_id>/queue")
@login_required
def bulk(consultation_id: int) -> Response | tuple[str, int]:
    consultation = _load_consultation(consultation_id)
    user = _user()
    form = BulkForm(
        themes=themes.consultation_themes(consultation), reviewers=assignment.reviewers()
    )
    if not form.validate_on_submit():
        filters = parse_filters(MultiDict(parse_qsl(form.back.data or "")), consultation)
        return _render_queue(consultation, filters, form, 400)
    ids = sorted(set(form.comment_ids.data or []))
    comments = queue_comments(consultation, ids)
    if len(comments) != len(ids):
        raise UserError(
            _("Some selected comments are not in the queue of this consultation. "
              "Nothing was changed.")
        )
    action = form.action.data
    if action == "publish":
        count = moderation.publish_comments(user, comments)
    elif action == "withhold":
        reason = WithheldReason(form.reason.data)
        count = moderation.withhold_comments(user, comments, reason, form.note.data)
    elif action == "pending":
        count = moderation.return_to_pending(user, comments)
    elif action == "tag":
        count = themes.tag_comments(user, comments, _theme_of(consultation, form.theme_id.data))
    elif action == "untag":
        count = themes.untag_comments(user, comments, _theme_of(consultation, form.theme_id.data))
    elif action == "unassign":
        count = assignment.assign_comments(user, comments, None)
    else:
        reviewer = assignment.get_reviewer(form.reviewer_id.data)
        count = assignment.assign_comments(user, comments, reviewer)
    flash(
        ngettext("%(num)d comment changed.", "%(num)d comments changed.", count)
        + (" " + _("The others were already in that state.") if count < len(comments) else ""),
        "success",
    )
    return redirect(_queue_url(consultation, form.back.data))


# --- one comment -----------------------------------------------------------------------


def _redline(comment: Comment) -> Markup | None:
    if not comment.proposed_wording:
        return None
    # Against the language version the comment was written against.
    base = amendment_base(comment.provision, comment.paragraph, comment.language)
    return redline_html(base, comment.proposed_wording)


def _history(comment: Comment) -> list[tuple[AuditEntry, str | None, str, list[Change]]]:
    """The comment's audit entries in words: who, what (a sentence), and what changed."""
    rows = db.session.execute(
        select(AuditEntry, User.name)
        .outerjoin(User, AuditEntry.actor_id == User.id)
        .where(AuditEntry.object_type == "Comment", AuditEntry.object_id == comment.id)
        .order_by(AuditEntry.id)
    ).all()
    described = entry_changes([entry for entry, _name in rows])
    return [
        (entry, name, action_label(entry.action), described[entry.id]) for entry, name in rows
    ]


def _render_comment(comment: Comment, status: int = 200, **forms: Any) -> tuple[str, int]:
    consultation = comment.submission.consultation
    active = themes.consultation_themes(consultation, active_only=True)
    reviewer_list = assignment.reviewers()
    withhold = forms.get("withhold") or WithholdForm(prefix="withhold", formdata=None)
    redact = forms.get("redact") or RedactForm.for_comment(comment)
    tag = forms.get("tag") or TagForm(
        prefix="tag", formdata=None, themes=[t for t in active if t not in comment.themes]
    )
    assign = forms.get("assign") or AssignForm(
        prefix="assign", formdata=None, reviewers=reviewer_list,
        data={"reviewer_id": comment.assigned_to_id},
    )
    names = {u.id: u.name for u in reviewer_list}
    return render_template(
        "review/comment.html",
        comment=comment,
        submission=comment.submission,
        organisation=comment.submission.organisation,
        consultation=consultation,
        redline=_redline(comment),
        history=_history(comment),
        assignee=names.get(comment.assigned_to_id) if comment.assigned_to_id else None,
        withhold_form=withhold,
        redact_form=redact,
        tag_form=tag,
        assign_form=assign,
        action_form=ActionForm(),
    ), status


def _back_to(comment: Comment) -> Response:
    return redirect(url_for(".comment", comment_id=comment.id))


@bp.get("/comments/<int:comment_id>")
@login_required
def comment(comment_id: int) -> tuple[str, int]:
    return _render_comment(_load_comment(comment_id))


@bp.post("/comments/<int:comment_id>/publish")
@login_required
def publish(comment_id: int) -> Response:
    item = _load_comment(comment_id)
    form = ActionForm()
    if not form.validate_on_submit():
        raise UserError(_("The form has expired. Reload the page and try again."))
    if moderation.publish_comments(_user(), [item]):
        flash(_("The comment was published."), "success")
    return _back_to(item)


@bp.post("/comments/<int:comment_id>/pending")
@login_required
def pending(comment_id: int) -> Response:
    item = _load_comment(comment_id)
    form = ActionForm()
    if not form.validate_on_submit():
        raise UserError(_("The form has expired. Reload the page and try again."))
    if moderation.return_to_pending(_user(), [item]):
        flash(_("The comment is pending review again."), "success")
    return _back_to(item)


@bp.post("/comments/<int:comment_id>/withhold")
@login_required
def withhold(comment_id: int) -> Response | tuple[str, int]:
    item = _load_comment(comment_id)
    form = WithholdForm(prefix="withhold")
    if not form.validate_on_submit():
        return _render_comment(item, 400, withhold=form)
    moderation.withhold_comments(_user(), [item], WithheldReason(form.reason.data), form.note.data)
    flash(_("The comment was withheld. It stays in the record."), "success")
    return _back_to(item)


@bp.post("/attachments/<int:attachment_id>/moderate")
@login_required
def moderate_attachment(attachment_id: int) -> Response:
    """Publish, withhold or return to pending a written submission of the public record."""
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None:
        raise NotFound(_("This attachment does not exist."))
    if not attachment.can_moderate(current_user):
        raise NotAllowed(_("Only the secretariat can publish or withhold written submissions."))
    form = AttachmentModerationForm(prefix=f"attachment-{attachment.id}")
    if not form.validate_on_submit():
        errors = [str(e) for f in (form.action, form.reason) for e in f.errors]
        raise UserError(
            errors[0] if errors else _("The form has expired. Reload the page and try again.")
        )
    status = {
        "publish": ModerationStatus.PUBLISHED,
        "withhold": ModerationStatus.WITHHELD,
        "pending": ModerationStatus.PENDING,
    }[form.action.data]
    reason = WithheldReason(form.reason.data) if status is ModerationStatus.WITHHELD else None
    if moderation.moderate_attachment(_user(), attachment, status, reason):
        n = attachment.display_name
        messages = {
            ModerationStatus.PUBLISHED: _("“%(name)s” is published on the public record.", name=n),
            ModerationStatus.WITHHELD: _("“%(name)s” is withheld. It stays in the record.", name=n),
            ModerationStatus.PENDING: _("“%(name)s” is pending review again.", name=n),
        }
        flash(messages[status], "success")
    return redirect(
        url_for("submissions.show", submission_id=attachment.submission_id) + "#attachments"
    )


@bp.post("/comments/<int:comment_id>/redact")
@login_required
def redact(comment_id: int) -> Response | tuple[str, int]:
    item = _load_comment(comment_id)
    form = RedactForm(prefix="redact")
    if form.validate_on_submit():
        try:
            moderation.redact_comment(
                _user(), item, form.marked_parts(item), form.reason.data or ""
            )
        except moderation.RedactionError as error:
            form.error_field(error.part).errors = [error.message]
        else:
            flash(_("The comment was redacted; the original text is kept."), "success")
            return _back_to(item)
    return _render_comment(item, 400, redact=form)


@bp.post("/comments/<int:comment_id>/unredact")
@login_required
def unredact(comment_id: int) -> Response:
    item = _load_comment(comment_id)
    form = ActionForm()
    if not form.validate_on_submit():
        raise UserError(_("The form has expired. Reload the page and try again."))
    moderation.remove_redaction(_user(), item)
    flash(_("The redaction was removed: the original text is shown again."), "success")
    return _back_to(item)


@bp.post("/comments/<int:comment_id>/themes")
@login_required
def tag(comment_id: int) -> Response | tuple[str, int]:
    item = _load_comment(comment_id)
    consultation = item.submission.consultation
    active = themes.consultation_themes(consultation, active_only=True)
    form = TagForm(prefix="tag", themes=active)
    if not form.validate_on_submit():
        return _render_comment(item, 400, tag=form)
    themes.tag_comments(_user(), [item], _theme_of(consultation, form.theme_id.data))
    flash(_("The theme was added."), "success")
    return _back_to(item)


@bp.post("/comments/<int:comment_id>/themes/<int:theme_id>/remove")
@login_required
def untag(comment_id: int, theme_id: int) -> Response:
    item = _load_comment(comment_id)
    form = ActionForm()
    if not form.validate_on_submit():
        raise UserError(_("The form has expired. Reload the page and try again."))
    theme = _theme_of(item.submission.consultation, theme_id)
    themes.untag_comments(_user(), [item], theme)
    flash(_("The theme was removed."), "success")
    return _back_to(item)


@bp.post("/comments/<int:comment_id>/assign")
@login_required
def assign(comment_id: int) -> Response | tuple[str, int]:
    item = _load_comment(comment_id)
    form = AssignForm(prefix="assign", reviewers=assignment.reviewers())
    if not form.validate_on_submit():
        return _render_comment(item, 400, assign=form)
    assignment.assign_comments(_user(), [item], assignment.get_reviewer(form.reviewer_id.data))
    flash(_("The assignment was saved."), "success")
    return _back_to(item)


# --- themes ----------------------------------------------------------------------------


def _render_themes(
    consultation: Consultation,
    form: ThemeForm | None = None,
    rename: tuple[int, RenameThemeForm] | None = None,
    status: int = 200,
) -> tuple[str, int]:
    items = themes.consultation_themes(consultation)
    rename_forms = {
        t.id: RenameThemeForm(
            prefix=f"t{t.id}", formdata=None, data={"name": t.name, "public": t.public}
        )
        for t in items
    }
    if rename is not None:
        rename_forms[rename[0]] = rename[1]
    return render_template(
        "review/themes.html",
        consultation=consultation,
        themes=items,
        counts=themes.theme_counts(consultation),
        form=form or ThemeForm(formdata=None),
        rename_forms=rename_forms,
        action_form=ActionForm(),
    ), status


@bp.get("/<int:consultation_id>/themes")
@login_required
def theme_list(consultation_id: int) -> tuple[str, int]:
    return _render_themes(_load_consultation(consultation_id))


@bp.post("/<int:consultation_id>/themes")
@login_required
def create_theme(consultation_id: int) -> Response | tuple[str, int]:
    consultation = _load_consultation(consultation_id)
    form = ThemeForm()
    if form.validate_on_submit():
        try:
            theme = themes.create_theme(
                _user(),
                consultation,
                form.name.data or "",
                form.description.data,
                public=bool(form.public.data),
            )
        except UserError as error:
            form.name.errors = [error.message]
        else:
            flash(_("The theme “%(name)s” was added.", name=theme.name), "success")
            return redirect(url_for(".theme_list", consultation_id=consultation.id))
    return _render_themes(consultation, form=form, status=400)


@bp.post("/themes/<int:theme_id>/rename")
@login_required
def rename_theme(theme_id: int) -> Response | tuple[str, int]:
    theme, consultation = _load_theme(theme_id)
    form = RenameThemeForm(prefix=f"t{theme.id}")
    if form.validate_on_submit():
        try:
            themes.rename_theme(_user(), theme, form.name.data or "")
            themes.set_theme_public(_user(), theme, bool(form.public.data))
        except UserError as error:
            db.session.rollback()
            form.name.errors = [error.message]
        else:
            flash(_("The theme was saved."), "success")
            return redirect(url_for(".theme_list", consultation_id=consultation.id))
    return _render_themes(consultation, rename=(theme.id, form), status=400)


def _set_active(theme_id: int, active: bool) -> Response:
    theme, consultation = _load_theme(theme_id)
    form = ActionForm()
    if not form.validate_on_submit():
        raise UserError(_("The form has expired. Reload the page and try again."))
    themes.set_theme_active(_user(), theme, active)
    if active:
        flash(_("The theme “%(name)s” is in use again.", name=theme.name), "success")
    else:
        flash(
            _("The theme “%(name)s” was deactivated; comments keep it.", name=theme.name),
            "success",
        )
    return redirect(url_for(".theme_list", consultation_id=consultation.id))


@bp.post("/themes/<int:theme_id>/deactivate")
@login_required
def deactivate_theme(theme_id: int) -> Response:
    return _set_active(theme_id, False)


@bp.post("/themes/<int:theme_id>/activate")
@login_required
def activate_theme(theme_id: int) -> Response:
    return _set_active(theme_id, True)


# --- assignments -----------------------------------------------------------------------


def _render_assignments(
    consultation: Consultation,
    failed: tuple[int, ProvisionAssignForm] | None = None,
    status: int = 200,
) -> tuple[str, int]:
    provisions = list(
        db.session.scalars(
            select(Provision)
            .where(Provision.version_id == consultation.version_id)
            .order_by(Provision.position)
        )
    )
    current = assignment.provision_assignments(consultation)
    reviewer_list = assignment.reviewers()
    forms = {
        p.id: ProvisionAssignForm(
            prefix=f"p{p.id}",
            formdata=None,
            reviewers=reviewer_list,
            data={"reviewer_id": current[p.id].reviewer_id if p.id in current else None},
        )
        for p in provisions
    }
    if failed is not None:
        forms[failed[0]] = failed[1]
    return render_template(
        "review/assignments.html",
        consultation=consultation,
        provisions=provisions,
        assignments=current,
        counts=assignment.provision_comment_counts(consultation),
        forms=forms,
    ), status


@bp.get("/<int:consultation_id>/assignments")
@login_required
def assignments(consultation_id: int) -> tuple[str, int]:
    return _render_assignments(_load_consultation(consultation_id))


@bp.post("/<int:consultation_id>/assignments/<int:provision_id>")
@login_required
def assign_provision(consultation_id: int, provision_id: int) -> Response | tuple[str, int]:
    consultation = _load_consultation(consultation_id)
    provision = db.session.get(Provision, provision_id)
    if provision is None or provision.version_id != consultation.version_id:
        raise NotFound(_("This provision is not part of the text under consultation."))
    form = ProvisionAssignForm(prefix=f"p{provision.id}", reviewers=assignment.reviewers())
    if not form.validate_on_submit():
        return _render_assignments(consultation, (provision.id, form), 400)
    reviewer = assignment.get_reviewer(form.reviewer_id.data)
    count = assignment.assign_provision(
        _user(),
        consultation,
        provision,
        reviewer,
        include_unassigned_comments=bool(form.include_comments.data),
    )
    if reviewer is None:
        flash(_("Nobody is responsible for %(label)s now.", label=provision.label), "success")
    else:
        flash(
            _("%(name)s is responsible for %(label)s.", name=reviewer.name, label=provision.label)
            + " "
            + ngettext("%(num)d comment assigned.", "%(num)d comments assigned.", count),
            "success",
        )
    return redirect(url_for(".assignments", consultation_id=consultation.id))
