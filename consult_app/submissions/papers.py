"""Position papers: a delegation's Word or PDF paper split into comments on provisions.

Delegations write papers, not forms. :func:`read_paper` turns a .docx (paragraphs and
table rows, in order) or a .pdf (lines rebuilt into paragraphs and table rows) into
:class:`Block` s; :func:`split_paper` reads the blocks against the provisions of the text
under consultation (a :class:`Catalogue`) and returns the comments it recognised, with the
paragraph, the position the paper states, the body and the proposed wording, and keeps
every sentence it cannot attribute as general remarks: nothing is dropped. Nothing here
touches the database; the result is shown for confirmation before anything is saved.

This module attributes the passages to provisions; the file is read by
:mod:`~consult_app.submissions.paper_files` and the sentences by
:mod:`~consult_app.submissions.paper_language`.

How a passage is attributed:

- a heading (a Word heading, or a short line that starts with a reference such as
  "Article 4" or "Draft article 7 bis") sets the provision for what follows, until the next
  heading; a sentence under it moves to another provision or paragraph only when it opens
  with a reference ("Regarding paragraph 2, ...", "PP3: ...");
- without a heading (running prose), the first reference of a sentence sets the provision
  for that sentence and the rest of its paragraph;
- a table row names its provision in its first cell (or in the column headed "Provision" /
  "Article"); a column headed "Proposed text" / "Amendment" holds the proposed wording, one
  headed "Position" the position;
- "replace “X” with “Y”", "insert “Y” after “X”", "delete “X”" are applied to the current
  wording to give the proposed wording; "to read as follows:" takes the quoted text, or
  the next paragraph, as the whole new wording.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _

from consult_app.submissions.models import Position
from consult_app.submissions.paper_files import Block, looks_like_heading, read_paper
from consult_app.submissions.paper_language import (
    ARTICLE,
    EDIT_PATTERNS,
    FOLLOWS,
    LEADING,
    PREAMBLE,
    Edit,
    Reference,
    apply_edit,
    find_references,
    find_words,
    mask_quotes,
    number_key,
    position_cell,
    read_position,
    relative_reference,
    split_sentences,
)
from consult_app.texts.models import Provision, ProvisionKind

# --- what the paper is read against ----------------------------------------------------


@dataclass(frozen=True)
class TargetParagraph:
    label: str  # "2", "2(b)"
    text: str
    id: int | None = None


@dataclass(frozen=True)
class Target:
    """A provision of the text: its kind, number, label ("Article 4", "PP3") and wording."""

    kind: str
    number: str
    text: str
    paragraphs: tuple[TargetParagraph, ...] = ()
    id: int | None = None

    @property
    def label(self) -> str:
        return f"PP{self.number}" if self.kind == PREAMBLE else f"Article {self.number}"


class Catalogue:
    """The provisions of one version, found by kind and number ("7 bis" = "7bis")."""

    def __init__(self, targets: Iterable[Target]) -> None:
        self.targets = list(targets)
        self._by_key = {(t.kind, number_key(t.number)): t for t in self.targets}

    def find(self, kind: str, number: str) -> Target | None:
        return self._by_key.get((kind, number_key(number)))

    def paragraph(self, target: Target, label: str) -> TargetParagraph | None:
        wanted = number_key(label)
        for paragraph in target.paragraphs:
            if number_key(paragraph.label) == wanted:
                return paragraph
        # "(b)" alone: the only sub-paragraph lettered b.
        found = [
            p
            for p in target.paragraphs
            if number_key(p.label)[-len(wanted) :] == wanted
            and not number_key(p.label)[: -len(wanted)].isalpha()
        ]
        return found[0] if len(found) == 1 and wanted.isalpha() else None


def catalogue_from(provisions: Sequence[Provision]) -> Catalogue:
    """A :class:`Catalogue` of the given provisions (with their paragraphs loaded)."""
    targets = []
    for provision in provisions:
        by_id = {p.id: p for p in provision.paragraphs}
        paragraphs: list[TargetParagraph] = []
        for paragraph in provision.paragraphs:
            parts: list[str] = []
            node = paragraph
            while node is not None:
                label = (node.label or "").strip().strip(".").strip("()")
                parts.append(label if node.level == 0 else f"({label})")
                node = by_id.get(node.parent_id) if node.parent_id else None  # type: ignore[assignment]
            if all(parts):
                paragraphs.append(
                    TargetParagraph("".join(reversed(parts)), paragraph.text, paragraph.id)
                )
        kind = PREAMBLE if provision.kind is ProvisionKind.PREAMBLE else ARTICLE
        targets.append(
            Target(kind, provision.number, provision.plain_text(), tuple(paragraphs), provision.id)
        )
    return Catalogue(targets)


# --- splitting -------------------------------------------------------------------------


@dataclass
class PaperComment:
    """One comment the paper makes on a provision (or one of its paragraphs)."""

    target: Target
    paragraph: TargetParagraph | None
    position: Position
    body: str
    proposed_wording: str | None = None
    quoted_text: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "provision": self.target.label,
            "paragraph": self.paragraph.label if self.paragraph else None,
            "position": self.position.value,
            "body": self.body,
            "proposed_wording": self.proposed_wording,
        }


@dataclass
class SplitPaper:
    comments: list[PaperComment]
    general: list[str]
    warnings: list[str]

    def as_json(self) -> dict[str, Any]:
        return {
            "comments": [c.as_json() for c in self.comments],
            "general": self.general,
            "warnings": self.warnings,
        }


@dataclass
class _Segment:
    target: Target
    paragraph: TargetParagraph | None
    sentences: list[str] = field(default_factory=list)
    paragraphs: list[list[str]] = field(default_factory=list)
    full: list[str] = field(default_factory=list)  # whole new wordings given
    position: Position | None = None  # stated in a "Position" column


_Place = tuple[Target, TargetParagraph | None] | None


class _Splitter:
    def __init__(self, catalogue: Catalogue) -> None:
        self.catalogue = catalogue
        self.segments: list[_Segment] = []
        self.general: list[str] = []
        self.warnings: list[str] = []
        self._reported: set[str] = set()

    def _warn(self, message: str) -> None:
        if message not in self._reported:
            self._reported.add(message)
            self.warnings.append(message)

    def resolve(self, reference: Reference, current: _Place) -> _Place | bool:
        """The place a reference names; False when it names nothing in the text."""
        if reference.relative:
            if current is None:
                return False
            target = current[0]
        else:
            found = self.catalogue.find(reference.kind, reference.number)
            if found is None:
                label = ("PP" if reference.kind == PREAMBLE else "Article ") + reference.number
                self._warn(
                    _(
                        "The paper refers to %(label)s, which is not in the text under "
                        "consultation: what it says there is kept in the general remarks.",
                        label=label,
                    )
                )
                return False
            target = found
        if reference.paragraph is None:
            return (target, None)
        paragraph = self.catalogue.paragraph(target, reference.paragraph)
        if paragraph is None:
            self._warn(
                _(
                    "%(label)s has no paragraph %(paragraph)s: the comment is on the whole "
                    "of %(label)s.",
                    label=target.label,
                    paragraph=reference.paragraph,
                )
            )
        return (target, paragraph)

    def place_of(self, text: str, current: _Place, *, leading_only: bool) -> _Place | bool | None:
        """Where ``text`` moves to (None: it names no place; False: an unknown one)."""
        references = find_references(text)
        relative = relative_reference(text, references) if current is not None else None
        if leading_only:
            references = [r for r in references if r.start <= LEADING]
        if relative is not None:
            references = sorted([*references, relative], key=lambda r: r.start)
        if not references:
            return None
        return self.resolve(references[0], current)

    def add(self, place: _Place, sentences: list[str], *, new_paragraph: bool) -> None:
        if not sentences:
            return
        if place is None:
            if new_paragraph or not self.general:
                self.general.append(" ".join(sentences))
            else:
                self.general[-1] += " " + " ".join(sentences)
            return
        target, paragraph = place
        last = self.segments[-1] if self.segments else None
        if last is None or last.target is not target or last.paragraph is not paragraph:
            last = _Segment(target, paragraph)
            self.segments.append(last)
            new_paragraph = True
        if new_paragraph or not last.paragraphs:
            last.paragraphs.append([])
        last.paragraphs[-1].extend(sentences)

    def also(self, sentence: str, current: _Place) -> list[_Place]:
        """Further places a sentence names together with its first ("OP1 and PP1")."""
        references = find_references(sentence)
        places: list[_Place] = []
        for previous, reference in itertools.pairwise(references):
            between = sentence[previous.end : reference.start]
            if not re.fullmatch(r"\s*(?:,|and|,\s*and|as\s+well\s+as|&)\s*", between, re.I):
                break
            place = self.resolve(reference, current)
            if place is not False and place is not None:
                places.append(place)  # type: ignore[arg-type]
        return places

    def prose(self, text: str, context: _Place) -> tuple[_Place, bool]:
        """Attribute the sentences of one paragraph; where it ends and whether it announces
        a proposed text in the next paragraph."""
        current: _Place = context
        run: list[str] = []
        follows = False
        for sentence in split_sentences(text):
            moved = self.place_of(sentence, current, leading_only=context is not None)
            if moved is not None:
                new_place: _Place = moved if moved is not False else None  # type: ignore[assignment]
                if new_place != current:
                    self.add(current, run, new_paragraph=True)
                    run = []
                    current = new_place
                if new_place is not None:
                    for other in self.also(sentence, current):
                        if other != new_place:
                            self.add(other, [sentence], new_paragraph=True)
            run.append(sentence)
            follows = bool(FOLLOWS.search(sentence))
        self.add(current, run, new_paragraph=True)
        return current, follows

    def proposed_text(self, place: _Place, text: str) -> None:
        if place is None:
            self.add(None, [text], new_paragraph=True)
            return
        segment = self.segments[-1] if self.segments else None
        if segment is None or (segment.target, segment.paragraph) != place:
            segment = _Segment(place[0], place[1])
            self.segments.append(segment)
        segment.full.append(text.strip().strip('“”"«»').strip())

    def table_row(self, cells: tuple[str, ...], roles: list[str]) -> None:
        provision_column = roles.index("provision") if "provision" in roles else 0
        named = cells[provision_column] if provision_column < len(cells) else ""
        references = find_references(named)
        found = self.resolve(references[0], None) if references else False
        if not isinstance(found, tuple):
            # No provision named in its cell: the row is read as prose.
            if references:
                self.add(None, [" ".join(c for c in cells if c)], new_paragraph=True)
            else:
                self.prose(" ".join(c for c in cells if c), None)
            return
        segment = _Segment(found[0], found[1])
        self.segments.append(segment)
        rest = named[references[0].end :].strip(" .:-\u2013—,;()")
        if rest and find_references(rest):
            segment.paragraphs.append([rest])
        for column, cell in enumerate(cells):
            if column == provision_column or not cell:
                continue
            role = roles[column] if column < len(roles) else "comment"
            if role == "proposal":
                if re.fullmatch(r"(?i)none|n/?a|-+|\u2013|—|no\s+change", cell):
                    segment.paragraphs.append([cell])
                elif mask_quotes(cell)[0] != cell and any(
                    p.search(mask_quotes(cell)[0]) for _n, p in EDIT_PATTERNS
                ):
                    segment.paragraphs.append(split_sentences(cell))
                else:
                    segment.full.append(cell.strip().strip('“”"«»').strip())
            elif role == "position":
                segment.position = position_cell(cell)
                segment.paragraphs.append([cell])
            else:
                segment.paragraphs.append(split_sentences(cell))

    def finish(self) -> SplitPaper:
        comments = []
        for segment in self.segments:
            body = "\n\n".join(" ".join(p) for p in segment.paragraphs if p).strip()
            comments.append(self._comment(segment, body))
        return SplitPaper(
            [c for c in comments if c.body or c.proposed_wording],
            [g for g in self.general if g.strip()],
            self.warnings,
        )

    def _comment(self, segment: _Segment, body: str) -> PaperComment:
        target, paragraph = segment.target, segment.paragraph
        base = paragraph.text if paragraph is not None else target.text
        where = target.label + (f", paragraph {paragraph.label}" if paragraph else "")
        edit = Edit()
        for sentences in segment.paragraphs:
            for sentence in sentences:
                apply_edit(edit, sentence, base, where, self.warnings)
        proposed = segment.full[-1] if segment.full else edit.full or edit.wording
        if segment.full and not body:
            body = _("Proposed wording for %(where)s.", where=where)
        quoted = None
        for sentence in (s for p in segment.paragraphs for s in p):
            for words in mask_quotes(sentence)[1]:
                if words not in edit.used_quotes and find_words(" ".join(base.split()), words) >= 0:
                    quoted = words
                    break
            if quoted:
                break
        position = segment.position or read_position(body, proposal=bool(proposed))
        return PaperComment(target, paragraph, position, body, proposed, quoted)


_HEADER_WORDS = re.compile(
    r"^(?:provisions?|articles?|paragraphs?|references?|comments?|remarks|observations|"
    r"proposals?|proposed\s+(?:text|wording|amendments?|changes?)|amendments?|"
    r"suggested\s+(?:text|wording|changes?)|positions?|text|draft\s+text|rationale|"
    r"explanation|justification|(?:current|original|existing)\s+text|no\.?|#)$",
    re.I,
)


def _header_roles(cells: tuple[str, ...]) -> list[str] | None:
    if not all(_HEADER_WORDS.match(c.strip(" :")) or not c for c in cells):
        return None
    roles = []
    for cell in cells:
        word = cell.lower()
        if re.match(r"provision|article|paragraph|reference", word):
            roles.append("provision")
        elif re.match(r"propos|amend|suggest", word):
            roles.append("proposal")
        elif word.startswith("position"):
            roles.append("position")
        elif re.match(r"(?:current|original|existing)|no\.?$|#", word):
            roles.append("ignore")
        else:
            roles.append("comment")
    return roles


def split_paper(blocks: Sequence[Block], catalogue: Catalogue) -> SplitPaper:
    """Split a paper's blocks into comments on the catalogue's provisions."""
    splitter = _Splitter(catalogue)
    heading: _Place = None
    follows_place: _Place = None
    follows = False
    roles: list[str] = []
    table: int | None = None
    for block in blocks:
        if block.cells is not None:
            if block.table != table:
                table = block.table
                header = _header_roles(block.cells)
                if header is not None:
                    roles = header
                    continue
                roles = []
            splitter.table_row(block.cells, roles)
            follows = False
            continue
        table = None
        text = block.text
        if follows and follows_place is not None:
            follows = False
            splitter.proposed_text(follows_place, text)
            continue
        if block.heading or looks_like_heading(text):
            place = splitter.place_of(text, None, leading_only=False)
            if place is None or place is False:
                heading = None
                splitter.add(None, [text], new_paragraph=True)
            else:
                heading = place  # type: ignore[assignment]
                reference = find_references(text)[:1]
                rest = text[: reference[0].start] + text[reference[0].end :] if reference else ""
                if read_position(rest) is not Position.NO_POSITION:
                    # "Article 4: supported" says more than where the comments go.
                    splitter.add(heading, [text], new_paragraph=True)
            follows = False
            continue
        follows_place, follows = splitter.prose(text, heading)
    return splitter.finish()


def split_file(data: bytes, catalogue: Catalogue) -> SplitPaper:
    """Read a .docx or .pdf paper and split it (raises :class:`PaperError`)."""
    return split_paper(read_paper(data), catalogue)


def catalogue_for(version_id: int) -> Catalogue:
    """The catalogue of the provisions of one version (two queries)."""
    from sqlalchemy import select
    from sqlalchemy.orm import selectinload

    from consult_app.extensions import db

    provisions = db.session.scalars(
        select(Provision)
        .where(Provision.version_id == version_id)
        .options(selectinload(Provision.paragraphs))
        .order_by(Provision.position)
    ).all()
    return catalogue_from(provisions)


def merge_remarks(current: str | None, new: str | None) -> str | None:
    """General remarks with ``new`` added after ``current`` (not twice)."""
    if not new:
        return current
    if not current:
        return new
    if new in current:
        return current
    return f"{current}\n\n{new}"
