"""Forms of the summaries pages (CSRF by Flask-WTF)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, IntegerField, RadioField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, ValidationError
from wtforms.widgets import HiddenInput

from consult_app.core.forms import AppForm
from consult_app.summaries.models import ATTRIBUTION_LABELS, Attribution
from consult_app.summaries.operations import MAX_SUMMARY, SummaryChoice
from consult_app.summaries.settings import THRESHOLDS, ConsensusRule


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


class ConsensusSettingsForm(AppForm):
    """The thresholds of the consensus indicator and the wording of the summaries."""

    bracket_objections = IntegerField(
        _l("Objections that keep a text in square brackets"),
        validators=[InputRequired(), NumberRange(min=1, max=1000)],
    )
    min_states = IntegerField(
        _l("State positions needed for a reading"),
        validators=[InputRequired(), NumberRange(min=1, max=1000)],
    )
    min_groups = IntegerField(
        _l("Regional groups they must come from"),
        validators=[InputRequired(), NumberRange(min=1, max=5)],
    )
    agreed_min_groups = IntegerField(
        _l("Regional groups needed to read a text as agreed"),
        validators=[InputRequired(), NumberRange(min=1, max=5)],
    )
    few_max = IntegerField(
        _l("\"A few\": up to"), validators=[InputRequired(), NumberRange(min=2, max=1000)]
    )
    some_max = IntegerField(
        _l("\"Some\": up to"), validators=[InputRequired(), NumberRange(min=2, max=1000)]
    )
    several_max = IntegerField(
        _l("\"Several\": up to (above: \"many\")"),
        validators=[InputRequired(), NumberRange(min=2, max=1000)],
    )
    most_min = IntegerField(
        _l("\"Most\": more than half, and at least"),
        validators=[InputRequired(), NumberRange(min=2, max=1000)],
    )
    attribution = RadioField(
        _l("Names in the summaries and the reasons"),
        choices=[SelectChoice(a.value, ATTRIBUTION_LABELS[a]) for a in Attribution],
        validators=[InputRequired(_l("Choose whether the summaries name delegations."))],
    )
    lock_version = IntegerField(widget=HiddenInput(), validators=[InputRequired()])
    submit = SubmitField(_l("Save the settings"))

    def validate_some_max(self, field: IntegerField) -> None:
        if field.data is not None and self.few_max.data is not None and (
            field.data < self.few_max.data
        ):
            raise ValidationError(_l("\"Some\" must reach at least as far as \"a few\"."))

    def validate_several_max(self, field: IntegerField) -> None:
        if field.data is not None and self.some_max.data is not None and (
            field.data < self.some_max.data
        ):
            raise ValidationError(_l("\"Several\" must reach at least as far as \"some\"."))

    def rule(self) -> ConsensusRule:
        """The rule the (validated) form describes."""
        return ConsensusRule(
            **{name: int(getattr(self, name).data) for name in THRESHOLDS},
            named=self.attribution.data == Attribution.NAMED.value,
        )

    def fill(self, rule: ConsensusRule, lock_version: int) -> None:
        for name in THRESHOLDS:
            getattr(self, name).data = getattr(rule, name)
        self.attribution.data = (
            Attribution.NAMED if rule.named else Attribution.UNATTRIBUTED
        ).value
        self.lock_version.data = lock_version

class PublishSummaryForm(AppForm):
    """Publish one summary as it now reads (the version seen is checked)."""

    lock_version = IntegerField(widget=HiddenInput(), validators=[InputRequired()])
    submit = SubmitField(_l("Publish the summary"))

