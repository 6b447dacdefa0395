"""Invisible characters that change how a text reads, taken out of what is shown.

Bidirectional embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069) make a
text display in another order than it is written: a comment could seem to say the opposite
of what it says, a name pass for another ("Trojan Source"). Zero-width characters (U+200B
ZERO WIDTH SPACE, U+2060 WORD JOINER, U+FEFF ZERO WIDTH NO-BREAK SPACE) hide text from a
reader and from duplicate detection while looking the same. All are dropped from every
page (the Jinja ``finalize`` hook: every value a template outputs) and from every export
(CSV, XLSX, DOCX, PDF; the HTML report is a template). What is stored is not changed: the
record keeps what was sent, and the JSON API gives the data as stored.

Kept, because right-to-left text needs them and they cannot reorder a run of letters:

* U+200E LEFT-TO-RIGHT MARK, U+200F RIGHT-TO-LEFT MARK, U+061C ARABIC LETTER MARK: they
  only set the direction of the neutral characters next to them (the full stop or the
  digits at the end of an Arabic or Hebrew sentence);
* U+200C ZERO WIDTH NON-JOINER and U+200D ZERO WIDTH JOINER between two characters of a
  script whose letters join (Arabic, Syriac, the Indic scripts, Mongolian: they decide how
  a word is written, as in Persian "می‌خواهم") or of an emoji sequence; elsewhere they join
  nothing and are dropped.

Each user text is also shown in its own direction: the ``paragraphs`` filter marks its
paragraphs ``dir="auto"``, so an Arabic comment reads right to left on an English page.
"""

from __future__ import annotations

import re
from typing import Any

from markupsafe import Markup

#: Letters that join (and the marks that follow them), and emoji: where ZWNJ/ZWJ mean something.
_JOINING = (
    "\u0600-\u08ff"  # Arabic, Syriac, Thaana, N'Ko, Samaritan, Mandaic, Arabic supplements
    "\u0900-\u0dff"  # Devanagari to Sinhala
    "\u1800-\u18af"  # Mongolian
    "\ufb50-\ufdff\ufe70-\ufefc"  # Arabic presentation forms
    "\u2600-\u27bf\ufe0f\U0001f000-\U0001faff"  # emoji and the emoji variation selector
)
_ALWAYS = "\u202a-\u202e\u2066-\u2069\u200b\u2060\ufeff"
_INVISIBLE = re.compile(
    f"[{_ALWAYS}]|(?<![{_JOINING}])[\u200c\u200d]|[\u200c\u200d](?![{_JOINING}])"
)
#: Any of the characters looked at (a quick test before the full expression).
_CANDIDATES = re.compile(f"[{_ALWAYS}\u200c\u200d]")


def strip_invisible(text: str) -> str:
    """``text`` without bidirectional controls and meaningless zero-width characters."""
    if text.isascii() or not _CANDIDATES.search(text):
        return text
    return _INVISIBLE.sub("", text)


def finalize(value: Any) -> Any:
    """What a template outputs, invisible characters taken out (markup stays markup: the
    characters removed are never part of HTML syntax)."""
    if isinstance(value, str) and not value.isascii():
        cleaned = strip_invisible(value)
        if cleaned is not value:
            return Markup(cleaned) if isinstance(value, Markup) else cleaned  # noqa: S704
    return value
