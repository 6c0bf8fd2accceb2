"""PDF files -> blocks with pypdfium2: the fast backend (``--pdf-backend pdfium``).

PDFium's text page gives the page text and a box per character. Words are
cut from the text at whitespace and boxed from their first and last
characters (two box look-ups per word instead of one per character), then
fed to the same layout analysis as the pdfplumber backend
(:mod:`cdtext.ingestion.readers.layout`), so both give passages of the same kind.
"""

from __future__ import annotations

import re
from pathlib import Path

from cdtext.errors import ExtractionError
from cdtext.ingestion.readers.layout import Word
from cdtext.ingestion.readers.pdf import _meta_text, _pdf_date, pages_to_extracted
from cdtext.types import Extracted

# PDFium marks a word hyphenated at a line end with U+FFFE and drops the line
# break: end the word at the marker so each half is boxed on its own line
_WORD = re.compile(r"[^\s\ufffe]+\ufffe?|\ufffe")


def _page_words(textpage, page_height: float) -> list[Word]:  # type: ignore[no-untyped-def]
    import pypdfium2.raw as raw

    text = textpage.get_text_range()
    handle = textpage.raw
    box = raw.FS_RECTF()  # loose (font-height) boxes: every glyph of a line shares top and bottom
    loose_box, font_size = raw.FPDFText_GetLooseCharBox, raw.FPDFText_GetFontSize  # hot loop: bind once
    # PDFium's font size ignores the text matrix: text set at "1 Tf" and scaled by the matrix
    # (common in typeset documents) would all be size 1 and never stack into blocks, so a
    # font size far from the height of the word's loose box is scaled by the matrix
    matrix, get_matrix = raw.FS_MATRIX(), raw.FPDFText_GetMatrix
    words: list[Word] = []
    append = words.append
    n_chars = textpage.count_chars()
    for m in _WORD.finditer(text):
        first, last = m.span()
        last -= 1
        if last >= n_chars:
            continue
        token = m.group()
        if "\ufffe" in token:
            token = token.replace("\ufffe", "-")
            if token == "-":
                continue
        loose_box(handle, first, box)
        x0, y_top, y_bottom = box.left, box.top, box.bottom
        loose_box(handle, last, box)
        x1 = box.right
        height = y_top - y_bottom
        size = font_size(handle, first)
        if not 0.5 * height <= size <= 2.0 * height:
            # the vertical scale of the text matrix (pdfplumber's size is the same product)
            scaled = size * (matrix.c**2 + matrix.d**2) ** 0.5 if get_matrix(handle, first, matrix) else 0.0
            size = scaled if 0.5 * height <= scaled <= 2.0 * height else (height or size)
        if x1 <= x0:
            x1 = x0 + max(size * 0.5 * len(token), 1.0)
        # PDF y grows upwards; the layout code wants "top" growing downwards
        append(Word(x0, x1, page_height - y_top, page_height - y_bottom, token, size))
    return words


def read_pdf_pdfium(path: Path, max_pages: int = 2000) -> Extracted:
    """Read a PDF's text layer with PDFium into blocks."""
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(str(path), password="")
    except pdfium.PdfiumError as exc:
        message = str(exc)
        if "password" in message.lower():
            raise ExtractionError(
                "password_required", "encrypted with a user password; cdtext cannot read it without the password"
            ) from exc
        raise ExtractionError("error", f"not a readable PDF: {message}") from exc
    try:
        n_pages = len(pdf)
        if n_pages == 0:
            raise ExtractionError("empty", "the PDF has no pages")
        pages = []
        empty_pages = 0
        for number in range(min(n_pages, max_pages)):
            page = pdf[number]
            try:
                height = page.get_height()
                textpage = page.get_textpage()
                try:
                    words = _page_words(textpage, height)
                finally:
                    textpage.close()
            finally:
                page.close()
            if not words:
                empty_pages += 1
            pages.append((number + 1, float(height), words))
        try:
            meta = pdf.get_metadata_dict(skip_empty=True)
        except (UnicodeError, ValueError):  # a title that is not valid UTF-16 (a lone surrogate): the text still counts
            meta = {}
    finally:
        pdf.close()
    return pages_to_extracted(
        pages,
        n_pages,
        max_pages,
        empty_pages,
        title=_meta_text(meta.get("Title")),
        date=_pdf_date(meta.get("CreationDate")),
        info={"engine": "pdfium"},
    )
