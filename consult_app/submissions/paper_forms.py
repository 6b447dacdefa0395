"""Forms of the position paper pages: the upload, and the comments found, to confirm."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, FieldList, FormField, SubmitField, TextAreaField
from wtforms.validators import Length, Optional

from consult_app.core.errors import UserError
from consult_app.core.forms import AppForm, choices
from consult_app.submissions.commenting import CommentFields
from consult_app.submissions.editing import MAX_QUOTE
from consult_app.submissions.models import CommentKind, Position
from consult_app.submissions.offline_forms import CommentRowForm, OfflineSubmissionForm
from consult_app.submissions.offline_values import ProvisionIndex, find_paragraph
from consult_app.submissions.papers import SplitPaper
from consult_app.texts.models import Provision

MAX_PAPER_ROWS = 300
EXTRA_ROWS = 2  # empty rows for what the reader missed


class PaperUploadForm(AppForm):
    file = FileField(
        _l("Position paper (Word .docx or PDF)"),
        validators=[FileRequired(message=_l("Choose the file of the position paper."))],
    )
    submit = SubmitField(_l("Read the paper"))


class PaperRowForm(CommentRowForm):
    """A comment found in the paper; unticked (or left empty) it is not saved."""

    keep = BooleanField(_l("Keep this comment"), default=True)
    quoted_text = TextAreaField(
        _l("Words of the text commented on (optional)"),
        validators=[Optional(), Length(max=MAX_QUOTE)],
    )

    def is_empty(self) -> bool:
        return not self.keep.data or super().is_empty()


def row_data(split: SplitPaper) -> list[dict[str, Any]]:
    """The rows of the confirmation form, filled with what the paper says."""
    rows: list[dict[str, Any]] = [
        {
            "keep": True,
            "provision": str(comment.target.id),
            "paragraph": comment.paragraph.label if comment.paragraph else "",
            "position": comment.position.value,
            "kind": CommentKind.SUBSTANTIVE.value,
            "body": comment.body,
            "proposed_wording": comment.proposed_wording or "",
            "quoted_text": comment.quoted_text or "",
            "rationale": "",
        }
        for comment in split.comments[: MAX_PAPER_ROWS - EXTRA_ROWS]
    ]
    rows.extend({"keep": True} for _ in range(EXTRA_ROWS))
    return rows


def _set_row_choices(rows: FieldList, index: ProvisionIndex) -> None:
    provision_choices = choices(
        [("", _l("Choose a provision"))] + [(str(p.id), p.full_label) for p in index.provisions]
    )
    position_choices = choices(
        [("", _l("Choose a position"))] + [(p.value, p.label) for p in Position]
    )
    kind_choices = choices((k.value, k.label) for k in CommentKind)
    for entry in rows:
        row: Any = entry.form
        row.provision.choices = provision_choices
        row.position.choices = position_choices
        row.kind.choices = kind_choices
        if not row.kind.data:
            row.kind.data = CommentKind.SUBSTANTIVE.value


def checked_rows(
    rows: FieldList, index: ProvisionIndex
) -> tuple[bool, list[tuple[Provision, CommentFields]]]:
    """Check the kept rows; whether all are valid, and the comments they hold."""
    valid = True
    items: list[tuple[Provision, CommentFields]] = []
    by_id = {str(p.id): p for p in index.provisions}
    for entry in rows:
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
            items.append(
                (
                    provision,
                    CommentFields(
                        position=Position(row.position.data),
                        kind=CommentKind(row.kind.data),
                        body=row.body.data or "",
                        paragraph=paragraph,
                        quoted_text=row.quoted_text.data or None,
                        proposed_wording=row.proposed_wording.data or None,
                        rationale=row.rationale.data or None,
                    ),
                )
            )
    return valid, items


class PaperConfirmForm(AppForm):
    """A contributor confirms and corrects the comments found in the paper."""

    general_remarks = TextAreaField(
        _l("General remarks (what the paper says about no provision in particular)"),
        validators=[Optional(), Length(max=50_000)],
    )
    comments = FieldList(FormField(PaperRowForm), max_entries=MAX_PAPER_ROWS)
    submit = SubmitField(_l("Save the comments kept"))

    def __init__(self, *args: Any, index: ProvisionIndex, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._index = index
        _set_row_choices(self.comments, index)
        self.comment_items: list[tuple[Provision, CommentFields]] = []

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        rows_valid, self.comment_items = checked_rows(self.comments, self._index)
        return valid and rows_valid


class PaperRecordForm(OfflineSubmissionForm):
    """The secretariat records a paper received outside the platform (a letter, a note
    verbale): the offline form, its comments filled from the paper."""

    comments = FieldList(FormField(PaperRowForm), max_entries=MAX_PAPER_ROWS)
    submit = SubmitField(_l("Record the submission"))

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        if valid:
            # The offline form reads no quoted words: add those of the kept rows, in order.
            kept = [entry.form for entry in self.comments if not entry.form.is_empty()]
            self.comment_items = [
                (provision, replace(fields, quoted_text=row.quoted_text.data or None))
                for (provision, fields), row in zip(self.comment_items, kept, strict=True)
            ]
        return valid
