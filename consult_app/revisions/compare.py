"""Compare two versions provision by provision, following the lineage; flag references.

``compare_versions`` walks the provisions of the later version, finds the provisions of the
earlier one they come from (through every version in between), and lines up their wording
line by line (heading, intro, paragraphs), each line with its word-level changes. Every
provision of the earlier version is used once, so that keeping all deletions and dropping
all insertions gives back the earlier text, and the reverse gives the later one (what the
.docx tracked changes rely on). A provision that changed place is shown deleted where it
was and inserted where it is now.
"""

from __future__ import annotations

import bisect
import difflib
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from consult_app.core.errors import UserError
from consult_app.extensions import db
from consult_app.revisions.models import provision_sources
from consult_app.texts.models import Provision, ProvisionKind, TextVersion
from consult_app.texts.redline import Change, diff

STATUS_LABELS = {
    "unchanged": _l("Unchanged"),
    "modified": _l("Modified"),
    "added": _l("Added"),
    "deleted": _l("Deleted"),
    "moved": _l("Moved"),
    "moved_away": _l("Moved elsewhere"),
    "renumbered": _l("Renumbered"),
    "split": _l("Split"),
    "merged": _l("Merged"),
}


@dataclass(frozen=True)
class TextLine:
    text: str
    heading: bool = False
    level: int = 0


@dataclass
class LineDiff:
    op: str  # "equal", "modified", "inserted", "deleted"
    old: TextLine | None
    new: TextLine | None
    changes: list[Change]

    @property
    def heading(self) -> bool:
        return bool((self.new or self.old) and (self.new or self.old).heading)  # type: ignore[union-attr]

    @property
    def level(self) -> int:
        line = self.new or self.old
        return line.level if line is not None else 0

    @property
    def old_text(self) -> str:
        return self.old.text if self.old is not None else ""

    @property
    def new_text(self) -> str:
        return self.new.text if self.new is not None else ""


@dataclass
class ProvisionDiff:
    new: Provision | None
    old: list[Provision]
    statuses: list[str]
    lines: list[LineDiff]
    note: str = ""
    anchor: str = ""

    @property
    def status(self) -> str:
        return self.statuses[0] if self.statuses else "unchanged"

    @property
    def labels(self) -> list[str]:
        return [str(STATUS_LABELS[s]) for s in self.statuses]

    @property
    def title(self) -> str:
        if self.new is not None:
            return self.new.label
        return self.old[0].label if self.old else ""

    @property
    def changed(self) -> bool:
        return any(s != "unchanged" for s in self.statuses)


@dataclass
class Comparison:
    old: TextVersion
    new: TextVersion
    items: list[ProvisionDiff] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        counts: dict[str, int] = defaultdict(int)
        for item in self.items:
            for status in item.statuses:
                counts[status] += 1
        return dict(counts)

    def old_lines(self) -> list[str]:
        return [ln.old.text for item in self.items for ln in item.lines if ln.old is not None]

    def new_lines(self) -> list[str]:
        return [ln.new.text for item in self.items for ln in item.lines if ln.new is not None]


def heading_of(provision: Provision) -> str:
    if provision.kind is ProvisionKind.PREAMBLE:
        return _("Preambular paragraph %(number)s", number=provision.number)
    label = _("Article %(number)s", number=provision.number)
    return f"{label}. {provision.title}" if provision.title else label


def lines_of(provision: Provision) -> list[TextLine]:
    lines = [TextLine(heading_of(provision), heading=True)]
    for part in (provision.intro or "").split("\n"):
        if part.strip():
            lines.append(TextLine(part.strip()))
    for paragraph in provision.paragraphs:
        lines.append(TextLine(paragraph.labelled_text, level=paragraph.level))
    return lines


def diff_lines(old: Sequence[TextLine], new: Sequence[TextLine]) -> list[LineDiff]:
    """Line up two provisions' lines; changed lines carry their word-level changes."""
    matcher = difflib.SequenceMatcher(
        a=[(ln.heading, ln.text) for ln in old],
        b=[(ln.heading, ln.text) for ln in new],
        autojunk=False,
    )
    out: list[LineDiff] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            out.extend(
                LineDiff("equal", o, n, [Change("equal", n.text)])
                for o, n in zip(old[i1:i2], new[j1:j2], strict=True)
            )
            continue
        olds, news = list(old[i1:i2]), list(new[j1:j2])
        while olds or news:
            if olds and news and olds[0].heading == news[0].heading:
                o, n = olds.pop(0), news.pop(0)
                out.append(LineDiff("modified", o, n, diff(o.text, n.text)))
            elif olds and (not news or olds[0].heading):
                o = olds.pop(0)
                out.append(LineDiff("deleted", o, None, [Change("delete", o.text)]))
            else:
                n = news.pop(0)
                out.append(LineDiff("inserted", None, n, [Change("insert", n.text)]))
    return out


