"""HTML bytes -> blocks: decode ourselves, parse leniently, keep the main content.

The bytes are decoded by :mod:`cdtext.ingestion.readers.encoding` (lxml would read
undeclared UTF-8 as Latin-1), parsed with ``lxml.html`` with ``huge_tree`` on
(without it libxml2 silently drops text from giant nodes) and never as XML.
trafilatura finds the main content, htmldate the publication date (a quick
search of meta tags, time elements and the URL) and the title is the page's
og:title, <title> or first <h1>; when trafilatura finds nothing, a plain
walk over paragraph-like elements outside navigation, scripts, cookie
banners and hidden elements takes over.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from lxml import etree
from lxml import html as lxml_html

from cdtext.errors import ExtractionError
from cdtext.ingestion.readers.encoding import decode_bytes
from cdtext.types import Block, Extracted

log = logging.getLogger(__name__)

_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)
# a DOCTYPE with an internal subset (entity declarations): never expanded, so drop it
_DOCTYPE_SUBSET = re.compile(r"<!DOCTYPE[^\[>]{0,500}\[[^\]]{0,65536}\]\s*>", re.IGNORECASE)
_SPACE = re.compile(r"\s+")
_BOILERPLATE_TAGS = {
    "script",
    "style",
    "noscript",
    "template",
    "nav",
    "header",
    "footer",
    "aside",
    "form",
    "button",
    "select",
    "option",
    "svg",
    "iframe",
    "object",
    "embed",
    "canvas",
}
_BOILERPLATE_HINT = re.compile(
    r"cookie|consent|gdpr|banner|navbar|nav-|menu|breadcrumb|sidebar|footer|header|"
    r"share|social|newsletter|subscribe|related|advert|promo|skip-link|modal|popup",
    re.IGNORECASE,
)
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_BLOCK_TAGS = {"p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "dd", "dt", "td", "th", "pre"}
_HEADING_TAGS = {"h1", "h2", "h3", "h4", "h5", "h6"}


def _clean(text: str | None) -> str:
    return _SPACE.sub(" ", text or "").strip()


def parse_html(text: str) -> lxml_html.HtmlElement:
    """Parse decoded HTML text leniently (HTML parser, huge trees, no network)."""
    parser = lxml_html.HTMLParser(
        huge_tree=True,
        remove_comments=True,
        remove_pis=True,
        no_network=True,
        collect_ids=False,
        default_doctype=False,
    )
    text = _XML_DECL.sub("", text, count=1)
    text = _DOCTYPE_SUBSET.sub("", text[:70000], count=1) + text[70000:]
    try:
        root = lxml_html.document_fromstring(text, parser=parser)
    except (etree.ParserError, ValueError) as exc:
        raise ExtractionError("error", f"HTML could not be parsed: {exc}") from exc
    if root is None:
        raise ExtractionError("empty", "HTML document has no elements")
    return root


def _is_hidden(el: lxml_html.HtmlElement) -> bool:
    if el.get("hidden") is not None or el.get("aria-hidden") == "true":
        return True
    style = el.get("style")
    return bool(style and _HIDDEN_STYLE.search(style))


def _is_boilerplate(el: lxml_html.HtmlElement) -> bool:
    tag = el.tag if isinstance(el.tag, str) else ""
    if tag in _BOILERPLATE_TAGS or _is_hidden(el):
        return True
    hint = " ".join(filter(None, (el.get("class"), el.get("id"), el.get("role"))))
    return bool(hint and _BOILERPLATE_HINT.search(hint) and tag not in ("body", "main", "article"))


def drop_invisible(root: lxml_html.HtmlElement) -> None:
    """Remove scripts, styles, hidden elements and cookie/consent banners in place."""
    doomed = []
    for el in root.iter():
        if not isinstance(el.tag, str):
            doomed.append(el)
            continue
        tag = el.tag.lower()
        if tag in ("script", "style", "noscript", "template") or _is_hidden(el):
            doomed.append(el)
            continue
        hint = " ".join(filter(None, (el.get("class"), el.get("id"))))
        if hint and _CONSENT.search(hint) and tag not in ("html", "body", "main", "article"):
            doomed.append(el)
    for el in doomed:
        parent = el.getparent()
        if parent is not None:
            el.drop_tree()


_CONSENT = re.compile(r"cookie|consent|gdpr", re.IGNORECASE)


def _fallback_blocks(root: lxml_html.HtmlElement) -> list[Block]:
    """Paragraph-like elements outside navigation, scripts and hidden parts."""
    blocks: list[Block] = []
    stack = [root]
    while stack:  # iterative walk: 100k-deep nesting must not hit the recursion limit
        el = stack.pop()
        if not isinstance(el.tag, str) or _is_boilerplate(el):
            continue
        tag = el.tag.lower()
        if tag in _BLOCK_TAGS and not any(
            isinstance(c.tag, str) and c.tag.lower() in _BLOCK_TAGS for c in el.iterdescendants()
        ):
            text = _clean(el.text_content())
            if text:
                kind = "heading" if tag in _HEADING_TAGS else "list_item" if tag == "li" else "paragraph"
                blocks.append(Block(text, kind))
            continue
        stack.extend(reversed(list(el)))
    return blocks


def _trafilatura_blocks(body: etree._Element) -> list[Block]:
    """Blocks from trafilatura's output tree (p, head, list/item, table, quote)."""
    blocks: list[Block] = []
    for el in body:
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag == "list":
            for item in el.iter("item"):
                text = _clean("".join(item.itertext()))
                if text:
                    blocks.append(Block(text, "list_item"))
        elif tag == "table":
            for row in el.iter("row"):
                cells = [_clean("".join(c.itertext())) for c in row]
                text = " | ".join(c for c in cells if c)
                if text:
                    blocks.append(Block(text, "paragraph"))
        else:
            text = _clean("".join(el.itertext()))
            if text:
                blocks.append(Block(text, "heading" if tag == "head" else "paragraph"))
    return blocks


