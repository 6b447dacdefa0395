"""What a new password must not be: common, leaked, or made of the person's own name.

The list of common passwords (``data/common_passwords.txt.gz``, 30,000 entries from leaked
password dumps, built by ``scripts/make_common_passwords.py``) ships with the code: nothing
is asked of another service when someone chooses a password.
"""

from __future__ import annotations

import gzip
import re
import string
from functools import lru_cache
from pathlib import Path

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 200

LIST_PATH = Path(__file__).resolve().parent / "data" / "common_passwords.txt.gz"

# What people add around a common password to pass a length rule: "password123!".
_PADDING = string.digits + string.punctuation + string.whitespace
_WORD_SPLIT = re.compile("[\\s._+\\-@'\u2019]+")
# Parts of a name or of an address shorter than this are too common to forbid ("an", "li").
MIN_PART = 4
MIN_DISTINCT_CHARACTERS = 5


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The bundled list, lower-case (read once per process)."""
    with gzip.open(LIST_PATH, "rt", encoding="utf-8") as handle:
        return frozenset(line.strip() for line in handle if line.strip())


def is_common(password: str) -> bool:
    """True when ``password`` is on the list, or is a listed one padded with digits or
    punctuation ("password123", "2024dragon!"), whatever its case."""
    lowered = password.lower()
    listed = common_passwords()
    if lowered in listed or lowered.strip(_PADDING) in listed:
        return True
    # "aaaaaaaaaa", "ababababab", "1212121212": too few characters to be anything but a pattern.
    return len(set(lowered)) < MIN_DISTINCT_CHARACTERS


def _personal_parts(email: str | None, name: str | None) -> set[str]:
    parts: set[str] = set()
    local = (email or "").strip().lower().partition("@")[0]
    if len(local) >= 3:
        parts.add(local)
    parts.update(p for p in _WORD_SPLIT.split(local) if len(p) >= MIN_PART)
    full_name = (name or "").strip().lower()
    joined = "".join(_WORD_SPLIT.split(full_name))
    if len(joined) >= 3:
        parts.add(joined)
    parts.update(p for p in _WORD_SPLIT.split(full_name) if len(p) >= MIN_PART)
    return parts


def contains_personal(password: str, *, email: str | None, name: str | None) -> bool:
    """True when ``password`` contains the local part of ``email``, the person's name, or a
    word of either (of four letters or more), whatever the case."""
    lowered = password.lower()
    squeezed = "".join(_WORD_SPLIT.split(lowered))
    return any(part in lowered or part in squeezed for part in _personal_parts(email, name))


def password_problem(password: str, *, email: str | None, name: str | None) -> LazyString | None:
    """Why ``password`` is refused (a message for the form), or None when it may be used.

    The length is checked by the form fields; this adds what a length rule lets through.
    """
    if is_common(password):
        return _l(
            "This password is among the most common ones, which attackers try first. "
            "Choose another: a few unrelated words make a strong password that is easy "
            "to remember."
        )
    if contains_personal(password, email=email, name=name):
        return _l("The password must not contain your name or your e-mail address.")
    return None
