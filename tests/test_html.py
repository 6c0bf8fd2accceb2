"""HTML main-content extraction."""

from __future__ import annotations

import pytest
from conftest import SAMPLES

from cdtext.errors import ExtractionError
from cdtext.ingestion.readers.html import read_html


def test_sample_press_release_main_content_only() -> None:
    extracted = read_html((SAMPLES / "lakemont-press-2024-03-04.html").read_bytes())
    text = "\n".join(b.text for b in extracted.blocks)
    assert "Mayor Elena Reyes received a delegation" in text
    assert "São Paulo" in text
    for boilerplate in (
        "uses cookies",
        "Residents",
        "Snow emergency",
        "Internal draft note",
        "Accessibility",
        "dataLayer",
    ):
        assert boilerplate not in text
    kinds = [b.kind for b in extracted.blocks]
    assert "list_item" in kinds and "heading" in kinds
    assert extracted.date == "2024-03-04"
    assert extracted.title.startswith("Mayor Reyes Welcomes São Paulo Delegation")


def test_undeclared_cp1252_page_has_no_mojibake() -> None:
    extracted = read_html((SAMPLES / "brightwater-sister-cities.html").read_bytes())
    text = " ".join(b.text for b in extracted.blocks)
    assert "Bad Kötzting" in text and "Águas de Lindóia" in text
    assert "Ã" not in text
    assert "Office hours" not in text  # footer


def test_short_page_falls_back_to_plain_walk() -> None:
    page = b"<html><body><nav>Home | About</nav><p>The mayor met the ambassador of Chile.</p></body></html>"
    extracted = read_html(page)
    assert [b.text for b in extracted.blocks] == ["The mayor met the ambassador of Chile."]


def test_hidden_and_script_content_dropped() -> None:
    page = (
        b"<html><body><script>alert(1)</script><div style='display:none'>secret</div>"
        b"<p hidden>also secret</p><p>Visible text about the trade mission to Accra.</p></body></html>"
    )
    text = " ".join(b.text for b in read_html(page).blocks)
    assert "Visible text" in text
    assert "secret" not in text and "alert" not in text


def test_entities_in_doctype_are_not_expanded() -> None:
    page = (
        b'<!DOCTYPE html [<!ENTITY a "AAAAAAAAAA"><!ENTITY b "&a;&a;&a;&a;">]>'
        b"<html><body><p>Twinning text &b; here.</p></body></html>"
    )
    text = " ".join(b.text for b in read_html(page).blocks)
    assert "AAAA" not in text


def test_whitespace_only_page_is_empty() -> None:
    with pytest.raises(ExtractionError) as info:
        read_html(b"   \n  ")
    assert info.value.status == "empty"
