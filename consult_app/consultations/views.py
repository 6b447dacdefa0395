"""Consultations: public list and pages, and the secretariat's forms to open and change them."""

from __future__ import annotations

import io
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup
from werkzeug.wrappers import Response

from consult_app.accounts.models import OrgCategory
from consult_app.consultations import record
from consult_app.consultations.forms import ConsultationForm
from consult_app.consultations.models import Consultation, Phase, PublicationMode
from consult_app.consultations.operations import open_consultation, update_consultation
from consult_app.consultations.queries import (
    CommentPage,
    CosignerRow,
    PublicComment,
    consultation_sharing_version,
    consultation_with_text,
    consultations_query,
    cosigners_of,
    neighbours,
    provision_with_paragraphs,
    provisions_with_paragraphs,
    published_comment_counts,
    published_comment_total,
    published_comments_page,
    version_choices,
)
from consult_app.core.errors import NotAllowed, NotFound
from consult_app.core.pagination import page_arg, paginate
from consult_app.core.templating import enum_labels
from consult_app.extensions import db
from consult_app.submissions.models import CommentKind, OnBehalfKind, Position, Submission
from consult_app.texts.languages import compare_language, read
from consult_app.texts.models import (
    TEXT_LANGUAGES,
    Paragraph,
    Provision,
    TextVersion,
    language_name,
)
from consult_app.texts.redline import redline_html

bp = Blueprint("consultations", __name__, url_prefix="/consultations")
logger = logging.getLogger(__name__)

PARTICIPATE_ENDPOINT = "submissions.participate"
#: Written submissions listed on the consultation's page (the others on their own pages).
WRITTEN_ON_CONSULTATION_PAGE = 10


def _get_consultation(consultation_id: int) -> Consultation:
    return _viewable(consultation_with_text(consultation_id))


def _viewable(consultation: Consultation | None) -> Consultation:
    if consultation is None or not consultation.can_view(current_user):
        raise NotFound(_("This consultation does not exist."))
    return consultation


def _participation_url(consultation: Consultation) -> str | None:
    """The "Take part" link, for those who may take part now."""
    # The submissions blueprint may not provide the endpoint yet; never build a dead link.
    if PARTICIPATE_ENDPOINT not in current_app.view_functions:
        return None
    if not consultation.can_participate(current_user):
        return None
    return url_for(PARTICIPATE_ENDPOINT, consultation_id=consultation.id)


# --- public pages ----------------------------------------------------------------------


@bp.get("/")
def list_consultations() -> str:
    raw_phase = request.args.get("phase") or None
    try:
        phase = Phase(raw_phase) if raw_phase else None
    except ValueError:
        abort(400)
    pagination = paginate(consultations_query(phase), current_app.config["PER_PAGE"])
    return render_template(
        "consultations/list.html", pagination=pagination, phase=phase, phases=list(Phase)
    )


@bp.get("/<int:consultation_id>")
def show(consultation_id: int) -> str:
    consultation = _get_consultation(consultation_id)
    provisions = provisions_with_paragraphs(consultation.version_id)
    readings = read(provisions, consultation.version, str(get_locale()))
    written = record.written_submissions_page(consultation, 1, WRITTEN_ON_CONSULTATION_PAGE)
    return render_template(
        "consultations/show.html",
        consultation=consultation,
        provisions=provisions,
        readings={r.provision.id: r for r in readings},
        counts=published_comment_counts(consultation),
        participate_url=_participation_url(consultation),
        participation_note=_participation_note(consultation),
        can_manage=consultation.can_manage(current_user),
        categories=consultation.categories,
        written=written,
        contributors=record.contributors(consultation),
    )


@bp.get("/<int:consultation_id>/written-submissions")
def written_submissions(consultation_id: int) -> str:
    """The public record's written submissions, a page at a time."""
    consultation = _get_consultation(consultation_id)
    page = page_arg()
    pagination = record.written_submissions_page(consultation, page, current_app.config["PER_PAGE"])
    if page > 1 and not pagination.items:
        abort(404)
    return render_template(
        "consultations/written_submissions.html",
        consultation=consultation,
        pagination=pagination,
    )


@bp.get("/<int:consultation_id>/written-submissions/<int:attachment_id>")
def download_written_submission(consultation_id: int, attachment_id: int) -> Response:
    """A published written submission; anything else is not found."""
    consultation = _get_consultation(consultation_id)
    attachment = record.public_attachment(consultation, attachment_id)
    if attachment is None:
        raise NotFound(_("This document is not published."))
    response = send_file(
        io.BytesIO(attachment.data),
        mimetype=attachment.content_type,
        as_attachment=True,
        download_name=attachment.filename,
        max_age=0,
    )
    # Withheld later, it must not linger in a shared cache.
    response.headers["Cache-Control"] = "no-cache"
    return response


