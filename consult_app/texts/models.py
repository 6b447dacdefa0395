"""An instrument, its versions, and each version's provisions and paragraphs."""

from __future__ import annotations

import enum
from datetime import date
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult_app.core.models import Model, enum_column

if TYPE_CHECKING:
    from consult_app.accounts.models import User


# The six official languages of the United Nations, in which a version can be read.
TEXT_LANGUAGES = ("en", "fr", "es", "ar", "zh", "ru")
RTL_TEXT_LANGUAGES = ("ar",)


# The six languages' names, translated when shown (in the interface language).
LANGUAGE_NAMES = {
    "en": _l("English"),
    "fr": _l("French"),
    "es": _l("Spanish"),
    "ar": _l("Arabic"),
    "zh": _l("Chinese"),
    "ru": _l("Russian"),
}


def language_name(code: str) -> str:
    """The language's name in the interface language ("French" / "français"...)."""
    return str(LANGUAGE_NAMES.get(code, code))


class VersionStatus(enum.Enum):
    DRAFT = "draft"
    PUBLISHED = "published"  # a revised version made public, not (yet) consulted on
    UNDER_CONSULTATION = "under_consultation"
    SUPERSEDED = "superseded"
    ADOPTED = "adopted"

    @property
    def label(self) -> str:
        return str(
            {
                VersionStatus.DRAFT: _l("Draft"),
                VersionStatus.PUBLISHED: _l("Published"),
                VersionStatus.UNDER_CONSULTATION: _l("Under consultation"),
                VersionStatus.SUPERSEDED: _l("Superseded"),
                VersionStatus.ADOPTED: _l("Adopted"),
            }[self]
        )


class ProvisionKind(enum.Enum):
    PREAMBLE = "preamble"
    ARTICLE = "article"

    @property
    def label(self) -> str:
        return str(
            {
                ProvisionKind.PREAMBLE: _l("Preambular paragraph"),
                ProvisionKind.ARTICLE: _l("Article"),
            }[self]
        )


class FootnotePlace(enum.Enum):
    """Which text of a version, or which part of a provision, calls a footnote."""

    FRONT_MATTER = "front_matter"
    CHAPEAU = "chapeau"
    PROCLAMATION = "proclamation"
    CLOSING = "closing"
    PART_HEADING = "part_heading"
    TITLE = "title"
    INTRO = "intro"
    TEXT = "text"  # the text of a paragraph


class Instrument(Model):
    __tablename__ = "instruments"

    title: Mapped[str] = mapped_column(String(300), nullable=False)
    description: Mapped[str | None] = mapped_column(Text)

    versions: Mapped[list[TextVersion]] = relationship(
        back_populates="instrument", order_by="TextVersion.id"
    )


class TextVersion(Model):
    __tablename__ = "text_versions"

    instrument_id: Mapped[int] = mapped_column(
        ForeignKey("instruments.id"), nullable=False, index=True
    )
    title: Mapped[str] = mapped_column(String(300), nullable=False)
    symbol: Mapped[str | None] = mapped_column(String(100))
    issued_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[VersionStatus] = mapped_column(
        enum_column(VersionStatus), nullable=False, default=VersionStatus.DRAFT
    )
    # Text that stands before the preamble: the title as printed, a resolution's own
    # preamble and operative part before its annex. Kept verbatim.
    front_matter: Mapped[str | None] = mapped_column(Text)
    # The subject that opens the preamble ("The States Parties to the present Convention,")
    # and the paragraph that closes it ("Proclaims ...", "Have agreed as follows:").
    chapeau: Mapped[str | None] = mapped_column(Text)
    proclamation: Mapped[str | None] = mapped_column(Text)
    # A closing formula after the last article ("IN WITNESS WHEREOF ...", "Done at ...").
    closing: Mapped[str | None] = mapped_column(Text)
    source_filename: Mapped[str | None] = mapped_column(String(255))
    previous_id: Mapped[int | None] = mapped_column(ForeignKey("text_versions.id"))
    # The language the version was imported in (the original); other language versions
    # are TextVersionTranslation rows.
    language: Mapped[str] = mapped_column(
        String(5), nullable=False, default="en", server_default="en"
    )

    instrument: Mapped[Instrument] = relationship(back_populates="versions")
    translations: Mapped[list[TextVersionTranslation]] = relationship(
        back_populates="version", order_by="TextVersionTranslation.language"
    )
    provisions: Mapped[list[Provision]] = relationship(
        back_populates="version", order_by="Provision.position"
    )
    footnotes: Mapped[list[Footnote]] = relationship(
        back_populates="version", order_by="Footnote.position"
    )

    @property
    def display_title(self) -> str:
        return f"{self.title} ({self.symbol})" if self.symbol else self.title

    @property
    def languages(self) -> list[str]:
        """The original's language, then the languages it was imported in."""
        return [self.language] + [t.language for t in self.translations]

    def translation(self, language: str | None) -> TextVersionTranslation | None:
        for translation in self.translations:
            if translation.language == language:
                return translation
        return None

    def notes_for(self, place: str | None) -> list[Footnote]:
        """Footnotes called from one of the version's own texts (None: called nowhere)."""
        return [
            note
            for note in self.footnotes
            if note.provision_id is None
            and (note.place.value if note.place is not None else None) == place
        ]

    def can_view(self, user: User | None) -> bool:
        """A revision being drafted from an earlier version is the secretariat's until it
        is published; every other version is public."""
        if self.status is VersionStatus.DRAFT and self.previous_id is not None:
            return bool(user is not None and user.is_authenticated and user.can_manage_texts())
        return True


