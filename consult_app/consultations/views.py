"""Consultations: public list and pages, and the secretariat's forms to open and change them."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy import select
from werkzeug.wrappers import Response

from consult_app.accounts.models import OrgCategory
from consult_app.consultations.forms import ConsultationForm, ContentTranslationForm
from consult_app.consultations.languages import (
    CONTENT_FIELDS,
    Localized,
    localized,
    original_language,
    reader_language,
    save_content_translation,
    summary_text,
    translation_of,
)
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
from consult_app.review.models import Theme, ThemeTranslation
from consult_app.review.themes import consultation_themes
from consult_app.submissions.models import CommentKind, OnBehalfKind, Position, Submission
from consult_app.submissions.operations import amendment_base
from consult_app.summaries.models import SummaryDraft
from consult_app.texts.languages import read
from consult_app.texts.models import (
    RTL_TEXT_LANGUAGES,
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
    )


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
    previous, following = neighbours(item)
    # In the reader's language where translated: one more query, none in the original's.
    (reading,) = read([item], consultation.version, str(get_locale()))
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
    bases: dict[tuple[int | None, str | None], str] = {}
    result: dict[int, Markup] = {}
    for comment in comments:
        if not comment.proposed_wording:
            continue
        target = paragraphs.get(comment.paragraph_id) if comment.paragraph_id else None
        # Against the language version the comment was written against.
        key = (target.id if target is not None else None, comment.language)
        if key not in bases:
            bases[key] = amendment_base(provision, target, comment.language)
        result[comment.id] = _redline(bases[key], comment.proposed_wording)
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
            instructions=form.instructions.data,
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
            "instructions": form.instructions.data,
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


# --- the consultation's content in several languages -----------------------------------


@bp.app_template_global("in_reader_language")
def _in_reader_language(consultation: Consultation, field: str) -> Localized | None:
    return localized(consultation, field)


@bp.app_template_global("summary_in_reader_language")
def _summary_in_reader_language(summary: SummaryDraft) -> Localized:
    return summary_text(summary, original_language(summary.consultation))


@bp.app_template_global("public_theme_name")
def _public_theme_name(consultation: Consultation, theme_id: int, name: str) -> Localized:
    source = original_language(consultation)
    language = reader_language()
    if language != source:
        translated = db.session.scalar(
            select(ThemeTranslation.name).where(
                ThemeTranslation.theme_id == theme_id, ThemeTranslation.language == language
            )
        )
        if translated:
            return Localized(translated, language, False)
        return Localized(name, source, True)
    return Localized(name, source, False)


bp.add_app_template_global(language_name, "language_name")


def _managed(consultation_id: int) -> Consultation:
    consultation = _get_consultation(consultation_id)
    if not consultation.can_manage(current_user):
        raise NotAllowed(_("Only the secretariat can translate a consultation's content."))
    return consultation


def _translatable(consultation: Consultation) -> tuple[list[Theme], list[SummaryDraft]]:
    themes = [t for t in consultation_themes(consultation) if t.public]
    summaries = list(
        db.session.scalars(
            select(SummaryDraft)
            .outerjoin(Provision, Provision.id == SummaryDraft.provision_id)
            .where(
                SummaryDraft.consultation_id == consultation.id,
                SummaryDraft.published_text.is_not(None),
            )
            .order_by(SummaryDraft.scope_key != 0, Provision.position)
        )
    )
    return themes, summaries


@bp.get("/<int:consultation_id>/languages")
@login_required
def content_languages(consultation_id: int) -> str:
    consultation = _managed(consultation_id)
    themes, summaries = _translatable(consultation)
    source = original_language(consultation)
    rows = []
    for code in TEXT_LANGUAGES:
        if code == source:
            continue
        row = translation_of(consultation, code)
        rows.append(
            {
                "code": code,
                "fields": [f for f in CONTENT_FIELDS if row is not None and getattr(row, f)],
                "themes": sum(1 for t in themes if any(x.language == code for x in t.translations)),
                "summaries": sum(
                    1 for s in summaries if any(x.language == code for x in s.translations)
                ),
                "stale": sum(
                    1
                    for s in summaries
                    for x in s.translations
                    if x.language == code and x.needs_update
                ),
            }
        )
    return render_template(
        "consultations/languages.html",
        consultation=consultation,
        source=source,
        rows=rows,
        field_total=sum(1 for f in CONTENT_FIELDS if getattr(consultation, f)),
        theme_total=len(themes),
        summary_total=len(summaries),
        language_names={code: language_name(code) for code in TEXT_LANGUAGES},
    )


@bp.route("/<int:consultation_id>/languages/<language>", methods=["GET", "POST"])
@login_required
def edit_content_language(consultation_id: int, language: str) -> str | Response | tuple[str, int]:
    consultation = _managed(consultation_id)
    if language not in TEXT_LANGUAGES or language == original_language(consultation):
        raise NotFound(_("There is no such language version of this consultation's content."))
    themes, summaries = _translatable(consultation)
    row = translation_of(consultation, language)
    form = ContentTranslationForm(obj=row)
    if form.validate_on_submit():
        save_content_translation(
            current_user,
            consultation,
            language,
            {f: form[f].data for f in CONTENT_FIELDS},
            {t: request.form.get(f"theme-{t.id}") for t in themes},
            {s: request.form.get(f"summary-{s.id}") for s in summaries},
        )
        flash(
            _(
                "The %(language)s version of the consultation's content was saved.",
                language=language_name(language),
            ),
            "success",
        )
        return redirect(url_for(".content_languages", consultation_id=consultation.id))
    labels = {
        p.id: p.full_label
        for p in db.session.scalars(
            select(Provision).where(Provision.version_id == consultation.version_id)
        )
    }
    status = 400 if form.is_submitted() and form.errors else 200
    return render_template(
        "consultations/language_form.html",
        consultation=consultation,
        form=form,
        language=language,
        language_label=language_name(language),
        direction="rtl" if language in RTL_TEXT_LANGUAGES else "ltr",
        themes=themes,
        theme_values={
            t.id: request.form.get(f"theme-{t.id}")
            if form.is_submitted()
            else next((x.name for x in t.translations if x.language == language), "")
            for t in themes
        },
        summaries=summaries,
        summary_values={
            s.id: request.form.get(f"summary-{s.id}")
            if form.is_submitted()
            else next((x.text for x in s.translations if x.language == language), "")
            for s in summaries
        },
        summary_stale={
            s.id: any(x.language == language and x.needs_update for x in s.translations)
            for s in summaries
        },
        labels=labels,
    ), status