def _participation_note(consultation: Consultation) -> str | None:
    """Why the reader cannot take part (shown instead of the "Take part" link)."""
    phase = consultation.phase()
    if phase is Phase.UPCOMING:
        return _("The consultation is not open yet.")
    if phase is Phase.CLOSED:
        return _("The consultation is closed.")
    if not current_user.is_authenticated:
        return _("Sign in as a contributor of an eligible organisation to take part.")
    organisation = current_user.organisation
    if organisation is None or not current_user.can_act_for(organisation):
        return None
    if not consultation.is_eligible(organisation):
        return _(
            "Organisations of your category (%(category)s) are not invited to this consultation.",
            category=organisation.category.label,
        )
    if not consultation.can_participate(current_user):
        return _("Your organisation cannot take part in this consultation.")
    return None


@bp.get("/<int:consultation_id>/provisions/<int:provision_id>")
def provision(consultation_id: int, provision_id: int) -> str:
    found, shared = consultation_sharing_version(consultation_id)
    consultation = _viewable(found)
    item = provision_with_paragraphs(provision_id)
    if item is None or item.version_id != consultation.version_id:
        raise NotFound(_("This provision is not part of the consulted text."))
    raw_position = request.args.get("position") or None
    try:
        position = Position(raw_position) if raw_position else None
    except ValueError:
        abort(400)
    # A second language side by side (?compare=fr): checked before anything is loaded.
    compare = compare_language(request.args.get("compare"))
    previous, following = neighbours(item)
    # In the reader's language where translated: one more query, none in the original's.
    (reading,) = read([item], consultation.version, str(get_locale()))
    (second,) = read([item], consultation.version, compare) if compare else (None,)
    # Side by side, each column's heading ("Article 5. Title") in that column's language.
    column_labels = []
    for column in (reading, second) if second is not None else ():
        with force_locale(column.language):
            column_labels.append(column.full_label)
    paragraphs = {p.id: p for p in item.paragraphs}
    page = page_arg()
    per_page = int(current_app.config["COMMENTS_PER_PAGE"])
    total = published_comment_total(consultation, item, position, shared=shared)
    if page > 1 and (page - 1) * per_page >= total:
        abort(404)
    comments = (
        published_comments_page(
            consultation, item, position, page=page, per_page=per_page, shared=shared
        )
        if total
        else []
    )
    pagination = CommentPage(page, per_page, comments, total)
    cosigners = cosigners_of({c.submission_id for c in comments})
    category_labels = enum_labels(OrgCategory)
    return render_template(
        "consultations/provision.html",
        consultation=consultation,
        provision=item,
        reading=reading,
        second=second,
        column_labels=column_labels,
        compare=compare,
        languages=consultation.version.languages,
        language_names={code: language_name(code) for code in TEXT_LANGUAGES},
        previous=previous,
        following=following,
        pagination=pagination,
        comments=comments,
        targets={c.id: paragraphs.get(c.paragraph_id) for c in comments if c.paragraph_id},
        redlines=_redlines(item, paragraphs, comments),
        bylines={
            c.id: _byline(consultation, c, cosigners.get(c.submission_id, []), category_labels)
            for c in comments
        },
        position=position,
        positions=list(Position),
        position_labels=enum_labels(Position),
        kind_labels=enum_labels(CommentKind),
        participate_url=_participation_url(consultation),
    )


@dataclass
class Byline:
    """Who a published comment is from, as far as the consultation lets us say."""

    category: str
    name: str | None = None
    on_behalf: str | None = None
    cosigners: list[str] = field(default_factory=list)


def _byline(
    consultation: Consultation,
    comment: PublicComment,
    cosigners: list[CosignerRow],
    category_labels: Mapping[OrgCategory, str],
) -> Byline:
    # An organisation that asked not to be published is never named, whatever else holds.
    named = consultation.allow_attribution and comment.publishable
    # The row carries the submission's on_behalf_* fields under the same names.
    on_behalf: str | None = Submission.on_behalf_label.fget(comment)  # type: ignore[attr-defined]
    if not named and comment.on_behalf_kind is OnBehalfKind.COALITION:
        on_behalf = _("on behalf of a group or coalition")
    if named:
        names = [f"{c.display_name} ({category_labels[c.category]})" for c in cosigners]
    else:
        names = [category_labels[c.category] for c in cosigners]
    author = (
        f"{comment.author_name} ({comment.author_acronym})"
        if comment.author_acronym
        else comment.author_name
    )
    return Byline(
        category=category_labels[comment.author_category],
        name=author if named else None,
        on_behalf=on_behalf,
        cosigners=names,
    )


