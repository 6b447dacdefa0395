"""Pages of the revisions: the public record of versions and their comparisons, the
secretariat's work on the next version, and each organisation's "how our input was used"."""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from consult_app.accounts.models import Organisation
from consult_app.core.errors import NotAllowed, NotFound, UserError
from consult_app.core.forms import choices
from consult_app.extensions import db
from consult_app.review.dispositions import author_label, redline_for
from consult_app.revisions import operations as ops
from consult_app.revisions.compare import (
    check_references,
    compare_versions,
    load_version,
    redline_markup,
    template_context,
)
from consult_app.revisions.docx_tracked import comparison_docx
from consult_app.revisions.forms import (
    AddProvisionForm,
    ApplyAmendmentsForm,
    CompareForm,
    ConfirmForm,
    DeleteProvisionForm,
    EditProvisionForm,
    MergeProvisionForm,
    MoveProvisionForm,
    PublishForm,
    SplitProvisionForm,
    StartVersionForm,
)
from consult_app.revisions.models import can_revise, can_view_version, is_revisable
from consult_app.revisions.traceability import (
    can_see_full_input,
    comments_for_changes,
    organisation_input,
    reasons_for_changes,
    version_changes,
)
from consult_app.texts.models import Instrument, Provision, ProvisionKind, TextVersion
from consult_app.texts.redline import redline_html

bp = Blueprint("revisions", __name__, url_prefix="/revisions")
logger = logging.getLogger(__name__)


def _require_secretariat() -> None:
    if not can_revise(current_user):
        raise NotAllowed(_("Only the secretariat can revise texts."))


def _version(version_id: int) -> TextVersion:
    version = load_version(version_id)
    if version is None or not can_view_version(current_user, version):
        raise NotFound(_("This text does not exist."))
    return version


def _draft(version_id: int) -> TextVersion:
    _require_secretariat()
    version = _version(version_id)
    if not is_revisable(version):
        raise UserError(
            _(
                "This version can no longer be changed: it is published, under consultation, "
                "or a later version was made from it."
            )
        )
    return version


def _provision(provision_id: int) -> Provision:
    _require_secretariat()
    provision = db.session.get(Provision, provision_id)
    if provision is None:
        raise NotFound(_("This provision does not exist."))
    return provision


def _back(version: TextVersion, anchor: str | None = None) -> Response:
    url = url_for("revisions.draft", version_id=version.id)
    return redirect(url + (f"#{anchor}" if anchor else ""))


def _after_choices(version: TextVersion, exclude: int | None = None) -> list[SelectChoice]:
    return choices(
        [
            (0, _("(the beginning)")),
            *((p.id, p.full_label) for p in version.provisions if p.id != exclude),
        ]
    )


# --- public record ---------------------------------------------------------------------


def _previous_visible(version: TextVersion, visible: list[TextVersion]) -> TextVersion | None:
    earlier = [v for v in visible if v.id < version.id]
    by_id = {v.id: v for v in visible}
    if version.previous_id in by_id:
        return by_id[version.previous_id]
    return earlier[-1] if earlier else None


@bp.get("/")
def record() -> str:
    """Every published version of every text, with its date, symbol and changes."""
    instruments = db.session.scalars(
        select(Instrument)
        .options(selectinload(Instrument.versions))
        .order_by(Instrument.title, Instrument.id)
    ).all()
    rows: list[dict[str, Any]] = []
    for instrument in instruments:
        visible = [v for v in instrument.versions if can_view_version(current_user, v)]
        if not visible:
            continue
        rows.append(
            {
                "instrument": instrument,
                "versions": [(v, _previous_visible(v, visible)) for v in reversed(visible)],
            }
        )
    return render_template("revisions/record.html", rows=rows, secretariat=can_revise(current_user))


@bp.get("/compare")
def compare() -> str:
    form = CompareForm(request.args)
    old_id = request.args.get("old", type=int)
    new_id = request.args.get("new", type=int)
    if not old_id or not new_id:
        raise UserError(_("Choose two versions to compare."))
    old, new = _version(old_id), _version(new_id)
    comparison = compare_versions(old, new)
    versions = choices(
        (v.id, v.display_title)
        for v in new.instrument.versions
        if can_view_version(current_user, v)
    )
    form.old.choices = versions
    form.new.choices = versions
    form.old.data, form.new.data = old.id, new.id
    return render_template(
        "revisions/compare.html",
        form=form,
        changed_only=request.args.get("changed") == "1",
        **template_context(comparison),
    )


