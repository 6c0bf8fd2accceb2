"""Format readers: one module per format; :func:`read_document` dispatches on the bytes."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from cdtext.errors import ExtractionError, is_memory_failure
from cdtext.ingestion.readers.sniff import sniff_format
from cdtext.types import Extracted

SNIFF_BYTES = 65536


def read_document(path: Path, *, max_pages: int = 2000, pdf_backend: str = "pdfplumber") -> Extracted:
    """Read one file into blocks, choosing the reader from its first bytes.

    Raises :class:`ExtractionError` with a status (``empty``, ``unsupported``,
    ``encrypted``, ``no_text``, ``error``) when the file cannot be read.
    """
    with open(path, "rb") as fh:
        head = fh.read(SNIFF_BYTES)
    fmt = sniff_format(head)
    if fmt == "empty":
        raise ExtractionError("empty", "the file is empty" if not head else "the file contains only whitespace")
    if fmt == "unsupported":
        raise ExtractionError(
            "unsupported", "not a PDF, HTML or text file (binary content); convert it to one of those"
        )
    if fmt == "parquet":
        raise ExtractionError(
            "unsupported",
            "a Parquet table, not a document: --records reads each row as a document, and `cdtext classify FILE` "
            "classifies a table with a 'text' column",
        )
    if fmt == "table":
        raise ExtractionError(
            "unsupported",
            "a delimited table (CSV/TSV), not a document: --records reads each row as a document, "
            "`cdtext classify FILE` classifies a table with a 'text' column, and `--meta FILE` reads a table of "
            "document metadata",
        )
    if fmt == "pdf":
        if pdf_backend == "pdfium":
            from cdtext.ingestion.readers.pdfium import read_pdf_pdfium

            return read_pdf_pdfium(path, max_pages=max_pages)
        return _read_pdf_or_repair(path, max_pages)
    data = path.read_bytes()
    if fmt == "json":
        from cdtext.ingestion.readers.jsondoc import read_json

        return read_json(data)
    if fmt == "xml":
        from cdtext.ingestion.readers.xmldoc import read_xml

        return read_xml(data)
    if fmt == "html":
        from cdtext.ingestion.readers.html import read_html

        return read_html(data)
    from cdtext.ingestion.readers.text import read_text

    return read_text(data)


def _read_pdf_or_repair(path: Path, max_pages: int) -> Extracted:
    """pdfplumber first; a file it cannot parse (a broken cross-reference table, truncated streams) is read again
    with PDFium, which repairs such files as it opens them. The document's reason says so; when PDFium fails too,
    pdfplumber's error stands. Passwords, unsupported encryption, files without text and files that ran out of
    memory are not retried."""
    from cdtext.ingestion.readers.pdf import read_pdf

    try:
        return read_pdf(path, max_pages=max_pages)
    except ExtractionError as exc:
        if exc.status != "error":
            raise
        failure: Exception = exc
        why = exc.reason
    except (MemoryError, RecursionError):
        raise
    except Exception as exc:  # noqa: BLE001 - pdfminer's parse errors have no common base; PDFium gets a try
        if is_memory_failure(exc):
            raise  # out of memory is the file's status, not a parse error to repair
        failure = exc
        why = f"{type(exc).__name__}: {str(exc)[:200]}"
    from cdtext.ingestion.readers.pdfium import read_pdf_pdfium

    try:
        got = read_pdf_pdfium(path, max_pages=max_pages)
    except ExtractionError:
        raise failure from None
    note = f"read with PDFium: pdfplumber could not parse the file ({why})"
    return replace(got, reason="; ".join(filter(None, [note, got.reason])))
