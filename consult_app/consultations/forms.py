"""The secretariat's form to open or change a consultation."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import InputRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from consult_app.accounts.models import OrgCategory
from consult_app.consultations.models import PublicationMode
from consult_app.consultations.operations import TITLE_MAX, is_valid_timezone, timezone_names
from consult_app.core.forms import AppForm, choices

DEFAULT_TIMEZONE = "Europe/Zurich"


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes (works without JavaScript, unlike a multiple select)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def local_to_utc(day: date, at: time, zone_name: str) -> datetime | None:
    """The aware UTC instant of a wall-clock time in ``zone_name``; None if it never occurs."""
    zone = ZoneInfo(zone_name)
    local = datetime.combine(day, at.replace(second=0, microsecond=0), tzinfo=zone)
    instant = local.astimezone(UTC)
    # A time skipped when clocks go forward does not survive the round trip.
    if instant.astimezone(zone).replace(tzinfo=None) != local.replace(tzinfo=None):
        return None
    return instant


def _int_or_none(value: Any) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1  # never a valid id: reported as an unknown version


class ConsultationForm(AppForm):
    version_id = SelectField(_l("Text version"), coerce=_int_or_none, validate_choice=False)
    title = StringField(_l("Title"), validators=[InputRequired(), Length(max=TITLE_MAX)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=20_000)])
    instructions = TextAreaField(
        _l("Instructions for taking part"), validators=[Optional(), Length(max=20_000)]
    )
    timezone = SelectField(
        _l("Time zone of the dates below"), default=DEFAULT_TIMEZONE, validate_choice=False
    )
    opens_date = DateField(_l("Opening date"), validators=[InputRequired()])
    opens_time = TimeField(_l("Opening time"), default=time(9, 0), validators=[InputRequired()])
    closes_date = DateField(_l("Closing date"), validators=[InputRequired()])
    closes_time = TimeField(_l("Closing time"), default=time(18, 0), validators=[InputRequired()])
    categories = MultiCheckboxField(_l("Who may take part"), choices=[], validate_choice=False)
    publication_mode = RadioField(
        _l("Publication of comments"),
        choices=[],
        default=PublicationMode.AFTER_REVIEW.value,
        validate_choice=False,
    )
    publish_submissions = BooleanField(_l("Publish the submissions"), default=True)
    allow_attribution = BooleanField(
        _l("Name the organisations that made each comment"), default=True
    )
    lock_version = HiddenField()
    check = SubmitField(_l("Check the dates"))
    save = SubmitField(_l("Save"))

    def __init__(self, *args: Any, versions: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._version_ids = {vid for vid, _label in versions}
        self.version_id.choices = choices(
            [("", _l("Choose a text version")), *((str(vid), label) for vid, label in versions)]
        )
        self.timezone.choices = choices((name, name) for name in timezone_names())
        self.categories.choices = choices((c.value, c.label) for c in OrgCategory)
        self.publication_mode.choices = choices((m.value, m.label) for m in PublicationMode)
        self.opens_at: datetime | None = None
        self.closes_at: datetime | None = None

    # --- field checks --------------------------------------------------------------

    def validate_version_id(self, field: SelectField) -> None:
        if field.data is None:
            raise ValidationError(_l("Choose the text version to consult on."))
        if field.data not in self._version_ids:
            raise ValidationError(_l("This text version does not exist. Choose one from the list."))

    def validate_timezone(self, field: SelectField) -> None:
        if not is_valid_timezone(field.data):
            raise ValidationError(_l("Unknown time zone. Choose one from the list."))

    def validate_categories(self, field: MultiCheckboxField) -> None:
        known = {c.value for c in OrgCategory}
        if not field.data:
            raise ValidationError(_l("Choose at least one category of stakeholder."))
        if any(value not in known for value in field.data):
            raise ValidationError(_l("Unknown category of stakeholder."))

    def validate_publication_mode(self, field: RadioField) -> None:
        if field.data not in {m.value for m in PublicationMode}:
            raise ValidationError(_l("Choose how comments are published."))

    # --- dates ---------------------------------------------------------------------

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        self.opens_at = self.closes_at = None
        if not is_valid_timezone(self.timezone.data):
            return False
        zone = str(self.timezone.data)
        if self.opens_date.data and self.opens_time.data:
            self.opens_at = local_to_utc(self.opens_date.data, self.opens_time.data, zone)
            if self.opens_at is None:
                self.opens_time.errors = [
                    *self.opens_time.errors,
                    _l("This time does not exist in that time zone (the clocks change)."),
                ]
                valid = False
        if self.closes_date.data and self.closes_time.data:
            self.closes_at = local_to_utc(self.closes_date.data, self.closes_time.data, zone)
            if self.closes_at is None:
                self.closes_time.errors = [
                    *self.closes_time.errors,
                    _l("This time does not exist in that time zone (the clocks change)."),
                ]
                valid = False
        if self.opens_at and self.closes_at and self.closes_at <= self.opens_at:
            self.closes_date.errors = [
                *self.closes_date.errors,
                _l("The consultation must close after it opens."),
            ]
            valid = False
        return valid

    def set_dates(self, opens_at: datetime, closes_at: datetime, zone_name: str) -> None:
        """Fill the date and time fields from stored UTC instants, in ``zone_name``."""
        zone = ZoneInfo(zone_name)
        opens_local = opens_at.astimezone(zone)
        closes_local = closes_at.astimezone(zone)
        self.timezone.data = zone_name
        self.opens_date.data = opens_local.date()
        self.opens_time.data = opens_local.time().replace(tzinfo=None)
        self.closes_date.data = closes_local.date()
        self.closes_time.data = closes_local.time().replace(tzinfo=None)
        self.opens_at, self.closes_at = opens_at, closes_at


class ContentTranslationForm(AppForm):
    """One language version of the consultation's title, description and instructions
    (the public themes and published summaries are fields of the page, one per item)."""

    title = StringField(_l("Title"), validators=[Optional(), Length(max=TITLE_MAX)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=20_000)])
    instructions = TextAreaField(
        _l("Instructions for taking part"), validators=[Optional(), Length(max=20_000)]
    )
    save = SubmitField(_l("Save this language version"))