def _lineage(old: TextVersion, new: TextVersion) -> dict[int, set[int]]:
    """For each provision of ``new``, the provisions of ``old`` it comes from."""
    if old.id == new.id:
        return {p.id: {p.id} for p in new.provisions}
    versions = list(
        db.session.scalars(
            select(TextVersion.id).where(
                TextVersion.instrument_id == new.instrument_id,
                TextVersion.id >= old.id,
                TextVersion.id <= new.id,
            )
        )
    )
    parents: dict[int, set[int]] = defaultdict(set)
    version_of: dict[int, int] = {}
    for pid, vid, derived in db.session.execute(
        select(Provision.id, Provision.version_id, Provision.derived_from_id).where(
            Provision.version_id.in_(versions)
        )
    ):
        version_of[pid] = vid
        if derived is not None:
            parents[pid].add(derived)
    for pid, source in db.session.execute(
        select(provision_sources.c.provision_id, provision_sources.c.source_id)
        .join(Provision, Provision.id == provision_sources.c.provision_id)
        .where(Provision.version_id.in_(versions))
    ):
        parents[pid].add(source)
    result: dict[int, set[int]] = {}
    for provision in new.provisions:
        found: set[int] = set()
        stack, seen = [provision.id], {provision.id}
        while stack:
            current = stack.pop()
            for parent in parents.get(current, ()):
                if parent in seen:
                    continue
                seen.add(parent)
                if version_of.get(parent) == old.id:
                    found.add(parent)
                elif parent in version_of:
                    stack.append(parent)
        result[provision.id] = found
    if not any(result.values()):
        # No recorded lineage (two imports never aligned): match by kind and number.
        by_number = {(p.kind, p.number): p.id for p in old.provisions}
        result = {
            p.id: ({by_number[(p.kind, p.number)]} if (p.kind, p.number) in by_number else set())
            for p in new.provisions
        }
    return result


def _increasing(values: list[int]) -> set[int]:
    """Indexes of one longest strictly increasing subsequence of ``values``."""
    tails: list[int] = []
    tail_index: list[int] = []
    previous: list[int] = [-1] * len(values)
    for i, value in enumerate(values):
        k = bisect.bisect_left(tails, value)
        if k == len(tails):
            tails.append(value)
            tail_index.append(i)
        else:
            tails[k] = value
            tail_index[k] = i
        previous[i] = tail_index[k - 1] if k else -1
    keep: set[int] = set()
    i = tail_index[-1] if tail_index else -1
    while i >= 0:
        keep.add(i)
        i = previous[i]
    return keep


def load_version(version_id: int) -> TextVersion | None:
    return db.session.get(
        TextVersion,
        version_id,
        options=[selectinload(TextVersion.provisions).selectinload(Provision.paragraphs)],
    )


