"""The public pages of a consultation that list its published comments: the consultation's
page (the text, with the number of published comments per provision, and the public record:
written submissions and contributors), the written submissions a page at a time, and a
provision's page (its text in the reader's language, or two side by side, its published
comments with redlines and bylines).

They answer on the consultations blueprint (``consultations.show``,
``consultations.provision``, under /consultations/): the app factory imports this module
before it registers that blueprint.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache

from flask import abort, current_app, render_template, request, send_file, url_for
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from werkzeug.wrappers import Response

from consult_app.accounts.models import OrgCategory
from consult_app.consultations.models import Consultation, Phase
from consult_app.consultations.queries import (
    consultation_sharing_version,
    neighbours,
    provision_with_paragraphs,
    provisions_with_paragraphs,
)
from consult_app.consultations.views import bp, get_viewable, viewable
from consult_app.core.errors import NotFound
from consult_app.core.pagination import page_arg
from consult_app.core.templating import enum_labels
from consult_app.submissions import record
from consult_app.submissions.commenting import amendment_base
from consult_app.submissions.models import CommentKind, OnBehalfKind, Position, Submission
from consult_app.submissions.published import (
    CommentPage,
    CosignerRow,
    PublicComment,
    cosigners_of,
    published_comment_counts,
    published_comment_total,
    published_comments_page,
)
from consult_app.texts.languages import compare_language, read
from consult_app.texts.models import (
    TEXT_LANGUAGES,
    Paragraph,
    Provision,
    language_name,
)
from consult_app.texts.redline import redline_html

PARTICIPATE_ENDPOINT = "submissions.participate"
#: Written submissions listed on the consultation's page (the others on their own pages).
WRITTEN_ON_CONSULTATION_PAGE = 10


def _participation_url(consultation: Consultation) -> str | None:
    """The "Take part" link, for those who may take part now."""
    # The submissions blueprint may not provide the endpoint yet; never build a dead link.
    if PARTICIPATE_ENDPOINT not in current_app.view_functions:
        return None
    if not consultation.can_participate(current_user):
        return None
    return url_for(PARTICIPATE_ENDPOINT, consultation_id=consultation.id)


@bp.get("/<int:consultation_id>")
def show(consultation_id: int) -> str:
    consultation = get_viewable(consultation_id)
    provisions = provisions_with_paragraphs(consultation.version_id)
    readings = read(provisions, consultation.version, str(get_locale()))
    written = record.written_submissions_page(consultation, 1, WRITTEN_ON_CONSULTATION_PAGE)
    return render_template(
        "consultations/show.html",
        consultation=consultation,
        provisions=provisions,
        readings={r.provision.id: r for r in readings},
        counts=published_comment_counts(consultation),
        participate_url=_participation_url(consultation),
        participation_note=_participation_note(consultation),
        can_manage=consultation.can_manage(current_user),
        categories=consultation.categories,
        written=written,
        contributors=record.contributors(consultation),
    )


@bp.get("/<int:consultation_id>/written-submissions")
def written_submissions(consultation_id: int) -> str:
    """The public record's written submissions, a page at a time."""
    consultation = get_viewable(consultation_id)
    page = page_arg()
    pagination = record.written_submissions_page(consultation, page, current_app.config["PER_PAGE"])
    if page > 1 and not pagination.items:
        abort(404)
    return render_template(
        "consultations/written_submissions.html",
        consultation=consultation,
        pagination=pagination,
    )


@bp.get("/<int:consultation_id>/written-submissions/<int:attachment_id>")
def download_written_submission(consultation_id: int, attachment_id: int) -> Response:
    """A published written submission; anything else is not found."""
    consultation = get_viewable(consultation_id)
    attachment = record.public_attachment(consultation, attachment_id)
    if attachment is None:
        raise NotFound(_("This document is not published."))
    response = send_file(
        io.BytesIO(attachment.data),
        mimetype=attachment.content_type,
        as_attachment=True,
        download_name=attachment.filename,
        max_age=0,
    )
    # Withheld later, it must not linger in a shared cache.
    response.headers["Cache-Control"] = "no-cache"
    return response


def _participation_note(consultation: Consultation) -> str | None:
    """Why the reader cannot take part (shown instead of the "Take part" link)."""
    phase = consultation.phase()
    if phase is Phase.UPCOMING:
        return _("The consultation is not open yet.")
    if phase is Phase.CLOSED:
        return _("The consultation is closed.")
    if not current_user.is_authenticated:
        return _("Sign in as a contributor of an eligible organisation to take part.")
    organisation = current_user.organisation
    if organisation is None or not current_user.can_act_for(organisation):
        return None
    if not consultation.is_eligible(organisation):
        return _(
            "Organisations of your category (%(category)s) are not invited to this consultation.",
            category=organisation.category.label,
        )
    if not consultation.can_participate(current_user):
        return _("Your organisation cannot take part in this consultation.")
    return None


