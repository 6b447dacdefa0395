"""The consultation's own content in several languages: its title, description and
instructions, the names of its public themes and its published summaries.

The original is written in the language of the consulted version; each language version
is edited by the secretariat field by field. A reader sees a field in their language
where it exists, or the original, marked as such (``Localized.fallback``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import Markup, escape

from consult_app.accounts.models import User
from consult_app.consultations.models import Consultation, ConsultationTranslation
from consult_app.core.audit import log_action
from consult_app.core.errors import UserError
from consult_app.extensions import db
from consult_app.review.models import Theme, ThemeTranslation
from consult_app.summaries.models import SummaryDraft, SummaryTranslation
from consult_app.texts.models import RTL_TEXT_LANGUAGES, TEXT_LANGUAGES, language_name

logger = logging.getLogger(__name__)

CONTENT_FIELDS = ("title", "description", "instructions")
LIMITS = {"title": 300, "description": 20000, "instructions": 20000, "theme": 120}
SUMMARY_LIMIT = 50000


@dataclass(frozen=True)
class Localized:
    """A piece of content as a reader reads it: in their language, or the original."""

    text: str
    language: str
    fallback: bool  # the reader's language was wanted, the original is shown
    stale: bool = False  # a translation of an earlier wording of the original

    def __str__(self) -> str:
        return self.text

    def __html__(self) -> str:
        return str(escape(self.text))

    @property
    def direction(self) -> str:
        return "rtl" if self.language in RTL_TEXT_LANGUAGES else "ltr"

    @property
    def note(self) -> str:
        if self.fallback:
            return _("original in %(language)s", language=language_name(self.language))
        if self.stale:
            return _("translation of an earlier wording")
        return ""

    def marked(self) -> Markup:
        """The text; in a span carrying its language and followed by a note when it is
        not the reader's language (or translates an earlier wording)."""
        if not self.note:
            return escape(self.text)
        span = Markup('<span lang="{0}" dir="{1}">{2}</span>').format(
            self.language, self.direction, self.text
        )
        return span + Markup(' <small class="hint content-fallback">({0})</small>').format(
            self.note
        )


def reader_language(wanted: str | None = None) -> str:
    """The reader's language code (the interface's unless ``wanted`` names one)."""
    code = str(wanted or get_locale() or "en").split("_")[0].split("-")[0].lower()
    return code if code in TEXT_LANGUAGES else "en"


def original_language(consultation: Consultation) -> str:
    return consultation.version.language or "en"


def translation_of(consultation: Consultation, language: str) -> ConsultationTranslation | None:
    for row in consultation.translations:
        if row.language == language:
            return row
    return None


def localized(
    consultation: Consultation, field: str, wanted: str | None = None
) -> Localized | None:
    """``field`` of ``consultation`` in the reader's language, or the original (marked);
    None when the original has none either."""
    assert field in CONTENT_FIELDS
    original = getattr(consultation, field)
    source = original_language(consultation)
    language = reader_language(wanted)
    if language != source:
        row = translation_of(consultation, language)
        value = getattr(row, field) if row is not None else None
        if value:
            return Localized(value, language, False)
        return Localized(original, source, True) if original else None
    return Localized(original, source, False) if original else None


def theme_name(theme: Theme, source: str, wanted: str | None = None) -> Localized:
    language = reader_language(wanted)
    if language == source:
        return Localized(theme.name, source, False)
    for row in theme.translations:
        if row.language == language:
            return Localized(row.name, language, False)
    return Localized(theme.name, source, True)


def summary_text(summary: SummaryDraft, source: str, wanted: str | None = None) -> Localized:
    """The published summary in the reader's language (the summary must be published)."""
    published = summary.published_text or ""
    language = reader_language(wanted)
    if language != source:
        for row in summary.translations:
            if row.language == language:
                return Localized(row.text, language, False, stale=row.needs_update)
        return Localized(published, source, True)
    return Localized(published, source, False)


def check_content_language(consultation: Consultation, language: str | None) -> str:
    code = (language or "").strip().lower()
    if code not in TEXT_LANGUAGES or code == original_language(consultation):
        raise UserError(
            _(
                "Choose one of the six languages other than the original (%(language)s).",
                language=language_name(original_language(consultation)),
            )
        )
    return code


def _clean(value: str | None, limit: int, what: str) -> str | None:
    value = (value or "").strip()
    if len(value) > limit:
        raise UserError(_("%(what)s is longer than %(limit)d characters.", what=what, limit=limit))
    return value or None


def save_content_translation(
    actor: User,
    consultation: Consultation,
    language: str,
    fields: Mapping[str, str | None],
    themes: Mapping[Theme, str | None],
    summaries: Mapping[SummaryDraft, str | None],
) -> ConsultationTranslation:
    """Set the ``language`` version of the consultation's content (an empty field falls
    back to the original)."""
    language = check_content_language(consultation, language)
    labels = {"title": _("The title"), "description": _("The description")}
    labels["instructions"] = _("The instructions")
    values = {f: _clean(fields.get(f), LIMITS[f], labels[f]) for f in CONTENT_FIELDS}
    theme_values = {t: _clean(v, LIMITS["theme"], _("A theme's name")) for t, v in themes.items()}
    summary_values = {s: _clean(v, SUMMARY_LIMIT, _("A summary")) for s, v in summaries.items()}
    for theme in theme_values:
        if theme.consultation_id != consultation.id or not theme.public:
            raise UserError(_("Only the public themes of this consultation have translations."))
    for summary in summary_values:
        if summary.consultation_id != consultation.id or not summary.is_published:
            raise UserError(_("Only published summaries of this consultation are translated."))

    row = translation_of(consultation, language)
    before = {f: getattr(row, f) for f in CONTENT_FIELDS} if row is not None else None
    if row is None:
        row = ConsultationTranslation(consultation=consultation, language=language)
        db.session.add(row)
    for field_name, value in values.items():
        setattr(row, field_name, value)
    row.updated_by_id = actor.id
    changed: dict[str, object] = dict(values)

    for theme, name in theme_values.items():
        existing = next((t for t in theme.translations if t.language == language), None)
        if name is None and existing is not None:
            theme.translations.remove(existing)
            db.session.delete(existing)
        elif name is not None and existing is None:
            theme.translations.append(ThemeTranslation(language=language, name=name))
        elif name is not None and existing is not None:
            existing.name = name
        changed[f"theme {theme.id}"] = name

    for summary, text in summary_values.items():
        existing_summary = next((t for t in summary.translations if t.language == language), None)
        if text is None:
            if existing_summary is not None:
                summary.translations.remove(existing_summary)
                db.session.delete(existing_summary)
            changed[f"summary {summary.id}"] = None
            continue
        if existing_summary is None:
            existing_summary = SummaryTranslation(language=language, text=text, source_text="")
            summary.translations.append(existing_summary)
        if existing_summary.text != text or not existing_summary.source_text:
            # Written with the published wording in view: it translates that wording.
            existing_summary.source_text = summary.published_text or ""
        existing_summary.text = text
        changed[f"summary {summary.id}"] = text
    db.session.flush()
    log_action(actor, "translate_consultation", consultation, before=before, after=changed)
    logger.info(
        "user %s set the %s content of consultation %s", actor.id, language, consultation.id
    )
    return row
