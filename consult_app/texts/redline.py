"""Word-level redlines between two wordings (insertions and deletions)."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from markupsafe import Markup, escape

_TOKEN = re.compile(r"\s+|[^\s\w]|\w+", re.UNICODE)


@dataclass(frozen=True)
class Change:
    op: str  # "equal", "insert" or "delete"
    text: str


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text or "")


def diff(old: str, new: str) -> list[Change]:
    """The changes that turn ``old`` into ``new``, word by word."""
    a, b = tokens(old), tokens(new)
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    changes: list[Change] = []

    def push(op: str, text: str) -> None:
        if not text:
            return
        if changes and changes[-1].op == op:
            changes[-1] = Change(op, changes[-1].text + text)
        else:
            changes.append(Change(op, text))

    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            push("equal", "".join(a[i1:i2]))
        else:
            push("delete", "".join(a[i1:i2]))
            push("insert", "".join(b[j1:j2]))
    return changes


def redline_html(old: str, new: str) -> Markup:
    """HTML with <del> and <ins>; every piece of text is escaped."""
    parts: list[str] = []
    for change in diff(old, new):
        text = str(escape(change.text))
        if change.op == "insert":
            parts.append(f"<ins>{text}</ins>")
        elif change.op == "delete":
            parts.append(f"<del>{text}</del>")
        else:
            parts.append(text)
    return Markup("".join(parts))  # noqa: S704 - escaped above


def is_unchanged(old: str, new: str) -> bool:
    return " ".join((old or "").split()) == " ".join((new or "").split())
