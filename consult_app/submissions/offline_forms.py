"""Forms of the secretariat's pages for submissions received outside the platform."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from consult_app.accounts.models import RegionalGroup
from consult_app.consultations.forms import local_to_utc
from consult_app.consultations.operations import is_valid_timezone, timezone_names
from consult_app.core.errors import UserError
from consult_app.core.forms import AppForm, choices
from consult_app.core.guards import parse_id
from consult_app.submissions.commenting import CommentFields
from consult_app.submissions.editing import MAX_BODY
from consult_app.submissions.models import CommentKind, OnBehalfKind, Position
from consult_app.submissions.offline import MAX_DETAIL, OFFLINE_CHANNELS
from consult_app.submissions.offline_values import ProvisionIndex, find_paragraph
from consult_app.texts.models import Provision

DEFAULT_ROWS = 5
MAX_ROWS = 50


def rows_arg(raw: str | None) -> int:
    """How many empty comment rows the form shows (``?rows=10``)."""
    if raw and raw.isascii() and raw.isdigit():
        return max(1, min(int(raw), MAX_ROWS))
    return DEFAULT_ROWS


class CommentRowForm(Form):
    """One comment of the letter or statement (a row left empty is ignored)."""

    provision = SelectField(_l("Provision"), choices=[], validate_choice=False)
    paragraph = StringField(
        _l("Paragraph (optional, e.g. 2 or 1(a))"), validators=[Optional(), Length(max=20)]
    )
    position = SelectField(_l("Position"), choices=[], validate_choice=False)
    kind = SelectField(_l("Kind of comment"), choices=[], validate_choice=False)
    body = TextAreaField(_l("Comment"), validators=[Optional(), Length(max=MAX_BODY)])
    proposed_wording = TextAreaField(
        _l("Proposed wording (optional)"), validators=[Optional(), Length(max=MAX_BODY)]
    )
    rationale = TextAreaField(
        _l("Rationale (optional)"), validators=[Optional(), Length(max=MAX_BODY)]
    )

    def is_empty(self) -> bool:
        return not any(
            (f.data or "").strip()
            for f in (
                self.provision,
                self.paragraph,
                self.position,
                self.body,
                self.proposed_wording,
                self.rationale,
            )
        )


class OfflineSubmissionForm(AppForm):
    organisation = SelectField(_l("Organisation"), choices=[], validate_choice=False)
    channel = SelectField(_l("Received by"), choices=[], validate_choice=False)
    channel_detail = StringField(
        _l("Reference, or the meeting for an oral statement"),
        validators=[Optional(), Length(max=MAX_DETAIL)],
    )
    received_date = DateField(_l("Date of receipt"), validators=[InputRequired()])
    received_time = TimeField(_l("Time of receipt (optional)"), validators=[Optional()])
    timezone = SelectField(_l("Time zone of the date and time"), validate_choice=False)
    general_remarks = TextAreaField(
        _l("General remarks (optional)"), validators=[Optional(), Length(max=50_000)]
    )
    publishable = BooleanField(_l("The submission may be published"), default=True)
    on_behalf_kind = RadioField(
        _l("The submission is made"),
        choices=[],
        default=OnBehalfKind.NONE.value,
        validate_choice=False,
    )
    on_behalf_group = SelectField(_l("Regional group"), choices=[], validate_choice=False)
    on_behalf_name = StringField(
        _l("Name of the group or coalition"), validators=[Optional(), Length(max=300)]
    )
    cosigners = SelectMultipleField(
        _l("Co-signing organisations"), coerce=int, choices=[], validate_choice=False
    )
    comments = FieldList(FormField(CommentRowForm))
    submit = SubmitField(_l("Record the submission"))

    def __init__(
        self,
        *args: Any,
        organisations: list[tuple[int, str]],
        index: ProvisionIndex,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self._organisation_ids = {oid for oid, _label in organisations}
        self._index = index
        self.organisation.choices = choices(
            [("", _l("Choose the organisation"))] + [(str(i), n) for i, n in organisations]
        )
        self.cosigners.choices = choices(organisations)
        self.channel.choices = choices((c.value, c.label) for c in OFFLINE_CHANNELS)
        self.timezone.choices = choices((z, z) for z in timezone_names())
        self.on_behalf_kind.choices = choices((k.value, k.label) for k in OnBehalfKind)
        self.on_behalf_group.choices = choices(
            [("", _l("The organisation's own regional group"))]
            + [(g.value, g.label) for g in RegionalGroup]
        )
        provision_choices = choices(
            [("", _l("Choose a provision"))] + [(str(p.id), p.full_label) for p in index.provisions]
        )
        position_choices = choices(
            [("", _l("Choose a position"))] + [(p.value, p.label) for p in Position]
        )
        kind_choices = choices((k.value, k.label) for k in CommentKind)
        for entry in self.comments:
            row: Any = entry.form
            row.provision.choices = provision_choices
            row.position.choices = position_choices
            row.kind.choices = kind_choices
            if not row.kind.data:
                row.kind.data = CommentKind.SUBSTANTIVE.value
        self.received_at: datetime | None = None
        self.comment_items: list[tuple[Provision, CommentFields]] = []

    def validate_organisation(self, field: SelectField) -> None:
        if parse_id(field.data) not in self._organisation_ids:
            raise ValidationError(_l("Choose an organisation from the list."))

    def validate_channel(self, field: SelectField) -> None:
        if field.data not in {c.value for c in OFFLINE_CHANNELS}:
            raise ValidationError(_l("Choose how the submission was received."))

    def validate_timezone(self, field: SelectField) -> None:
        if not is_valid_timezone(field.data):
            raise ValidationError(_l("Unknown time zone. Choose one from the list."))

    def validate_on_behalf_kind(self, field: RadioField) -> None:
        if field.data not in {k.value for k in OnBehalfKind}:
            raise ValidationError(_l("Choose for whom the submission is made."))

    def validate_on_behalf_group(self, field: SelectField) -> None:
        if field.data and field.data not in {g.value for g in RegionalGroup}:
            raise ValidationError(_l("Choose a regional group from the list."))

    def validate_cosigners(self, field: SelectMultipleField) -> None:
        if any(value not in self._organisation_ids for value in field.data or []):
            raise ValidationError(_l("Choose co-signing organisations from the list."))

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        if self.received_date.data and is_valid_timezone(self.timezone.data):
            at = self.received_time.data or time(0, 0)
            self.received_at = local_to_utc(self.received_date.data, at, str(self.timezone.data))
            if self.received_at is None:
                self.received_time.errors = [
                    *self.received_time.errors,
                    _l("This time does not exist in that time zone (the clocks change)."),
                ]
                valid = False
        self.comment_items = []
        by_id = {str(p.id): p for p in self._index.provisions}
        for entry in self.comments:
            row: Any = entry.form
            if row.is_empty():
                continue
            provision = by_id.get(row.provision.data or "")
            if provision is None:
                row.provision.errors = [*row.provision.errors, _l("Choose a provision.")]
                valid = False
            if row.position.data not in {p.value for p in Position}:
                row.position.errors = [*row.position.errors, _l("Choose a position.")]
                valid = False
            if row.kind.data not in {k.value for k in CommentKind}:
                row.kind.errors = [*row.kind.errors, _l("Choose the kind of comment.")]
                valid = False
            if not (row.body.data or "").strip():
                row.body.errors = [*row.body.errors, _l("Write the comment.")]
                valid = False
            paragraph = None
            if provision is not None and (row.paragraph.data or "").strip():
                try:
                    paragraph = find_paragraph(provision, row.paragraph.data)
                except UserError as error:
                    row.paragraph.errors = [*row.paragraph.errors, error.message]
                    valid = False
            if valid and provision is not None:
                self.comment_items.append(
                    (
                        provision,
                        CommentFields(
                            position=Position(row.position.data),
                            kind=CommentKind(row.kind.data),
                            body=row.body.data or "",
                            paragraph=paragraph,
                            proposed_wording=row.proposed_wording.data or None,
                            rationale=row.rationale.data or None,
                        ),
                    )
                )
        return valid


class ImportForm(AppForm):
    file = FileField(
        _l("File (.csv in UTF-8, or .xlsx)"),
        validators=[FileRequired(message=_l("Choose the file to import."))],
    )
    dry_run = BooleanField(_l("Only check the file; import nothing"))
    submit = SubmitField(_l("Import"))
