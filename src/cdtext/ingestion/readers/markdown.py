"""Markdown and web-scrape text -> plain lines the text reader can segment.

Text exported from content systems and web scrapers is often Markdown with
bits of HTML in it: YAML front matter, ``[link text](url)``, images, tables
whose cells hold whole articles split by ``<br>``, emphasis markers, block
quotes, HTML comments and entities. :func:`clean_markdown` turns such a file
into plain lines (tables become one cell per line, ``<br>`` a paragraph
break) and returns the front matter's title and date. Files without Markdown
markers are returned unchanged.
"""

from __future__ import annotations

import html
import re

_FRONT_MATTER = re.compile(r"\A\ufeff?---[ \t]*\n(.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)
_FM_FIELD = re.compile(r"^(title|date|publishedAt|published|pubDate)\s*:\s*(.+?)\s*$", re.M | re.I)
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_IMAGE = re.compile(r"!\[[^\]\n]*\]\((?:<[^>\n]*>|[^)\n]*)\)")
_LINK = re.compile(r"\[([^\]\n]*)\]\((?:<[^>\n]*>|[^)\s\n]*)(?:\s+\"[^\"\n]*\")?\)")
_AUTOLINK = re.compile(r"<(?:https?|mailto|ftp):[^>\s]*>", re.I)
_BREAK = re.compile(r"<br\s*/?>", re.I)
_TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*(?:\s[^<>]*)?/?>")
_EMPHASIS = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_STRAY_STARS = re.compile(r"(?<![\w*])\*{2,}(?![\w*])|^\*{2,}|\*{2,}$")
_QUOTE = re.compile(r"^\s{0,3}(?:>\s?)+")
_CALLOUT = re.compile(r"^\[![a-z]+\][+-]?\s*", re.I)
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)*\|?\s*$")
_TABLE_ROW = re.compile(r"^\s*\|.*\|\s*$")
_MARKERS = (
    re.compile(r"^\s{0,3}#{1,6}\s", re.M),
    _LINK,
    _TABLE_RULE,
    re.compile(r"\*\*\S"),
    _BREAK,
    re.compile(r"^\s{0,3}>\s", re.M),
)


def looks_like_markdown(text: str) -> bool:
    """Front matter, or at least two kinds of Markdown markers in the first 64 KiB."""
    if _FRONT_MATTER.match(text):
        return True
    head = text[:65536]
    return sum(1 for pattern in _MARKERS if pattern.search(head)) >= 2


def _front_matter(text: str) -> tuple[str, dict[str, str]]:
    m = _FRONT_MATTER.match(text)
    if not m:
        return text, {}
    fields: dict[str, str] = {}
    for key, value in _FM_FIELD.findall(m.group(1)):
        value = value.strip().strip("\"'").strip()
        if value and value.lower() not in ("null", "none", "~"):
            fields.setdefault("title" if key.lower() == "title" else "date", value)
    return text[m.end() :], fields


def clean_inline(line: str) -> str:
    """One line without link targets, images, tags, emphasis markers or entities."""
    line = _IMAGE.sub("", line)
    line = _LINK.sub(r"\1", line)
    line = _AUTOLINK.sub("", line)
    line = _TAG.sub("", line)
    line = _EMPHASIS.sub(r"\2", line)
    line = _STRAY_STARS.sub("", line)
    line = html.unescape(line).replace("\u00a0", " ")
    return line


def _table_cells(line: str) -> list[str]:
    body = line.strip()[1:-1]
    return [cell.strip() for cell in re.split(r"(?<!\\)\|", body)]


def clean_markdown(text: str) -> tuple[str, dict[str, str]]:
    """``(plain text, {"title": ..., "date": ...})`` for a Markdown-like file; other text unchanged."""
    if not looks_like_markdown(text):
        return text, {}
    text, fields = _front_matter(text)
    text = _COMMENT.sub("", text)
    out: list[str] = []
    for raw in text.split("\n"):
        if _TABLE_RULE.match(raw):
            continue
        line = _QUOTE.sub("", raw)
        line = _CALLOUT.sub("", line)
        if _TABLE_ROW.match(line):
            # one cell per paragraph; a <br> inside a cell is a paragraph break
            for cell in _table_cells(line):
                for part in _BREAK.split(cell):
                    part = clean_inline(part).strip()
                    if part:
                        out.extend((part, ""))
            continue
        parts = _BREAK.split(line)
        if len(parts) > 1:
            for part in parts:
                part = clean_inline(part).strip()
                if part:
                    out.extend((part, ""))
            continue
        out.append(clean_inline(line).rstrip())
    return "\n".join(out), fields