@bp.get("/<int:consultation_id>/provisions/<int:provision_id>")
def provision(consultation_id: int, provision_id: int) -> str:
    found, shared = consultation_sharing_version(consultation_id)
    consultation = viewable(found)
    item = provision_with_paragraphs(provision_id)
    if item is None or item.version_id != consultation.version_id:
        raise NotFound(_("This provision is not part of the consulted text."))
    raw_position = request.args.get("position") or None
    try:
        position = Position(raw_position) if raw_position else None
    except ValueError:
        abort(400)
    # A second language side by side (?compare=fr): checked before anything is loaded.
    compare = compare_language(request.args.get("compare"))
    previous, following = neighbours(item)
    # In the reader's language where translated: one more query, none in the original's.
    (reading,) = read([item], consultation.version, str(get_locale()))
    (second,) = read([item], consultation.version, compare) if compare else (None,)
    # Side by side, each column's heading ("Article 5. Title") in that column's language.
    column_labels = []
    for column in (reading, second) if second is not None else ():
        with force_locale(column.language):
            column_labels.append(column.full_label)
    paragraphs = {p.id: p for p in item.paragraphs}
    page = page_arg()
    per_page = int(current_app.config["COMMENTS_PER_PAGE"])
    total = published_comment_total(consultation, item, position, shared=shared)
    if page > 1 and (page - 1) * per_page >= total:
        abort(404)
    comments = (
        published_comments_page(
            consultation, item, position, page=page, per_page=per_page, shared=shared
        )
        if total
        else []
    )
    pagination = CommentPage(page, per_page, comments, total)
    cosigners = cosigners_of({c.submission_id for c in comments})
    category_labels = enum_labels(OrgCategory)
    return render_template(
        "consultations/provision.html",
        consultation=consultation,
        provision=item,
        reading=reading,
        second=second,
        column_labels=column_labels,
        compare=compare,
        languages=consultation.version.languages,
        language_names={code: language_name(code) for code in TEXT_LANGUAGES},
        previous=previous,
        following=following,
        pagination=pagination,
        comments=comments,
        targets={c.id: paragraphs.get(c.paragraph_id) for c in comments if c.paragraph_id},
        redlines=_redlines(item, paragraphs, comments),
        bylines={
            c.id: _byline(consultation, c, cosigners.get(c.submission_id, []), category_labels)
            for c in comments
        },
        position=position,
        positions=list(Position),
        position_labels=enum_labels(Position),
        kind_labels=enum_labels(CommentKind),
        participate_url=_participation_url(consultation),
    )


@dataclass
class Byline:
    """Who a published comment is from, as far as the consultation lets us say."""

    category: str
    name: str | None = None
    on_behalf: str | None = None
    cosigners: list[str] = field(default_factory=list)


def _byline(
    consultation: Consultation,
    comment: PublicComment,
    cosigners: list[CosignerRow],
    category_labels: Mapping[OrgCategory, str],
) -> Byline:
    # An organisation that asked not to be published is never named, whatever else holds.
    named = consultation.allow_attribution and comment.publishable
    # The row carries the submission's on_behalf_* fields under the same names.
    on_behalf: str | None = Submission.on_behalf_label.fget(comment)  # type: ignore[attr-defined]
    if not named and comment.on_behalf_kind is OnBehalfKind.COALITION:
        on_behalf = _("on behalf of a group or coalition")
    if named:
        names = [f"{c.display_name} ({category_labels[c.category]})" for c in cosigners]
    else:
        names = [category_labels[c.category] for c in cosigners]
    author = (
        f"{comment.author_name} ({comment.author_acronym})"
        if comment.author_acronym
        else comment.author_name
    )
    return Byline(
        category=category_labels[comment.author_category],
        name=author if named else None,
        on_behalf=on_behalf,
        cosigners=names,
    )


def _redlines(
    provision: Provision, paragraphs: dict[int, Paragraph], comments: list[PublicComment]
) -> dict[int, Markup]:
    """Each proposed wording as a redline against the paragraph (or provision) it targets."""
    bases: dict[tuple[int | None, str | None], str] = {}
    result: dict[int, Markup] = {}
    for comment in comments:
        if not comment.proposed_wording:
            continue
        target = paragraphs.get(comment.paragraph_id) if comment.paragraph_id else None
        # Against the language version the comment was written against.
        key = (target.id if target is not None else None, comment.language)
        if key not in bases:
            bases[key] = amendment_base(provision, target, comment.language)
        result[comment.id] = _redline(bases[key], comment.proposed_wording)
    return result


@lru_cache(maxsize=4096)
def _redline(base: str, proposed: str) -> Markup:
    """``redline_html``, remembered: a word diff costs milliseconds and a page shows many.

    The result depends only on the two texts (the key), so an edited comment or a new
    version of the text simply misses the cache; 4,096 entries of a few KB each at most.
    """
    return redline_html(base, proposed)
