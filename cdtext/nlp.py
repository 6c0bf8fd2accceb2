"""The only module that imports spaCy: a cached pipeline loader.

cdtext builds on ``spacy.blank("en")`` (no statistical model is needed):
a rule-based sentencizer for segmentation and the lookup lemmatizer from
spacy-lookups-data for classification features.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

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


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of the sentences in ``text``."""
    doc = load_pipeline("sentences")(text)
    return [(s.start_char, s.end_char) for s in doc.sents]
