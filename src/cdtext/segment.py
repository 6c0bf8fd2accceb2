"""Blocks -> document text and passages.

A passage is one paragraph or list item. Headings are not passages: each
passage carries the nearest heading above it as ``heading`` (headings with no
text after them are kept as passages, so nothing is lost). Fragments under
``min_words`` merge with a neighbour in the same section; passages over
``max_words`` split at sentence boundaries (spaCy sentencizer, built once).

Invariant (tested with Hypothesis): every passage's text equals the document
text between its ``start`` and ``end`` with whitespace runs collapsed, and
passages come in document order without overlapping.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from cdtext.types import Block, Passage

BLOCK_SEPARATOR = "\n\n"
_SPACE = re.compile(r"\s+")


def normalise_space(text: str) -> str:
    """Collapse whitespace runs to one space and strip the ends."""
    return _SPACE.sub(" ", text).strip()


def count_words(text: str) -> int:
    return len(text.split())


@dataclass(frozen=True)
class _Span:
    start: int
    end: int
    page: int | None
    heading: str | None
    n_words: int


def blocks_to_text(blocks: Iterable[Block]) -> tuple[str, list[tuple[Block, int, int]]]:
    """Join block texts into the document text; return it with each block's span."""
    parts: list[str] = []
    spans: list[tuple[Block, int, int]] = []
    pos = 0
    for block in blocks:
        text = normalise_space(block.text)
        if not text:
            continue
        if parts:
            parts.append(BLOCK_SEPARATOR)
            pos += len(BLOCK_SEPARATOR)
        parts.append(text)
        spans.append((block, pos, pos + len(text)))
        pos += len(text)
    return "".join(parts), spans


def _sections(spans: Sequence[tuple[Block, int, int]]) -> list[list[_Span]]:
    """Group non-heading blocks into runs that share the heading above them.

    Headings with no body text after them anywhere (the end of a document, or a
    document made of headings only) are kept as text, so nothing is lost.
    """
    last_body = max((i for i, (b, _, _) in enumerate(spans) if b.kind != "heading"), default=-1)
    sections: list[list[_Span]] = []
    current: list[_Span] = []
    heading: str | None = None
    for i, (block, start, end) in enumerate(spans):
        if block.kind == "heading" and i < last_body:
            if current:
                sections.append(current)
                current = []
            heading = normalise_space(block.text)
            continue
        current.append(_Span(start, end, block.page, heading, count_words(block.text)))
    if current:
        sections.append(current)
    return sections


def _join(a: _Span, b: _Span) -> _Span:
    return _Span(a.start, b.end, a.page, a.heading, a.n_words + b.n_words)


def merge_fragments(section: Sequence[_Span], min_words: int) -> list[_Span]:
    """Merge spans shorter than ``min_words`` into a neighbour within one section."""
    out: list[_Span] = []
    pending: _Span | None = None
    for span in section:
        if pending is not None:
            span = _join(pending, span)
            pending = None
        if span.n_words < min_words:
            pending = span
            continue
        out.append(span)
    if pending is not None:
        if out:
            out[-1] = _join(out[-1], pending)
        else:
            out.append(pending)
    return out


def split_long(text: str, span: _Span, max_words: int) -> list[_Span]:
    """Split a span over ``max_words`` at sentence boundaries into even parts."""
    if span.n_words <= max_words:
        return [span]
    from cdtext.nlp import sentence_spans

    body = text[span.start : span.end]
    sentences = [(s, e) for s, e in sentence_spans(body) if body[s:e].strip()]
    units: list[tuple[int, int, int]] = []  # start, end, words (relative to body)
    for s, e in sentences:
        n = count_words(body[s:e])
        if n <= max_words:
            units.append((s, e, n))
            continue
        # a "sentence" longer than a passage (no punctuation): cut at word boundaries
        words = list(re.finditer(r"\S+", body[s:e]))
        for i in range(0, len(words), max_words):
            chunk = words[i : i + max_words]
            units.append((s + chunk[0].start(), s + chunk[-1].end(), len(chunk)))
    parts = math.ceil(span.n_words / max_words)
    target = span.n_words / parts
    out: list[_Span] = []
    cur_start, cur_end, cur_n = units[0]
    for s, e, n in units[1:]:
        if cur_n + n > max_words or (cur_n >= target and len(out) < parts - 1):
            out.append(_Span(span.start + cur_start, span.start + cur_end, span.page, span.heading, cur_n))
            cur_start, cur_end, cur_n = s, e, n
        else:
            cur_end, cur_n = e, cur_n + n
    out.append(_Span(span.start + cur_start, span.start + cur_end, span.page, span.heading, cur_n))
    return out


def segment(
    blocks: Iterable[Block],
    doc_id: str,
    *,
    min_words: int = 8,
    max_words: int = 300,
    max_passages: int | None = None,
) -> tuple[str, list[Passage]]:
    """Turn a document's blocks into its text and its passages."""
    text, spans = blocks_to_text(blocks)
    passages: list[Passage] = []
    for section in _sections(spans):
        for merged in merge_fragments(section, min_words):
            for part in split_long(text, merged, max_words):
                body = normalise_space(text[part.start : part.end])
                if not body:
                    continue
                idx = len(passages)
                passages.append(
                    Passage(
                        passage_id=f"{doc_id}-{idx:05d}",
                        doc_id=doc_id,
                        idx=idx,
                        page=part.page,
                        text=body,
                        n_words=count_words(body),
                        start=part.start,
                        end=part.end,
                        heading=part.heading,
                    )
                )
                if max_passages is not None and len(passages) >= max_passages:
                    return text, passages
    return text, passages
