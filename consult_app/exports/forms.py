"""The secretariat's form to start an export."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField, SubmitField
from wtforms.validators import InputRequired

from consult_app.core.forms import AppForm
from consult_app.exports.models import FORMATS_BY_KIND, ExportFormat, ExportKind


def export_choices() -> list[tuple[str, str]]:
    """"report-docx" ... "dispositions-csv", labelled "Consensus report — Word (.docx)"."""
    return [
        (f"{kind.value}-{fmt.value}", f"{kind.label} — {fmt.label}")
        for kind, formats in FORMATS_BY_KIND.items()
        for fmt in formats
    ]


def parse_choice(value: str) -> tuple[ExportKind, ExportFormat]:
    kind, _sep, fmt = value.partition("-")
    return ExportKind(kind), ExportFormat(fmt)


class ExportForm(AppForm):
    export = SelectField(_l("Export"), validators=[InputRequired()])
    internal = BooleanField(
        _l("Internal version (secretariat only): include unpublished and withheld comments "
           "and internal notes")
    )
    submit = SubmitField(_l("Build the export"))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.export.choices = export_choices()


class RetryForm(AppForm):
    """Start a failed or stopped export again (CSRF only)."""

    submit = SubmitField(_l("Start this export again"))
