"""The language a comment is compared within when duplicates and campaigns are detected.

Duplicates and campaigns are found within each language: a French comment and an English
one are never grouped by their text, even when both quote the same passage of the draft at
length. Until comments record their declared language (issue 11, item 4), the language is
guessed from the comment's own words: by script (Arabic, Chinese, Cyrillic), then, for
text in Latin script, by the commonest short words of English, French and Spanish. Text in
quotation marks is left out of the guess (a French comment quoting the English draft is
French). When ``Comment.language`` exists, :func:`comparison_language` takes it and the
guess is only the fallback for comments without one.
"""

from __future__ import annotations

import re
from collections import Counter

#: Letters of each non-Latin script of the six official languages.
_SCRIPTS = (
    ("ar", re.compile(r"[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")),
    ("zh", re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")),
    ("ru", re.compile(r"[\u0400-\u04ff]")),
)
_LATIN = re.compile(r"[A-Za-z\u00c0-\u024f]")
#: Short words that are frequent in one language and rare in the other two.
_FUNCTION_WORDS = {
    "en": frozenset(
        {
            "the", "and", "of", "to", "is", "that", "we", "this", "for", "with", "should",
            "be", "are", "not", "it", "which", "by", "on", "as", "our", "have", "would",
            "its", "from",
        }
    ),
    "fr": frozenset(
        {
            "le", "les", "et", "des", "est", "que", "nous", "une", "du", "pour", "dans",
            "sur", "pas", "ce", "il", "qui", "au", "aux", "sont", "doit", "ne", "cette",
            "leur", "être",
        }
    ),
    "es": frozenset(
        {
            "el", "los", "las", "y", "del", "que", "es", "una", "por", "para", "con", "se",
            "no", "al", "su", "sus", "este", "esta", "debe", "ser", "como", "son",
        }
    ),
}  # fmt: skip
# Quoted passages: double quotes (straight, curly, low), guillemets, curly single quotes
# (never an apostrophe inside a word).
_QUOTED = re.compile(
    '\u201c[^\u201d]*\u201d|\u00ab[^\u00bb]*\u00bb|"[^"]*"|\u2018[^\u2019]*\u2019'
    "|\u201e[^\u201c\u201d]*[\u201c\u201d]"
)
_WORD = re.compile(r"[^\W\d_]+")


def guess_language(text: str) -> str:
    """ "ar", "zh", "ru", "en", "fr" or "es"; "" when the text gives no clue."""
    own = _QUOTED.sub(" ", text or "")
    if not own.strip():
        own = text or ""
    if not own.isascii():  # ASCII text is in Latin script (or has no letter at all)
        letters = Counter(
            {code: len(pattern.findall(own)) for code, pattern in _SCRIPTS}
            | {"latin": len(_LATIN.findall(own))}
        )
        script, count = letters.most_common(1)[0]
        if count == 0:
            return ""
        if script != "latin":
            return script
    words = [word.casefold() for word in _WORD.findall(own)]
    scores = Counter(
        {code: sum(word in vocabulary for word in words)
         for code, vocabulary in _FUNCTION_WORDS.items()}
    )  # fmt: skip
    best = scores.most_common(2)
    if best[0][1] == 0 or (len(best) > 1 and best[0][1] == best[1][1]):
        return ""
    return best[0][0]


def comparison_language(body: str) -> str:
    """The language a comment is compared within (see the module's docstring)."""
    return guess_language(body)
