"""The language a document is written in, so that text the English models cannot read is not taken at face value.

:func:`detect` names a document's language (ISO 639-1: ``en``, ``fr``, ``de`` ...) with py3langid, a naive Bayes
model over byte n-grams shipped inside its package (a NumPy array file, no code). Three windows of the text (its
start, middle and end) are read; a language is named only when most windows agree with high probability, and
texts shorter than :data:`MIN_CHARS` are left unknown (``None``). A window of plain English prose is taken as
English without the model (:func:`plainly_english`), so that an English corpus rarely loads it. Detection runs in
the ingesting process, once per document, as city inference does.

The candidates are restricted to languages with a two-letter ISO 639-1 code, leaving out classical and
constructed ones: a page listing the languages a city translates into should not come out as Extremaduran.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from typing import Any

#: texts shorter than this (characters, after trimming) are not given a language
MIN_CHARS = 200
#: characters read per window
WINDOW = 2000
#: a window votes for its language only at this probability or above
MIN_PROBABILITY = 0.9
#: the language the shipped models read
MODEL_LANGUAGE = "en"
_LEFT_OUT = frozenset({"la", "eo", "sa", "vo"})  # Latin, Esperanto, Sanskrit, Volapük
#: the share of English function words above which a window is taken as English without the model
ENGLISH_SHARE = 0.15
_ENGLISH = frozenset("the and of to in is for that with on are be by this as at from it will was an or".split())
_WORD = re.compile(r"[a-z]+")


@functools.lru_cache(maxsize=1)
def _identifier() -> Any:
    from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_modelpath(MODEL_DIR / MODEL_FILE, norm_probs=True)
    codes = sorted({c for c in identifier.nb_classes if len(c) == 2 and c.isalpha() and c not in _LEFT_OUT})
    identifier.set_languages(codes)
    return identifier


def windows(text: str) -> list[str]:
    """The start of ``text``, and for a long text also its middle and end, :data:`WINDOW` characters each."""
    if len(text) <= 3 * WINDOW:
        return [text[:WINDOW]]
    middle = len(text) // 2
    return [text[:WINDOW], text[middle - WINDOW // 2 : middle + WINDOW // 2], text[-WINDOW:]]


def plainly_english(window: str) -> bool:
    """Whether a window is English prose beyond doubt: at least :data:`ENGLISH_SHARE` of its 30 or more words are
    English function words. Most English windows are (90 % of the pool's); no window in another language of the
    pool was, nor French or Dutch prose (0 and 6 %). The others go to the model."""
    words = _WORD.findall(window.lower())
    return len(words) >= 30 and sum(w in _ENGLISH for w in words) >= ENGLISH_SHARE * len(words)


def detect(text: str) -> str | None:
    """The ISO 639-1 code of the language ``text`` is written in, or None when it is too short or unclear."""
    text = text.strip()
    if len(text) < MIN_CHARS:
        return None
    parts = windows(text)
    votes: Counter[str] = Counter()
    for part in parts:
        if plainly_english(part):  # no need to load the model (about 0.7 s) for the usual case
            votes[MODEL_LANGUAGE] += 1
            continue
        code, probability = _identifier().classify(part)
        if probability >= MIN_PROBABILITY:
            votes[code] += 1
    if not votes:
        return None
    code, n = votes.most_common(1)[0]
    return code if 2 * n > len(parts) else None


def other_languages(languages: Any) -> dict[str, int]:
    """``code -> documents`` for the documents (an iterable of their language codes) written in a language other
    than the models' own, most first; unknown languages (None) are not counted."""
    return {code: n for code, n in language_counts(languages).items() if code != MODEL_LANGUAGE}


def describe(counts: dict[str, int], not_in: str = "English") -> str:
    """``"4 documents are not in English (fr 3, de 1)"``, for messages and the report."""
    n = sum(counts.values())
    listed = ", ".join(f"{code} {k}" for code, k in counts.items())
    return f"{n} document{'s are' if n != 1 else ' is'} not in {not_in} ({listed})"


def language_counts(languages: Any) -> dict[str, int]:
    """``code -> documents`` for every known language of the documents (an iterable of codes), most first."""
    counts = Counter(str(code) for code in languages if isinstance(code, str) and code)
    return dict(counts.most_common())


def split_counts(counts: dict[str, int], languages: Any) -> tuple[dict[str, int], dict[str, int]]:
    """From :func:`language_counts`: ``(still counted, left out)`` — the documents in other languages than the
    models' that a ``--language`` choice keeps in the figures, and every language it leaves out (English too,
    when not chosen; nothing without a choice)."""
    left = {code: n for code, n in counts.items() if languages and code not in languages}
    kept = {code: n for code, n in counts.items() if code not in left and code != MODEL_LANGUAGE}
    return kept, left


def warning(counts: dict[str, int]) -> str:
    """What to say of documents in other languages that are counted: their labels mean little, and how to act."""
    return (
        f"{describe(counts)}; the models read English, so their passages' labels mean little "
        "(--language en counts only English ones; --by city,language profiles them apart)"
    )


def left_out_note(counts: dict[str, int], languages: Any, of: str = "") -> str:
    """What to say of documents a ``--language`` choice left out (``of``: out of what): ``"1 document is not in
    English (fr 1); left out ..."``, or with English among them ``"2 documents are not in fr (en 2); ..."``."""
    not_in = " or ".join(languages or ()) if MODEL_LANGUAGE in counts else "English"
    return f"{describe(counts, not_in)}; left out{of} (--language {','.join(languages or ())})"