def _title_of(root: lxml_html.HtmlElement) -> str | None:
    for xpath in ("//meta[@property='og:title']/@content", "//title/text()", "//h1//text()"):
        found = [_clean(x) for x in root.xpath(xpath)]
        found = [x for x in found if x]
        if found:
            return found[0][:500]
    return None


def _url_of(root: lxml_html.HtmlElement) -> str | None:
    for xpath in ("//link[@rel='canonical']/@href", "//meta[@property='og:url']/@content"):
        found = [x.strip() for x in root.xpath(xpath) if x.strip().lower().startswith("http")]
        if found:
            return found[0][:500]
    return None


def _date_of(root: lxml_html.HtmlElement) -> str | None:
    """The publication date htmldate finds in the page's markup (meta tags, time elements, URL), if any."""
    try:
        from htmldate import find_date

        return find_date(root, extensive_search=False, original_date=True) or None
    except (ValueError, TypeError, etree.LxmlError, RecursionError) as exc:
        log.info("htmldate failed (%s)", exc)
        return None


def read_html(data: bytes) -> Extracted:
    """Extract the main content of an HTML page as blocks, with title and date."""
    text, encoding = decode_bytes(data)
    if not text.strip():
        raise ExtractionError("empty", "the file contains only whitespace")
    root = parse_html(text)
    title = _title_of(root)
    url = _url_of(root)
    date = _date_of(root)
    drop_invisible(root)
    blocks: list[Block] = []
    try:
        import trafilatura

        doc: Any = trafilatura.bare_extraction(
            root,
            include_comments=False,
            include_tables=True,
            include_images=False,
            include_formatting=False,
            with_metadata=False,  # title and date are read above; trafilatura's other metadata cost a third
            deduplicate=False,
        )
    except (ValueError, TypeError, etree.LxmlError, RecursionError) as exc:
        log.info("trafilatura failed (%s); using the plain extractor", exc)
        doc = None
    if doc is not None and doc.body is not None:
        blocks = _trafilatura_blocks(doc.body)
    if sum(len(b.text) for b in blocks) < 200:
        # trafilatura drops short pages; re-parse (it prunes the tree it was given)
        fresh = parse_html(text)
        drop_invisible(fresh)
        fallback = _fallback_blocks(fresh)
        if fallback:
            blocks = fallback
    reason = ""
    if sum(len(b.text) for b in blocks) < 200:
        # libxml2 gives up on markup nested thousands of levels deep; the text is still in the bytes
        flat = _flat_blocks(text)
        if sum(len(b.text) for b in flat) > 2 * max(sum(len(b.text) for b in blocks), 100):
            blocks = flat
            reason = "markup too deeply nested (or too broken) to parse; its text was taken without structure"
    return Extracted(
        format="html",
        blocks=tuple(blocks),
        n_pages=None,
        title=title or None,
        date=date,
        reason=reason,
        info={"encoding": encoding, **({"url": url} if url else {})},
    )


_INVISIBLE = re.compile(r"<(script|style|template|noscript|title|head)\b.*?</\1\s*>|<!--.*?-->", re.I | re.S)
_BLOCK_TAG = re.compile(
    r"</?(?:p|div|li|ul|ol|br|h[1-6]|tr|td|th|table|blockquote|section|article|dd|dt)\b[^>]*>", re.I
)
_ANY_TAG = re.compile(r"<[^>]*>")


def _flat_blocks(text: str) -> list[Block]:
    """Paragraphs from the markup without a tree: invisible parts dropped, block tags as breaks, entities decoded."""
    import html

    body = _BLOCK_TAG.sub("\n", _INVISIBLE.sub(" ", text))
    lines = (_clean(html.unescape(_ANY_TAG.sub(" ", line))) for line in body.split("\n"))
    return [Block(line, "paragraph") for line in lines if line]
