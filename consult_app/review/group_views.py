"""Duplicate and campaign groups (secretariat): list, detection, review, answer.

Every route needs a signed-in member of the secretariat who manages the consultation:
anonymous visitors are sent to sign in, contributors get 403, unknown groups 404.
Operations live in :mod:`consult_app.review.grouping`.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload
from werkzeug.wrappers import Response
from wtforms import (
    FloatField,
    RadioField,
    SelectMultipleField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from consult_app.accounts.models import User
from consult_app.consultations.models import Consultation
from consult_app.core.errors import NotAllowed, NotFound, UserError
from consult_app.core.forms import AppForm
from consult_app.core.pagination import paginate
from consult_app.extensions import db
from consult_app.review import grouping
from consult_app.review.dispositions import MAX_EXPLANATION, MAX_INTERNAL_NOTE
from consult_app.review.models import (
    DuplicateGroup,
    GroupKind,
    GroupStatus,
    Outcome,
    WithheldReason,
)
from consult_app.review.queue import snippet
from consult_app.submissions.models import Comment, Submission
from consult_app.texts.redline import redline_html

logger = logging.getLogger(__name__)

bp = Blueprint("duplicate_groups", __name__, url_prefix="/review")

MAX_SPLIT = 500


@bp.context_processor
def _labels() -> dict[str, Any]:
    return {"reason_labels": {r.value: r.label for r in WithheldReason}}


# --- forms -----------------------------------------------------------------------------


class ActionForm(AppForm):
    """A button that changes something: only the CSRF token is checked."""


class DetectForm(AppForm):
    threshold = FloatField(
        _l("Similarity threshold (optional)"),
        validators=[
            Optional(),
            NumberRange(
                min=0.3, max=1.0, message=_l("Give a threshold between 0.3 and 1, such as 0.6.")
            ),
        ],
    )
    submit = SubmitField(_l("Detect duplicates now"))


class SplitForm(AppForm):
    comment_ids = SelectMultipleField(
        _l("Comments to take out of the group"), choices=[], coerce=int, validate_choice=False
    )
    submit = SubmitField(_l("Take the selected comments out of the group"))

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        ids = self.comment_ids.data or []
        if not ids and not self.comment_ids.errors:
            self.comment_ids.errors = [str(_l("Select the comments to take out of the group."))]
            ok = False
        elif len(ids) > MAX_SPLIT:
            self.comment_ids.errors = [
                str(_l("Select at most %(n)d comments at a time.", n=MAX_SPLIT))
            ]
            ok = False
        return ok


class GroupAnswerForm(AppForm):
    outcome = RadioField(
        _l("Outcome"), choices=[], validators=[InputRequired(message=_l("Choose an outcome."))]
    )
    public_explanation = TextAreaField(
        _l("Public explanation"),
        validators=[
            DataRequired(message=_l("Write the public explanation of the disposition.")),
            Length(max=MAX_EXPLANATION),
        ],
    )
    internal_note = TextAreaField(
        _l("Internal note (never published)"),
        validators=[Optional(), Length(max=MAX_INTERNAL_NOTE)],
    )
    submit = SubmitField(_l("Answer every comment of the group"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.outcome.choices = [SelectChoice(o.value, o.label) for o in Outcome]


# --- loading and permission ------------------------------------------------------------


def _user() -> User:
    user: User = current_user._get_current_object()
    return user


def _load_consultation(consultation_id: int) -> Consultation:
    consultation = db.session.get(Consultation, consultation_id)
    if consultation is None:
        raise NotFound(_("This consultation does not exist."))
    if not consultation.can_manage(_user()):
        raise NotAllowed(_("Only the secretariat can review duplicate groups."))
    return consultation


def _load_group(group_id: int) -> tuple[DuplicateGroup, Consultation]:
    group = db.session.get(DuplicateGroup, group_id)
    if group is None:
        raise NotFound(_("This group does not exist. Detection may have replaced it."))
    return group, _load_consultation(group.consultation_id)


def _enum_arg(enum_cls: Any, name: str, what: str) -> Any:
    value = (request.args.get(name) or "").strip()
    if not value:
        return None
    try:
        return enum_cls(value)
    except ValueError:
        raise UserError(
            _("“%(value)s” is not a valid %(what)s.", value=value[:50], what=what)
        ) from None


# --- the list --------------------------------------------------------------------------


def _render_list(
    consultation: Consultation, form: DetectForm | None = None, status: int = 200
) -> tuple[str, int]:
    kind = _enum_arg(GroupKind, "kind", _("kind of group"))
    state = _enum_arg(GroupStatus, "status", _("status"))
    pagination = paginate(
        grouping.groups_query(consultation, kind, state), current_app.config["PER_PAGE"]
    )
    groups: list[DuplicateGroup] = list(pagination.items)
    return render_template(
        "review/groups.html",
        consultation=consultation,
        pagination=pagination,
        groups=groups,
        figures=grouping.group_figures([g.id for g in groups]),
        representatives=grouping.representatives(groups),
        kind=kind,
        status=state,
        kinds=list(GroupKind),
        statuses=list(GroupStatus),
        form=form or DetectForm(formdata=None),
        snippet=snippet,
    ), status


@bp.get("/<int:consultation_id>/groups")
@login_required
def groups(consultation_id: int) -> tuple[str, int]:
    return _render_list(_load_consultation(consultation_id))


@bp.post("/<int:consultation_id>/groups/detect")
@login_required
def detect(consultation_id: int) -> Response | tuple[str, int]:
    consultation = _load_consultation(consultation_id)
    form = DetectForm()
    if not form.validate_on_submit():
        return _render_list(consultation, form, 400)
    result = grouping.detect_duplicates(_user(), consultation, form.threshold.data)
    flash(
        _(
            "%(scanned)d comments compared: %(groups)d groups suggested, of which "
            "%(campaigns)d campaigns. Confirmed and dismissed groups were kept.",
            scanned=result.comments_scanned,
            groups=result.suggested,
            campaigns=result.campaigns,
        ),
        "success",
    )
    return redirect(url_for(".groups", consultation_id=consultation.id))


# --- one group -------------------------------------------------------------------------


def _render_group(
    group: DuplicateGroup, consultation: Consultation, status: int = 200, **forms: Any
) -> tuple[str, int]:
    representative = None
    if group.representative_comment_id is not None:
        representative = db.session.get(
            Comment,
            group.representative_comment_id,
            options=[
                joinedload(Comment.submission).joinedload(Submission.organisation),
                joinedload(Comment.provision),
            ],
        )
    pagination = paginate(grouping.members_query(group), current_app.config["PER_PAGE"])
    members: list[Comment] = list(pagination.items)
    base = representative.body if representative is not None else ""
    redlines = {
        m.id: redline_html(base, m.body)
        for m in members
        if representative is None or m.id != representative.id
    }
    return render_template(
        "review/groups_show.html",
        consultation=consultation,
        group=group,
        representative=representative,
        pagination=pagination,
        members=members,
        redlines=redlines,
        figures=grouping.group_figures([group.id]).get(group.id),
        action_form=ActionForm(),
        split_form=forms.get("split") or SplitForm(formdata=None),
        answer_form=forms.get("answer") or GroupAnswerForm(formdata=None),
        max_split=MAX_SPLIT,
    ), status


def _back_to(group: DuplicateGroup) -> Response:
    return redirect(url_for(".show", group_id=group.id))


@bp.get("/groups/<int:group_id>")
@login_required
def show(group_id: int) -> tuple[str, int]:
    group, consultation = _load_group(group_id)
    return _render_group(group, consultation)


@bp.post("/groups/<int:group_id>/confirm")
@login_required
def confirm(group_id: int) -> Response:
    group, _consultation = _load_group(group_id)
    if not ActionForm().validate_on_submit():
        raise UserError(_("The form has expired. Reload the page and try again."))
    grouping.confirm_group(_user(), group)
    flash(_("The group was confirmed."), "success")
    return _back_to(group)


@bp.post("/groups/<int:group_id>/dismiss")
@login_required
def dismiss(group_id: int) -> Response:
    group, _consultation = _load_group(group_id)
    if not ActionForm().validate_on_submit():
        raise UserError(_("The form has expired. Reload the page and try again."))
    grouping.dismiss_group(_user(), group)
    flash(
        _("The group was dismissed: its comments are no longer grouped and this set will "
          "not be suggested again."),
        "success",
    )
    return _back_to(group)


@bp.post("/groups/<int:group_id>/split")
@login_required
def split(group_id: int) -> Response | tuple[str, int]:
    group, consultation = _load_group(group_id)
    form = SplitForm()
    status = 400
    if form.validate_on_submit():
        ids = form.comment_ids.data or []
        try:
            grouping.split_group(_user(), group, ids)
        except UserError as error:
            db.session.rollback()
            form.comment_ids.errors = [error.message]
            status = error.status_code
        else:
            flash(
                ngettext(
                    "%(num)d comment was taken out of the group; the group is confirmed.",
                    "%(num)d comments were taken out of the group; the group is confirmed.",
                    len(set(ids)),
                ),
                "success",
            )
            return _back_to(group)
    return _render_group(group, consultation, status, split=form)


@bp.post("/groups/<int:group_id>/answer")
@login_required
def answer(group_id: int) -> Response | tuple[str, int]:
    group, consultation = _load_group(group_id)
    form = GroupAnswerForm()
    status = 400
    if form.validate_on_submit():
        try:
            results = grouping.answer_group(
                _user(),
                group,
                Outcome(form.outcome.data),
                form.public_explanation.data,
                internal_note=form.internal_note.data,
            )
        except UserError as error:  # a stale disposition is a 409
            db.session.rollback()
            form.public_explanation.errors = [error.message]
            status = error.status_code
        else:
            flash(
                ngettext(
                    "The disposition was recorded for %(num)d comment.",
                    "The disposition was recorded for %(num)d comments.",
                    len(results),
                ),
                "success",
            )
            return _back_to(group)
    return _render_group(group, consultation, status, answer=form)
