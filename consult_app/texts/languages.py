"""Language versions of a text version: aligning an imported file with the original,
saving it as translations, and reading a version in a language.

The alignment pairs provisions by kind and number, then what is left by order; inside a
pair it pairs paragraphs by their label path ("1", "1/a"), then by order. Whatever finds
no counterpart is a difference, shown before anything is saved: an article missing from
the language version or absent from the original, a paragraph split or merged.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from consult_app.accounts.models import User
from consult_app.core.audit import log_action
from consult_app.core.errors import UserError
from consult_app.extensions import db
from consult_app.texts.models import (
    RTL_TEXT_LANGUAGES,
    TEXT_LANGUAGES,
    Paragraph,
    ParagraphTranslation,
    Provision,
    ProvisionTranslation,
    ProvisionUpdateFlag,
    TextVersion,
    TextVersionTranslation,
    language_name,
)
from consult_app.texts.parsed import ImportResult, ParsedParagraph, ParsedProvision

logger = logging.getLogger(__name__)


def _label(kind: str, number: str) -> str:
    return f"PP{number}" if kind == "preamble" else str(_("Article %(number)s", number=number))


@dataclass
class ParagraphPair:
    paragraph: Paragraph
    parsed: ParsedParagraph
    matched_by: str  # "label" or "order"


@dataclass
class ProvisionPair:
    provision: Provision
    parsed: ParsedProvision
    matched_by: str  # "number" or "order"
    paragraphs: list[ParagraphPair] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "provision_id": self.provision.id,
            "original": self.provision.label,
            "translation": _label(self.parsed.kind, self.parsed.number),
            "matched_by": self.matched_by,
            "paragraphs": [
                {
                    "paragraph_id": pair.paragraph.id,
                    "original": pair.paragraph.label,
                    "translation": pair.parsed.label,
                    "matched_by": pair.matched_by,
                }
                for pair in self.paragraphs
            ],
        }


@dataclass
class Difference:
    kind: str  # missing_provision, extra_provision, renumbered, missing_paragraph, ...
    where: str
    message: str

    def to_json(self) -> dict[str, str]:
        return {"kind": self.kind, "where": self.where, "message": self.message}


@dataclass
class Alignment:
    language: str
    pairs: list[ProvisionPair] = field(default_factory=list)
    differences: list[Difference] = field(default_factory=list)

    def differ(self, kind: str, where: str, message: str) -> None:
        self.differences.append(Difference(kind, where, message))

    def to_json(self) -> dict[str, Any]:
        return {
            "language": self.language,
            "provisions": [pair.to_json() for pair in self.pairs],
            "differences": [d.to_json() for d in self.differences],
        }


def _walk_paragraphs(provision: Provision) -> list[tuple[str, Paragraph]]:
    paths: dict[int, str] = {}
    out: list[tuple[str, Paragraph]] = []
    rank: dict[int | None, int] = {}
    for paragraph in provision.paragraphs:  # ordered by position: reading order
        rank[paragraph.parent_id] = rank.get(paragraph.parent_id, 0) + 1
        parent = paths.get(paragraph.parent_id) if paragraph.parent_id else None
        path = (f"{parent}/" if parent else "") + (
            paragraph.label or f"#{rank[paragraph.parent_id]}"
        )
        paths[paragraph.id] = path
        out.append((path, paragraph))
    return out


def _walk_parsed(provision: ParsedProvision) -> list[tuple[str, ParsedParagraph]]:
    out: list[tuple[str, ParsedParagraph]] = []

    def visit(paragraphs: Sequence[ParsedParagraph], prefix: str) -> None:
        for rank, paragraph in enumerate(paragraphs, start=1):
            path = prefix + (paragraph.label or f"#{rank}")
            out.append((path, paragraph))
            visit(paragraph.children, path + "/")

    visit(provision.paragraphs, "")
    return out


def _align_paragraphs(alignment: Alignment, pair: ProvisionPair) -> None:
    where = pair.provision.label
    original = _walk_paragraphs(pair.provision)
    translated = _walk_parsed(pair.parsed)
    by_path = {path: parsed for path, parsed in translated}
    used: set[int] = set()
    left: list[Paragraph] = []
    for path, paragraph in original:
        parsed = by_path.get(path)
        if parsed is not None and id(parsed) not in used:
            used.add(id(parsed))
            pair.paragraphs.append(ParagraphPair(paragraph, parsed, "label"))
        else:
            left.append(paragraph)
    rest = [parsed for _path, parsed in translated if id(parsed) not in used]
    for paragraph, parsed in zip(left, rest, strict=False):
        pair.paragraphs.append(ParagraphPair(paragraph, parsed, "order"))
        alignment.differ(
            "paragraph_relabelled",
            where,
            _(
                "%(where)s: paragraph %(original)s of the original was paired by order with "
                "paragraph %(translation)s.",
                where=where,
                original=paragraph.display_label or "-",
                translation=parsed.display_label or "-",
            ),
        )
    pair.paragraphs.sort(key=lambda p: p.paragraph.position)
    for paragraph in left[len(rest) :]:
        alignment.differ(
            "missing_paragraph",
            where,
            _(
                "%(where)s: paragraph %(label)s of the original has no counterpart in this "
                "language version (paragraphs merged?).",
                where=where,
                label=paragraph.display_label or "-",
            ),
        )
    for parsed in rest[len(left) :]:
        alignment.differ(
            "extra_paragraph",
            where,
            _(
                "%(where)s: paragraph %(label)s of this language version has no counterpart "
                "in the original (a paragraph split?); it will not be saved.",
                where=where,
                label=parsed.display_label or "-",
            ),
        )
    if pair.provision.intro and not pair.parsed.intro:
        alignment.differ(
            "missing_intro",
            where,
            _("%(where)s: the text before the paragraphs is missing.", where=where),
        )
    elif pair.parsed.intro and not pair.provision.intro:
        alignment.differ(
            "extra_intro",
            where,
            _(
                "%(where)s: text before the paragraphs that the original does not have; "
                "it will not be saved.",
                where=where,
            ),
        )


def align(version: TextVersion, result: ImportResult, language: str) -> Alignment:
    """Pair the provisions and paragraphs of ``result`` with those of ``version``."""
    alignment = Alignment(language)
    for kind in ("preamble", "article"):
        originals = [p for p in version.provisions if p.kind.value == kind]
        parsed_list = [p for p in result.provisions if p.kind == kind]
        by_number = {p.number.lower(): p for p in parsed_list}
        used: set[int] = set()
        left: list[Provision] = []
        pairs: list[ProvisionPair] = []
        for provision in originals:
            parsed = by_number.get(provision.number.lower())
            if parsed is not None and id(parsed) not in used:
                used.add(id(parsed))
                pairs.append(ProvisionPair(provision, parsed, "number"))
            else:
                left.append(provision)
        rest = [p for p in parsed_list if id(p) not in used]
        for provision, parsed in zip(left, rest, strict=False):
            pairs.append(ProvisionPair(provision, parsed, "order"))
            alignment.differ(
                "renumbered",
                provision.label,
                _(
                    "%(original)s of the original was paired by order with %(translation)s "
                    "of this language version.",
                    original=provision.label,
                    translation=_label(parsed.kind, parsed.number),
                ),
            )
        for provision in left[len(rest) :]:
            alignment.differ(
                "missing_provision",
                provision.label,
                _(
                    "%(label)s is missing from this language version; readers will see the "
                    "original.",
                    label=provision.label,
                ),
            )
        for parsed in rest[len(left) :]:
            label = _label(parsed.kind, parsed.number)
            alignment.differ(
                "extra_provision",
                label,
                _(
                    "%(label)s of this language version is not in the original; it will "
                    "not be saved.",
                    label=label,
                ),
            )
        alignment.pairs.extend(pairs)
    alignment.pairs.sort(key=lambda pair: pair.provision.position)
    for pair in alignment.pairs:
        _align_paragraphs(alignment, pair)
    return alignment


def check_language(version: TextVersion, language: str | None) -> str:
    """The language code, checked against the six languages and the original's."""
    code = (language or "").strip().lower()
    if code not in TEXT_LANGUAGES:
        raise UserError(
            _(
                "The language must be one of %(languages)s.",
                languages=", ".join(TEXT_LANGUAGES),
            )
        )
    if code == version.language:
        raise UserError(
            _(
                "This version's original is in %(language)s already; choose another language.",
                language=language_name(code),
            )
        )
    return code


