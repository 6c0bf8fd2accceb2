"""Words with boxes -> lines -> blocks in reading order -> paragraphs.

Backend-agnostic geometry for PDF pages (any backend that yields words with
coordinates can feed it). Coordinates are PDF points with ``top`` growing
downwards, as pdfplumber reports them.

Stages, each a function named for what it converts:

* :func:`find_gutters` — vertical strips that (almost) no word crosses, with
  text on both sides: the gaps between columns;
* :func:`words_to_lines` — words on one baseline, split where the gap between
  two words holds a gutter, so columns never share a line;
* :func:`drop_line_numbers` — margin line numbers of transcripts and pleadings;
* :func:`find_running_lines` — headers, footers and page numbers that repeat
  across pages in the top/bottom bands (digits normalised);
* :func:`lines_to_regions` — reading order: bands from top to bottom (a line
  crossing a gutter, such as a title, is a band of its own), and inside a
  band the columns from left to right, each read top to bottom;
* :func:`lines_to_blocks` — lines of one column stacked with normal leading;
* :func:`block_to_paragraphs` — split a block at indented first lines and
  short closing lines; mark headings and list items.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from statistics import median

from cdtext.ingestion.readers.text import join_lines
from cdtext.types import Block


# slotted, not frozen: tens of thousands are built per document and a frozen
# dataclass's __init__ is several times slower; nothing mutates them
@dataclass(slots=True, eq=False)
class Word:
    x0: float
    x1: float
    top: float
    bottom: float
    text: str
    size: float


@dataclass(slots=True, eq=False)
class Line:
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    text: str


@dataclass
class _Box:
    lines: list[Line]
    x0: float
    x1: float
    top: float
    bottom: float

    def add(self, line: Line) -> None:
        self.lines.append(line)
        self.x0 = min(self.x0, line.x0)
        self.x1 = max(self.x1, line.x1)
        self.bottom = max(self.bottom, line.bottom)


_DIGITS = re.compile(r"\d+")
_PAGE_NUMBER = re.compile(
    r"^\W*(page|p\.|seite|página|pagina)?\s*[\divxlc]{1,5}(\s*(of|/|de|sur|von)\s*\d{1,5})?\W*$",
    re.IGNORECASE,
)
_BULLET = re.compile(
    r"^([\u2022\u25aa\u25cf\u25e6\u2023\u2043\u2219\-\u2013*\uf0b7\uf0a7]|\(?\d{1,3}[.)]|\(?[a-z][.)])\s"
)
_END_PUNCT = ".!?:;\u201d\"')"


def find_gutters(
    words: Sequence[Word], bin_width: float = 2.0, min_width: float = 6.0, max_gutters: int = 3
) -> list[tuple[float, float]]:
    """Column gutters of a page as ``(x0, x1)`` intervals, left to right.

    A gutter is a run of ``bin_width`` strips, at least ``min_width`` wide,
    with text on both sides, that fewer words cross than a fifth of the median
    count over strips carrying text (so a title or an abstract may cross it). More than
    ``max_gutters`` gutters means a table or form: none are returned and the
    page is read row by row.
    """
    if len(words) < 20:
        return []
    import numpy as np

    lo_bins = np.array([int(w.x0 // bin_width) for w in words])
    hi_bins = np.array([int(w.x1 // bin_width) for w in words])
    lo_bins = np.maximum(lo_bins, 0)
    hi_bins = np.maximum(hi_bins, lo_bins)
    n_bins = int(hi_bins.max()) + 2
    diff = np.zeros(n_bins + 1, dtype=np.int64)
    np.add.at(diff, lo_bins, 1)
    np.add.at(diff, hi_bins + 1, -1)
    cover = np.cumsum(diff)[:n_bins]
    used = np.flatnonzero(cover)
    lo, hi = int(used.min()), int(used.max())
    limit = 0.2 * float(np.median(cover[used]))
    empty = cover <= limit
    gutters: list[tuple[float, float]] = []
    start: int | None = None
    for b in range(lo + 1, hi + 1):
        is_empty = bool(empty[b]) and b < hi
        if is_empty and start is None:
            start = b
        elif not is_empty and start is not None:
            if (b - start) * bin_width >= min_width:
                gutters.append((start * bin_width, b * bin_width))
            start = None
    if len(gutters) > max_gutters:
        return []
    return gutters


def words_to_lines(words: Sequence[Word], gutters: Sequence[tuple[float, float]] = ()) -> list[Line]:
    """Group words into lines that never cross a column gutter.

    Words whose vertical extents overlap by half form a row; a row splits where
    the space between two neighbouring words contains a gutter.
    """
    if not words:
        return []
    ordered = sorted(words, key=lambda w: (w.top, w.x0))
    rows: list[list[Word]] = []
    row: list[Word] = [ordered[0]]
    ref_top, ref_bottom = ordered[0].top, ordered[0].bottom
    for w in ordered[1:]:
        # same row when the word's vertical centre lies inside the row's first
        # word (a raised footnote mark does; the next line's words do not)
        centre = (w.top + w.bottom) / 2
        if ref_top <= centre <= ref_bottom:
            row.append(w)
        else:
            rows.append(row)
            row, ref_top, ref_bottom = [w], w.top, w.bottom
    rows.append(row)
    # a gap narrower than every gutter's threshold cannot hold one: skip the test
    needs = [(g0, g1, min(3.0, 0.5 * (g1 - g0))) for g0, g1 in gutters]
    least = min((t for _, _, t in needs), default=float("inf"))
    lines: list[Line] = []
    for row in rows:
        if len(row) == 1:
            lines.append(_make_line(row))
            continue
        row.sort(key=lambda w: w.x0)
        run = [row[0]]
        prev = row[0]
        for w in row[1:]:
            if w.x0 - prev.x1 >= least and any(min(w.x0, g1) - max(prev.x1, g0) >= t for g0, g1, t in needs):
                lines.append(_make_line(run))
                run = [w]
            else:
                run.append(w)
            prev = w
        lines.append(_make_line(run))
    return lines


def _make_line(words: Sequence[Word]) -> Line:
    first = words[0]
    if len(words) == 1:
        return Line(first.x0, first.x1, first.top, first.bottom, first.size, first.text)
    x0, x1, top, bottom = first.x0, first.x1, first.top, first.bottom
    for w in words:
        if w.x0 < x0:
            x0 = w.x0
        if w.x1 > x1:
            x1 = w.x1
        if w.top < top:
            top = w.top
        if w.bottom > bottom:
            bottom = w.bottom
    return Line(x0, x1, top, bottom, median([w.size for w in words]), " ".join([w.text for w in words]))


def drop_line_numbers(lines: Sequence[Line]) -> list[Line]:
    """Remove margin line numbers: five or more digit-only lines aligned left of the text."""
    numeric = [ln for ln in lines if ln.text.isdigit() and len(ln.text) <= 3]
    if len(numeric) < 5:
        return list(lines)
    by_edge = Counter(round(ln.x1 / 3) for ln in numeric)
    edge, count = by_edge.most_common(1)[0]
    if count < 5:
        return list(lines)
    margin = {id(ln) for ln in numeric if abs(round(ln.x1 / 3) - edge) <= 1}
    others = [ln for ln in lines if id(ln) not in margin]
    if not others or median(ln.x0 for ln in others) <= edge * 3:
        return list(lines)
    return others


def _signature(text: str) -> str:
    return _DIGITS.sub("#", " ".join(text.lower().split()))


def find_running_lines(
    pages: Sequence[tuple[float, Sequence[Line]]], band: float = 0.1, min_repeats: int = 2
) -> set[tuple[int, int]]:
    """Positions ``(page_index, line_index)`` of running headers, footers and page numbers.

    A line in the top or bottom ``band`` of its page is furniture when the
    same text (digits normalised) occurs in a band on at least ``min_repeats``
    pages (and on a fifth of them for long documents), or when it is a bare
    page number.
    """
    signatures: Counter[str] = Counter()
    candidates: list[tuple[int, int, str]] = []
    for p, (height, lines) in enumerate(pages):
        seen: set[str] = set()
        for i, ln in enumerate(lines):
            if ln.top < band * height or ln.bottom > (1 - band) * height:
                sig = _signature(ln.text)
                candidates.append((p, i, sig))
                if sig not in seen:
                    seen.add(sig)
                    signatures[sig] += 1
    needed = max(min_repeats, len(pages) // 5)
    found: set[tuple[int, int]] = set()
    for p, i, sig in candidates:
        text = pages[p][1][i].text
        if signatures[sig] >= needed or _PAGE_NUMBER.match(text):
            found.add((p, i))
    return found


def lines_to_regions(lines: Sequence[Line], gutters: Sequence[tuple[float, float]]) -> list[list[Line]]:
    """Split a page's lines into regions in reading order.

    Without gutters the page is one region. Otherwise lines that cross a
    gutter form bands of their own, and between them each column (counted by
    the gutters to its left) is a region, the columns left to right.
    """
    ordered = sorted(lines, key=lambda ln: (ln.top, ln.x0))
    if not gutters:
        return [ordered] if ordered else []

    def spans(ln: Line) -> bool:
        return any(ln.x0 < g0 and ln.x1 > g1 for g0, g1 in gutters)

    def column(ln: Line) -> int:
        centre = (ln.x0 + ln.x1) / 2
        return sum(1 for g0, g1 in gutters if centre >= (g0 + g1) / 2)

    regions: list[list[Line]] = []
    columns: list[list[Line]] = [[] for _ in range(len(gutters) + 1)]
    for ln in ordered:
        if spans(ln):
            regions.extend(c for c in columns if c)
            columns = [[] for _ in range(len(gutters) + 1)]
            if regions and regions[-1] and spans(regions[-1][-1]):
                regions[-1].append(ln)
            else:
                regions.append([ln])
        else:
            columns[column(ln)].append(ln)
    regions.extend(c for c in columns if c)
    return regions


def merge_rows(lines: Sequence[Line]) -> list[Line]:
    """Join lines of one region that share a row (cells of a table, a caption and its colon)."""
    out: list[Line] = []
    for ln in lines:
        if out:
            prev = out[-1]
            height = min(prev.bottom - prev.top, ln.bottom - ln.top) or 1.0
            if min(prev.bottom, ln.bottom) - max(prev.top, ln.top) >= 0.5 * height and ln.x0 >= prev.x1 - 1:
                out[-1] = Line(
                    prev.x0,
                    max(prev.x1, ln.x1),
                    min(prev.top, ln.top),
                    max(prev.bottom, ln.bottom),
                    prev.size,
                    f"{prev.text} {ln.text}",
                )
                continue
        out.append(ln)
    return out


def lines_to_blocks(lines: Sequence[Line], leading: float = 0.6) -> list[_Box]:
    """Stack the lines of one region into blocks; a wide gap or a size change starts a new one."""
    boxes: list[_Box] = []
    for ln in lines:
        if boxes:
            box = boxes[-1]
            last = box.lines[-1]
            gap = ln.top - last.bottom
            same_size = 0.8 <= (ln.size or 1) / (last.size or 1) <= 1.25
            if -0.5 * ln.size <= gap <= leading * max(ln.size, last.size) and same_size:
                box.add(ln)
                continue
        boxes.append(_Box([ln], ln.x0, ln.x1, ln.top, ln.bottom))
    return boxes


def block_to_paragraphs(box: _Box, body_size: float, page: int | None) -> list[Block]:
    """Split a block into paragraphs and list items; a short, large or capitalised block is a heading."""
    lines = box.lines
    width = box.x1 - box.x0
    groups: list[tuple[str, list[Line]]] = []
    for k, ln in enumerate(lines):
        start_new = k == 0
        kind = "paragraph"
        if _BULLET.match(ln.text):
            start_new, kind = True, "list_item"
        elif k > 0:
            prev = lines[k - 1]
            indented = ln.x0 - box.x0 > 0.8 * ln.size and prev.x0 - box.x0 < 0.5 * ln.size
            short_prev = (box.x1 - prev.x1) > 0.15 * width and prev.text[-1:] in _END_PUNCT
            start_new = indented or short_prev
        if start_new:
            groups.append((kind, [ln]))
        else:
            groups[-1][1].append(ln)
    blocks = []
    for kind, group in groups:
        text = join_lines([ln.text for ln in group])
        if not text:
            continue
        if kind == "paragraph" and _is_heading(group, text, body_size):
            kind = "heading"
        blocks.append(Block(text, kind, page))
    return blocks


def _is_heading(lines: Sequence[Line], text: str, body_size: float) -> bool:
    words = text.split()
    if len(lines) > 2 or not 1 <= len(words) <= 15 or text[-1] in ".;,":
        return False
    size = max(ln.size for ln in lines)
    letters = [c for c in text if c.isalpha()]
    shouting = len(letters) >= 4 and all(c.isupper() for c in letters)
    return size >= 1.15 * body_size or shouting


def body_font_size(pages: Iterable[Sequence[Line]]) -> float:
    """The font size carrying most characters."""
    weight: Counter[float] = Counter()
    for lines in pages:
        for ln in lines:
            weight[round(ln.size, 1)] += len(ln.text)
    return weight.most_common(1)[0][0] if weight else 10.0


def pages_to_blocks(pages: Sequence[tuple[int, float, Sequence[Word]]]) -> list[Block]:
    """Whole-document layout: ``(page_number, page_height, words)`` per page -> blocks."""
    page_gutters = [find_gutters(ws) for _, _, ws in pages]
    page_lines = [(h, drop_line_numbers(words_to_lines(ws, g))) for (_, h, ws), g in zip(pages, page_gutters)]
    running = find_running_lines(page_lines)
    kept = [[ln for i, ln in enumerate(lines) if (p, i) not in running] for p, (_, lines) in enumerate(page_lines)]
    body = body_font_size(kept)
    blocks: list[Block] = []
    region_starts: set[int] = set()
    for (number, _, _), lines, gutters in zip(pages, kept, page_gutters):
        for region in lines_to_regions(lines, gutters):
            region_starts.add(len(blocks))
            for box in lines_to_blocks(merge_rows(region)):
                blocks.extend(block_to_paragraphs(box, body, number))
    return join_continuations(blocks, region_starts)


def join_continuations(blocks: Sequence[Block], region_starts: set[int] = frozenset()) -> list[Block]:  # type: ignore[assignment]
    """Rejoin paragraphs split by a column or page break.

    A paragraph that stops without closing punctuation continues in the next
    paragraph when that one starts in lower case, or when it opens a new column
    or page and the first is a long paragraph (its page is where it starts).
    """
    out: list[Block] = []
    for i, block in enumerate(blocks):
        prev = out[-1] if out else None
        if (
            prev is not None
            and block.kind == "paragraph"
            and prev.kind == "paragraph"
            and prev.text[-1:] not in _END_PUNCT
            and (block.text[:1].islower() or (i in region_starts and len(prev.text.split()) >= 12))
        ):
            out[-1] = Block(join_lines([prev.text, block.text]), "paragraph", prev.page)
        else:
            out.append(block)
    return out
