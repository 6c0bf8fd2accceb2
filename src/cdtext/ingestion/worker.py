"""What runs inside a worker process: one file -> one result dict.

The parent never parses untrusted bytes; it only hashes them. This module is
the boundary where any failure of a reader becomes a status and a reason, so
it is the one place that catches broad exceptions (a bug in a third-party
parser must cost one file, not the batch).
"""

from __future__ import annotations

import logging
import os
import resource
import traceback
from dataclasses import replace
from pathlib import Path
from typing import Any

from cdtext.errors import ExtractionError, is_memory_failure
from cdtext.ingestion.config import IngestConfig
from cdtext.ingestion.result import FileResult

log = logging.getLogger(__name__)


def limit_memory(limit_bytes: int) -> None:
    """Cap this process's address space (RLIMIT_AS); allocations past it fail."""
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit_bytes = min(limit_bytes, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit_bytes, hard))


def harden_pdfminer() -> None:
    """Make pdfminer's CMap loading depend on nothing an input or the environment controls.

    pdfminer reads CMaps from ``$CMAP_PATH`` or its own package folder and
    takes the CMap name from the PDF. The variable is dropped, and names that
    could point outside a folder (path separators, ``..``, NUL) are refused
    before pdfminer sees them (defence in depth for CVE-2025-64512).
    """
    os.environ.pop("CMAP_PATH", None)
    try:
        from pdfminer.cmapdb import CMapDB
    except ImportError:  # pragma: no cover - pdfminer is a dependency
        return
    original = CMapDB.__dict__["_load_data"].__func__
    if getattr(original, "_cdtext_guarded", False):
        return

    def guarded(cls: Any, name: str) -> Any:
        if any(bad in name for bad in ("/", "\\", "..", "\0")) or os.path.isabs(name):
            raise CMapDB.CMapNotFound(name)
        return original(cls, name)

    guarded._cdtext_guarded = True  # type: ignore[attr-defined]
    CMapDB._load_data = classmethod(guarded)  # type: ignore[method-assign, assignment]


def _failure(status: str, reason: str) -> FileResult:
    return FileResult.failure(status, reason)