def save_translation(
    actor: User | None,
    version: TextVersion,
    language: str,
    result: ImportResult,
    alignment: Alignment,
    source_filename: str | None = None,
) -> TextVersionTranslation:
    """Save the aligned language version (replacing an earlier import in that language)."""
    language = check_language(version, language)
    if not alignment.pairs:
        raise UserError(
            _("Nothing to save: no provision of this file could be paired with the original.")
        )
    existing = version.translation(language)
    replaced = existing is not None
    before: dict[int, tuple[Any, ...]] = {}
    if existing is not None:
        old = db.session.scalars(
            select(ProvisionTranslation)
            .join(Provision, ProvisionTranslation.provision_id == Provision.id)
            .where(Provision.version_id == version.id, ProvisionTranslation.language == language)
            .options(selectinload(ProvisionTranslation.paragraphs))
        ).all()
        for translation in old:
            before[translation.provision_id] = _wording_key(translation)
            for paragraph in translation.paragraphs:
                db.session.delete(paragraph)
            db.session.delete(translation)
        db.session.flush()
        record = existing
    else:
        record = TextVersionTranslation(version=version, language=language)
        db.session.add(record)
    record.title = (result.title or "")[:300] or None
    record.front_matter = result.front_matter
    record.chapeau = result.chapeau
    record.proclamation = result.proclamation
    record.closing = result.closing
    record.source_filename = (source_filename or "")[-255:] or None
    created: dict[int, ProvisionTranslation] = {}
    for pair in alignment.pairs:
        translation = ProvisionTranslation(
            provision=pair.provision,
            language=language,
            title=(pair.parsed.title or "")[:300] or None,
            part_heading=(pair.parsed.part_heading or "")[:300] or None,
            intro=pair.parsed.intro if pair.provision.intro else None,
        )
        db.session.add(translation)
        created[pair.provision.id] = translation
        for paragraph_pair in pair.paragraphs:
            db.session.add(
                ParagraphTranslation(
                    provision_translation=translation,
                    paragraph=paragraph_pair.paragraph,
                    text=paragraph_pair.parsed.text,
                )
            )
    db.session.flush()
    flagged: dict[str, list[str]] = {}
    if replaced:
        for pair in alignment.pairs:
            if before.get(pair.provision.id) != _wording_key(created[pair.provision.id]):
                flagged[pair.provision.label] = flag_other_languages(pair.provision, language)
    log_action(
        actor,
        "import_translation",
        version,
        after={
            "language": language,
            "replaced": replaced,
            "source_filename": record.source_filename,
            "provisions": len(alignment.pairs),
            "paragraphs": sum(len(pair.paragraphs) for pair in alignment.pairs),
            "differences": [d.message for d in alignment.differences],
            "flagged_for_update": flagged,
        },
    )
    logger.info(
        "user %s imported version %s in %s (%d provisions)",
        actor.id if actor is not None else None,
        version.id,
        language,
        len(alignment.pairs),
    )
    return record


