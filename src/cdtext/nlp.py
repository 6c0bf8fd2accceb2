"""The only module that imports spaCy: a cached pipeline loader.

cdtext builds on ``spacy.blank("en")`` (no statistical model is needed):
a rule-based sentencizer for segmentation and the lookup lemmatizer from
spacy-lookups-data for classification features.
"""

from __future__ import annotations

import re
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from spacy.language import Language


@cache
def load_pipeline(kind: str = "sentences") -> Language:
    """Return a shared spaCy pipeline, built once per process.

    ``kind`` is ``"sentences"`` (tokenizer + sentencizer) or ``"lemmas"``
    (tokenizer + lookup lemmatizer).
    """
    import spacy

    nlp = spacy.blank("en")
    if kind == "sentences":
        nlp.add_pipe("sentencizer")
    elif kind == "lemmas":
        nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
        nlp.initialize()
    else:
        raise ValueError(f"unknown pipeline kind {kind!r}")
    return nlp


#: characters given to spaCy at once (its limit is 1,000,000; one paragraph of a scraped page can be longer)
SENTENCE_CHUNK = 100_000


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of the sentences in ``text``, read in chunks cut at whitespace (any length works)."""
    nlp = load_pipeline("sentences")
    spans: list[tuple[int, int]] = []
    start = 0
    while start < len(text):
        end = min(len(text), start + SENTENCE_CHUNK)
        if end < len(text):
            floor = start + SENTENCE_CHUNK // 2
            cut = max(text.rfind(" ", floor, end), text.rfind("\n", floor, end))
            if cut > start:
                end = cut + 1
        doc = nlp(text[start:end])
        spans.extend((start + s.start_char, start + s.end_char) for s in doc.sents)
        start = end
    return spans


_TOKEN = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*|\d+(?:[.,]\d+)*|%")


@cache
def _lemma_lookup() -> Any:
    """spaCy's English lookup lemmatizer table (spacy-lookups-data), loaded once."""
    from spacy.lookups import load_lookups

    return load_lookups("en", ["lemma_lookup"]).get_table("lemma_lookup")


_LEMMA_CACHE: dict[str, str] = {}


def lemma(token: str) -> str:
    """The lemma of one lower-cased token (cached)."""
    found = _LEMMA_CACHE.get(token)
    if found is None:
        if token.isdigit() or token[:1].isdigit():
            found = "YEAR" if len(token) == 4 and token[:2] in ("19", "20") else "NUM"
        elif token == "%":
            found = "percent"
        else:
            found = _lemma_lookup().get(token, token).lower()
        if len(_LEMMA_CACHE) < 500_000:
            _LEMMA_CACHE[token] = found
    return found


def lemmatize(text: str) -> str:
    """Lower-cased lemmas of ``text`` joined by spaces (fast path for classification).

    Tokens are runs of letters (with inner apostrophes), numbers (years become
    ``YEAR``, other numbers ``NUM``) and ``%``; each is mapped through spaCy's
    English lookup table.
    """
    return " ".join(lemma(tok) for tok in _TOKEN.findall(text.lower()))
