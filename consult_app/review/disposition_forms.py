"""Forms of the disposition pages (CSRF by Flask-WTF)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional
from wtforms.widgets import HiddenInput

from consult_app.core.forms import AppForm, choices
from consult_app.core.guards import parse_id
from consult_app.review.dispositions import (
    MAX_CHANGE_REFERENCE,
    MAX_EXPLANATION,
    MAX_INTERNAL_NOTE,
    MAX_SATISFACTION_NOTE,
)
from consult_app.review.models import Outcome, Satisfaction


class _AnswerFields(AppForm):
    """What the secretariat writes in a disposition (shared by single and bulk forms)."""

    outcome = RadioField(
        _l("Outcome"),
        choices=[],
        validators=[InputRequired(message=_l("Choose an outcome."))],
    )
    public_explanation = TextAreaField(
        _l("Public explanation"),
        validators=[
            DataRequired(message=_l("Write the public explanation of the disposition.")),
            Length(max=MAX_EXPLANATION),
        ],
    )
    internal_note = TextAreaField(
        _l("Internal note (never published)"),
        validators=[Optional(), Length(max=MAX_INTERNAL_NOTE)],
    )
    change_reference = TextAreaField(
        _l("Change made in the next version (optional)"),
        validators=[Optional(), Length(max=MAX_CHANGE_REFERENCE)],
    )
    # The page leaves this field out when no later version exists; an absent value is
    # then "no provision" (""), not None, which no choice matches.
    resulting_provision = SelectField(_l("Resulting provision (optional)"), choices=[], default="")

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        # Labels depend on the request's language: built per form, not at import time.
        self.outcome.choices = choices((o.value, o.label) for o in Outcome)
        self.resulting_provision.choices = choices([("", _l("None"))])

    def set_provision_choices(self, pairs: list[tuple[str, str]]) -> None:
        self.resulting_provision.choices = choices([("", _l("None")), *pairs])

    @property
    def resulting_provision_id(self) -> int | None:
        value = self.resulting_provision.data or ""
        return parse_id(value)


class DispositionForm(_AnswerFields):
    """The disposition of one comment; ``lock_version`` is 0 when it has none yet."""

    lock_version = IntegerField(widget=HiddenInput(), validators=[InputRequired()])
    next = HiddenField()
    submit = SubmitField(_l("Save the disposition"))


class BulkDispositionForm(_AnswerFields):
    """The same answer for several comments chosen in the queue."""

    replace_existing = BooleanField(
        _l("Replace the dispositions already recorded for some of these comments")
    )
    submit = SubmitField(_l("Answer these comments"))


class PublishForm(AppForm):
    submit = SubmitField(_l("Publish the dispositions"))


class SatisfactionForm(AppForm):
    satisfaction = RadioField(
        _l("Are you satisfied with this answer?"),
        choices=[],
        validators=[InputRequired(message=_l("Say whether you are satisfied or not."))],
    )
    note = TextAreaField(
        _l("Note to the secretariat (optional)"),
        validators=[Optional(), Length(max=MAX_SATISFACTION_NOTE)],
    )
    submit = SubmitField(_l("Send"))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.satisfaction.choices = choices((s.value, s.label) for s in Satisfaction)
