"""Write small, exactly known PDF files (for samples, tests and benchmarks).

A minimal PDF writer with the standard Helvetica fonts (no embedding) and a
flow layout: paragraphs wrapped into one or more columns, with a running
header, a footer with page numbers, headings, and optional hyphenation at
line ends. Because the layout is computed here, tests know exactly which
passages a reader should recover.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pdfminer.fontmetrics import FONT_METRICS

PAGE_W, PAGE_H = 612.0, 792.0


@dataclass(frozen=True)
class TextRun:
    """One line of text at ``(x, y)`` (PDF coordinates: y from the page bottom)."""

    x: float
    y: float
    size: float
    text: str
    bold: bool = False


def text_width(text: str, size: float, bold: bool = False) -> float:
    widths = FONT_METRICS["Helvetica-Bold" if bold else "Helvetica"][1]
    return sum(widths.get(ch, 556) for ch in text) * size / 1000.0


def _escape(text: str) -> bytes:
    raw = text.encode("cp1252", errors="replace")
    return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def write_pdf(
    path: str | Path, pages: Sequence[Sequence[TextRun]], title: str | None = None, matrix_scaled: bool = False
) -> Path:
    """Write ``pages`` (lists of text runs) to a PDF file at ``path``.

    With ``matrix_scaled`` every run is set at ``1 Tf`` and sized by the text
    matrix (``Tm``), as many typesetting systems do.
    """
    objects: list[bytes] = []

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    catalog = add(b"")  # filled in below
    pages_obj = add(b"")
    regular = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    bold = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>")
    kids = []
    for runs in pages:
        if matrix_scaled:
            stream = b"".join(
                b"BT /%s 1 Tf %.2f 0 0 %.2f %.2f %.2f Tm (%s) Tj ET\n"
                % (b"F2" if r.bold else b"F1", r.size, r.size, r.x, r.y, _escape(r.text))
                for r in runs
            )
        else:
            stream = b"".join(
                b"BT /%s %.2f Tf %.2f %.2f Td (%s) Tj ET\n"
                % (b"F2" if r.bold else b"F1", r.size, r.x, r.y, _escape(r.text))
                for r in runs
            )
        content = add(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream))
        kids.append(
            add(
                b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %d %d] /Contents %d 0 R "
                b"/Resources << /Font << /F1 %d 0 R /F2 %d 0 R >> >> >>"
                % (pages_obj, PAGE_W, PAGE_H, content, regular, bold)
            )
        )
    objects[catalog - 1] = b"<< /Type /Catalog /Pages %d 0 R >>" % pages_obj
    objects[pages_obj - 1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (
        b" ".join(b"%d 0 R" % k for k in kids),
        len(kids),
    )
    info = add(b"<< /Title (%s) /CreationDate (D:20240315120000Z) >>" % _escape(title or ""))
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += b"trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        catalog,
        info,
        xref,
    )
    target = Path(path)
    target.write_bytes(bytes(out))
    return target


def wrap(text: str, width: float, size: float, hyphenate: bool = False) -> list[str]:
    """Greedy line breaking; with ``hyphenate`` a long word may break as ``inter-`` / ``national``."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}".strip()
        if text_width(candidate, size) <= width:
            current = candidate
            continue
        if hyphenate and current and len(word) >= 8 and word.isalpha():
            for cut in range(len(word) - 3, 3, -1):
                head = f"{current} {word[:cut]}-"
                if text_width(head, size) <= width:
                    lines.append(head)
                    current = word[cut:]
                    break
            else:
                lines.append(current)
                current = word
            continue
        if current:
            lines.append(current)
        current = word
    if current:
        lines.append(current)
    return lines


def flow_report(
    blocks: Sequence[tuple[str, str]],
    *,
    columns: int = 1,
    header: str | None = None,
    footer: str | None = None,
    page_numbers: bool = True,
    size: float = 10.0,
    hyphenate: bool = False,
    margin: float = 72.0,
    gutter: float = 24.0,
) -> list[list[TextRun]]:
    """Lay out ``(kind, text)`` blocks (kind ``heading`` or ``paragraph``) into pages."""
    col_w = (PAGE_W - 2 * margin - (columns - 1) * gutter) / columns
    top, bottom = PAGE_H - margin, margin
    leading = size * 1.3
    pages: list[list[TextRun]] = []
    runs: list[TextRun] = []
    col, y = 0, top

    def new_page() -> None:
        nonlocal runs, col, y
        if runs or pages:
            pages.append(runs)
        runs, col, y = [], 0, top
        number = len(pages) + 1
        if header:
            runs.append(TextRun(margin, PAGE_H - 40, 8, header))
        if footer:
            runs.append(TextRun(margin, 30, 8, footer))
        if page_numbers:
            runs.append(TextRun(PAGE_W - margin - 20, 30, 8, f"Page {number}"))

    def next_column() -> None:
        nonlocal col, y
        col += 1
        y = top
        if col >= columns:
            new_page()

    new_page()
    for kind, text in blocks:
        is_heading = kind == "heading"
        fsize = size * 1.4 if is_heading else size
        lines = wrap(text, col_w, fsize, hyphenate=hyphenate and not is_heading)
        if is_heading and y - leading * 3 < bottom:
            next_column()
        for line in lines:
            if y - leading < bottom:
                next_column()
            x = margin + col * (col_w + gutter)
            runs.append(TextRun(x, y - fsize, fsize, line, bold=is_heading))
            y -= fsize * 1.3
        y -= leading * (0.6 if is_heading else 0.9)
    pages.append(runs)
    return pages
