"""Plain text and Markdown -> blocks."""

from __future__ import annotations

from cdtext.readers.text import join_lines, read_text, text_to_blocks


def test_blank_line_paragraphs_join_wrapped_lines() -> None:
    text = "First paragraph that is\nwrapped over two lines.\n\nSecond paragraph here.\n"
    blocks = text_to_blocks(text)
    assert [b.text for b in blocks] == [
        "First paragraph that is wrapped over two lines.",
        "Second paragraph here.",
    ]


def test_one_paragraph_per_line_when_file_has_no_blank_lines() -> None:
    lines = [
        "Tonight I want to talk about our city and the year ahead.",
        "We opened two new libraries and repaved forty miles of road.",
        "Our trade mission to Seoul brought home three new contracts.",
    ]
    blocks = text_to_blocks("\n".join(lines) + "\n")
    assert [b.text for b in blocks] == lines
    assert all(b.kind == "paragraph" for b in blocks)


def test_blank_line_after_every_line_is_one_per_line() -> None:
    blocks = text_to_blocks("Line one is a sentence.\n\nLine two is another.\n\nAnd three.\n")
    assert len(blocks) == 3


def test_markdown_headings_and_list_items() -> None:
    md = (
        "# International Strategy\n\n"
        "Our office has three jobs:\n"
        "- attract investment from abroad\n"
        "- welcome foreign delegations\n"
        "  and consular officials\n"
        "1. run the sister-city exchange\n\n"
        "Closing words of the section.\n"
    )
    blocks = text_to_blocks(md)
    assert [(b.kind, b.text) for b in blocks] == [
        ("heading", "International Strategy"),
        ("paragraph", "Our office has three jobs:"),
        ("list_item", "attract investment from abroad"),
        ("list_item", "welcome foreign delegations and consular officials"),
        ("list_item", "run the sister-city exchange"),
        ("paragraph", "Closing words of the section."),
    ]


def test_setext_heading() -> None:
    blocks = text_to_blocks("Climate Partnerships\n====================\n\nWe joined C40 in 2019.\n")
    assert blocks[0].kind == "heading" and blocks[0].text == "Climate Partnerships"


def test_hyphenated_line_break_is_mended_but_real_hyphens_kept() -> None:
    assert join_lines(["the inter-", "national office"]) == "the international office"
    assert join_lines(["a well-", "Known name"]) == "a well- Known name"
    assert join_lines(["sister-city", "exchange"]) == "sister-city exchange"


def test_read_text_title_is_leading_heading() -> None:
    extracted = read_text(b"# Annual Report\n\nBody text of the report follows here.\n")
    assert extracted.title == "Annual Report"
    assert extracted.format == "text"
