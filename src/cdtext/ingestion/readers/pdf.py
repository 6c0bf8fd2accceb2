"""PDF files -> blocks with pdfplumber (the only module that imports it).

Words with coordinates feed :mod:`cdtext.ingestion.readers.layout`; ``extract_text()``
is never used (it reads straight across columns). Every page is closed after
use, which keeps memory flat on long files.
"""

from __future__ import annotations

import logging
from pathlib import Path

from cdtext.errors import ExtractionError
from cdtext.ingestion.readers.layout import Word, pages_to_blocks
from cdtext.types import Extracted

log = logging.getLogger(__name__)


def _pdf_date(raw: object) -> str | None:
    """``D:20200817...`` -> ``2020-08-17``."""
    if not isinstance(raw, (str, bytes)):
        return None
    text = raw.decode("latin-1", "ignore") if isinstance(raw, bytes) else raw
    text = text.strip()
    if text.startswith("D:"):
        text = text[2:]
    if len(text) >= 8 and text[:8].isdigit():
        y, m, d = text[:4], text[4:6], text[6:8]
        if "1990" <= y <= "2100" and "01" <= m <= "12" and "01" <= d <= "31":
            return f"{y}-{m}-{d}"
    return None


def _meta_text(raw: object) -> str | None:
    if isinstance(raw, bytes):
        if raw.startswith(b"\xfe\xff"):
            return raw[2:].decode("utf-16-be", "ignore").strip() or None
        return raw.decode("latin-1", "ignore").strip() or None
    if isinstance(raw, str):
        return raw.strip() or None
    return None


def _page_words(raw: list[dict]) -> list[Word]:
    """pdfplumber words -> layout words.

    Sideways text in the margin (a rotated running title) is dropped; a page
    whose text is mostly sideways (a landscape table printed rotated) is read
    with its axes swapped so that its lines run left to right.
    """
    raw = [w for w in raw if w["text"].strip()]
    sideways = [w for w in raw if not w.get("upright", True)]
    if raw and len(sideways) > len(raw) / 2:
        return [Word(w["top"], w["bottom"], w["x0"], w["x1"], w["text"], w["x1"] - w["x0"]) for w in sideways]
    # a word's box is as tall as its font size: the height stands in for the size
    # (asking pdfplumber for the size attribute costs about 10 % more time)
    return [
        Word(w["x0"], w["x1"], w["top"], w["bottom"], w["text"], w["bottom"] - w["top"])
        for w in raw
        if w.get("upright", True)
    ]


def _open(path: Path):  # type: ignore[no-untyped-def]
    import pdfplumber
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
    from pdfminer.pdfparser import PDFSyntaxError
    from pdfplumber.utils.exceptions import PdfminerException

    try:
        # the empty user password opens files that are encrypted only against editing
        return pdfplumber.open(path, password="")
    except PdfminerException as exc:
        inner = exc.args[0] if exc.args else exc
        if isinstance(inner, PDFPasswordIncorrect):
            raise ExtractionError(
                "password_required", "encrypted with a user password; cdtext cannot read it without the password"
            ) from exc
        if isinstance(inner, PDFEncryptionError):
            raise ExtractionError("encrypted", f"encrypted with an unsupported method: {inner}") from exc
        if isinstance(inner, PDFSyntaxError):
            raise ExtractionError("error", f"not a readable PDF: {inner}") from exc
        raise ExtractionError("error", f"PDF could not be opened: {inner!r}") from exc


def read_pdf(path: Path, max_pages: int = 2000) -> Extracted:
    """Read a PDF's text layer page by page into blocks."""
    pages: list[tuple[int, float, list[Word]]] = []
    with _open(path) as pdf:
        info = pdf.metadata or {}
        n_pages = len(pdf.pages)
        empty_pages = 0
        for number, page in enumerate(pdf.pages, start=1):
            if number > max_pages:
                break
            try:
                raw = page.extract_words(keep_blank_chars=False)
                words = _page_words(raw)
                if not words:
                    empty_pages += 1
                pages.append((number, float(page.height), words))
            finally:
                page.close()
    if n_pages == 0:
        raise ExtractionError("empty", "the PDF has no pages")
    return pages_to_extracted(
        pages,
        n_pages,
        max_pages,
        empty_pages,
        title=_meta_text(info.get("Title")),
        date=_pdf_date(info.get("CreationDate")),
        info={"producer": _meta_text(info.get("Producer"))},
    )


def pages_to_extracted(
    pages: list[tuple[int, float, list[Word]]],
    n_pages: int,
    max_pages: int,
    empty_pages: int,
    *,
    title: str | None,
    date: str | None,
    info: dict,
) -> Extracted:
    """Both PDF backends end here: status for text-less files, layout, notes on skipped pages."""
    read = min(n_pages, max_pages)
    if empty_pages == read:
        if n_pages > max_pages:
            raise ExtractionError(
                "no_text",
                f"no text layer on the first {read:,} of its {n_pages:,} pages, the only ones read (max_pages); "
                "raise --max-pages to read the rest",
            )
        raise ExtractionError("no_text", f"no text layer on any of its {n_pages} page(s): scanned, needs OCR")
    notes = []
    if empty_pages:
        notes.append(f"{empty_pages} of {read} pages have no text layer (scanned, needs OCR)")
    if n_pages > max_pages:
        notes.append(f"only the first {max_pages} of {n_pages} pages were read (max_pages)")
    return Extracted(
        format="pdf",
        blocks=tuple(pages_to_blocks(pages)),
        n_pages=n_pages,
        title=title,
        date=date,
        reason="; ".join(notes),
        info=info,
    )
