"""XML that is not a web page (a council's resolution transcribed in Akoma Ntoso, TEI, a feed): its text.

Every element that holds text of its own (not only inside child elements) is a paragraph, with the text of its
inline children: ``<level><heading>WHEREAS</heading>, The Village ...</level>`` is one paragraph. Metadata
sections (Dublin Core, ``metadata``, ``teiHeader``, ``head``) give the title and date, not paragraphs.

The parser resolves no entities, loads no DTD and never reaches the network, so external entities (XXE) and
entity expansion (a "billion laughs" file) are not expanded; a document that is not well-formed is recovered as
far as the parser can.
"""

from __future__ import annotations

import re

from cdtext.errors import ExtractionError
from cdtext.ingestion.readers.text import text_to_blocks
from cdtext.types import Extracted

#: elements whose subtree describes the document rather than being it
METADATA = frozenset({"metadata", "dublincore", "teiheader", "head", "header", "meta", "front"})
#: elements that are part of a paragraph's flow rather than paragraphs of their own
INLINE = frozenset(
    {"b", "i", "u", "em", "strong", "span", "a", "heading", "num", "term", "ref", "hi", "emph", "sup", "sub", "br"}
)
_SPACE = re.compile(r"\s+")


def _squash(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def _local(tag: object) -> str:
    """The element name without namespace or prefix, in lower case ("" for comments and the like)."""
    return tag.rsplit("}", 1)[-1].split(":")[-1].lower() if isinstance(tag, str) else ""


def _has_own_text(el) -> bool:
    if el.text and el.text.strip():
        return True
    return any(_local(child.tag) in INLINE or (child.tail and child.tail.strip()) for child in el)


def _paragraphs(el, out: list[str]) -> None:
    name = _local(el.tag)
    if name in METADATA or not name:
        return
    block_children = [c for c in el if _local(c.tag) and _local(c.tag) not in INLINE]
    if _has_own_text(el) and not any(_has_own_text(c) for c in block_children):
        if text := _squash("".join(el.itertext())):
            out.append(text)
        return
    if el.text and el.text.strip():
        out.append(_squash(el.text))
    for child in el:
        _paragraphs(child, out)
        if child.tail and child.tail.strip():
            out.append(_squash(child.tail))


def _first(root, names: set[str]) -> str | None:
    for el in root.iter():
        if _local(el.tag) in names:
            if text := _squash("".join(el.itertext())):
                return text
    return None


def read_xml(data: bytes) -> Extracted:
    """Read an XML document's text into blocks (see the module description)."""
    from lxml import etree

    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, recover=True, remove_comments=True, remove_pis=True
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise ExtractionError("unsupported", f"XML that does not parse ({exc}); save its text as a text file") from None
    if root is None:
        raise ExtractionError("unsupported", "XML that does not parse; save its text as a text file")
    paragraphs: list[str] = []
    _paragraphs(root, paragraphs)
    if not paragraphs:
        raise ExtractionError("empty", "an XML document without text")
    return Extracted(
        format="xml",
        blocks=tuple(text_to_blocks("\n\n".join(paragraphs))),
        title=_first(root, {"title"}),
        date=_first(root, {"date"}),
        info={"root": _local(root.tag)},
    )
