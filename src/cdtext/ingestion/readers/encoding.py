"""Turn bytes into text: BOM, declared charset checked against the bytes, detection.

HTML parsers guess badly (``lxml.html`` reads undeclared UTF-8 as Latin-1),
so cdtext decodes every text or HTML file itself before parsing it.
"""

from __future__ import annotations

import codecs
import re

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]+)""", re.IGNORECASE)
_XML_DECL = re.compile(rb"""<\?xml[^>]+encoding\s*=\s*["']([a-zA-Z0-9_.:-]+)""", re.IGNORECASE)
# What browsers actually do with some labels (WHEATWG encoding standard).
_ALIASES = {
    "iso-8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "iso-8859-9": "cp1254",
    "tis-620": "cp874",
    "x-sjis": "shift_jis",
    "gb2312": "gb18030",
    "gbk": "gb18030",
}
# C0 controls other than tab, newline, carriage return and form feed
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f\ufffc\u200b\u2060]")


def _canonical(label: str) -> str | None:
    label = label.strip().lower()
    label = _ALIASES.get(label, label)
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def declared_charset(data: bytes) -> str | None:
    """The charset a document declares in its first 4 KiB (meta tag or XML declaration)."""
    head = data[:4096]
    match = _META_CHARSET.search(head) or _XML_DECL.search(head)
    if match:
        return _canonical(match.group(1).decode("ascii", "ignore"))
    return None


def _utf16_without_bom(data: bytes) -> str | None:
    sample = data[:4096]
    if len(sample) < 4:
        return None
    half = len(sample) / 2
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    if odd > 0.4 * half and even < 0.05 * half:
        return "utf-16-le"
    if even > 0.4 * half and odd < 0.05 * half:
        return "utf-16-be"
    return None


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _mostly_utf8(data: bytes) -> bool:
    """True when the bytes are UTF-8 apart from a few broken sequences."""
    text = data[:1_000_000].decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    good = sum(1 for ch in text if ord(ch) > 0x7F) - bad
    # in real single-byte text a valid multi-byte UTF-8 sequence almost never occurs
    return good >= 2 and 3 * good >= bad


def detect_encoding(data: bytes) -> tuple[str, str]:
    """Return ``(encoding, how)`` where ``how`` says which evidence decided it."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            return name, "bom"
    utf16 = _utf16_without_bom(data)
    if utf16:
        return utf16, "utf-16 byte pattern"
    declared = declared_charset(data)
    utf8 = _is_utf8(data)
    has_high = any(b > 0x7F for b in data[:1_000_000]) if not data.isascii() else False
    if declared:
        if declared == "utf-8":
            if utf8:
                return "utf-8", "declared"
        elif utf8 and has_high and declared in _SINGLE_BYTE:
            # a single-byte charset is declared, yet the bytes are valid UTF-8 with
            # multi-byte sequences: the declaration is wrong (a common CMS mistake)
            return "utf-8", f"declared {declared} but bytes are UTF-8"
        else:
            try:
                data.decode(declared)
                return declared, "declared"
            except (UnicodeDecodeError, LookupError):
                pass
    if utf8:
        return "utf-8", "valid utf-8"
    if _mostly_utf8(data):
        return "utf-8", "utf-8 with a few invalid bytes"
    from charset_normalizer import from_bytes

    best = from_bytes(data[:200_000]).best()
    if best is not None and best.encoding:
        name = _canonical(best.encoding) or "cp1252"
        if name in ("latin_1", "iso8859-1"):
            name = "cp1252"
        if name != "cp1252" and name in _SINGLE_BYTE:
            # Central-European and Western code pages agree on most letters; when
            # they give the same text, report the more common one.
            try:
                if data.decode("cp1252") == data.decode(name):
                    name = "cp1252"
            except UnicodeDecodeError:
                pass
        return name, "detected"
    return "cp1252", "fallback"


_SINGLE_BYTE = {
    name
    for name in (
        _canonical(x)
        for x in (
            "cp1252",
            "cp1250",
            "cp1251",
            "cp1253",
            "cp1254",
            "cp1257",
            "iso-8859-2",
            "iso-8859-15",
            "koi8-r",
            "mac-roman",
            "cp874",
        )
    )
    if name
}


def decode_bytes(data: bytes) -> tuple[str, str]:
    """Decode ``data`` to text; return ``(text, encoding)``.

    Undecodable bytes become U+FFFD; control characters (other than tab,
    newlines and form feed) are removed; line endings become ``\\n``.
    """
    encoding, _how = detect_encoding(data)
    if encoding.startswith(("utf-8", "utf_8")) and data.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
    try:
        text = data.decode(encoding, errors="replace")
    except LookupError:
        text = data.decode("cp1252", errors="replace")
        encoding = "cp1252"
    if text.startswith("\ufeff"):
        text = text[1:]
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROLS.sub("", text)
    return text, encoding
