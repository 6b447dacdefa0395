"""The language a comment is compared within when duplicates and campaigns are detected.

Duplicates and campaigns are found within each language: a French comment and an English
one are never grouped by their text, even when both quote the same passage of the draft at
length. The language is guessed from the comment's own words by the platform's one guesser
(:func:`consult_app.texts.detect.guess_language`, which leaves quoted passages out).
"""

from __future__ import annotations

from consult_app.texts import detect


def guess_language(text: str) -> str:
    """ "ar", "zh", "ru", "en", "fr" or "es"; "" when the text gives no clue."""
    return detect.guess_language(text) or ""


def comparison_language(body: str) -> str:
    """The language a comment is compared within (see the module's docstring)."""
    return guess_language(body)