def _wording_key(translation: ProvisionTranslation) -> tuple[Any, ...]:
    """What a provision says in a language version, to tell whether it changed."""
    return (
        translation.title,
        translation.intro,
        tuple(sorted((p.paragraph_id, p.text) for p in translation.paragraphs)),
    )


# --- reading ---------------------------------------------------------------------------


@dataclass
class ReadProvision:
    """A provision as read in one language: translated, or the original (a fallback)."""

    provision: Provision
    original: str  # the version's language
    wanted: str | None = None  # the reader's language, when it is not the original's
    translation: ProvisionTranslation | None = None

    @property
    def language(self) -> str:
        """The language of the text shown."""
        return self.wanted if self.translation is not None and self.wanted else self.original

    @property
    def direction(self) -> str:
        return "rtl" if self.language in RTL_TEXT_LANGUAGES else "ltr"

    @property
    def fallback(self) -> bool:
        """The reader wanted another language than the original, which this provision
        does not have."""
        return self.wanted is not None and self.translation is None

    @property
    def fallback_note(self) -> str:
        return _(
            "This provision is not available in %(language)s; it is shown in the original "
            "(%(original)s).",
            language=language_name(self.wanted or ""),
            original=language_name(self.original),
        )

    @property
    def title(self) -> str | None:
        if self.translation is not None and self.translation.title:
            return self.translation.title
        return self.provision.title

    @property
    def full_label(self) -> str:
        title = self.title
        return f"{self.provision.label}. {title}" if title else self.provision.label

    @property
    def part_heading(self) -> str | None:
        if self.translation is not None and self.translation.part_heading:
            return self.translation.part_heading
        return self.provision.part_heading

    @property
    def intro(self) -> str | None:
        if self.translation is not None and self.translation.intro:
            return self.translation.intro
        return self.provision.intro

    def text_of(self, paragraph: Paragraph) -> str:
        if self.translation is not None:
            text = self.translation.paragraph_text(paragraph)
            if text is not None:
                return text
        return paragraph.text

    def paragraph_fallback(self, paragraph: Paragraph) -> bool:
        """A paragraph of a translated provision that has no translation of its own."""
        return self.translation is not None and self.translation.paragraph_text(paragraph) is None


