"""Plain text and Markdown -> blocks.

Paragraphs are separated by blank lines, or are one per line when the file
is written that way (no blank lines, or a blank line after every line). A
file of short lines wrapped at a fixed width with a blank line after each
(text pasted from a PDF) is reflowed into paragraphs first. Markdown
headings (``#``, underlined), list items and short title-like lines become
headings or list items; other Markdown (front matter, links, tables, inline
HTML) is reduced to plain text by :mod:`cdtext.ingestion.readers.markdown`.
"""

from __future__ import annotations

import re

from cdtext.errors import ExtractionError
from cdtext.ingestion.readers.encoding import decode_bytes
from cdtext.ingestion.readers.markdown import clean_markdown
from cdtext.types import Block, Extracted

_ATX_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_SETEXT = re.compile(r"^\s{0,3}(=+|-+)\s*$")
_LIST_ITEM = re.compile(r"^\s{0,6}(?:[-*+\u2022\u25aa\u25cf\u25e6\u2023\uf0b7\u2013]|\d{1,3}[.)]|[a-z][.)])\s+(.*)$")
_HYPHEN_END = re.compile(r"(?<=[A-Za-z\u00c0-\u024f])-$")
_TERMINAL = ".!?;:,\u201d\"')]"
_MD_EMPHASIS = re.compile(r"(\*\*|__)(.+?)\1")
_SENTENCE_END = ".!?:;\u201d\"')]"


def join_lines(lines: list[str]) -> str:
    """Join wrapped lines into one paragraph, mending words hyphenated at a line end."""
    out = ""
    for raw in lines:
        line = raw.strip()
        if not line:
            continue
        if out and _HYPHEN_END.search(out) and line[:1].islower():
            out = out[:-1] + line
        elif out:
            out = f"{out} {line}"
        else:
            out = line
    return out


def looks_like_heading(text: str) -> bool:
    """A short line without closing punctuation, such as a section title."""
    words = text.split()
    return 0 < len(words) <= 12 and text[-1] not in _TERMINAL and not text.isdigit()


def _chunks(lines: list[str]) -> list[list[str]]:
    chunks: list[list[str]] = []
    current: list[str] = []
    for line in lines:
        if line.strip():
            current.append(line)
        elif current:
            chunks.append(current)
            current = []
    if current:
        chunks.append(current)
    return chunks


def _chunk_blocks(chunk: list[str], next_exists: bool) -> list[Block]:
    """Blocks of one blank-line-separated chunk."""
    first = chunk[0]
    atx = _ATX_HEADING.match(first)
    if atx and len(chunk) == 1:
        return [Block(_MD_EMPHASIS.sub(r"\2", atx.group(2)), "heading")]
    if len(chunk) == 2 and _SETEXT.match(chunk[1]) and chunk[0].strip():
        return [Block(chunk[0].strip(), "heading")]
    if any(_LIST_ITEM.match(line) for line in chunk):
        blocks: list[Block] = []
        lead: list[str] = []
        item: list[str] | None = None
        for line in chunk:
            m = _LIST_ITEM.match(line)
            if m:
                if item:
                    blocks.append(Block(join_lines(item), "list_item"))
                elif lead:
                    blocks.append(Block(join_lines(lead), "paragraph"))
                item = [m.group(1)]
            elif item is not None:
                item.append(line)
            else:
                lead.append(line)
        if item:
            blocks.append(Block(join_lines(item), "list_item"))
        elif lead:
            blocks.append(Block(join_lines(lead), "paragraph"))
        return blocks
    text = join_lines(chunk)
    if len(chunk) == 1 and next_exists and looks_like_heading(text):
        return [Block(_MD_EMPHASIS.sub(r"\2", text), "heading")]
    return [Block(text, "paragraph")]


def looks_wrapped(lines: list[str]) -> bool:
    """Lines cut at a fixed width: many end mid-sentence and the next goes on in lower case."""
    if len(lines) < 10:
        return False
    goes_on = sum(1 for a, b in zip(lines, lines[1:]) if a[-1] not in _SENTENCE_END and b[:1].islower())
    return goes_on >= 0.15 * len(lines)


def reflow(lines: list[str]) -> list[list[str]]:
    """Group wrapped lines into paragraphs.

    A line goes on into the next one when it is nearly as long as the
    wrapping width and does not end a sentence (or ends one but the next line
    starts in lower case); short lines without closing punctuation stand
    alone (titles, names), and list items always start a new paragraph.
    """
    lengths = sorted(len(line) for line in lines)
    width = lengths[int(0.9 * (len(lengths) - 1))]
    groups: list[list[str]] = []
    for line in lines:
        if groups:
            prev = groups[-1][-1]
            long_enough = len(prev) >= 0.6 * width
            open_end = prev[-1] not in _SENTENCE_END
            if (
                long_enough
                and not _LIST_ITEM.match(line)
                and not _ATX_HEADING.match(line)
                and (open_end or (len(prev) >= 0.85 * width and line[:1].islower()))
            ):
                groups[-1].append(line)
                continue
        groups.append([line])
    return groups


def text_to_blocks(text: str) -> list[Block]:
    """Split decoded text into blocks (see the module docstring for the rules)."""
    lines = text.replace("\f", "\n").split("\n")
    chunks = _chunks(lines)
    multi_line = sum(1 for c in chunks if len(c) > 1)
    nonblank = [line.strip() for c in chunks for line in c]
    ends_sentence = sum(1 for line in nonblank if line[-1] in ".!?\u201d\"')") / max(len(nonblank), 1)
    avg_len = sum(len(line) for line in nonblank) / max(len(nonblank), 1)
    # One paragraph per line: no chunk spans several lines, or blank lines are
    # rare and the lines are whole paragraphs (they end sentences, or are long)
    # rather than text wrapped at a fixed width.
    one_per_line = multi_line == 0 or (
        len(chunks) <= max(1.0, 0.1 * len(nonblank)) and (ends_sentence >= 0.5 or avg_len > 120)
    )
    single_share = sum(1 for c in chunks if len(c) == 1) / max(len(chunks), 1)
    if single_share >= 0.9 and looks_wrapped(nonblank):
        chunks = reflow(nonblank)
    elif one_per_line:
        chunks = [[line] for c in chunks for line in c]
    blocks: list[Block] = []
    for i, chunk in enumerate(chunks):
        blocks.extend(_chunk_blocks(chunk, next_exists=i + 1 < len(chunks)))
    return blocks


def read_text(data: bytes) -> Extracted:
    """Read a plain-text or Markdown file into blocks."""
    text, encoding = decode_bytes(data)
    if not text.strip():
        raise ExtractionError("empty", "the file contains only whitespace")
    text, front = clean_markdown(text)
    blocks = text_to_blocks(text)
    title = front.get("title") or (blocks[0].text if blocks and blocks[0].kind == "heading" else None)
    return Extracted(
        format="text", blocks=tuple(blocks), title=title, date=front.get("date"), info={"encoding": encoding}
    )
