"""The secretariat's forms for making the next version."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    HiddenField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional

from consult_app.core.forms import AppForm, choices
from consult_app.revisions.operations import NUMBER_MAX, REASON_MAX, SYMBOL_MAX, TEXT_MAX, TITLE_MAX

_MAX = _l("At most %(max)d characters.")


class _Traced(AppForm):
    """The why of a change: a reason and the comments that led to it."""

    reason = TextAreaField(
        _l("Reason for the change (shown in the reasons for the changes)"),
        validators=[Optional(), Length(max=REASON_MAX, message=_MAX)],
    )
    comment_ids = StringField(
        _l("Comments that led to this change (numbers, separated by commas)"),
        validators=[Optional(), Length(max=5000, message=_MAX)],
    )


class StartVersionForm(AppForm):
    title = StringField(
        _l("Title of the new version"),
        validators=[
            InputRequired(_l("Give the version a title.")),
            Length(max=TITLE_MAX, message=_MAX),
        ],
    )
    symbol = StringField(
        _l("Document symbol (can be given when publishing)"),
        validators=[Optional(), Length(max=SYMBOL_MAX, message=_MAX)],
    )
    submit = SubmitField(_l("Start the new version"))


class EditProvisionForm(_Traced):
    title = StringField(
        _l("Title (articles)"), validators=[Optional(), Length(max=TITLE_MAX, message=_MAX)]
    )
    wording = TextAreaField(
        _l('Wording: one paragraph per line, "1." numbered, "(a)" lettered, "(i)" roman'),
        validators=[
            InputRequired(_l("Write the wording of the provision.")),
            Length(max=TEXT_MAX, message=_MAX),
        ],
    )
    submit = SubmitField(_l("Save the provision"))


class AddProvisionForm(_Traced):
    kind = SelectField(
        _l("Kind"),
        choices=choices([("article", _l("Article")), ("preamble", _l("Preambular paragraph"))]),
    )
    after = SelectField(_l("Insert after"), coerce=int, validate_choice=True)
    number = StringField(
        _l('Number (left empty: "5 bis" after article 5)'),
        validators=[Optional(), Length(max=NUMBER_MAX, message=_MAX)],
    )
    title = StringField(
        _l("Title (articles)"), validators=[Optional(), Length(max=TITLE_MAX, message=_MAX)]
    )
    wording = TextAreaField(
        _l('Wording: one paragraph per line, "1." numbered, "(a)" lettered, "(i)" roman'),
        validators=[
            InputRequired(_l("Write the wording of the new provision.")),
            Length(max=TEXT_MAX, message=_MAX),
        ],
    )
    submit = SubmitField(_l("Insert the provision"))


class DeleteProvisionForm(_Traced):
    submit = SubmitField(_l("Delete this provision"))


class MoveProvisionForm(AppForm):
    after = SelectField(_l("Move after"), coerce=int, validate_choice=True)
    reason = TextAreaField(
        _l("Reason for the change"), validators=[Optional(), Length(max=REASON_MAX, message=_MAX)]
    )
    submit = SubmitField(_l("Move"))


class SplitProvisionForm(AppForm):
    at = SelectField(_l("The new provision starts at paragraph"), coerce=int, validate_choice=True)
    number = StringField(
        _l('Number of the new provision (left empty: "bis")'),
        validators=[Optional(), Length(max=NUMBER_MAX, message=_MAX)],
    )
    reason = TextAreaField(
        _l("Reason for the change"), validators=[Optional(), Length(max=REASON_MAX, message=_MAX)]
    )
    submit = SubmitField(_l("Split"))


class MergeProvisionForm(AppForm):
    other = SelectField(_l("Append this provision to it"), coerce=int, validate_choice=True)
    reason = TextAreaField(
        _l("Reason for the change"), validators=[Optional(), Length(max=REASON_MAX, message=_MAX)]
    )
    submit = SubmitField(_l("Merge"))


class ConfirmForm(AppForm):
    """A bare form (CSRF only) for one-button actions."""

    submit = SubmitField(_l("Confirm"))


class PublishForm(AppForm):
    symbol = StringField(
        _l("Document symbol"),
        validators=[
            InputRequired(_l("Give the document symbol.")),
            Length(max=SYMBOL_MAX, message=_MAX),
        ],
    )
    issued_on = DateField(
        _l("Date of the version"),
        format="%Y-%m-%d",
        validators=[InputRequired(_l("Give the date of the version."))],
    )
    submit = SubmitField(_l("Publish this version"))


class CompareForm(AppForm):
    class Meta(AppForm.Meta):
        csrf = False

    old = SelectField(_l("Earlier version"), coerce=int, validate_choice=True)
    new = SelectField(_l("Later version"), coerce=int, validate_choice=True)
    submit = SubmitField(_l("Compare"))


class ApplyAmendmentsForm(AppForm):
    confirm = HiddenField()
    reason = TextAreaField(
        _l("Reason for the change"), validators=[Optional(), Length(max=REASON_MAX, message=_MAX)]
    )
    submit = SubmitField(_l("Apply the selected amendments"))
