"""Forms of the review pages (CSRF by Flask-WTF); choices are filled per request."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    Field,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from consult_app.accounts.models import User
from consult_app.core.forms import AppForm
from consult_app.review.models import Theme, WithheldReason
from consult_app.review.moderation import MAX_NOTE, MAX_REASON
from consult_app.review.themes import MAX_DESCRIPTION, MAX_NAME
from consult_app.submissions.editing import MAX_BODY
from consult_app.submissions.models import REDACTABLE_PARTS, Comment

BULK_ACTIONS = ("publish", "withhold", "pending", "tag", "untag", "assign", "unassign")
# The fields each bulk action reads; the others are ignored, whatever they hold.
BULK_ACTION_FIELDS: dict[str, tuple[str, ...]] = {
    "publish": (),
    "pending": (),
    "withhold": ("reason", "note"),
    "tag": ("theme_id",),
    "untag": ("theme_id",),
    "assign": ("reviewer_id",),
    "unassign": (),
}
_BULK_OPTIONAL_FIELDS = ("reason", "note", "theme_id", "reviewer_id")
MAX_SELECTION = 500


def _optional_int(value: Any) -> int | None:
    # "" is the value of the "choose"/"nobody" option (None would render as "None").
    if value in (None, ""):
        return None
    return int(value)


def reason_choices() -> list[SelectChoice]:
    return [SelectChoice("", str(_l("Choose a reason")))] + [
        SelectChoice(r.value, r.label) for r in WithheldReason
    ]


def theme_choices(themes: Iterable[Theme]) -> list[SelectChoice]:
    inactive = str(_l("no longer in use"))
    return [SelectChoice("", str(_l("Choose a theme")))] + [
        SelectChoice(t.id, t.name if t.active else f"{t.name} ({inactive})") for t in themes
    ]


def reviewer_choices(reviewers: Iterable[User], none_label: str) -> list[SelectChoice]:
    return [SelectChoice("", none_label)] + [
        SelectChoice(u.id, f"{u.name} <{u.email}>") for u in reviewers
    ]


_name_length = Length(
    max=MAX_NAME, message=_l("The name is too long: at most %(max)d characters.")
)


class ActionForm(AppForm):
    """A button that changes something: only the CSRF token is checked."""


class WithholdForm(AppForm):
    reason = SelectField(
        _l("Reason"),
        choices=[],
        default="",
        validators=[DataRequired(message=_l("Choose a reason."))],
    )
    note = TextAreaField(_l("Note (internal, optional)"), validators=[Length(max=MAX_NOTE)])
    submit = SubmitField(_l("Withhold"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.reason.choices = reason_choices()


class RedactForm(AppForm):
    """Which parts of a comment the public reads redacted, and what it reads instead."""

    redact_body = BooleanField(_l("Redact the comment"))
    redacted_body = TextAreaField(
        _l("Text to publish instead of the comment"), validators=[Length(max=MAX_BODY)]
    )
    redact_proposed_wording = BooleanField(_l("Redact the proposed wording"))
    redacted_proposed_wording = TextAreaField(
        _l("Proposed wording to publish instead (empty: none is published)"),
        validators=[Length(max=MAX_BODY)],
    )
    redact_rationale = BooleanField(_l("Redact the rationale"))
    redacted_rationale = TextAreaField(
        _l("Rationale to publish instead (empty: none is published)"),
        validators=[Length(max=MAX_BODY)],
    )
    reason = StringField(
        _l("Reason for the redaction"),
        validators=[
            DataRequired(message=_l("Say why the comment is redacted.")),
            Length(max=MAX_REASON),
        ],
    )
    submit = SubmitField(_l("Redact"))

    @classmethod
    def for_comment(cls, comment: Comment) -> RedactForm:
        """The form as first shown: every part that has text is marked (or, for a comment
        already redacted, the parts redacted), each prefilled with what the public reads."""
        data: dict[str, Any] = {}
        for part in REDACTABLE_PARTS:
            if not getattr(comment, part):
                continue
            redacted = getattr(comment, f"redacted_{part}")
            data[f"redact_{part}"] = redacted is not None or not comment.is_redacted
            data[f"redacted_{part}"] = getattr(comment, part) if redacted is None else redacted
        return cls(prefix="redact", formdata=None, data=data)

    def marked_parts(self, comment: Comment) -> dict[str, str]:
        """The parts marked for redaction (of those the comment has), with their texts."""
        return {
            part: self[f"redacted_{part}"].data or ""
            for part in REDACTABLE_PARTS
            if getattr(comment, part) and self[f"redact_{part}"].data
        }

    def error_field(self, part: str | None) -> Field:
        """The field that shows an error about ``part`` (the reason, or a part's text)."""
        if part == "reason":
            return self.reason
        if part in REDACTABLE_PARTS:
            return self[f"redacted_{part}"]
        return self.redact_body


class TagForm(AppForm):
    theme_id = SelectField(
        _l("Theme"),
        choices=[],
        coerce=_optional_int,
        validators=[DataRequired(message=_l("Choose a theme."))],
    )
    submit = SubmitField(_l("Add the theme"))

    def __init__(self, *args: Any, themes: Iterable[Theme] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.theme_id.choices = theme_choices(themes)


class AssignForm(AppForm):
    reviewer_id = SelectField(_l("Reviewer"), choices=[], coerce=_optional_int)
    submit = SubmitField(_l("Assign"))

    def __init__(self, *args: Any, reviewers: Iterable[User] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.reviewer_id.choices = reviewer_choices(reviewers, str(_l("Nobody (unassigned)")))


class ProvisionAssignForm(AssignForm):
    include_comments = BooleanField(_l("Also assign its comments that nobody reviews yet"))


class ThemeForm(AppForm):
    name = StringField(
        _l("Name"),
        validators=[DataRequired(message=_l("Give the theme a name.")), _name_length],
    )
    description = TextAreaField(
        _l("Description (optional)"), validators=[Optional(), Length(max=MAX_DESCRIPTION)]
    )
    public = BooleanField(_l("Public: may be named in published figures and summaries"))
    submit = SubmitField(_l("Add the theme"))


class RenameThemeForm(AppForm):
    """The name of a theme and whether it is public."""

    name = StringField(
        _l("Name"),
        validators=[DataRequired(message=_l("Give the theme a name.")), _name_length],
    )
    public = BooleanField(_l("Public: may be named in published figures and summaries"))
    submit = SubmitField(_l("Save"))


class BulkForm(AppForm):
    """One form for every bulk action: the chosen button says which (works without JS)."""

    comment_ids = SelectMultipleField(
        _l("Selected comments"), choices=[], coerce=int, validate_choice=False
    )
    action = SelectField(choices=[SelectChoice(a, a) for a in BULK_ACTIONS])
    reason = SelectField(_l("Reason"), choices=[], default="")
    note = StringField(_l("Note (internal, optional)"), validators=[Length(max=MAX_NOTE)])
    theme_id = SelectField(_l("Theme"), choices=[], coerce=_optional_int)
    reviewer_id = SelectField(_l("Reviewer"), choices=[], coerce=_optional_int)
    back = HiddenField()

    def __init__(
        self,
        *args: Any,
        themes: Iterable[Theme] = (),
        reviewers: Iterable[User] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.reason.choices = reason_choices()
        self.theme_id.choices = theme_choices(themes)
        self.reviewer_id.choices = reviewer_choices(reviewers, str(_l("Nobody (unassigned)")))

    def validate(self, extra_validators: Any = None) -> bool:
        super().validate(extra_validators)
        # Each action needs only its own fields: what the other selects hold is ignored.
        action = self.action.data if self.action.data in BULK_ACTION_FIELDS else None
        used = BULK_ACTION_FIELDS.get(action or "", ())
        for name in _BULK_OPTIONAL_FIELDS:
            if name not in used:
                self[name].errors = []
        ok = not any(field.errors for field in self)
        ids = self.comment_ids.data or []
        if not ids and not self.comment_ids.errors:
            self.comment_ids.errors = [str(_l("Select at least one comment."))]
            ok = False
        elif len(ids) > MAX_SELECTION:
            self.comment_ids.errors = [
                str(_l("Select at most %(n)d comments at a time.", n=MAX_SELECTION))
            ]
            ok = False
        if action == "withhold" and not self.reason.data:
            self.reason.errors = [str(_l("Choose why the comments are withheld."))]
            ok = False
        if action in ("tag", "untag") and self.theme_id.data is None and not self.theme_id.errors:
            self.theme_id.errors = [str(_l("Choose a theme."))]
            ok = False
        return ok


class AttachmentModerationForm(AppForm):
    """Publish, withhold (with a reason) or return to pending a written submission."""

    action = SelectField(
        _l("Action"),
        choices=[
            SelectChoice("publish", _l("Publish")),
            SelectChoice("withhold", _l("Withhold")),
            SelectChoice("pending", _l("Back to pending")),
        ],
        validators=[DataRequired(message=_l("Choose what to do."))],
    )
    reason = SelectField(_l("Reason"), choices=[], default="")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.reason.choices = reason_choices()

    def validate_reason(self, field: SelectField) -> None:
        if self.action.data == "withhold" and not field.data:
            raise ValidationError(_l("Choose why the attachment is withheld."))
