"""Partner extraction (first step of the partner-network issue): who a passage shows the city engaging with."""

from __future__ import annotations

import pandas as pd
import pytest

import cdtext

CASES = [
    ("The mayor signed a sister city agreement with Kyoto during a visit to Japan.", {("Kyoto", "city", "JP"), ("Japan", "country", "JP")}),  # noqa: E501
    ("A delegation from Germany met the mayor to discuss trade.", {("Germany", "country", "DE")}),
    ("Denver joined C40 Cities and is a member of ICLEI.", {("C40 Cities", "network", ""), ("ICLEI", "network", "")}),
    ("Mayor Hancock met the Japanese ambassador and the Mayor of Takayama.", {("Japan", "country", "JP"), ("Takayama", "city", "JP")}),  # noqa: E501
    ("The city received funding from the European Union and the World Bank.", {("European Union", "international_org", ""), ("World Bank", "international_org", "")}),  # noqa: E501
    ("Mayor Lord met the Mayor of London, Ontario at the conference.", {("London", "city", "CA")}),
    # not partners: background, domestic places, people and words that share a place's name
    ("The festival drew visitors from all over the world, including Paris and Tokyo.", set()),
    ("The mayor visited Paris, Texas to meet local officials.", set()),
    ("Our plan is aligned with the UN Sustainable Development Goals.", set()),
    ("The council welcomed a delegation from Boston and Chicago.", set()),
    ("George recently returned to the Carnegie Center after meeting the team.", set()),
    ("Reading the report, the council met to approve the budget.", set()),
]  # fmt: skip


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[c[0][:40] for c in CASES])
def test_partners_of_a_us_city(text: str, expected: set[tuple[str, str, str]]) -> None:
    got = cdtext.extract_partners([text], city="Denver", country="US")
    assert set(zip(got.name, got.kind, got.country)) == expected
    assert all(text[s:e] == span for s, e, span in zip(got.start, got.end, got.span))
    assert got.confidence.between(0, 1).all()


def test_the_own_country_and_city_are_not_partners() -> None:
    text = "Limerick signed a twinning agreement with Spokane, Washington, and hosted a delegation from Cork."
    got = cdtext.extract_partners([text], city="Limerick", country="IE")
    assert list(zip(got.name, got.kind, got.country)) == [("Spokane", "city", "US")]


def test_a_frame_with_its_own_cities() -> None:
    frame = pd.DataFrame(
        {
            "id": ["a", "b"],
            "text": ["The mayor met the Mayor of Boston to sign an agreement.", "The mayor met the Mayor of Boston."],
            "city": ["Dublin", "Chicago"],
            "country": ["IE", "US"],
        }
    )
    got = cdtext.extract_partners(frame)
    assert list(got.passage) == ["a"] and list(got.name) == ["Boston"]
