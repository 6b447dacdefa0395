"""Forms of the summaries pages (CSRF by Flask-WTF)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, IntegerField, RadioField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length
from wtforms.widgets import HiddenInput

from consult_app.core.forms import AppForm
from consult_app.summaries.operations import MAX_SUMMARY, SummaryChoice


class SummaryForm(AppForm):
    text = TextAreaField(
        _l("Summary"),
        validators=[
            InputRequired(_l("Write the summary.")),
            Length(max=MAX_SUMMARY, message=_l("The summary is too long.")),
        ],
        render_kw={"rows": 14},
    )
    lock_version = IntegerField(widget=HiddenInput(), validators=[InputRequired()])
    submit = SubmitField(_l("Save the summary"))


class ChoiceForm(AppForm):
    choice = RadioField(
        _l("After the new draft"),
        choices=[
            SelectChoice(SummaryChoice.KEEP_EDITS.value, _l("Keep my edits")),
            SelectChoice(
                SummaryChoice.TAKE_NEW_DRAFT.value,
                _l("Take the new draft (my edits are discarded)"),
            ),
        ],
        validators=[InputRequired(_l("Choose what to keep."))],
    )
    lock_version = IntegerField(widget=HiddenInput(), validators=[InputRequired()])
    submit = SubmitField(_l("Confirm"))


class RegenerateForm(AppForm):
    confirm = HiddenField(default="1")
    submit = SubmitField(_l("Draft the summaries again from the latest figures"))


class PublishSummaryForm(AppForm):
    """Publish one summary as it now reads (the version seen is checked)."""

    lock_version = IntegerField(widget=HiddenInput(), validators=[InputRequired()])
    submit = SubmitField(_l("Publish the summary"))

