"""What reading one file gives: :class:`FileResult`, built in the worker (or by the pool when the worker failed).

One JSON line per result travels from a worker process to the parent (:meth:`FileResult.to_wire`,
:meth:`FileResult.from_wire`); the parent adds where the file is and what it is called
(:meth:`FileResult.record`) and the store writes that row.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from typing import Any

#: one passage on the wire: (passage_id, idx, page, text, n_words, start, end, heading)
PassageRow = tuple[str, int, "int | None", str, int, int, int, "str | None"]


@dataclass
class FileResult:
    """The outcome of reading one file: a status and, when it was read, its text, passages and metadata."""

    status: str
    reason: str = ""
    format: str | None = None
    n_pages: int | None = None
    title: str | None = None
    url: str | None = None
    date: str | None = None
    doc_type: str | None = None
    meta_source: dict[str, str] = field(default_factory=dict)
    text: str = ""
    passages: list[PassageRow] = field(default_factory=list)
    seconds: float | None = None
    worker_peak_mb: float | None = None
    #: a table read with ``records``: one dict per row (see :func:`cdtext.ingestion.worker.read_records`)
    records: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def failure(cls, status: str, reason: str) -> FileResult:
        """A file that yielded nothing: ``status`` (error, timeout, oom, too_large ...) and why."""
        return cls(status=status, reason=reason)

    def to_wire(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_wire(cls, line: str | bytes) -> FileResult:
        data = json.loads(line)
        known = {f.name for f in fields(cls)}
        result = cls(**{k: v for k, v in data.items() if k in known})
        result.passages = [tuple(p) for p in result.passages]  # type: ignore[misc]
        return result

    def record(self, **document: Any) -> dict[str, Any]:
        """This result as the row the store writes, with the document's own fields (path, doc_id, sha256 ...)."""
        return {**asdict(self), **document}
