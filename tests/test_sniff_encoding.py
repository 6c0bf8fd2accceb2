"""Format sniffing from bytes and HTML/text decoding in several encodings."""

from __future__ import annotations

import codecs
import json

import pytest

from cdtext.ingestion.readers.encoding import decode_bytes, detect_encoding
from cdtext.ingestion.readers.sniff import sniff_format

FRENCH = "Le jumelage entre Lyon et Montréal renforce la coopération culturelle — été 2024."
RUSSIAN = "Побратимство городов: делегация мэрии посетила Берлин и подписала соглашение."


@pytest.mark.parametrize(
    "head, expected",
    [
        (b"%PDF-1.7\n%\xe2\xe3", "pdf"),
        (b"junk bytes before the header %PDF-1.4\n", "pdf"),
        (b"<!DOCTYPE html><html><body><p>hi</p></body></html>", "html"),
        (b"  \n<html><p>hello</p></html>", "html"),
        (b"Plain words on a line.\nAnother line.\n", "text"),
        (b"# A markdown title\n\nSome text with a <b>tag</b> inside.", "text"),
        (b"PK\x03\x04\x14\x00\x06\x00", "unsupported"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "unsupported"),
        (b"\x00\x01\x02\x03" * 100, "unsupported"),
        (b"", "empty"),
        (b"   \n\t  ", "empty"),
        # data, not documents: JSON lines, a JSON array or object, XML that is not XHTML
        (b'{"id": 1, "text": "The council met."}\n{"id": 2, "text": "Minutes."}\n', "json"),
        (b'[\n  {"city": "Lyon", "text": "Le jumelage"}\n]', "json"),
        (b'\xef\xbb\xbf{\n  "title": "Report",\n  "pages": []\n}', "json"),
        (b'<?xml version="1.0"?>\n<rss><channel><title>News</title></channel></rss>', "xml"),
        (
            b"id,city,mayor,date\nausten_2015,Austin,A. Mayor,2015-04-13\nboston_2016,Boston,B. Mayor,2016-01-05\n",
            "table",
        ),
        (b"city\tcountry\tyear\nLyon\tFR\t2021\nTurin\tIT\t2022\nKobe\tJP\t2023\n", "table"),
        # prose with commas on every line stays text: the lines do not split into equal fields
        (b"The mayor, in her speech, thanked the council.\nWe met Kobe, Lyon and Turin.\nThank you, all.\n", "text"),
        # prose that merely starts with a brace or bracket stays text
        (b"{Draft} The council met on Tuesday.", "text"),
        (b"[Translated from French] The mayor welcomed the delegation.", "text"),
    ],
)
def test_sniff_format_from_bytes(head: bytes, expected: str) -> None:
    assert sniff_format(head) == expected


def test_sniff_ignores_extension_pdf_bytes_named_html(tmp_path) -> None:
    from helpers.synth import TextRun, write_pdf

    path = write_pdf(tmp_path / "page.html", [[TextRun(72, 700, 12, "A PDF under another name.")]])
    assert sniff_format(path.read_bytes()[:4096]) == "pdf"


def html(body: str, charset: str | None = None) -> str:
    meta = f'<meta charset="{charset}">' if charset else ""
    return f"<html><head>{meta}</head><body><p>{body}</p></body></html>"


@pytest.mark.parametrize(
    "data, text",
    [
        (html(FRENCH, "utf-8").encode("utf-8"), FRENCH),
        (html(FRENCH).encode("utf-8"), FRENCH),  # undeclared UTF-8 (lxml would read Latin-1)
        (html(FRENCH).encode("cp1252"), FRENCH),  # undeclared windows-1252
        (html(FRENCH, "iso-8859-1").encode("utf-8"), FRENCH),  # declared Latin-1, bytes are UTF-8
        (html(FRENCH, "utf-8").encode("cp1252"), FRENCH),  # declared UTF-8, bytes are cp1252
        (codecs.BOM_UTF16_LE + html(FRENCH).encode("utf-16-le"), FRENCH),
        (html(FRENCH).encode("utf-16-le"), FRENCH),  # UTF-16 without a BOM
        (codecs.BOM_UTF8 + html(FRENCH).encode("utf-8"), FRENCH),
        (html(RUSSIAN, "windows-1251").encode("cp1251"), RUSSIAN),
        (html(RUSSIAN).encode("cp1251"), RUSSIAN),  # undeclared Cyrillic
        (
            html("東京都と姉妹都市の協定を締結しました。", "shift_jis").encode("shift_jis"),
            "東京都と姉妹都市の協定を締結しました。",
        ),
    ],
)
def test_decode_bytes_recovers_text(data: bytes, text: str) -> None:
    decoded, _ = decode_bytes(data)
    assert text in decoded
    assert "Ã" not in decoded and "\ufffd" not in decoded


def test_decode_removes_control_characters_and_normalises_newlines() -> None:
    decoded, _ = decode_bytes(b"one\x00two\x0bthree\r\nfour\rfive")
    assert decoded == "onetwothree\nfour\nfive"


def test_detect_encoding_says_why() -> None:
    assert detect_encoding(codecs.BOM_UTF8 + b"x") == ("utf-8", "bom")
    name, how = detect_encoding(html(FRENCH, "iso-8859-1").encode("utf-8"))
    assert name == "utf-8" and "declared" in how


