"""Plain text and Markdown -> blocks."""

from __future__ import annotations

from cdtext.ingestion.readers.markdown import clean_markdown
from cdtext.ingestion.readers.text import join_lines, read_text, text_to_blocks


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


def test_markdown_export_is_reduced_to_plain_text() -> None:
    md = (
        '---\ntitle: "Sister city visit"\ndate: 2024-05-02\nhero:\n  src: x.png\n---\n'
        "<!-- source URL: https://example.org/news -->\n"
        "[Skip to main content](https://example.org#main)\n\n"
        "The mayor welcomed a [delegation](https://example.org/d) from **Kumamoto** &amp; its port.\n\n"
        "![logo](https://example.org/logo.png)\n\n"
        "> Moved by S. Hillier\n"
    )
    extracted = read_text(md.encode())
    texts = [b.text for b in extracted.blocks]
    assert "The mayor welcomed a delegation from Kumamoto & its port." in texts
    assert not any("http" in t or "**" in t or "title:" in t for t in texts)
    assert "Moved by S. Hillier" in texts
    assert extracted.title == "Sister city visit" and extracted.date == "2024-05-02"


def test_markdown_table_cells_with_line_breaks_become_paragraphs() -> None:
    md = (
        "# 2017\n\n| Title | Article | Post Date |\n| --- | --- | --- |\n"
        "| Trade mission to Glasgow | PITTSBURGH (May 1, 2017) The mayor led a mission.<br>It signed a "
        "partnership agreement with the city council.<br>**Who:**<br>Mayor Peduto | 05/01/2017 |\n"
    )
    texts = [b.text for b in text_to_blocks(clean_markdown(md)[0])]
    assert "PITTSBURGH (May 1, 2017) The mayor led a mission." in texts
    assert "It signed a partnership agreement with the city council." in texts
    assert not any("|" in t or "<br>" in t for t in texts)


def test_lines_wrapped_at_a_fixed_width_are_reflowed_into_paragraphs() -> None:
    wrapped = [
        "The Cathaoirleach welcomed the delegation from the twin town of Lorient in France and",
        "thanked the members of the twinning committee for organising the programme of the visit,",
        "which included a civic reception in the council chamber and a tour of the harbour.",
        "Adoption of Minutes",
        "Circulated, copy of draft minutes of the meeting held on the sixth of February, which were",
        "proposed by Councillor Foley, seconded by Councillor Galvin and adopted by the members",
        "present at the meeting without any further amendment or discussion on the matter.",
        "The members noted the report on the road works programme for the coming year and asked",
        "that the works on the main street be completed before the start of the summer season.",
        "Any other business",
        "The meeting concluded at one o'clock in the afternoon after a brief discussion of the",
        "arrangements for the next meeting of the members of the municipal district council.",
    ]
    blocks = text_to_blocks("\n\n".join(wrapped) + "\n")
    texts = [b.text for b in blocks]
    assert texts[0].startswith("The Cathaoirleach") and texts[0].endswith("tour of the harbour.")
    assert ("heading", "Adoption of Minutes") in [(b.kind, b.text) for b in blocks]
    assert len(blocks) == 6  # four paragraphs and two headings


def test_whole_paragraphs_one_per_line_are_not_reflowed() -> None:
    lines = [f"Paragraph number {i} of the speech talks about the city and ends here." for i in range(12)]
    assert len(text_to_blocks("\n\n".join(lines) + "\n")) == 12
