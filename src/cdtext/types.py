"""Frozen value types that flow between the stages.

files -> :class:`Extracted` (format readers) -> :class:`Passage` (segmenter)
-> rows in the store.
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: Statuses a document can end with; see docs/ingestion.md.
STATUSES = (
    "ok",
    "table",
    "no_text",
    "encrypted",
    "password_required",
    "unsupported",
    "empty",
    "too_large",
    "duplicate",
    "skipped",
    "excluded",
    "missing",
    "timeout",
    "oom",
    "error",
)

#: Document types the metadata step recognises.
DOC_TYPES = (
    "press_release",
    "speech",
    "report",
    "resolution",
    "plan",
    "web_page",
    "other",
)


@dataclass(frozen=True)
class Block:
    """One paragraph, list item or heading as a format reader found it."""

    text: str
    kind: str = "paragraph"
    page: int | None = None


@dataclass(frozen=True)
class Extracted:
    """What a format reader returns for one file."""

    format: str
    blocks: tuple[Block, ...]
    n_pages: int | None = None
    title: str | None = None
    date: str | None = None
    status: str = "ok"
    reason: str = ""
    info: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Passage:
    """A unit of analysis: a paragraph (or part of one) with provenance."""

    passage_id: str
    doc_id: str
    idx: int
    page: int | None
    text: str
    n_words: int
    start: int
    end: int
    heading: str | None = None