def _segment(blocks: tuple, doc_id: str, cfg: IngestConfig, notes: list[str]) -> tuple[str, list]:
    """A document's text and passages within the limits of ``cfg``; a limit reached adds a note."""
    from cdtext.segment import segment

    total_chars = sum(len(b.text) for b in blocks)
    if total_chars > cfg.max_chars:
        kept, seen = [], 0
        for b in blocks:
            if seen + len(b.text) > cfg.max_chars:
                room = cfg.max_chars - seen  # keep the part of this block that fits, cut at a space
                head = b.text[:room]
                head = head[: head.rfind(" ")] if " " in head[room // 2 :] else head
                if head.strip():
                    kept.append(replace(b, text=head))
                break
            kept.append(b)
            seen += len(b.text)
        blocks = tuple(kept)
        notes.append(f"text cut at {cfg.max_chars:,} of {total_chars:,} characters (max_chars)")
    text, passages = segment(
        blocks, doc_id, min_words=cfg.min_words, max_words=cfg.max_words, max_passages=cfg.max_passages
    )
    if len(passages) >= cfg.max_passages:
        notes.append(f"passages cut at {cfg.max_passages:,} (max_passages)")
    return text, passages


def read_records(table: Any, cfg: IngestConfig) -> FileResult:
    """A table read as one document per row: status ``table``, and in ``records`` each row's ``row`` number
    (from 1), ``sha256`` and ``doc_id`` (of its content), status, text, passages, the metadata inferred from its
    text and the ``fields`` and ``extra`` its columns give (see :mod:`cdtext.ingestion.readers.records`)."""
    from cdtext.ingestion.meta import infer_meta, parse_date
    from cdtext.ingestion.readers.records import metadata, prose, row_digest
    from cdtext.ingestion.readers.text import text_to_blocks

    records = []
    for number, row in enumerate(table.rows, 1):
        sha = row_digest(row)
        fields, extra = metadata(row)
        notes: list[str] = []
        text, passages = _segment(tuple(text_to_blocks(prose(row))), sha[:16], cfg, notes)
        if not passages:
            notes.insert(0, "no text in the row's text columns (text, body, content, summary ...)")
        meta = infer_meta(text, fmt="record", title=fields["title"], date=parse_date(fields["date"]), n_pages=None)
        records.append(
            {
                "row": number,
                "sha256": sha,
                "doc_id": sha[:16],
                "status": "ok" if passages else "empty",
                "reason": "; ".join(notes),
                "title": meta.title,
                "date": meta.date,
                "doc_type": meta.doc_type,
                "meta_source": meta.source,
                "fields": fields,
                "extra": extra,
                "text": text,
                "passages": [(p.passage_id, p.idx, p.page, p.text, p.n_words, p.start, p.end, p.heading)
                             for p in passages],
            }
        )  # fmt: skip
    return FileResult(
        status="table" if records else "empty",
        reason=f"{len(records):,} rows read as documents (PATH#ROW)" if records else "a table without rows",
        format=table.format,
        records=records,
    )


def process_file(path: str, doc_id: str, config: IngestConfig | dict[str, Any]) -> FileResult:
    """Read, describe and segment one file. Never raises for a bad file."""
    from cdtext.ingestion.meta import infer_meta
    from cdtext.ingestion.readers import read_document

    cfg = IngestConfig.resolve(config)
    try:
        size = os.path.getsize(path)
        if size > cfg.max_bytes:
            return _failure("too_large", f"{size:,} bytes is over the limit of {cfg.max_bytes:,} (max_bytes)")
        if cfg.records:
            from cdtext.ingestion.readers import SNIFF_BYTES
            from cdtext.ingestion.readers.records import read_table

            with open(path, "rb") as fh:
                table = read_table(Path(path), fh.read(SNIFF_BYTES))
            if table is not None:
                return read_records(table, cfg)
        extracted = read_document(Path(path), max_pages=cfg.max_pages, pdf_backend=cfg.pdf_backend)
        notes = [extracted.reason] if extracted.reason else []
        text, passages = _segment(extracted.blocks, doc_id, cfg, notes)
        status = "ok"
        if not passages:
            status = "empty"
            notes.insert(0, "no text found in the document")
        elif extracted.format in ("pdf", "html") and size > 200_000 and len(text) < size / 2000:
            # silent degradation: a big file that yields almost nothing is not "ok"
            status = "no_text" if extracted.format == "pdf" else "empty"
            notes.insert(0, f"only {len(text):,} characters of text from {size:,} bytes")
        meta = infer_meta(
            text,
            fmt=extracted.format,
            title=extracted.title,
            date=extracted.date,
            n_pages=extracted.n_pages,
        )
        return FileResult(
            status=status,
            reason="; ".join(notes),
            format=extracted.format,
            n_pages=extracted.n_pages,
            title=meta.title,
            url=extracted.info.get("url"),
            date=meta.date,
            doc_type=meta.doc_type,
            meta_source=meta.source,
            text=text,
            passages=[(p.passage_id, p.idx, p.page, p.text, p.n_words, p.start, p.end, p.heading) for p in passages],
        )
    except ExtractionError as exc:
        return _failure(exc.status, exc.reason)
    except MemoryError:
        return _failure("oom", f"ran out of memory (limit {cfg.memory_limit // 2**20} MiB)")
    except RecursionError:
        return _failure("error", "structure nested too deeply to read (recursion limit)")
    except Exception as exc:  # noqa: BLE001 - the worker boundary: any reader failure is a status
        log.debug("reader failed on %s:\n%s", path, traceback.format_exc())
        if is_memory_failure(exc):
            return _failure("oom", f"ran out of memory (limit {cfg.memory_limit // 2**20} MiB): {str(exc)[:200]}")
        return _failure("error", f"{type(exc).__name__}: {str(exc)[:300]}")


def _die_with_parent() -> None:
    """Ask Linux to kill this worker when its parent dies (even by SIGKILL), and exit on a missed deadline."""
    import signal

    signal.signal(signal.SIGALRM, lambda *_: os._exit(124))
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: the deadline above still holds
        pass
    parent = os.environ.get("CDTEXT_PARENT_PID")
    if parent and os.getppid() != int(parent):  # the parent died before the request: do not linger
        os._exit(0)


def _prewarm() -> None:
    """Import the readers' libraries now, while the parent is still starting up, not on the first file."""
    import importlib

    for name in (
        "pdfplumber",
        "numpy",
        "trafilatura",
        "cdtext.ingestion.readers.html",
        "cdtext.ingestion.readers.pdf",
        "cdtext.ingestion.readers.text",
        "cdtext.segment",
        "cdtext.ingestion.meta",
    ):
        try:
            importlib.import_module(name)
        except Exception as exc:  # noqa: BLE001 - a missing optional library shows up on the file that needs it
            log.debug("could not import %s ahead of time: %s", name, exc)


def main() -> None:
    """Worker entry point (``python -m cdtext.ingestion.worker MEMORY_LIMIT``).

    Reads one JSON message per line on stdin — ``["config", {...}]`` first,
    then ``[path, doc_id]`` per file — and writes one JSON :class:`FileResult`
    per file on the original stdout; anything a
    library prints goes to stderr instead, so it cannot corrupt the protocol.
    """
    import json
    import signal
    import sys

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    _die_with_parent()
    memory_limit = int(sys.argv[1]) if len(sys.argv) > 1 else 2 * 1024**3
    limit_memory(memory_limit)
    harden_pdfminer()
    out = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    logging.basicConfig(level=logging.ERROR)
    _prewarm()
    config = IngestConfig()
    for line in sys.stdin:
        if not line.strip():
            continue
        message = json.loads(line)
        if message[0] == "config":  # sent once per worker, and again only if it changes
            config = IngestConfig.resolve(message[1])
            continue
        path, doc_id = message
        # our own deadline, past the parent's: a worker whose parent cannot stop it stops itself
        signal.setitimer(signal.ITIMER_REAL, config.timeout * 1.5 + 5)
        result = process_file(path, doc_id, config)
        signal.setitimer(signal.ITIMER_REAL, 0)
        out.write(result.to_wire() + "\n")
        out.flush()


if __name__ == "__main__":
    main()