class Provision(Model):
    """A preambular paragraph or an article of one version."""

    __tablename__ = "provisions"

    version_id: Mapped[int] = mapped_column(ForeignKey("text_versions.id"), nullable=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    kind: Mapped[ProvisionKind] = mapped_column(enum_column(ProvisionKind), nullable=False)
    number: Mapped[str] = mapped_column(String(20), nullable=False)
    title: Mapped[str | None] = mapped_column(String(300))
    # The marker the source used, when it differs from the number, e.g. "(a)" for PP1.
    source_label: Mapped[str | None] = mapped_column(String(20))
    # A heading such as "Part I. General provisions" that opens this provision.
    part_heading: Mapped[str | None] = mapped_column(String(300))
    # Text of the provision not inside a numbered paragraph (an article's chapeau, or the
    # whole text of an unnumbered article or preambular paragraph).
    intro: Mapped[str | None] = mapped_column(Text)
    # The provision of an earlier version this one derives from (for comparisons).
    derived_from_id: Mapped[int | None] = mapped_column(ForeignKey("provisions.id"))

    version: Mapped[TextVersion] = relationship(back_populates="provisions")
    paragraphs: Mapped[list[Paragraph]] = relationship(
        back_populates="provision", order_by="Paragraph.position"
    )
    footnotes: Mapped[list[Footnote]] = relationship(
        back_populates="provision", order_by="Footnote.position"
    )

    __table_args__ = (
        UniqueConstraint("version_id", "position"),
        UniqueConstraint("version_id", "kind", "number"),
    )

    @property
    def label(self) -> str:
        if self.kind is ProvisionKind.PREAMBLE:
            return f"PP{self.number}"
        return str(_l("Article %(number)s", number=self.number))

    @property
    def full_label(self) -> str:
        return f"{self.label}. {self.title}" if self.title else self.label

    def plain_text(self) -> str:
        """The provision as plain text, one paragraph per line, labels included."""
        lines = [self.intro] if self.intro else []
        for paragraph in self.paragraphs:
            lines.append(paragraph.labelled_text)
        return "\n".join(lines)

    def notes_for(self, place: str, paragraph: Paragraph | None = None) -> list[Footnote]:
        """Footnotes called from a part of this provision ("text": of ``paragraph``)."""
        return [
            note
            for note in self.footnotes
            if note.place is not None
            and note.place.value == place
            and (place != "text" or (paragraph is not None and note.paragraph_id == paragraph.id))
        ]


class Paragraph(Model):
    """A numbered paragraph (level 0), or a lettered (1) or roman (2) sub-paragraph."""

    __tablename__ = "paragraphs"

    provision_id: Mapped[int] = mapped_column(ForeignKey("provisions.id"), nullable=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    level: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    label: Mapped[str | None] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text, nullable=False)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("paragraphs.id"))

    provision: Mapped[Provision] = relationship(back_populates="paragraphs")
    parent: Mapped[Paragraph | None] = relationship(
        remote_side="Paragraph.id", back_populates="children"
    )
    children: Mapped[list[Paragraph]] = relationship(
        back_populates="parent", order_by="Paragraph.position"
    )

    __table_args__ = (
        UniqueConstraint("provision_id", "position"),
        CheckConstraint("level BETWEEN 0 AND 3", name="level_range"),
    )

    @property
    def display_label(self) -> str:
        if not self.label:
            return ""
        return self.label if self.level else f"{self.label}."

    @property
    def labelled_text(self) -> str:
        return f"{self.display_label} {self.text}".strip()


