"""Forms of the submission pages (CSRF by Flask-WTF)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional
from wtforms.widgets import HiddenInput

from consult_app.accounts.models import RegionalGroup
from consult_app.core.forms import AppForm, choices
from consult_app.submissions.editing import MAX_BODY, MAX_QUOTE
from consult_app.submissions.models import (
    COMMENT_KIND_LABELS,
    POSITION_LABELS,
    CommentKind,
    OnBehalfKind,
    Position,
)
from consult_app.texts.models import LANGUAGE_NAMES, TEXT_LANGUAGES


def _lock_field() -> IntegerField:
    return IntegerField(widget=HiddenInput(), validators=[InputRequired()])


class StartForm(AppForm):
    submit = SubmitField(_l("Start our submission"))


class ActionForm(AppForm):
    """A button that changes something: only the CSRF token is checked."""


class CommentForm(AppForm):
    paragraph = SelectField(_l("Paragraph"), choices=[], validate_choice=True)
    quoted_text = TextAreaField(
        _l("Words you comment on (optional)"),
        validators=[Optional(), Length(max=MAX_QUOTE)],
    )
    position = SelectField(
        _l("Position"),
        choices=[],
        validators=[DataRequired(message=_l("Choose a position."))],
    )
    kind = SelectField(
        _l("Kind of comment"),
        choices=[],
        default=CommentKind.SUBSTANTIVE.value,
        validators=[DataRequired()],
    )
    body = TextAreaField(
        _l("Comment"),
        validators=[DataRequired(message=_l("Write your comment.")), Length(max=MAX_BODY)],
    )
    proposed_wording = TextAreaField(
        _l("Proposed wording (optional)"), validators=[Optional(), Length(max=MAX_BODY)]
    )
    rationale = TextAreaField(
        _l("Rationale (optional)"), validators=[Optional(), Length(max=MAX_BODY)]
    )
    # Checked by the operation (an unknown code is a form error; none at all: guessed).
    language = SelectField(
        _l("Language of the comment"), choices=[], validators=[Optional()], validate_choice=False
    )
    # The language the form offered; left as it was, a confident guess from the text the
    # author then wrote takes its place (the offer was made before there was any text).
    language_offered = HiddenField()
    lock_version = IntegerField(widget=HiddenInput(), validators=[Optional()])
    submit = SubmitField(_l("Save the comment"))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        # Language is chosen per request: the labels stay lazy, translated when the form is
        # shown (a posted form that is valid never translates them). Built once, copied.
        self.position.choices = list(_POSITION_CHOICES)
        self.kind.choices = list(_KIND_CHOICES)
        self.language.choices = list(_LANGUAGE_CHOICES)


_POSITION_CHOICES = choices(
    [("", _l("Choose a position"))] + [(p.value, POSITION_LABELS[p]) for p in Position]
)
_KIND_CHOICES = choices((k.value, COMMENT_KIND_LABELS[k]) for k in CommentKind)
_LANGUAGE_CHOICES = choices((code, LANGUAGE_NAMES[code]) for code in TEXT_LANGUAGES)


class DetailsForm(AppForm):
    general_remarks = TextAreaField(
        _l("General remarks"), validators=[Optional(), Length(max=50_000)]
    )
    on_behalf_kind = RadioField(
        _l("This submission is made"),
        choices=[],
        default=OnBehalfKind.NONE.value,
        validators=[InputRequired()],
    )
    on_behalf_group = SelectField(_l("Regional group"), choices=[], validators=[Optional()])
    on_behalf_name = StringField(
        _l("Name of the group or coalition"), validators=[Optional(), Length(max=300)]
    )
    publishable = BooleanField(_l("The submission may be published"), default=True)
    cosigners = SelectMultipleField(_l("Co-signing organisations"), coerce=int, choices=[])
    lock_version = _lock_field()
    submit = SubmitField(_l("Save"))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.on_behalf_kind.choices = choices((k.value, k.label) for k in OnBehalfKind)
        self.on_behalf_group.choices = choices(
            [("", _l("Our own regional group"))] + [(g.value, g.label) for g in RegionalGroup]
        )


class SubmitForm(AppForm):
    lock_version = _lock_field()
    submit = SubmitField(_l("Submit"))


class AttachmentForm(AppForm):
    file = FileField(
        _l("File (PDF or Word .docx)"),
        validators=[FileRequired(message=_l("Choose a file to attach."))],
    )
    publish_consent = BooleanField(
        _l("We agree that this document be published on the consultation's page")
    )
    submit = SubmitField(_l("Attach"))