def compare_versions(old: TextVersion, new: TextVersion) -> Comparison:
    """The provision-by-provision comparison of two versions of one instrument."""
    if old.instrument_id != new.instrument_id:
        raise UserError(_("Only two versions of the same text can be compared."))
    if old.id > new.id:
        raise UserError(_("Choose the earlier version first and the later one second."))
    lineage = _lineage(old, new)
    old_list = list(old.provisions)
    old_index = {p.id: i for i, p in enumerate(old_list)}
    old_by_id = {p.id: p for p in old_list}
    derivative_count: dict[int, int] = defaultdict(int)
    for found in lineage.values():
        for s in found:
            derivative_count[s] += 1

    consumed: set[int] = set()
    items: list[ProvisionDiff] = []
    for provision in new.provisions:
        sources: list[int] = sorted(lineage.get(provision.id, set()), key=lambda s: old_index[s])
        claimed = [s for s in sources if s not in consumed]
        consumed.update(claimed)
        olds = [old_by_id[s] for s in claimed]
        statuses: list[str] = []
        note = ""
        if not sources:
            statuses.append("added")
        if len(sources) > 1:
            statuses.append("merged")
            note = _("Merged from %(list)s", list=", ".join(old_by_id[s].label for s in sources))
        if any(derivative_count[s] > 1 for s in sources):
            statuses.append("split")
            note = _("Split from %(label)s", label=old_by_id[sources[0]].label)
        if sources and not claimed:
            statuses.append("added")
        old_lines = [ln for o in olds for ln in lines_of(o)]
        lines = diff_lines(old_lines, lines_of(provision))
        if len(olds) == 1 and olds[0].number != provision.number:
            statuses.append("renumbered")
            if not note:
                note = _("Formerly %(label)s", label=olds[0].label)
        body_changed = any(ln.op != "equal" for ln in lines[1:])
        heading_changed = bool(lines) and lines[0].op != "equal" and "renumbered" not in statuses
        if olds and (body_changed or heading_changed):
            statuses.append("modified")
        items.append(
            ProvisionDiff(
                provision, olds, statuses or ["unchanged"], lines, note, anchor=f"p{provision.id}"
            )
        )

    # Moved: the provisions whose origin breaks the order of the others.
    placed = [(i, old_index[item.old[0].id]) for i, item in enumerate(items) if item.old]
    keep = _increasing([pos for _i, pos in placed])
    moved_items = {placed[k][0] for k in range(len(placed)) if k not in keep}
    for index in moved_items:
        item = items[index]
        item.statuses = ["moved", *[s for s in item.statuses if s != "unchanged"]]
        # Tracked changes: gone from its old place, whole at its new place.
        item.lines = [
            LineDiff("inserted", None, ln.new, [Change("insert", ln.new.text)])
            for ln in item.lines
            if ln.new is not None
        ]
        item.note = item.note or _("Moved; formerly %(label)s", label=item.old[0].label)

    # Deleted provisions and the old places of moved ones, after the nearest earlier
    # provision of the old version that stayed in place.
    home: dict[int, int] = {}
    for i, item in enumerate(items):
        if i in moved_items:
            continue
        for o in item.old:
            home[o.id] = i
    placeholders: dict[int, list[tuple[int, ProvisionDiff]]] = defaultdict(list)

    def anchor_of(position: int) -> int:
        for back in range(position - 1, -1, -1):
            if old_list[back].id in home:
                return home[old_list[back].id]
        return -1

    for i in sorted(moved_items):
        item = items[i]
        for o in item.old:
            lines = [
                LineDiff("deleted", ln, None, [Change("delete", ln.text)]) for ln in lines_of(o)
            ]
            target = item.new.label if item.new is not None else ""
            placeholders[anchor_of(old_index[o.id])].append(
                (
                    old_index[o.id],
                    ProvisionDiff(
                        None,
                        [o],
                        ["moved_away"],
                        lines,
                        _("Moved: now %(label)s", label=target),
                        anchor=f"o{o.id}",
                    ),
                )
            )
    for o in old_list:
        if o.id in consumed:
            continue
        lines = [LineDiff("deleted", ln, None, [Change("delete", ln.text)]) for ln in lines_of(o)]
        placeholders[anchor_of(old_index[o.id])].append(
            (old_index[o.id], ProvisionDiff(None, [o], ["deleted"], lines, anchor=f"o{o.id}"))
        )

    result: list[ProvisionDiff] = [p for _pos, p in sorted(placeholders[-1], key=_first)]
    for i, item in enumerate(items):
        result.append(item)
        result.extend(p for _pos, p in sorted(placeholders[i], key=_first))
    return Comparison(old, new, result)


def _first(pair: tuple[int, ProvisionDiff]) -> int:
    return pair[0]


def redline_markup(changes: Sequence[Change]) -> Markup:
    parts: list[str] = []
    for change in changes:
        text = str(escape(change.text))
        if change.op == "insert":
            parts.append(f"<ins>{text}</ins>")
        elif change.op == "delete":
            parts.append(f"<del>{text}</del>")
        else:
            parts.append(text)
    return Markup("".join(parts))  # noqa: S704 - every piece escaped above


# --- references inside the text --------------------------------------------------------

_ORD = r"(?:\s+(?:bis|ter|quater|quinquies|sexies|septies|octies|novies|decies))?"
_ARTICLE_REF = re.compile(
    r"\b(?:draft\s+)?articles?\s+(\d{1,3}" + _ORD + r")"
    r"(?:\s*,\s*paragraphs?\s+(\d{1,3}" + _ORD + r"))?",
    re.IGNORECASE,
)
_PARAGRAPH_OF = re.compile(
    r"\bparagraphs?\s+(\d{1,3}" + _ORD + r")\s+of\s+(?:draft\s+)?article\s+(\d{1,3}" + _ORD + r")",
    re.IGNORECASE,
)
_PRESENT = re.compile(r"\b(?:the\s+present|this)\s+article\b", re.IGNORECASE)
_PREAMBULAR = re.compile(r"\bpreambular\s+paragraph\s+(\d{1,3}" + _ORD + r")", re.IGNORECASE)


@dataclass(frozen=True)
class ReferenceFlag:
    provision: Provision
    reference: str
    message: str


def _norm(number: str) -> str:
    return " ".join(number.lower().split())


