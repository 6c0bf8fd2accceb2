"""Decide a file's format from its bytes, never from its name."""

from __future__ import annotations

import re

_HTML_DOC = re.compile(r"<\s*(!doctype\s+html|html|head|body)\b", re.IGNORECASE)
_HTML_MARKERS = re.compile(
    rb"<\s*(!doctype\s+html|html|head|body|meta|title|div|p|article|section|table|span|a\s|h[1-6]|ul|li|br)\b",
    re.IGNORECASE,
)
_LEADING_COMMENTS = re.compile(r"^(?:\s*<!--.*?-->)+\s*", re.S)
_PDF_MAGIC = b"%PDF-"
# Magic numbers of common binary formats we do not read.
_BINARY_MAGIC = (
    b"PK\x03\x04",  # zip, docx, xlsx
    b"\xd0\xcf\x11\xe0",  # OLE (doc, xls)
    b"\x89PNG",
    b"\xff\xd8\xff",  # jpeg
    b"GIF8",
    b"\x1f\x8b",  # gzip
    b"BZh",
    b"\xfd7zXZ",
    b"7z\xbc\xaf",
    b"Rar!",
    b"\x7fELF",
    b"MZ",
    b"II*\x00",
    b"MM\x00*",
    b"%!PS",
    b"RIFF",
    b"OggS",
    b"ID3",
)


def _as_text_sample(head: bytes) -> str | None:
    """Decode a leading sample for sniffing, or ``None`` when it looks binary."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return head[2:].decode("utf-16-le" if head[0] == 0xFF else "utf-16-be", "ignore")
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    if len(head) >= 4:
        even_nuls = head[0::2].count(0)
        odd_nuls = head[1::2].count(0)
        half = len(head) / 2
        # UTF-16 without a BOM: one byte of every pair is NUL for ASCII-range text
        if odd_nuls > 0.4 * half and even_nuls < 0.05 * half:
            return head.decode("utf-16-le", "ignore")
        if even_nuls > 0.4 * half and odd_nuls < 0.05 * half:
            return head.decode("utf-16-be", "ignore")
    if head.count(b"\x00") > 0.01 * len(head):
        return None
    return head.decode("latin-1")


def _mostly_controls(sample: str) -> bool:
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\t\n\r\f\v\x1b")
    return controls > 0.02 * max(len(sample), 1)


#: the start of JSON data: an object with a quoted key, or an array of objects, strings, numbers or arrays
_JSON_START = re.compile(r'(?:\{\s*"[^"\n]{1,200}"\s*:|\[\s*(?:\{\s*"|"|-?\d|\[|\]))')


def _is_table(sample: str) -> bool:
    """A delimited table (CSV, TSV, semicolons): its first lines, at least three, all parse into the same number
    (two or more) of fields, and the first line, the header, has no empty or sentence-long field."""
    import csv

    lines = sample.splitlines()[:20]
    if len(lines) < 3 or len(sample) >= 65536 and len(lines) < 4:
        return False
    lines = lines[:-1] if len(sample) >= 65536 else lines  # the last line of a cut sample may be cut too
    for delimiter in (",", "\t", ";"):
        if delimiter not in lines[0]:
            continue
        try:
            rows = list(csv.reader(lines, delimiter=delimiter))
        except csv.Error:
            continue
        widths = {len(row) for row in rows if row}
        header = rows[0]
        if len(widths) == 1 and widths.pop() >= 2 and all(0 < len(f.strip()) <= 60 for f in header):
            return True
    return False


def sniff_format(head: bytes) -> str:
    """Return ``pdf``, ``html``, ``xml`` (not XHTML), ``text``, ``json`` (a record, or a table of them), ``table``
    (CSV/TSV), ``parquet``, ``empty`` or ``unsupported`` (binary) for the first bytes.

    ``head`` should be the first 64 KiB or so of the file. A PDF header may
    sit after some junk bytes (PDF readers accept up to 1 KiB of it).
    """
    if not head.strip():
        return "empty"
    if _PDF_MAGIC in head[:1024]:
        return "pdf"
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"PAR1"):
        return "parquet"  # a table, binary
    if stripped.startswith(_BINARY_MAGIC):
        return "unsupported"
    sample = _as_text_sample(head)
    if sample is None:
        return "unsupported"
    if not sample.strip():
        return "empty"
    lowered = sample.lstrip().lower()
    # a leading comment says nothing: Markdown exports often start with one
    after_comments = _LEADING_COMMENTS.sub("", lowered)
    if after_comments.startswith("<?xml") and "<html" not in lowered[:4096]:
        # an XML document that is not XHTML (Akoma Ntoso, TEI, RSS, ...) is not a web page
        return "xml" if "<" in after_comments[5:200] else "text"
    looks_like_markup = (after_comments.startswith("<") and not after_comments.startswith("<http")) or _HTML_DOC.search(
        sample[:65536]
    )
    if looks_like_markup and _HTML_MARKERS.search(sample[:65536].encode("latin-1", "ignore")):
        return "html"
    if _mostly_controls(sample):
        return "unsupported"
    if _JSON_START.match(sample.lstrip("\ufeff \t\r\n")):
        return "json"  # a JSON document or JSON lines: records, not prose
    if _is_table(sample.lstrip("\ufeff")):
        return "table"  # CSV or TSV rows
    return "text"
