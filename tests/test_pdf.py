"""PDF reading on generated files whose passages are known exactly."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.synth import flow_report, write_pdf

from cdtext.errors import ExtractionError
from cdtext.ingestion.readers.pdf import read_pdf as read_plumber
from cdtext.ingestion.readers.pdfium import read_pdf_pdfium
from cdtext.segment import segment

PARAGRAPHS = [
    "The international relations office coordinates incoming delegations, maintains relationships "
    "with the consular community, and prepares briefing materials before every official visit to "
    "City Hall by foreign dignitaries and representatives.",
    "Export assistance remained the largest programme. Counsellors met with manufacturers throughout "
    "the metropolitan region, organised participation in international exhibitions, and accompanied "
    "twelve companies on a trade mission to Guadalajara and Monterrey.",
    "Through the climate partnership with Gothenburg and Rotterdam, engineers exchanged methods for "
    "stormwater management, permeable pavements and neighbourhood-scale heat adaptation, which the "
    "sustainability department incorporated into its implementation schedule.",
    "Community programmes included citizenship workshops, multilingual information sessions at "
    "neighbourhood libraries, and a youth ambassadors initiative that connected secondary students "
    "with counterparts in Kumasi through videoconferences and a summer exchange.",
    "Preparations for the international conference on waterfront regeneration continued, with "
    "accommodation agreements signed, volunteers recruited from universities, and accessibility "
    "requirements reviewed together with representatives of disabled residents.",
    "Administrative expenditures increased moderately because of translation services, insurance "
    "premiums and the replacement of outdated videoconferencing equipment in the reception rooms "
    "used for protocol events and ceremonial signings.",
]
HEADER = "City of Northfield - International Relations - Annual Report"
FOOTER = "Northfield International Relations Office"


@pytest.fixture(params=["pdfplumber", "pdfium"])
def read_pdf(request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    """Both PDF backends must pass every test in this module."""
    return read_plumber if request.param == "pdfplumber" else read_pdf_pdfium


def _report(tmp_path: Path, columns: int, repeat: int = 2, matrix_scaled: bool = False) -> Path:
    blocks: list[tuple[str, str]] = [("heading", "Annual Report")]
    for i in range(repeat):
        for n, text in enumerate(PARAGRAPHS):
            if n == 0:
                blocks.append(("heading", f"Part {i + 1}"))
            blocks.append(("paragraph", text))
    pages = flow_report(blocks, columns=columns, header=HEADER, footer=FOOTER, hyphenate=True, size=11)
    assert len(pages) >= 2, "the fixture must span pages to exercise running headers"
    return write_pdf(tmp_path / f"report-{columns}col.pdf", pages, title="Annual Report", matrix_scaled=matrix_scaled)


@pytest.mark.parametrize("columns, repeat, matrix_scaled", [(1, 2, False), (2, 4, False), (3, 5, False), (2, 3, True)])
def test_generated_report_gives_exact_passages(
    tmp_path: Path, columns: int, repeat: int, matrix_scaled: bool, read_pdf
) -> None:
    # matrix_scaled: text set at "1 Tf" and sized by the text matrix; PDFium then reports font size 1
    path = _report(tmp_path, columns, repeat, matrix_scaled)
    extracted = read_pdf(path)
    assert extracted.n_pages >= 2
    text, passages = segment(extracted.blocks, "doc")
    assert [p.text for p in passages] == PARAGRAPHS * repeat
    assert HEADER not in text and FOOTER not in text and "Page 1" not in text
    assert [p.heading for p in passages] == [f"Part {i + 1}" for i in range(repeat) for _ in PARAGRAPHS]
    pages = [p.page for p in passages]
    assert pages == sorted(pages) and pages[0] == 1 and len(set(pages)) >= 2


def test_hyphenation_really_happened_in_fixture(tmp_path: Path) -> None:
    from helpers.synth import wrap

    lines = wrap(PARAGRAPHS[1], 150, 11, hyphenate=True)
    assert any(line.endswith("-") and line[-2].isalpha() for line in lines)


def test_two_column_page_reads_left_column_first(tmp_path: Path, read_pdf) -> None:
    from helpers.synth import TextRun

    left = [
        TextRun(72, 700 - 14 * i, 11, f"left column line number {w} of the text")
        for i, w in enumerate("abcdefghijklmnopqrst")
    ]
    right = [
        TextRun(320, 700 - 14 * i, 11, f"right column line number {w} of the text")
        for i, w in enumerate("abcdefghijklmnopqrst")
    ]
    path = write_pdf(tmp_path / "cols.pdf", [left + right])
    text = " ".join(b.text for b in read_pdf(path).blocks)
    assert text.index("left column line number t") < text.index("right column line number a")


def test_metadata_title_and_date(tmp_path: Path, read_pdf) -> None:
    extracted = read_pdf(_report(tmp_path, 1))
    assert extracted.title == "Annual Report"
    assert extracted.date == "2024-03-15"


def test_pdf_without_text_layer_is_no_text(tmp_path: Path, read_pdf) -> None:
    path = write_pdf(tmp_path / "blank.pdf", [[], []])
    with pytest.raises(ExtractionError) as info:
        read_pdf(path)
    assert info.value.status == "no_text"
    assert "needs OCR" in info.value.reason


def test_truncated_pdf_is_an_error(tmp_path: Path, read_pdf) -> None:
    good = _report(tmp_path, 1).read_bytes()
    bad = tmp_path / "cut.pdf"
    bad.write_bytes(good[:200])
    with pytest.raises(ExtractionError) as info:
        read_pdf(bad)
    assert info.value.status in ("error", "no_text", "empty")


def test_encrypted_realworld_pdf(realworld: Path, read_pdf) -> None:
    with pytest.raises(ExtractionError) as info:
        read_pdf(realworld / "pdfplumber_tests" / "password-example.pdf")
    assert info.value.status == "password_required"
