"""Format readers: one module per format; :func:`read_document` dispatches on the bytes."""

from __future__ import annotations

from pathlib import Path

from cdtext.errors import ExtractionError
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
        from cdtext.ingestion.readers.pdf import read_pdf

        return read_pdf(path, max_pages=max_pages)
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