def check_references(version: TextVersion) -> list[ReferenceFlag]:
    """References in the text ("article 7, paragraph 2", "the present article",
    "article 5 bis") whose target moved, was renumbered, split or vanished since the
    version this one was made from, or does not exist."""
    previous = db.session.get(TextVersion, version.previous_id) if version.previous_id else None
    provisions = list(version.provisions)
    new_articles = {_norm(p.number): p for p in provisions if p.kind is ProvisionKind.ARTICLE}
    new_preamble = {_norm(p.number): p for p in provisions if p.kind is ProvisionKind.PREAMBLE}
    old_articles: dict[str, Provision] = {}
    old_preamble: dict[str, Provision] = {}
    descendants: dict[int, list[Provision]] = defaultdict(list)
    sources: dict[int, set[int]] = {}
    if previous is not None:
        old_articles = {
            _norm(p.number): p for p in previous.provisions if p.kind is ProvisionKind.ARTICLE
        }
        old_preamble = {
            _norm(p.number): p for p in previous.provisions if p.kind is ProvisionKind.PREAMBLE
        }
        sources = _lineage(previous, version)
        for provision in provisions:
            for s in sources.get(provision.id, ()):
                descendants[s].append(provision)
    flags: list[ReferenceFlag] = []

    def paragraph_labels(provision: Provision) -> set[str]:
        return {_norm(p.label) for p in provision.paragraphs if p.level == 0 and p.label}

    def resolve(
        number: str, old_map: dict[str, Provision], new_map: dict[str, Provision], what: str
    ) -> tuple[Provision | None, str | None]:
        key = _norm(number)
        old = old_map.get(key)
        if old is not None:
            heirs = descendants.get(old.id, [])
            if not heirs:
                return None, _(
                    "%(what)s %(n)s of the previous version was deleted.", what=what, n=number
                )
            if len(heirs) > 1:
                return heirs[0], _(
                    "%(what)s %(n)s was split into %(list)s.",
                    what=what,
                    n=number,
                    list=", ".join(h.label for h in heirs),
                )
            if _norm(heirs[0].number) != key:
                return heirs[0], _(
                    "%(what)s %(n)s is now %(label)s.", what=what, n=number, label=heirs[0].label
                )
            return heirs[0], None
        target = new_map.get(key)
        if target is None:
            return None, _(
                "There is no %(what)s %(n)s in this version.", what=what.lower(), n=number
            )
        return target, None

    for provision in provisions:
        texts = [provision.intro or "", *(p.text for p in provision.paragraphs)]
        body = "\n".join(texts)
        for match in _PARAGRAPH_OF.finditer(body):
            target, message = resolve(match.group(2), old_articles, new_articles, _("Article"))
            if (
                message is None
                and target is not None
                and _norm(match.group(1)) not in (paragraph_labels(target))
            ):
                message = _(
                    "%(label)s has no paragraph %(n)s.", label=target.label, n=match.group(1)
                )
            if message:
                flags.append(ReferenceFlag(provision, match.group(0), message))
        covered = [m.span() for m in _PARAGRAPH_OF.finditer(body)]
        for match in _ARTICLE_REF.finditer(body):
            if any(a <= match.start() < b for a, b in covered):
                continue
            target, message = resolve(match.group(1), old_articles, new_articles, _("Article"))
            if (
                message is None
                and target is not None
                and match.group(2)
                and _norm(match.group(2)) not in paragraph_labels(target)
            ):
                message = _(
                    "%(label)s has no paragraph %(n)s.", label=target.label, n=match.group(2)
                )
            if message:
                flags.append(ReferenceFlag(provision, match.group(0), message))
        for match in _PREAMBULAR.finditer(body):
            _target, message = resolve(
                match.group(1), old_preamble, new_preamble, _("Preambular paragraph")
            )
            if message:
                flags.append(ReferenceFlag(provision, match.group(0), message))
        for match in _PRESENT.finditer(body):
            message = None
            if provision.kind is ProvisionKind.PREAMBLE:
                message = _('A preambular paragraph refers to "the present article".')
            elif len(sources.get(provision.id, ())) > 1:
                message = _(
                    "%(label)s was merged from several articles: check which one "
                    '"the present article" meant.',
                    label=provision.label,
                )
            elif any(len(descendants[s]) > 1 for s in sources.get(provision.id, ())):
                message = _(
                    '%(label)s was split: check that "the present article" still means it.',
                    label=provision.label,
                )
            if message:
                flags.append(ReferenceFlag(provision, match.group(0), message))
    return flags


def template_context(comparison: Comparison) -> dict[str, object]:
    """What the comparison templates need besides the comparison."""
    return {"comparison": comparison, "redline": redline_markup, "status_labels": STATUS_LABELS}