def translations_for(
    provision_ids: Sequence[int], language: str | None
) -> dict[int, ProvisionTranslation]:
    """The translations of these provisions in ``language``, in one query."""
    if not language or not provision_ids:
        return {}
    rows = (
        db.session.scalars(
            select(ProvisionTranslation)
            .where(
                ProvisionTranslation.provision_id.in_(provision_ids),
                ProvisionTranslation.language == language,
            )
            .options(joinedload(ProvisionTranslation.paragraphs))
        )
        .unique()
        .all()
    )
    return {row.provision_id: row for row in rows}


def reading_language(version: TextVersion, wanted: str | None) -> str | None:
    """The language to read ``version`` in: ``wanted`` when it has a language version
    (None: read the original)."""
    if not wanted:
        return None
    code = str(wanted).split("_")[0].split("-")[0].lower()
    if code == version.language or code not in TEXT_LANGUAGES:
        return None
    return code


def compare_language(raw: str | None) -> str | None:
    """The language of a second column asked for with ``?compare=`` (None: one column)."""
    code = (raw or "").strip().lower()
    if not code:
        return None
    if code not in TEXT_LANGUAGES:
        raise UserError(
            _(
                "The language to compare with must be one of %(languages)s.",
                languages=", ".join(TEXT_LANGUAGES),
            )
        )
    return code


def read(
    provisions: Sequence[Provision], version: TextVersion, wanted: str | None
) -> list[ReadProvision]:
    """The provisions of ``version`` in language ``wanted`` where translated (one query;
    none when the wanted language is the original's)."""
    language = reading_language(version, wanted)
    found = translations_for([p.id for p in provisions], language)
    return [
        ReadProvision(provision, version.language, language, found.get(provision.id))
        for provision in provisions
    ]


def wording_in(provision: Provision, paragraph: Paragraph | None, language: str | None) -> str:
    """The wording of ``paragraph`` (or of the whole provision) in ``language`` where its
    language version has it, else in the original: the text a proposed amendment written
    in ``language`` is compared with."""
    code = reading_language(provision.version, language)
    translation = translations_for([provision.id], code).get(provision.id) if code else None
    if translation is None:
        return paragraph.text if paragraph is not None else provision.plain_text()
    reading = ReadProvision(provision, provision.version.language, code, translation)
    if paragraph is not None:
        return reading.text_of(paragraph)
    lines = [reading.intro] if reading.intro else []
    for item in provision.paragraphs:
        lines.append(f"{item.display_label} {reading.text_of(item)}".strip())
    return "\n".join(lines)


# --- language versions that need an update ---------------------------------------------


def flag_other_languages(provision: Provision, changed: str) -> list[str]:
    """The text of ``provision`` in ``changed`` changed: flag its other language versions
    (the original included) as needing an update; ``changed``'s own flag is cleared.
    Returns the languages flagged."""
    version = provision.version
    existing = {
        row.language: row
        for row in db.session.scalars(
            select(ProvisionUpdateFlag).where(ProvisionUpdateFlag.provision_id == provision.id)
        )
    }
    if changed in existing:
        db.session.delete(existing.pop(changed))
    others = {version.language} | {
        code
        for code in db.session.scalars(
            select(ProvisionTranslation.language).where(
                ProvisionTranslation.provision_id == provision.id
            )
        )
    }
    others.discard(changed)
    for code in sorted(others):
        flag = existing.get(code)
        if flag is None:
            db.session.add(
                ProvisionUpdateFlag(
                    provision_id=provision.id, language=code, changed_language=changed
                )
            )
        else:
            flag.changed_language = changed
    db.session.flush()
    return sorted(others)


def update_flags(version: TextVersion) -> list[ProvisionUpdateFlag]:
    """The language versions of ``version``'s provisions flagged as needing an update."""
    return list(
        db.session.scalars(
            select(ProvisionUpdateFlag)
            .join(Provision, ProvisionUpdateFlag.provision_id == Provision.id)
            .where(Provision.version_id == version.id)
            .options(joinedload(ProvisionUpdateFlag.provision))
            .order_by(Provision.position, ProvisionUpdateFlag.language)
        )
    )