def _redlines(
    provision: Provision, paragraphs: dict[int, Paragraph], comments: list[PublicComment]
) -> dict[int, Markup]:
    """Each proposed wording as a redline against the paragraph (or provision) it targets."""
    whole_text: str | None = None
    result: dict[int, Markup] = {}
    for comment in comments:
        if not comment.proposed_wording:
            continue
        target = paragraphs.get(comment.paragraph_id) if comment.paragraph_id else None
        if target is not None:
            base = target.text
        else:
            if whole_text is None:
                whole_text = provision.plain_text()
            base = whole_text
        result[comment.id] = _redline(base, comment.proposed_wording)
    return result


@lru_cache(maxsize=4096)
def _redline(base: str, proposed: str) -> Markup:
    """``redline_html``, remembered: a word diff costs milliseconds and a page shows many.

    The result depends only on the two texts (the key), so an edited comment or a new
    version of the text simply misses the cache; 4,096 entries of a few KB each at most.
    """
    return redline_html(base, proposed)


# --- secretariat -----------------------------------------------------------------------


def _form_context(form: ConsultationForm, **extra: Any) -> dict[str, Any]:
    return {
        "form": form,
        "category_labels": {c.value: c.label for c in OrgCategory},
        "modes": list(PublicationMode),
        **extra,
    }


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new_consultation() -> str | Response | tuple[str, int]:
    if not current_user.can_manage_consultations():
        raise NotAllowed(_("Only the secretariat can open consultations."))
    versions = version_choices()
    form = ConsultationForm(versions=versions)
    if request.method == "GET":
        form.categories.data = [c.value for c in OrgCategory]
    if form.validate_on_submit() and not form.check.data:
        assert form.opens_at is not None and form.closes_at is not None
        version = db.session.get(TextVersion, form.version_id.data)
        consultation = open_consultation(
            current_user,
            version,
            title=form.title.data or "",
            description=form.description.data,
            opens_at=form.opens_at,
            closes_at=form.closes_at,
            timezone=form.timezone.data,
            categories=form.categories.data or [],
            publication_mode=form.publication_mode.data,
            publish_submissions=form.publish_submissions.data,
            allow_attribution=form.allow_attribution.data,
        )
        flash(_("The consultation was opened."), "success")
        return redirect(url_for(".show", consultation_id=consultation.id))
    status = 400 if form.is_submitted() and form.errors else 200
    return render_template(
        "consultations/form.html",
        **_form_context(form, consultation=None, has_versions=bool(versions)),
    ), status


@bp.route("/<int:consultation_id>/edit", methods=["GET", "POST"])
@login_required
def edit_consultation(consultation_id: int) -> str | Response | tuple[str, int]:
    consultation = _get_consultation(consultation_id)
    if not consultation.can_manage(current_user):
        raise NotAllowed(_("Only the secretariat can change consultations."))
    version_locked = consultation.has_opened()
    form = ConsultationForm(versions=version_choices(), obj=consultation)
    if version_locked:
        del form.version_id
    if request.method == "GET":
        form.set_dates(consultation.opens_at, consultation.closes_at, consultation.timezone)
        form.categories.data = list(consultation.eligible_categories)
        form.publication_mode.data = consultation.publication_mode.value
        form.lock_version.data = str(consultation.lock_version)
    if form.validate_on_submit() and not form.check.data:
        changes: dict[str, Any] = {
            "title": form.title.data,
            "description": form.description.data,
            "opens_at": form.opens_at,
            "closes_at": form.closes_at,
            "timezone": form.timezone.data,
            "categories": form.categories.data or [],
            "publication_mode": form.publication_mode.data,
            "publish_submissions": form.publish_submissions.data,
            "allow_attribution": form.allow_attribution.data,
        }
        if not version_locked:
            changes["version"] = db.session.get(TextVersion, form.version_id.data)
        lock = form.lock_version.data
        update_consultation(
            current_user,
            consultation,
            expected_lock_version=int(lock) if lock and lock.isascii() and lock.isdigit() else None,
            **changes,
        )
        flash(_("The consultation was updated."), "success")
        return redirect(url_for(".show", consultation_id=consultation.id))
    status = 400 if form.is_submitted() and form.errors else 200
    return render_template(
        "consultations/form.html",
        **_form_context(
            form, consultation=consultation, version_locked=version_locked, has_versions=True
        ),
    ), status
