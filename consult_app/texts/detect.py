"""A guess of which of the six official languages a short text is written in.

Only six candidates, so no general-purpose detector is needed: Arabic, Chinese and Russian
are told apart by their scripts (Unicode ranges), and English, French and Spanish, which
share the Latin script, by their most frequent short words and their letters with
diacritics. The guess is offered as a default that the author confirms or changes, so it
may say "don't know" (None) rather than guess on too little. Passages in quotation marks
are left out of the guess: a French comment quoting the English draft is French.

Why not langdetect or lingua: langdetect is random unless seeded and weak on the short
texts comments often are, and considers 55 languages where six are possible; lingua's
models weigh hundreds of megabytes. Neither tells the six apart better than this.
"""

from __future__ import annotations

import re


def _set(words: str) -> frozenset[str]:
    return frozenset(words.split())


# Frequent words that are (nearly) only in one of the three Latin-script languages.
_WORDS: dict[str, frozenset[str]] = {
    "en": _set(
        "the and of to is are be that this with for which should shall not by on it as "
        "an or from have has its their states state were was would all any"
    ),
    "fr": _set(
        "le la les des du et est sont une un que qui dans pour par sur au aux ce cette "
        "doit doivent pas ne ses leur leurs nous être été il elle avec"
    ),
    "es": _set(
        "el los las del y es son una un que en por para con se su sus al lo este esta "
        "debe deben no como más ser ha han derecho derechos"
    ),
}
# A word in two lists ("que", "un", "en", "no") is a clue to neither.
_SHARED = {w for a in _WORDS for b in _WORDS if a < b for w in _WORDS[a] & _WORDS[b]}
_WORDS = {code: words - _SHARED for code, words in _WORDS.items()}
_LETTERS: dict[str, str] = {"fr": "çœèêëàâîïôûù", "es": "ñ¿¡áíóú"}
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
# Quoted passages: double quotes (straight, curly, low), guillemets, curly single quotes
# (never an apostrophe inside a word).
_QUOTED = re.compile(
    '\u201c[^\u201d]*\u201d|\u00ab[^\u00bb]*\u00bb|"[^"]*"|\u2018[^\u2019]*\u2019'
    "|\u201e[^\u201c\u201d]*[\u201c\u201d]"
)


def _script_counts(text: str) -> dict[str, int]:
    counts = {"ar": 0, "zh": 0, "ru": 0, "latin": 0}
    for char in text:
        code = ord(char)
        if 0x0600 <= code <= 0x06FF or 0x0750 <= code <= 0x077F or 0xFB50 <= code <= 0xFEFF:
            counts["ar"] += 1
        elif 0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF or 0x3000 <= code <= 0x303F:
            counts["zh"] += 1
        elif 0x0400 <= code <= 0x04FF:
            counts["ru"] += 1
        elif char.isalpha() and code < 0x0250:
            counts["latin"] += 1
    return counts


def guess_language(text: str | None) -> str | None:
    """The language of ``text`` among en, fr, es, ar, zh, ru, or None when unsure."""
    if not text or not text.strip():
        return None
    own = _QUOTED.sub(" ", text)
    text = own if own.strip() else text
    scripts = _script_counts(text)
    letters = sum(scripts.values())
    if not letters:
        return None
    script, count = max(scripts.items(), key=lambda item: item[1])
    if script != "latin":
        # Chinese characters each carry a word; other scripts need a few letters.
        return script if count >= (2 if script == "zh" else 4) else None
    words = [w.lower() for w in _WORD.findall(text)]
    scores = {code: sum(1 for w in words if w in vocabulary) for code, vocabulary in _WORDS.items()}
    lowered = text.lower()
    for code, marks in _LETTERS.items():
        scores[code] += sum(lowered.count(mark) for mark in marks)
    ranked = sorted(scores.items(), key=lambda item: item[1], reverse=True)
    (best, top), (_second, runner_up) = ranked[0], ranked[1]
    # At least two clues, and clearly more than the next language.
    if top >= 2 and top > runner_up * 1.5:
        return best
    return None
