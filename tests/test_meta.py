"""Metadata CSV matching and inference from the document."""

from __future__ import annotations

from pathlib import Path

import pytest

from cdtext.errors import MetadataError
from cdtext.ingestion.meta import (
    MetaTable,
    find_date,
    infer_doc_type,
    normalise_doc_type,
    parse_date,
)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "meta.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_lookup_by_path_name_or_stem(tmp_path: Path) -> None:
    table = MetaTable.from_csv(
        write(
            tmp_path,
            (
                "id,city,date,type,mayor\n"
                "austin_2015,Austin,2015-04-13,State of the City,Steve Adler\n"
                "report.pdf,Lyon,NA,Annual report,\n"
                f"{tmp_path / 'x' / 'page.html'},Accra,2020/05/01,,\n"
            ),
        )
    )
    by_stem = table.lookup("/data/speeches/austin_2015.txt")
    assert (by_stem.city, by_stem.date, by_stem.doc_type) == ("Austin", "2015-04-13", "speech")
    assert by_stem.extra["mayor"] == "Steve Adler"
    assert by_stem.source == {"city": "meta", "date": "meta", "doc_type": "meta"}
    by_name = table.lookup("elsewhere/report.pdf")
    assert (by_name.city, by_name.date, by_name.doc_type) == ("Lyon", None, "report")
    assert table.lookup(tmp_path / "x" / "page.html").date == "2020-05-01"
    assert table.lookup("unknown.txt") is None


def test_csv_without_key_column_is_refused(tmp_path: Path) -> None:
    with pytest.raises(MetadataError, match="no column to match documents on"):
        MetaTable.from_csv(write(tmp_path, "city,date\nAustin,2015\n"))


def test_missing_csv(tmp_path: Path) -> None:
    with pytest.raises(MetadataError, match="metadata file not found"):
        MetaTable.from_csv(tmp_path / "nope.csv")


@pytest.mark.parametrize(
    "text, iso",
    [
        ("Released March 3rd, 2016 at noon", "2016-03-03"),
        ("le 12 avril 2012, la ville", "2012-04-12"),
        ("dated 2019-11-30.", "2019-11-30"),
        ("on 7/4/2021 the council", "2021-07-04"),
        ("no date here", None),
    ],
)
def test_find_date(text: str, iso: str | None) -> None:
    assert find_date(text) == iso


def test_parse_date_partial_and_missing() -> None:
    assert parse_date("2016") == "2016"
    assert parse_date("NA") is None


def test_infer_doc_type_rules() -> None:
    assert infer_doc_type("WHEREAS the city...\nNOW, THEREFORE, BE IT RESOLVED", "text", None, None) == "resolution"
    assert infer_doc_type("FOR IMMEDIATE RELEASE\nThe city today", "html", None, None) == "press_release"
    speech = "Good evening and thank you. " + "I am proud of what we did and our city. " * 20
    assert infer_doc_type(speech, "text", None, None) == "speech"
    assert infer_doc_type("Some body text.", "pdf", "Climate Action Plan 2030", 40) == "plan"
    assert infer_doc_type("Some body text.", "html", None, None) == "web_page"
    assert normalise_doc_type("State of the City") == "speech"