@bp.get("/compare.docx")
def compare_docx() -> Response:
    old_id = request.args.get("old", type=int)
    new_id = request.args.get("new", type=int)
    if not old_id or not new_id:
        raise UserError(_("Choose two versions to compare."))
    old, new = _version(old_id), _version(new_id)
    author = _("Secretariat")
    data = comparison_docx(compare_versions(old, new), author=author)
    name = f"comparison-{old.id}-{new.id}.docx"
    return Response(
        data,
        mimetype="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.get("/versions/<int:version_id>/reasons")
def reasons(version_id: int) -> str:
    version = _version(version_id)
    public_only = not can_revise(current_user)
    return render_template(
        "revisions/reasons.html",
        version=version,
        reasons=reasons_for_changes(version, public_only=public_only),
    )


@bp.get("/organisations/<int:organisation_id>/input")
def organisation_input_page(organisation_id: int) -> str:
    """How the organisation's input was used."""
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None:
        raise NotFound(_("This organisation does not exist."))
    rows = organisation_input(organisation, current_user)
    full = can_see_full_input(current_user, organisation)
    if not full and not rows:
        raise NotFound(_("This organisation has no published comment."))
    return render_template(
        "revisions/input.html",
        organisation=organisation,
        rows=rows,
        full=full,
        redline_for=redline_for,
        author_label=author_label,
    )


# --- the secretariat's work on a new version -------------------------------------------


@bp.route("/versions/<int:version_id>/next", methods=["GET", "POST"])
@login_required
def start(version_id: int) -> str | Response:
    _require_secretariat()
    source = _version(version_id)
    form = StartVersionForm()
    if request.method == "GET":
        form.title.data = source.title
    if form.validate_on_submit():
        version = ops.start_next_version(current_user, source, form.title.data, form.symbol.data)
        flash(
            _(
                "The new version was started as a draft copy of %(title)s.",
                title=source.display_title,
            ),
            "success",
        )
        return _back(version)
    return render_template("revisions/start.html", form=form, source=source)


@bp.get("/versions/<int:version_id>/draft")
@login_required
def draft(version_id: int) -> str:
    _require_secretariat()
    version = _version(version_id)
    revisable = is_revisable(version)
    add_form = AddProvisionForm(prefix="add")
    add_form.after.choices = _after_choices(version)
    if version.provisions:
        add_form.after.data = version.provisions[-1].id
    changes = version_changes(version)
    linked = comments_for_changes([c.id for c in changes])
    publish_form = PublishForm(prefix="publish", symbol=version.symbol)
    return render_template(
        "revisions/draft.html",
        version=version,
        revisable=revisable,
        add_form=add_form,
        renumber_form=ConfirmForm(prefix="renumber"),
        publish_form=publish_form,
        flags=check_references(version),
        changes=changes,
        linked=linked,
    )


def _edit_forms(provision: Provision) -> dict[str, Any]:
    version = provision.version
    move = MoveProvisionForm(prefix="move")
    move.after.choices = _after_choices(version, exclude=provision.id)
    split = SplitProvisionForm(prefix="split")
    split.at.choices = choices(
        (p.id, p.labelled_text[:80]) for p in provision.paragraphs if p.level == 0
    )[1 if not provision.intro else 0 :]
    merge = MergeProvisionForm(prefix="merge")
    merge.other.choices = choices(
        (p.id, p.full_label)
        for p in version.provisions
        if p.id != provision.id and p.kind is provision.kind
    )
    return {
        "move_form": move,
        "split_form": split,
        "merge_form": merge,
        "delete_form": DeleteProvisionForm(prefix="delete"),
    }


@bp.route("/provisions/<int:provision_id>/edit", methods=["GET", "POST"])
@login_required
def edit(provision_id: int) -> str | Response | tuple[str, int]:
    provision = _provision(provision_id)
    version = _draft(provision.version_id)
    form = EditProvisionForm(prefix="edit")
    if request.method == "GET":
        form.title.data = provision.title
        form.wording.data = ops.wording_of(provision)
    status = 200
    if form.validate_on_submit():
        try:
            comments = ops.load_comments_for(version, form.comment_ids.data)
            change = ops.edit_provision(
                current_user,
                provision,
                form.title.data,
                form.wording.data,
                form.reason.data,
                comments,
            )
        except UserError as error:
            form.wording.errors = [*form.wording.errors, error.message]
            status = 400
        else:
            flash(
                _("%(label)s was saved.", label=provision.label)
                if change
                else _("Nothing was changed."),
                "success" if change else "info",
            )
            return _back(version, f"provision-{provision.id}")
    elif request.method == "POST":
        status = 400
    source_comments = []
    if provision.derived_from_id:
        from consult_app.submissions.models import Comment

        source_comments = list(
            db.session.scalars(
                select(Comment)
                .where(Comment.provision_id == provision.derived_from_id)
                .order_by(Comment.id)
                .limit(200)
            )
        )
    return render_template(
        "revisions/provision.html",
        provision=provision,
        version=version,
        form=form,
        source_comments=source_comments,
        **_edit_forms(provision),
    ), status


@bp.post("/provisions/<int:provision_id>/delete")
@login_required
def delete(provision_id: int) -> Response:
    provision = _provision(provision_id)
    version = _draft(provision.version_id)
    form = DeleteProvisionForm(prefix="delete")
    if not form.validate_on_submit():
        raise UserError(_("The form was incomplete; nothing was changed."))
    comments = ops.load_comments_for(version, form.comment_ids.data)
    change = ops.delete_provision(current_user, provision, form.reason.data, comments)
    flash(change.summary, "success")
    return _back(version)


@bp.post("/provisions/<int:provision_id>/move")
@login_required
def move(provision_id: int) -> Response:
    provision = _provision(provision_id)
    version = _draft(provision.version_id)
    form = MoveProvisionForm(prefix="move")
    form.after.choices = _after_choices(version, exclude=provision.id)
    if not form.validate_on_submit():
        raise UserError(_("Choose where to move the provision."))
    after = db.session.get(Provision, form.after.data) if form.after.data else None
    change = ops.move_provision(current_user, provision, after, form.reason.data)
    flash(change.summary, "success")
    return _back(version, f"provision-{provision.id}")


@bp.post("/provisions/<int:provision_id>/split")
@login_required
def split(provision_id: int) -> Response:
    provision = _provision(provision_id)
    version = _draft(provision.version_id)
    form = SplitProvisionForm(prefix="split")
    form.at.choices = choices((p.id, p.labelled_text[:80]) for p in provision.paragraphs)
    if not form.validate_on_submit():
        raise UserError(_("Choose the paragraph where the new provision starts."))
    paragraph = next(p for p in provision.paragraphs if p.id == form.at.data)
    second = ops.split_provision(
        current_user, provision, paragraph, form.number.data, form.reason.data
    )
    flash(
        _(
            "%(label)s was made from the end of %(first)s.",
            label=second.label,
            first=provision.label,
        ),
        "success",
    )
    return _back(version, f"provision-{second.id}")


@bp.post("/provisions/<int:provision_id>/merge")
@login_required
def merge(provision_id: int) -> Response:
    provision = _provision(provision_id)
    version = _draft(provision.version_id)
    form = MergeProvisionForm(prefix="merge")
    form.other.choices = choices(
        (p.id, p.full_label) for p in version.provisions if p.id != provision.id
    )
    if not form.validate_on_submit():
        raise UserError(_("Choose the provision to merge into this one."))
    other = db.session.get(Provision, form.other.data)
    assert other is not None
    change = ops.merge_provisions(current_user, provision, other, form.reason.data)
    flash(change.summary, "success")
    return _back(version, f"provision-{provision.id}")


@bp.post("/versions/<int:version_id>/add")
@login_required
def add(version_id: int) -> Response:
    version = _draft(version_id)
    form = AddProvisionForm(prefix="add")
    form.after.choices = _after_choices(version)
    if not form.validate_on_submit():
        errors = [e for field in form for e in field.errors]
        raise UserError(" ".join(str(e) for e in errors) or _("The form was incomplete."))
    after = db.session.get(Provision, form.after.data) if form.after.data else None
    comments = ops.load_comments_for(version, form.comment_ids.data)
    provision = ops.add_provision(
        current_user,
        version,
        ProvisionKind(form.kind.data),
        after,
        form.number.data,
        form.title.data,
        form.wording.data,
        form.reason.data,
        comments,
    )
    flash(_("%(label)s was inserted.", label=provision.label), "success")
    return _back(version, f"provision-{provision.id}")


@bp.post("/versions/<int:version_id>/renumber")
@login_required
def renumber(version_id: int) -> Response:
    version = _draft(version_id)
    if not ConfirmForm(prefix="renumber").validate_on_submit():
        raise UserError(_("The form was incomplete; nothing was changed."))
    changes = ops.renumber(current_user, version)
    flash(
        _("%(n)s provisions were renumbered.", n=len(changes))
        if changes
        else _("The numbering was already in order."),
        "success",
    )
    return _back(version)


@bp.post("/versions/<int:version_id>/publish")
@login_required
def publish(version_id: int) -> Response:
    version = _draft(version_id)
    form = PublishForm(prefix="publish")
    if not form.validate_on_submit():
        errors = [e for field in form for e in field.errors]
        raise UserError(" ".join(str(e) for e in errors) or _("The form was incomplete."))
    ops.publish_version(current_user, version, form.symbol.data, form.issued_on.data)
    flash(_("%(title)s was published.", title=version.display_title), "success")
    return redirect(url_for("texts.show_version", version_id=version.id))


# --- amendments ------------------------------------------------------------------------


@bp.get("/versions/<int:version_id>/amendments")
@login_required
def amendments(version_id: int) -> str:
    version = _draft(version_id)
    groups = ops.group_amendments(ops.amendments_for(version))
    return render_template(
        "revisions/amendments.html",
        version=version,
        groups=groups,
        form=ApplyAmendmentsForm(),
        redline_html=redline_html,
    )


@bp.post("/versions/<int:version_id>/amendments")
@login_required
def apply(version_id: int) -> str | Response:
    version = _draft(version_id)
    form = ApplyAmendmentsForm()
    if not form.validate_on_submit():
        raise UserError(_("The form was incomplete; nothing was changed."))
    raw = request.form.getlist("comment_ids")
    if not raw and request.form.get("selected"):  # the conflict page sends the same choice
        raw = request.form["selected"].split(",")
    if not raw or any(not r.isdigit() or len(r) > 12 for r in raw):
        raise UserError(_("Choose at least one amendment to apply."))
    ids = sorted({int(r) for r in raw})
    chosen = ops.amendments_for(version, ids)
    if len(chosen) != len(ids):
        raise UserError(
            _(
                "Some of the amendments chosen are not proposals on the previous "
                "version. Nothing was changed."
            )
        )
    groups = ops.group_amendments(chosen)
    conflicts = [g for g in groups if len(g) > 1]
    if conflicts and form.confirm.data != "1":
        # Nothing is applied before the secretariat has seen the wordings side by side.
        return render_template(
            "revisions/conflict.html",
            version=version,
            groups=groups,
            form=form,
            ids=ids,
            redline_html=redline_html,
        )
    applied = 0
    for index, group in enumerate(groups):
        wording = request.form.get(f"wording-{index}") if len(group) > 1 else None
        if len(group) > 1 and not (wording or "").strip():
            raise UserError(_("Write the wording to apply for each conflict."))
        ops.apply_amendments(current_user, version, group, wording, form.reason.data)
        applied += len(group)
    flash(
        _("%(n)s amendments were applied and recorded in their dispositions.", n=applied), "success"
    )
    return redirect(url_for("revisions.amendments", version_id=version.id))


# --- aligning an imported version ------------------------------------------------------


@bp.route("/versions/<int:version_id>/align", methods=["GET", "POST"])
@login_required
def align(version_id: int) -> str | Response:
    _require_secretariat()
    version = _version(version_id)
    if version.previous_id is None:
        raise UserError(_("This version has no previous version to align with."))
    previous = load_version(version.previous_id)
    assert previous is not None
    form = ConfirmForm()
    if form.validate_on_submit():
        old_ids = {p.id for p in previous.provisions}
        mapping: dict[int, list[int]] = {}
        for provision in version.provisions:
            raw = request.form.get(f"source-{provision.id}", "")
            if raw and (not raw.isdigit() or int(raw) not in old_ids):
                raise UserError(
                    _(
                        "The alignment names a provision that is not part of "
                        "these versions. Nothing was saved."
                    )
                )
            mapping[provision.id] = [int(raw)] if raw else []
        changed = ops.confirm_alignment(current_user, version, mapping)
        flash(_("The alignment was saved (%(n)s provisions linked anew).", n=changed), "success")
        return redirect(url_for("revisions.compare", old=previous.id, new=version.id))
    suggestions = ops.suggest_alignment(version, previous)
    current = {p.id: p.derived_from_id for p in version.provisions}
    return render_template(
        "revisions/align.html",
        version=version,
        previous=previous,
        suggestions=suggestions,
        current=current,
        form=form,
        redline=redline_markup,
    )
