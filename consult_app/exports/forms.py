"""The secretariat's forms: start an export, fill in the report's masthead."""

from __future__ import annotations

from babel import Locale
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional
from wtforms.widgets import HiddenInput

from consult_app.core.forms import AppForm, choices
from consult_app.exports.models import (
    FORMATS_BY_KIND,
    HRC_WORD_LIMIT,
    UN_LANGUAGES,
    WORD_LIMIT_MAX,
    WORD_LIMIT_MIN,
    ExportFormat,
    ExportKind,
    ReportBody,
)


def export_choices() -> list[SelectChoice]:
    """ "report-docx" ... "dispositions-csv", labelled "Consensus report — Word (.docx)"."""
    return choices(
        (f"{kind.value}-{fmt.value}", f"{kind.label} — {fmt.label}")
        for kind, formats in FORMATS_BY_KIND.items()
        for fmt in formats
    )


def parse_choice(value: str) -> tuple[ExportKind, ExportFormat]:
    kind, _sep, fmt = value.partition("-")
    return ExportKind(kind), ExportFormat(fmt)


class ExportForm(AppForm):
    export = SelectField(_l("Export"), validators=[InputRequired()])
    language = SelectField(
        _l("Language"),
        description=_l(
            "The report and the compilation are written in this language; the text under "
            "consultation is given in its language version where there is one, otherwise in "
            "the original, marked as such."
        ),
    )
    internal = BooleanField(
        _l(
            "Internal version (secretariat only): include unpublished and withheld comments "
            "and internal notes"
        )
    )
    submit = SubmitField(_l("Build the export"))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.export.choices = export_choices()
        self.language.choices = language_choices()
        if self.language.data is None:
            locale = str(get_locale() or "en").split("_")[0]
            self.language.data = locale if locale in UN_LANGUAGES else "en"


class RetryForm(AppForm):
    """Start a failed or stopped export again (CSRF only)."""

    submit = SubmitField(_l("Start this export again"))


def language_names() -> dict[str, str]:
    """The six official languages (code: name), each named in the language of the page."""
    locale = get_locale() or Locale("en")
    return {code: Locale(code).get_display_name(locale) or code for code in UN_LANGUAGES}


def language_choices() -> list[SelectChoice]:
    """The six official languages, each named in the language of the page."""
    return choices(language_names().items())


class ReportSettingsForm(AppForm):
    """The masthead of the consensus report and its word limit (the secretariat fills it)."""

    symbol = StringField(
        _l("Symbol of the report"),
        validators=[Optional(), Length(max=60)],
        description=_l(
            "The report's own symbol, e.g. A/HRC/62/45 (not the symbol of the "
            "text under consultation). Printed in the masthead and the header of "
            "every page."
        ),
    )
    body = SelectField(_l("Issued to"), default=ReportBody.HUMAN_RIGHTS_COUNCIL.value)
    session = StringField(
        _l("Session"),
        validators=[Optional(), Length(max=120)],
        description=_l("e.g. Sixty-second session"),
    )
    session_dates = StringField(
        _l("Dates of the session"),
        validators=[Optional(), Length(max=120)],
        description=_l("e.g. 15 June to 10 July 2026"),
    )
    agenda_item = StringField(
        _l("Agenda item"),
        validators=[Optional(), Length(max=20)],
        description=_l("The number, e.g. 3"),
    )
    agenda_title = TextAreaField(
        _l("Title of the agenda item"), validators=[Optional(), Length(max=500)]
    )
    issued_on = DateField(
        _l("Date of the report"),
        validators=[Optional()],
        description=_l("Empty: the day the report is built."),
    )
    original_language = SelectField(_l("Original language"), default="en")
    title = StringField(
        _l("Title"),
        validators=[Optional(), Length(max=300)],
        description=_l("Empty: “Outcome of the consultation on” and the title of the text."),
    )
    subtitle = StringField(
        _l("Line under the title"),
        validators=[Optional(), Length(max=300)],
        description=_l(
            "e.g. Report of the Independent Expert on human rights and international solidarity"
        ),
    )
    summary = TextAreaField(
        _l("Summary box"),
        validators=[Optional(), Length(max=5_000)],
        description=_l("Empty: drafted from the figures of the consultation."),
    )
    word_limit = IntegerField(
        _l("Word limit of the main body"),
        default=HRC_WORD_LIMIT,
        validators=[InputRequired(), NumberRange(min=WORD_LIMIT_MIN, max=WORD_LIMIT_MAX)],
        description=_l(
            "10,700 words for reports to the Human Rights Council. Annexes are not counted."
        ),
    )
    lock_version = IntegerField(widget=HiddenInput(), validators=[Optional()])
    save = SubmitField(_l("Save the report settings"))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.body.choices = choices((b.value, b.label) for b in ReportBody)
        self.original_language.choices = language_choices()

    def values(self) -> dict[str, object]:
        """The settings as :func:`save_report_settings` takes them."""
        return {
            "symbol": self.symbol.data or "",
            "body": self.body.data,
            "session": self.session.data or "",
            "session_dates": self.session_dates.data or "",
            "agenda_item": self.agenda_item.data or "",
            "agenda_title": self.agenda_title.data or "",
            "issued_on": self.issued_on.data,
            "original_language": self.original_language.data,
            "title": self.title.data or "",
            "subtitle": self.subtitle.data or "",
            "summary": self.summary.data or "",
            "word_limit": self.word_limit.data,
        }
