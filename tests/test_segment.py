"""Segmenter: merging, splitting, headings and the source-text invariant."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from cdtext.segment import normalise_space, segment
from cdtext.types import Block


def words(n: int, stem: str = "word") -> str:
    return " ".join(f"{stem}{i}" for i in range(n))


def test_heading_is_context_not_passage() -> None:
    _, passages = segment([Block("Trade", "heading"), Block(words(20))], "d")
    assert len(passages) == 1
    assert passages[0].heading == "Trade"
    assert "Trade" not in passages[0].text


def test_fragments_merge_with_next_in_section() -> None:
    _, passages = segment([Block("Thank you."), Block(words(20))], "d")
    assert len(passages) == 1
    assert passages[0].text.startswith("Thank you. word0")


def test_trailing_fragment_merges_backwards() -> None:
    _, passages = segment([Block(words(20)), Block("God bless.")], "d")
    assert len(passages) == 1 and passages[0].text.endswith("God bless.")


def test_document_of_headings_only_keeps_its_text() -> None:
    _, passages = segment([Block("HACKEM MUCHE", "heading")], "d")
    assert [p.text for p in passages] == ["HACKEM MUCHE"]


def test_fragment_does_not_cross_heading() -> None:
    _, passages = segment([Block(words(20)), Block("Next", "heading"), Block("Short one.")], "d")
    assert len(passages) == 2 and passages[1].heading == "Next"


def test_long_paragraph_splits_at_sentences() -> None:
    sentence = "The mayor signed a partnership agreement with a city abroad today. "
    _, passages = segment([Block(sentence * 60)], "d", max_words=300)
    assert len(passages) == 3
    assert all(p.n_words <= 300 for p in passages)
    assert all(p.text.endswith("today.") for p in passages)


def test_ids_are_stable_and_ordered() -> None:
    blocks = [Block(words(10, "a")), Block(words(10, "b"))]
    _, first = segment(blocks, "abc123")
    _, again = segment(blocks, "abc123")
    assert [p.passage_id for p in first] == ["abc123-00000", "abc123-00001"] == [p.passage_id for p in again]


def test_max_passages_cuts() -> None:
    _, passages = segment([Block(words(10, str(i))) for i in range(10)], "d", max_passages=3)
    assert len(passages) == 3


block_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=400)
blocks_strategy = st.lists(
    st.builds(
        Block,
        text=block_text,
        kind=st.sampled_from(["paragraph", "heading", "list_item"]),
        page=st.one_of(st.none(), st.integers(1, 50)),
    ),
    max_size=25,
)


@settings(max_examples=150, deadline=None)
@given(blocks_strategy)
def test_passages_come_from_source_in_order(blocks: list[Block]) -> None:
    text, passages = segment(blocks, "doc", min_words=3, max_words=40)
    last_end = 0
    for i, p in enumerate(passages):
        assert p.text.strip(), "passages are never empty"
        assert p.idx == i
        assert p.start >= last_end, "passages do not overlap and keep document order"
        assert normalise_space(text[p.start : p.end]) == p.text
        assert p.n_words == len(p.text.split())
        last_end = p.end
    kinds = [b.kind for b in blocks if b.text.split()]
    last_body = max((i for i, k in enumerate(kinds) if k != "heading"), default=-1)
    kept = [b for b in blocks if b.text.split()]
    body_words = sum(len(b.text.split()) for i, b in enumerate(kept) if b.kind != "heading" or i > last_body)
    assert sum(p.n_words for p in passages) == body_words, "no text is lost or duplicated"