def test_markdown_with_a_leading_comment_and_inline_breaks_is_text() -> None:
    from cdtext.ingestion.readers.sniff import sniff_format

    md = b"<!-- source URL: https://example.org -->\n[Skip](https://example.org#m)\n\n| a | b<br>c |\n| --- | --- |\n"
    assert sniff_format(md) == "text"
    assert sniff_format(b"<!-- saved page -->\n<html><body><p>Hi</p></body></html>") == "html"


def test_data_files_are_refused_with_a_reason_not_read_as_prose(tmp_path) -> None:
    from cdtext.errors import ExtractionError
    from cdtext.ingestion.readers import read_document

    table = tmp_path / "records.jsonl"
    table.write_text('{"city": "Lyon", "text": "Le jumelage"}\n{"city": "Turin", "text": "Il gemellaggio"}\n')
    array = tmp_path / "records.json"
    array.write_text('[{"text": "One."}, {"text": "Two."}, {"text": "Three."}]')
    bare = tmp_path / "ids.json"
    bare.write_text('{"id": 7, "sponsors": ["A. Council Member"]}')
    csv_table = tmp_path / "metadata.csv"
    csv_table.write_text("id,city,year\na,Lyon,2021\nb,Turin,2022\nc,Kobe,2023\n")
    for path, words in (
        (csv_table, "delimited table"),
        (table, "JSON lines with 2 records"),
        (array, "JSON array of 3 items"),
        (bare, "without a text field"),
    ):
        with pytest.raises(ExtractionError) as caught:
            read_document(path)
        assert caught.value.status == "unsupported" and words in str(caught.value)
        assert "cdtext classify" in str(caught.value) or path == bare


def test_prose_that_only_looks_like_json_is_read_as_text(tmp_path) -> None:
    from cdtext.ingestion.readers import read_document

    path = tmp_path / "notes.txt"
    path.write_text("[1] Introduction. The council met the delegation from Kobe.\n\n[2] The agreement was signed.\n")
    got = read_document(path)
    assert got.format == "text" and got.blocks[0].text.startswith("[1] Introduction")


def test_a_json_record_is_a_document_of_its_prose_fields(tmp_path) -> None:
    from cdtext.ingestion.readers import read_document

    record = {
        "ID": 52151,
        "Title": "A Local Law in relation to a sister city exchange programme",
        "IntroDate": "2014-03-26T00:00:00Z",
        "PassedDate": "0001-01-01T00:00:00Z",
        "Sponsors": [{"Name": "A. Member"}],
        "Summary": "This bill would set up an exchange of students with the city's sister cities.",
        "Text": "Be it enacted by the Council as follows.\n\nSection 1. The office shall run the exchange.",
        "RTF": "{\\rtf1\\ansi raw markup}",
    }
    path = tmp_path / "introduction.json"
    path.write_text(json.dumps(record), encoding="utf-8")
    got = read_document(path)
    assert got.format == "json" and got.title == record["Title"] and got.date.startswith("2014-03-26")
    texts = [b.text for b in got.blocks]
    assert texts[0].startswith("This bill") and any(t.startswith("Section 1.") for t in texts)
    assert not any("rtf" in t or "52151" in t or "A. Member" in t for t in texts)


def test_an_xml_document_is_read_by_its_text_without_expanding_entities(tmp_path) -> None:
    from cdtext.ingestion.readers import read_document

    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET LINE")
    doc = tmp_path / "resolution.xml"
    doc.write_text(
        '<?xml version="1.0"?>\n'
        f'<!DOCTYPE r [<!ENTITY leak SYSTEM "file://{secret}"><!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>\n'
        '<resolution xmlns:dc="http://purl.org/dc/elements/1.1/"><metadata><dc:title>Welcoming the delegation'
        "</dc:title><dc:date>2012-06-06</dc:date></metadata>"
        "<main><level><heading>WHEREAS</heading>, The council welcomed the delegation from Kobe; and &leak; &b;</level>"
        "<level><heading>RESOLVED</heading>, That the sister city agreement be renewed.</level></main></resolution>",
        encoding="utf-8",
    )
    got = read_document(doc)
    texts = [b.text for b in got.blocks]
    assert got.format == "xml" and got.title == "Welcoming the delegation" and got.date == "2012-06-06"
    assert texts[0].startswith("WHEREAS, The council welcomed the delegation from Kobe")
    assert texts[1] == "RESOLVED, That the sister city agreement be renewed."
    assert not any("TOP SECRET" in t or "aaaa" in t or "2012-06-06" in t for t in texts)


@pytest.mark.realworld
def test_real_council_records_in_xml_and_json_are_read_as_documents() -> None:
    from conftest import REALWORLD

    from cdtext.ingestion.readers import read_document

    xml = REALWORLD / "chicago_resolutions" / "xml" / "R2012-559.xml"
    bill = REALWORLD / "nyc_legislation" / "introduction_2018_0533.json"
    if not (xml.exists() and bill.exists()):
        pytest.skip(f"{REALWORLD} is absent")
    got = read_document(xml)
    assert got.format == "xml" and got.date == "2012-06-06" and got.title
    assert any(b.text.startswith("WHEREAS, The Village") for b in got.blocks)
    assert not any("<" in b.text or "dc:" in b.text for b in got.blocks)
    got = read_document(bill)
    assert got.format == "json" and got.date.startswith("2018-02-14") and "Diplomatic Immunity" in got.title
    assert not any('"' + key in b.text for b in got.blocks for key in ("Sponsors", "RTF", "GUID"))
