"""What the importer recognised in a file: provisions, paragraphs, footnotes, and the text
around them (front matter, chapeau, proclaiming paragraph, final clauses)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

# Where a footnote's call stands: in a text of the version, or in a part of a provision.
VERSION_FIELDS = ("front_matter", "chapeau", "proclamation", "closing")
PROVISION_FIELDS = ("part_heading", "title", "intro", "text")


@dataclass
class ParsedParagraph:
    """A numbered paragraph (level 0), a lettered (1) or a roman (2) sub-paragraph."""

    label: str | None
    text: str
    level: int = 0
    children: list[ParsedParagraph] = field(default_factory=list)

    @property
    def display_label(self) -> str:
        if not self.label:
            return ""
        return self.label if self.level else f"{self.label}."

    def to_json(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "level": self.level,
            "text": self.text,
            "subparagraphs": [child.to_json() for child in self.children],
        }


@dataclass(eq=False)
class ParsedFootnote:
    """A footnote and where its call stands (``offset`` in the text of ``field``).

    ``place`` is one of :data:`VERSION_FIELDS` when ``provision`` is None, else one of
    :data:`PROVISION_FIELDS` ("text" is the text of ``paragraph``); ``call_at`` is the
    offset of the call in that text (None: after it). A footnote whose call was not found
    has no place.
    """

    label: str
    text: str
    place: str | None = None
    provision: ParsedProvision | None = None
    paragraph: ParsedParagraph | None = None
    call_at: int | None = None
    position: int = 0  # 1, 2, ... in the order of the text

    def to_json(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "text": self.text,
            "place": self.place,
            "provision": self.provision.label if self.provision is not None else None,
            "paragraph": self.paragraph.label if self.paragraph is not None else None,
            "call_at": self.call_at,
        }


def notes_in(footnotes: list[Any], place: str | None, paragraph: Any = None) -> list[Any]:
    """The footnotes called from ``place`` (of ``paragraph`` for "text")."""
    return [
        note
        for note in footnotes
        if note.place == place and (place != "text" or note.paragraph is paragraph)
    ]


@dataclass(eq=False)
class ParsedProvision:
    """A preambular paragraph or an article as recognised in the file."""

    kind: str  # "preamble" or "article"
    number: str
    title: str | None = None
    source_label: str | None = None
    part_heading: str | None = None
    intro: str | None = None
    paragraphs: list[ParsedParagraph] = field(default_factory=list)
    footnotes: list[ParsedFootnote] = field(default_factory=list)

    def walk(self) -> Iterator[ParsedParagraph]:
        """Every paragraph and sub-paragraph, depth first (reading order)."""
        stack = list(reversed(self.paragraphs))
        while stack:
            paragraph = stack.pop()
            yield paragraph
            stack.extend(reversed(paragraph.children))

    def notes_for(self, place: str, paragraph: Any = None) -> list[ParsedFootnote]:
        return notes_in(self.footnotes, place, paragraph)

    @property
    def label(self) -> str:
        return f"PP{self.number}" if self.kind == "preamble" else f"Article {self.number}"

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "number": self.number,
            "title": self.title,
            "source_label": self.source_label,
            "part_heading": self.part_heading,
            "intro": self.intro,
            "paragraphs": [p.to_json() for p in self.paragraphs],
        }


@dataclass
class ImportResult:
    """What the importer recognised in one file."""

    format: str  # "docx", "markdown" or "text"
    # Text before the preamble: the instrument's title as printed, a resolution's
    # chapeau and operative part before its annex.
    front_matter: str | None = None
    # The subject that opens the preamble: "The States Parties to the present Convention,"
    chapeau: str | None = None
    preamble_heading: str | None = None
    proclamation: str | None = None
    # The final formula after the last article: "IN WITNESS WHEREOF ...", "Done at ...".
    closing: str | None = None
    provisions: list[ParsedProvision] = field(default_factory=list)
    footnotes: list[ParsedFootnote] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # What the importer changed on its own, with confidence (shown in the preview).
    adjustments: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # metadata comments and front matter
    masthead: list[str] = field(default_factory=list)  # UN masthead lines, not imported
    links: list[str] = field(default_factory=list)  # link lists left out of the text
    title: str | None = None  # the instrument's title as found in the file

    @property
    def preamble(self) -> list[ParsedProvision]:
        return [p for p in self.provisions if p.kind == "preamble"]

    @property
    def articles(self) -> list[ParsedProvision]:
        return [p for p in self.provisions if p.kind == "article"]

    def article(self, number: str) -> ParsedProvision:
        for provision in self.articles:
            if provision.number == number:
                return provision
        raise KeyError(number)

    def notes_for(self, place: str | None) -> list[ParsedFootnote]:
        """Footnotes called from a text of the version (None: whose call was not found)."""
        return [n for n in notes_in(self.footnotes, place) if n.provision is None]

    def counts(self) -> dict[str, int]:
        paragraphs = [p for provision in self.provisions for p in provision.walk()]
        return {
            "preamble": len(self.preamble),
            "articles": len(self.articles),
            "paragraphs": sum(1 for p in paragraphs if p.level == 0),
            "subparagraphs": sum(1 for p in paragraphs if p.level > 0),
            "footnotes": len(self.footnotes),
            "warnings": len(self.warnings),
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "title": self.title,
            "masthead": list(self.masthead),
            "notes": list(self.notes),
            "front_matter": self.front_matter,
            "chapeau": self.chapeau,
            "proclamation": self.proclamation,
            "closing": self.closing,
            "provisions": [p.to_json() for p in self.provisions],
            "footnotes": [n.to_json() for n in self.footnotes],
            "links": list(self.links),
            "adjustments": list(self.adjustments),
            "warnings": list(self.warnings),
        }

    def as_text(self) -> str:
        """The recognised text written out again, one block per line (for checks and diffs)."""
        out: list[str] = list(self.masthead)
        if self.front_matter:
            out.append(self.front_matter)
        if self.preamble_heading:
            out.append(self.preamble_heading)
        if self.chapeau:
            out.append(self.chapeau)
        articles = self.articles
        for provision in self.provisions:
            if self.proclamation and articles and provision is articles[0]:
                out.append(self.proclamation)
            if provision.part_heading:
                out.append(provision.part_heading)
            if provision.kind == "article":
                out.append(f"Article {provision.number}")
                if provision.title:
                    out.append(provision.title)
            elif provision.source_label:
                out.append(provision.source_label)
            if provision.intro:
                out.append(provision.intro)
            out.extend(f"{p.display_label} {p.text}".strip() for p in provision.walk())
        if self.proclamation and not self.articles:
            out.append(self.proclamation)
        if self.closing:
            out.append(self.closing)
        out.extend(f"[{note.label}] {note.text}" for note in self.footnotes)
        return "\n".join(out)
