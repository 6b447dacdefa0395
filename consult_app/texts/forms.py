"""The secretariat's forms to import a text: upload, then confirm the preview."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, HiddenField, SelectField, StringField, SubmitField
from wtforms.validators import InputRequired, Length, Optional, Regexp

from consult_app.core.forms import AppForm
from consult_app.texts.operations import SYMBOL_MAX, TITLE_MAX
from consult_app.texts.uploads import TOKEN_PATTERN


class ImportForm(AppForm):
    file = FileField(
        _l("File (.docx, Markdown or plain text)"),
        validators=[FileRequired(_l("Choose the file to import."))],
    )
    title = StringField(
        _l("Title of the version"),
        validators=[
            InputRequired(_l("Give the version a title.")),
            Length(max=TITLE_MAX, message=_l("At most %(max)d characters.")),
        ],
    )
    symbol = StringField(
        _l("Document symbol"),
        validators=[Optional(), Length(max=SYMBOL_MAX, message=_l("At most %(max)d characters."))],
    )
    issued_on = DateField(
        _l("Date of the version"),
        validators=[Optional()],
        format="%Y-%m-%d",
    )
    instrument = SelectField(
        _l("Instrument"),
        coerce=int,
        validate_choice=True,
    )
    language = SelectField(_l("Language of the text"), default="en", validate_choice=True)
    submit = SubmitField(_l("Preview the import"))


class LanguageImportForm(AppForm):
    """The same version in another language (aligned with the original before saving)."""

    file = FileField(
        _l("File (.docx, Markdown or plain text)"),
        validators=[FileRequired(_l("Choose the file to import."))],
    )
    language = SelectField(_l("Language of the file"), validate_choice=True)
    submit = SubmitField(_l("Preview the alignment"))


class ConfirmImportForm(AppForm):
    token = HiddenField(
        validators=[InputRequired(), Regexp(TOKEN_PATTERN.pattern)],
    )
    submit = SubmitField(_l("Save this version"))