class Footnote(Model):
    """A footnote of a version, and where its call stands in the text.

    ``call_at`` is the offset of the call in the text it stands in (``place`` of the
    version, or of ``provision``; "text" is the text of ``paragraph``). A footnote whose
    call was not found in the file has no place.
    """

    __tablename__ = "footnotes"

    version_id: Mapped[int] = mapped_column(
        ForeignKey("text_versions.id"), nullable=False, index=True
    )
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    provision_id: Mapped[int | None] = mapped_column(ForeignKey("provisions.id"), index=True)
    paragraph_id: Mapped[int | None] = mapped_column(ForeignKey("paragraphs.id"))
    place: Mapped[FootnotePlace | None] = mapped_column(enum_column(FootnotePlace))
    call_at: Mapped[int | None] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(20), nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)

    version: Mapped[TextVersion] = relationship(back_populates="footnotes")
    provision: Mapped[Provision | None] = relationship(back_populates="footnotes")
    paragraph: Mapped[Paragraph | None] = relationship()

    __table_args__ = (
        UniqueConstraint("version_id", "position"),
        CheckConstraint("paragraph_id IS NULL OR place = 'text'", name="paragraph_is_text"),
    )


class TextVersionTranslation(Model):
    """A language version of a text version: its own title and version-level texts.

    Its provisions and paragraphs are ProvisionTranslation and ParagraphTranslation rows;
    a provision without one in this language is read in the original.
    """

    __tablename__ = "text_version_translations"

    version_id: Mapped[int] = mapped_column(ForeignKey("text_versions.id"), nullable=False)
    language: Mapped[str] = mapped_column(String(5), nullable=False)
    title: Mapped[str | None] = mapped_column(String(300))
    front_matter: Mapped[str | None] = mapped_column(Text)
    chapeau: Mapped[str | None] = mapped_column(Text)
    proclamation: Mapped[str | None] = mapped_column(Text)
    closing: Mapped[str | None] = mapped_column(Text)
    source_filename: Mapped[str | None] = mapped_column(String(255))

    version: Mapped[TextVersion] = relationship(back_populates="translations")

    __table_args__ = (UniqueConstraint("version_id", "language"),)


class ProvisionTranslation(Model):
    """A provision in another language than its version's original."""

    __tablename__ = "provision_translations"

    provision_id: Mapped[int] = mapped_column(ForeignKey("provisions.id"), nullable=False)
    language: Mapped[str] = mapped_column(String(5), nullable=False)
    title: Mapped[str | None] = mapped_column(String(300))
    part_heading: Mapped[str | None] = mapped_column(String(300))
    intro: Mapped[str | None] = mapped_column(Text)

    provision: Mapped[Provision] = relationship()
    paragraphs: Mapped[list[ParagraphTranslation]] = relationship(
        back_populates="provision_translation"
    )

    __table_args__ = (UniqueConstraint("provision_id", "language"),)

    def paragraph_text(self, paragraph: Paragraph) -> str | None:
        for translated in self.paragraphs:
            if translated.paragraph_id == paragraph.id:
                return translated.text
        return None


class ParagraphTranslation(Model):
    """A paragraph in the language of its provision translation."""

    __tablename__ = "paragraph_translations"

    provision_translation_id: Mapped[int] = mapped_column(
        ForeignKey("provision_translations.id"), nullable=False
    )
    paragraph_id: Mapped[int] = mapped_column(
        ForeignKey("paragraphs.id"), nullable=False, index=True
    )
    text: Mapped[str] = mapped_column(Text, nullable=False)

    provision_translation: Mapped[ProvisionTranslation] = relationship(back_populates="paragraphs")
    paragraph: Mapped[Paragraph] = relationship()

    __table_args__ = (UniqueConstraint("provision_translation_id", "paragraph_id"),)


class ProvisionUpdateFlag(Model):
    """The text of ``provision`` in ``language`` needs an update: its text in
    ``changed_language`` changed since (cleared when that language version is saved again).
    ``language`` may be the original's."""

    __tablename__ = "provision_update_flags"

    provision_id: Mapped[int] = mapped_column(ForeignKey("provisions.id"), nullable=False)
    language: Mapped[str] = mapped_column(String(5), nullable=False)
    changed_language: Mapped[str] = mapped_column(String(5), nullable=False)

    provision: Mapped[Provision] = relationship()

    __table_args__ = (UniqueConstraint("provision_id", "language"),)
