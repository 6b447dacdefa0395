"""The consultation's content in several languages: the secretariat's pages to translate
its title, description, instructions, public theme names and published summaries
(``consultations.content_languages``, ``consultations.edit_content_language``), and the
template globals that show them in the reader's language.

The pages join the consultations blueprint from here (they read themes and summaries, so
they sit above them); the app factory imports this module before it registers it.
"""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.wrappers import Response

from consult_app.consultations.forms import ContentTranslationForm
from consult_app.consultations.models import Consultation
from consult_app.consultations.views import bp, get_viewable
from consult_app.core.errors import NotAllowed, NotFound
from consult_app.extensions import db
from consult_app.review.models import Theme, ThemeTranslation
from consult_app.review.themes import consultation_themes
from consult_app.summaries.content_languages import (
    CONTENT_FIELDS,
    Localized,
    localized,
    original_language,
    reader_language,
    save_content_translation,
    summary_text,
    translation_of,
)
from consult_app.summaries.models import SummaryDraft
from consult_app.texts.models import RTL_TEXT_LANGUAGES, TEXT_LANGUAGES, Provision, language_name


@bp.app_template_global("in_reader_language")
def _in_reader_language(consultation: Consultation, field: str) -> Localized | None:
    return localized(consultation, field)


@bp.app_template_global("summary_in_reader_language")
def _summary_in_reader_language(summary: SummaryDraft) -> Localized:
    return summary_text(summary, original_language(summary.consultation))


def _theme_names(consultation_id: int, language: str) -> dict[int, str]:
    """The consultation's theme names in ``language``, read once a request (a figures page
    names every theme)."""
    key = ("theme_names", consultation_id, language)
    names: dict[int, str] | None = g.get("content_language_memo", {}).get(key)
    if names is None:
        names = dict(
            db.session.execute(
                select(ThemeTranslation.theme_id, ThemeTranslation.name)
                .join(Theme, Theme.id == ThemeTranslation.theme_id)
                .where(
                    Theme.consultation_id == consultation_id,
                    ThemeTranslation.language == language,
                )
            ).all()
        )
        g.setdefault("content_language_memo", {})[key] = names
    return names


@bp.app_template_global("public_theme_name")
def _public_theme_name(consultation: Consultation, theme_id: int, name: str) -> Localized:
    source = original_language(consultation)
    language = reader_language()
    if language != source:
        translated = _theme_names(consultation.id, language).get(theme_id)
        if translated:
            return Localized(translated, language, False)
        return Localized(name, source, True)
    return Localized(name, source, False)


bp.add_app_template_global(language_name, "language_name")


def _managed(consultation_id: int) -> Consultation:
    consultation = get_viewable(consultation_id)
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
