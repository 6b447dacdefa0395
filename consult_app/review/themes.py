"""Themes: the consultation's controlled list, and tagging comments with them."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from flask_babel import gettext as _
from sqlalchemy import delete, func, insert, select
from sqlalchemy.exc import IntegrityError

from consult_app.accounts.models import User
from consult_app.consultations.models import Consultation
from consult_app.core.audit import log_action
from consult_app.core.errors import Conflict, UserError
from consult_app.extensions import db
from consult_app.review.models import Theme, comment_themes
from consult_app.review.moderation import (
    ensure_in_queue,
    ensure_reviewer,
    expire_comments,
    log_comment_actions,
)
from consult_app.submissions.models import Comment

logger = logging.getLogger(__name__)

MAX_NAME = 120
MAX_DESCRIPTION = 2_000


def consultation_themes(consultation: Consultation, active_only: bool = False) -> list[Theme]:
    """The consultation's themes by name (active ones only if asked)."""
    query = select(Theme).where(Theme.consultation_id == consultation.id)
    if active_only:
        query = query.where(Theme.active.is_(True))
    return list(db.session.scalars(query.order_by(Theme.name)))


def theme_counts(consultation: Consultation) -> dict[int, int]:
    """How many comments carry each theme of the consultation (one GROUP BY)."""
    rows = db.session.execute(
        select(comment_themes.c.theme_id, func.count(comment_themes.c.comment_id))
        .join(Theme, Theme.id == comment_themes.c.theme_id)
        .where(Theme.consultation_id == consultation.id)
        .group_by(comment_themes.c.theme_id)
    ).all()
    return {theme_id: count for theme_id, count in rows}


def _clean_name(consultation_id: int, name: str, theme_id: int | None = None) -> str:
    clean = " ".join((name or "").split())
    if not clean:
        raise UserError(_("Give the theme a name."))
    if len(clean) > MAX_NAME:
        raise UserError(_("The name is too long: at most %(n)d characters.", n=MAX_NAME))
    taken = db.session.execute(
        select(Theme.id, Theme.name).where(Theme.consultation_id == consultation_id)
    ).all()
    for other_id, other_name in taken:
        if other_id != theme_id and other_name.casefold() == clean.casefold():
            raise UserError(
                _("A theme called “%(name)s” already exists in this consultation.",
                  name=other_name)
            )
    return clean


def _flush() -> None:
    try:
        db.session.flush()
    except IntegrityError:
        # Another reviewer created the same name at the same moment.
        raise Conflict(_("A theme with this name was just created. Reload the page.")) from None


def create_theme(
    actor: User,
    consultation: Consultation,
    name: str,
    description: str | None = None,
    public: bool = False,
) -> Theme:
    """Add a theme to the consultation's list (names are unique, whatever their case)."""
    ensure_reviewer(actor)
    clean = _clean_name(consultation.id, name)
    text = (description or "").strip() or None
    if text and len(text) > MAX_DESCRIPTION:
        raise UserError(
            _("The description is too long: at most %(n)d characters.", n=MAX_DESCRIPTION)
        )
    theme = Theme(
        consultation_id=consultation.id, name=clean, description=text, active=True,
        public=bool(public),
    )
    db.session.add(theme)
    _flush()
    log_action(
        actor, "create_theme", theme,
        after={"name": clean, "description": text, "public": bool(public)},
    )
    return theme


def rename_theme(actor: User, theme: Theme, name: str) -> Theme:
    """Rename a theme; comments keep their tags."""
    ensure_reviewer(actor)
    clean = _clean_name(theme.consultation_id, name, theme.id)
    if clean == theme.name:
        return theme
    before = {"name": theme.name}
    theme.name = clean
    _flush()
    log_action(actor, "rename_theme", theme, before=before, after={"name": clean})
    return theme


def set_theme_public(actor: User, theme: Theme, public: bool) -> Theme:
    """Mark a theme public (named in published figures and summaries) or internal."""
    ensure_reviewer(actor)
    if theme.public is public:
        return theme
    theme.public = public
    _flush()
    log_action(actor, "set_theme_public", theme, before={"public": not public},
               after={"public": public})
    return theme


def set_theme_active(actor: User, theme: Theme, active: bool) -> Theme:
    """Deactivate a theme (no new tags; existing tags stay) or reactivate it."""
    ensure_reviewer(actor)
    if theme.active is active:
        return theme
    theme.active = active
    _flush()
    action = "activate_theme" if active else "deactivate_theme"
    log_action(actor, action, theme, before={"active": not active}, after={"active": active})
    return theme


def _check(consultation_id: int, comments: Sequence[Comment], theme: Theme) -> None:
    ensure_in_queue(comments)
    if theme.consultation_id != consultation_id or any(
        c.consultation_id != consultation_id for c in comments
    ):
        raise UserError(_("This theme does not belong to the consultation of these comments."))


def tag_comments(actor: User, comments: Sequence[Comment], theme: Theme) -> int:
    """Tag the comments with an active theme; return how many were newly tagged."""
    ensure_reviewer(actor)
    if not comments:
        return 0
    _check(comments[0].consultation_id, comments, theme)
    if not theme.active:
        raise UserError(_("The theme “%(name)s” is no longer in use.", name=theme.name))
    befores = {c.id: sorted(t.name for t in c.themes) for c in comments}
    ids = list(befores)
    db.session.flush()
    tagged = set(
        db.session.scalars(
            select(comment_themes.c.comment_id).where(
                comment_themes.c.theme_id == theme.id, comment_themes.c.comment_id.in_(ids)
            )
        )
    )
    new = [i for i in ids if i not in tagged]
    if not new:
        return 0
    db.session.execute(
        insert(comment_themes), [{"comment_id": i, "theme_id": theme.id} for i in new]
    )
    expire_comments(new, ["themes"])
    log_comment_actions(
        actor,
        "tag_comment",
        (
            ("Comment", i, {"themes": befores[i]}, {"themes": sorted([*befores[i], theme.name])})
            for i in new
        ),
    )
    return len(new)


def untag_comments(actor: User, comments: Sequence[Comment], theme: Theme) -> int:
    """Remove a theme from the comments; return how many carried it."""
    ensure_reviewer(actor)
    if not comments:
        return 0
    _check(comments[0].consultation_id, comments, theme)
    befores = {c.id: sorted(t.name for t in c.themes) for c in comments}
    ids = list(befores)
    db.session.flush()
    tagged = list(
        db.session.scalars(
            select(comment_themes.c.comment_id).where(
                comment_themes.c.theme_id == theme.id, comment_themes.c.comment_id.in_(ids)
            )
        )
    )
    if not tagged:
        return 0
    db.session.execute(
        delete(comment_themes).where(
            comment_themes.c.theme_id == theme.id, comment_themes.c.comment_id.in_(tagged)
        )
    )
    expire_comments(tagged, ["themes"])
    log_comment_actions(
        actor,
        "untag_comment",
        (
            (
                "Comment",
                i,
                {"themes": befores[i]},
                {"themes": [n for n in befores[i] if n != theme.name]},
            )
            for i in sorted(tagged)
        ),
    )
    return len(tagged)
