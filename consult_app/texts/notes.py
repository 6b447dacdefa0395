"""Footnotes of a text file: their definitions, and markers that stand in for their calls.

A footnote call in the text (Markdown ``[^1]``, a ``[1]`` or superscript ``¹`` that a
"Footnotes" section at the end of a plain-text file defines, a Word ``footnoteReference``)
is replaced by a *marker*: two private-use characters around the footnote's key. Markers
travel with the text while lines are joined into blocks; :func:`extract_marks` then takes
them out, keeping where each one stood, so that the parser never sees them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MARK_OPEN = "\ue000"
MARK_CLOSE = "\ue001"
_MARK_RE = re.compile(f"{MARK_OPEN}([^{MARK_OPEN}{MARK_CLOSE}]*){MARK_CLOSE}")

_MD_DEFINITION_RE = re.compile(r"^\s{0,3}\[\^([^\]\s]+)\]:\s?(.*)$")
_MD_CALL_RE = re.compile(r"\[\^([^\]\s]+)\]")
_LINK_DEFINITION_RE = re.compile(
    r"""^\s{0,3}\[([^\]^][^\]]*)\]:\s*<?(\S+?)>?(?:\s+["'(].*["')])?\s*$"""
)
_NOTES_HEADING_RE = re.compile(
    r"^\s*(?:#{1,6}\s*)?[*_]{0,2}\s*(?P<word>foot\s?notes|end\s?notes|notes|notes de bas de page"
    r"|notas|примечания)\s*[*_]{0,2}\s*:?\s*$",
    re.IGNORECASE,
)
_NOTE_LINE_RE = re.compile(
    r"^\s*(?:[-*]\s+)?(?:\[\^?(?P<a>\d{1,3})\]:?|\(?(?P<b>\d{1,3})[.):]?"
    r"|(?P<c>[\u2070\u00b9\u00b2\u00b3\u2074-\u2079]+))\s+(?P<rest>\S.*)$"
)
_BACKLINK_RE = re.compile(r"\s*(?:\[\s*\u21a9\ufe0e?\s*\]\([^)]*\)|\u21a9\ufe0e?)\s*")
_SUPERSCRIPT_CLASS = "\u2070\u00b9\u00b2\u00b3\u2074-\u2079"
_TO_SUPERSCRIPT = str.maketrans(
    "0123456789", "\u2070\u00b9\u00b2\u00b3\u2074\u2075\u2076\u2077\u2078\u2079"
)
_FROM_SUPERSCRIPT = {v: k for k, v in _TO_SUPERSCRIPT.items()}
_ARTICLE_LINE_RE = re.compile(r"^\s*(?:#{1,6}\s*)?(?:article|art\.)\s*\d", re.IGNORECASE)


def _digits(superscript: str) -> str:
    return superscript.translate(_FROM_SUPERSCRIPT)


def marker(key: str) -> str:
    """The stand-in for a call of footnote ``key`` inside a line of text."""
    return f"{MARK_OPEN}{key}{MARK_CLOSE}"


def plain(text: str) -> str:
    """``text`` without footnote markers (for the tests that look at punctuation)."""
    return _MARK_RE.sub("", text) if MARK_OPEN in text else text


def extract_marks(text: str) -> tuple[str, list[tuple[int, str]]]:
    """``text`` without its markers, and (offset, key) of each marker in the clean text."""
    if MARK_OPEN not in text:
        return text, []
    out = ""
    marks: list[tuple[int, str]] = []
    position = 0
    for match in _MARK_RE.finditer(text):
        out += text[position : match.start()]
        following = text[match.end() : match.end() + 1]
        if out.endswith(" ") and (not following or following in " .,;:)"):
            out = out[:-1]  # "word [^1]." -> "word."
        marks.append((len(out), match.group(1)))
        position = match.end()
    out += text[position:]
    stripped = out.lstrip()
    shift = len(out) - len(stripped)
    out = " ".join(stripped.split(" ")).rstrip()
    return out, [(max(0, min(offset - shift, len(out))), key) for offset, key in marks]


def _strip_backlinks(text: str) -> str:
    return _BACKLINK_RE.sub(" ", text).strip()


@dataclass
class NoteDefinitions:
    """What a file says about its footnotes, read before its lines become blocks."""

    texts: dict[str, str]  # key -> text of the footnote
    labels: dict[str, str]  # key -> label shown (the number in the file)
    links: list[str]  # Markdown link reference definitions left out of the text
    section_heading: str | None = None  # "Footnotes" when the file has such a section


def take_definitions(lines: list[str], markdown: bool) -> tuple[list[str], NoteDefinitions]:
    """Footnote definitions and link references taken out of ``lines`` (left blank).

    ``[^key]: text`` (with its continuation lines) anywhere; a trailing "Footnotes" (or
    "Notes", "Endnotes") section of numbered notes; and, in Markdown, link reference
    definitions ``[id]: https://...``. Calls of the footnotes in the remaining lines
    become markers.
    """
    out = list(lines)
    texts: dict[str, str] = {}
    labels: dict[str, str] = {}
    links: list[str] = []
    i = 0
    while i < len(out):
        match = _MD_DEFINITION_RE.match(out[i])
        if match:
            key, parts = match.group(1), [match.group(2).strip()]
            out[i] = ""
            j = i + 1
            while j < len(out):
                line = out[j]
                if (
                    line.strip()
                    and not _MD_DEFINITION_RE.match(line)
                    and (parts[-1] or line.startswith(("    ", "\t")))
                ):
                    parts.append(line.strip())
                    out[j] = ""
                elif (
                    not line.strip() and j + 1 < len(out) and out[j + 1].startswith(("    ", "\t"))
                ):
                    parts.append("")
                else:
                    break
                j += 1
            texts[f"md:{key}"] = _join_note(parts)
            i = j
            continue
        if markdown:
            link = _LINK_DEFINITION_RE.match(out[i])
            if link and re.match(r"^(?:https?://|mailto:|www\.|/|#)", link.group(2)):
                links.append(f"[{link.group(1)}] {link.group(2)}")
                out[i] = ""
        i += 1

    heading = _take_notes_section(out, texts, labels)
    links.extend(_take_trailing_links(out))
    numbered = {key[4:] for key in texts if key.startswith("num:")}
    for n, line in enumerate(out):
        if not line:
            continue
        line = _MD_CALL_RE.sub(lambda m: marker(f"md:{m.group(1)}"), line)
        if numbered:
            line = re.sub(
                rf"(?<=\S)\[(\d{{1,3}})\]|(?<=[^\s\d])([{_SUPERSCRIPT_CLASS}]+)",
                lambda m: _numbered_call(m, numbered),
                line,
            )
        out[n] = line
    return out, NoteDefinitions(texts, labels, links, heading)


def _numbered_call(match: re.Match[str], numbered: set[str]) -> str:
    number = match.group(1) or _digits(match.group(2))
    return marker(f"num:{number}") if number in numbered else match.group(0)


def _join_note(parts: list[str]) -> str:
    paragraphs: list[str] = []
    current: list[str] = []
    for part in parts:
        if part:
            current.append(part)
        elif current:
            paragraphs.append(" ".join(current))
            current = []
    if current:
        paragraphs.append(" ".join(current))
    return "\n\n".join(_strip_backlinks(p) for p in paragraphs if _strip_backlinks(p))


_LINK_ONLY_RE = re.compile(
    r"^\s*(?:[-*+]\s+|\d{1,3}[.)]\s+)?(?:\[([^\]]*)\]\(\s*<?([^)\s>]+)>?[^)]*\)|<?((?:https?://|www\.)\S+?)>?)"
    r"\s*[.;,]?\s*$"
)
_LINKS_HEADING_RE = re.compile(
    r"^\s*(?:#{1,6}\s*)?[*_]{0,2}\s*(?:links?|references|see also|sources|useful links|liens"
    r"|enlaces|ссылки)\s*[*_]{0,2}\s*:?\s*$",
    re.IGNORECASE,
)


def _take_trailing_links(out: list[str]) -> list[str]:
    """A list of links at the very end of the file (and its heading), left blank."""
    found: list[tuple[int, str]] = []
    n = len(out) - 1
    while n >= 0:
        line = out[n]
        if not line.strip():
            n -= 1
            continue
        match = _LINK_ONLY_RE.match(line)
        if not match:
            break
        text, url, bare = match.group(1), match.group(2), match.group(3)
        found.append((n, f"{text} {url}".strip() if url else bare))
        n -= 1
    if not found:
        return []
    for index, _link in found:
        out[index] = ""
    while n >= 0 and not out[n].strip():
        n -= 1
    if n >= 0 and _LINKS_HEADING_RE.match(out[n]):
        out[n] = ""
    return [link for _index, link in reversed(found)]


def _superscript(number: str) -> str:
    return number.translate(_TO_SUPERSCRIPT)


def _take_notes_section(
    out: list[str], texts: dict[str, str], labels: dict[str, str]
) -> str | None:
    """A trailing "Footnotes" heading followed by numbered notes, taken out of ``out``."""
    for start in range(len(out) - 1, -1, -1):
        heading = _NOTES_HEADING_RE.match(out[start])
        if not heading:
            continue
        following = [line for line in out[start + 1 :] if line.strip()]
        if not following and texts:
            # "## Footnotes" over Markdown definitions, already taken out.
            title = out[start].strip().strip("#*_: ")
            out[start] = ""
            return title
        if (
            not following
            or not _NOTE_LINE_RE.match(following[0])
            or any(_ARTICLE_LINE_RE.match(line) for line in following)
        ):
            return None
        notes: list[tuple[str, list[str]]] = []
        for line in following:
            if re.match(r"^\s*([-*_])(\s*\1){2,}\s*$", line):
                continue
            match = _NOTE_LINE_RE.match(line)
            if match:
                number = match.group("a") or match.group("b") or _digits(match.group("c") or "")
                notes.append((number, [match.group("rest").strip()]))
            else:
                notes[-1][1].append(line.strip())
        body = "\n".join(out[:start])
        called = [
            number
            for number, _parts in notes
            if re.search(rf"(?<=\S)\[\^?{number}\]", body)
            or re.search(rf"(?<=[^\s\d]){_superscript(number)}(?![{_SUPERSCRIPT_CLASS}])", body)
        ]
        if heading.group("word").lower() == "notes" and not called:
            return None  # a plain "Notes" heading with no call in the text: not footnotes
        for number, parts in notes:
            texts[f"num:{number}"] = _join_note(parts)
            labels[f"num:{number}"] = number
        title = out[start].strip().strip("#*_: ")
        for n in range(start, len(out)):
            out[n] = ""
        return title
    return None
