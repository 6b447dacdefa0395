"""Reading what the secretariat typed or a file holds about a comment: which provision
("PP3", "Article 4") and paragraph ("1 (a)") it is on, and the channel, position, kind,
yes/no, date received and on-behalf-of values, in the words people write them. Shared by
offline files, the offline form and position papers.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from consult_app.accounts.models import Organisation, RegionalGroup
from consult_app.consultations.models import Consultation
from consult_app.core.errors import UserError
from consult_app.extensions import db
from consult_app.submissions.models import Channel, CommentKind, OnBehalfKind, Position
from consult_app.texts.models import Paragraph, Provision, ProvisionKind

# --- reading provisions, paragraphs and values -----------------------------------------

_PREAMBLE = re.compile(r"(?:pp|preamble|preambular(?:\s+paragraph)?)\s*\.?\s*(\w+)", re.I)
_ARTICLE = re.compile(r"(?:art(?:icle)?\s*\.?)?\s*(\w+)", re.I)


def _key(text: str) -> str:
    return re.sub(r"[^0-9a-z]+", "", text.casefold())


class ProvisionIndex:
    """The provisions of a consultation's text, found by label ("PP3", "Article 4", "4")."""

    def __init__(self, consultation: Consultation) -> None:
        provisions = db.session.scalars(
            select(Provision)
            .where(Provision.version_id == consultation.version_id)
            .options(selectinload(Provision.paragraphs))
            .order_by(Provision.position)
        ).all()
        self.provisions = list(provisions)
        self.by_key = {(p.kind, p.number.casefold()): p for p in provisions}

    def find(self, raw: str) -> Provision | None:
        text = raw.strip()
        match = _PREAMBLE.fullmatch(text)
        if match:
            return self.by_key.get((ProvisionKind.PREAMBLE, match.group(1).casefold()))
        match = _ARTICLE.fullmatch(text)
        if match:
            return self.by_key.get((ProvisionKind.ARTICLE, match.group(1).casefold()))
        return None


def find_paragraph(provision: Provision, raw: str) -> Paragraph:
    """The paragraph of ``provision`` labelled ``raw`` ("2", "2.", "(a)", "1(a)")."""
    wanted = _key(raw)
    by_id = {p.id: p for p in provision.paragraphs}
    full: dict[str, list[Paragraph]] = {}
    own: dict[str, list[Paragraph]] = {}
    for paragraph in provision.paragraphs:
        labels = []
        node: Paragraph | None = paragraph
        while node is not None:
            labels.append(_key(node.label or ""))
            node = by_id.get(node.parent_id) if node.parent_id else None
        full.setdefault("".join(reversed(labels)), []).append(paragraph)
        own.setdefault(_key(paragraph.label or ""), []).append(paragraph)
    found = full.get(wanted) or own.get(wanted) or []
    if not wanted or not found:
        raise UserError(
            _("%(provision)s has no paragraph “%(label)s”.", provision=provision.label, label=raw)
        )
    if len(found) > 1:
        raise UserError(
            _(
                "Several paragraphs of %(provision)s are labelled “%(label)s”: give the full "
                "label, for example 1(a).",
                provision=provision.label,
                label=raw,
            )
        )
    return found[0]


def cell_word(raw: str) -> str:
    return re.sub(r"[\s\-/]+", "_", raw.strip().casefold()).strip("_")


CHANNEL_WORDS = {
    "email": Channel.EMAIL,
    "e_mail": Channel.EMAIL,
    "mail": Channel.EMAIL,
    "letter": Channel.LETTER,
    "note_verbale": Channel.NOTE_VERBALE,
    "noteverbale": Channel.NOTE_VERBALE,
    "oral": Channel.ORAL,
    "oral_statement": Channel.ORAL,
    "statement": Channel.ORAL,
}
YES = {"yes", "y", "true", "1", "oui", "si", "sí"}
NO = {"no", "n", "false", "0", "non"}
GROUP_WORDS = {
    **{g.value: g for g in RegionalGroup},
    "africa": RegionalGroup.AFRICAN,
    "african_group": RegionalGroup.AFRICAN,
    "african_states": RegionalGroup.AFRICAN,
    "asia_pacific_states": RegionalGroup.ASIA_PACIFIC,
    "asia_pacific_group": RegionalGroup.ASIA_PACIFIC,
    "eastern_european_states": RegionalGroup.EASTERN_EUROPEAN,
    "eastern_european_group": RegionalGroup.EASTERN_EUROPEAN,
    "latin_american_and_caribbean_states": RegionalGroup.GRULAC,
    "western_european_and_other_states": RegionalGroup.WEOG,
}


def parse_channel(raw: str) -> Channel:
    word = cell_word(raw)
    if word == Channel.ONLINE.value:
        raise UserError(_("Online submissions are made on the platform, not imported."))
    channel = CHANNEL_WORDS.get(word)
    if channel is None:
        raise UserError(
            _("Unknown channel “%(value)s”: write email, letter, note_verbale or oral.", value=raw)
        )
    return channel


def parse_position(raw: str) -> Position:
    try:
        return Position(cell_word(raw))
    except ValueError:
        raise UserError(
            _(
                "Unknown position “%(value)s”: write one of %(choices)s.",
                value=raw,
                choices=", ".join(p.value for p in Position),
            )
        ) from None


def parse_kind(raw: str) -> CommentKind:
    word = cell_word(raw)
    if not word:
        return CommentKind.SUBSTANTIVE
    if word.startswith(("drafting", "editorial")):
        return CommentKind.DRAFTING
    try:
        return CommentKind(word)
    except ValueError:
        raise UserError(
            _("Unknown kind “%(value)s”: write general, substantive or drafting.", value=raw)
        ) from None


def parse_yes_no(raw: str) -> bool:
    word = cell_word(raw)
    if not word or word in YES:
        return True
    if word in NO:
        return False
    raise UserError(_("Write yes or no, not “%(value)s”.", value=raw))


def parse_received_at(raw: str, zone_name: str) -> datetime:
    """An ISO 8601 date-time with its offset, or a date (midnight in ``zone_name``)."""
    text = raw.strip()
    if not text:
        raise UserError(_("Give the date of receipt."))
    try:
        zone = ZoneInfo(zone_name)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        try:
            day = date.fromisoformat(text)
        except ValueError:
            raise UserError(_("“%(value)s” is not a date.", value=raw)) from None
        return datetime.combine(day, time(0, 0), tzinfo=zone)
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise UserError(
            _("“%(value)s” is not a date: write 2023-01-20 or 2023-01-20T15:30+01:00.", value=raw)
        ) from None
    if value.tzinfo is None:
        raise UserError(
            _("“%(value)s” has no UTC offset: write it like 2023-01-20T15:30+01:00.", value=raw)
        )
    return value


def parse_on_behalf(
    raw: str, organisation: Organisation
) -> tuple[OnBehalfKind, RegionalGroup | None, str | None]:
    text = " ".join(raw.split())
    if not text:
        return OnBehalfKind.NONE, None, None
    group = GROUP_WORDS.get(cell_word(text)) or next(
        (g for g in RegionalGroup if g.label.casefold() == text.casefold()), None
    )
    if group is not None:
        if not organisation.category.is_state:
            raise UserError(_("Only a State can make a submission on behalf of a regional group."))
        return OnBehalfKind.REGIONAL_GROUP, group, None
    if len(text) > 300:
        raise UserError(_("The name of the group is too long (at most 300 characters)."))
    return OnBehalfKind.COALITION, None, text
