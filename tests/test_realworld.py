"""Acceptance checks on the real documents in ../shared/realworld (skipped when absent)."""

from __future__ import annotations

import difflib
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from conftest import REALWORLD

import cdtext

pytestmark = pytest.mark.realworld

FOLDERS = ("speeches/text", "pdfplumber_tests", "trafilatura_html")
MOJIBAKE = re.compile(r"Ã[\x80-\xbf¡-ÿ]|Â[\xa0-\xbf]|â€|\ufffd")
WORDS = re.compile(r"\w+")


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not REALWORLD.exists():
        pytest.skip(f"{REALWORLD} is absent (../shared is only present next to a checkout of the project)")
    path = tmp_path_factory.mktemp("rw") / "S.duckdb"
    cmd = [
        sys.executable,
        "-m",
        "cdtext",
        "ingest",
        *(str(REALWORLD / f) for f in FOLDERS),
        "--meta",
        str(REALWORLD / "speeches" / "sotc_metadata.csv"),
        "--store",
        str(path),
        "--jobs",
        "2",
    ]
    subprocess.run(cmd, check=True, timeout=600)
    return path


@pytest.fixture(scope="module")
def docs(store: Path) -> pd.DataFrame:
    return cdtext.read_documents(store)


@pytest.fixture(scope="module")
def texts(store: Path) -> dict[str, str]:
    from cdtext.store import Store

    with Store(store, read_only=True) as s:
        rows = s._con.execute("SELECT d.path, t.text FROM documents d JOIN texts t USING (doc_id)").fetchall()
    return {Path(p).name: t for p, t in rows}


def test_every_file_accounted_for(docs: pd.DataFrame) -> None:
    files = sorted(str(p.absolute()) for f in FOLDERS for p in (REALWORLD / f).rglob("*") if p.is_file())
    assert sorted(docs.path) == files
    assert docs.path.is_unique


def test_speeches_get_cities_from_metadata(docs: pd.DataFrame) -> None:
    speeches = docs[docs.path.str.contains("/speeches/text/")]
    assert len(speeches) == 43 and (speeches.status == "ok").all()
    assert speeches.city.nunique() == 16
    assert speeches.meta_source.str.contains('"city": "meta"').all()
    for path, city in zip(speeches.path, speeches.city):
        assert Path(path).stem.rsplit("_", 1)[0].replace("_", " ") == city.lower()


def test_speech_paragraphs_become_passages(store: Path, docs: pd.DataFrame) -> None:
    passages = cdtext.read_passages(store)
    speech = passages[passages.path.str.contains("/speeches/text/")]
    lines = sum(
        1
        for p in (REALWORLD / "speeches" / "text").glob("*.txt")
        for line in p.read_text(encoding="utf-8").splitlines()
        if line.strip()
    )
    # one passage per paragraph line; lines under 8 words merge with a neighbour
    assert 0.85 * lines <= len(speech) <= lines
    assert speech.n_words.min() >= 1


def test_scotus_transcript_matches_expected_text(texts: dict[str, str]) -> None:
    expected = (REALWORLD / "pdfplumber_tests" / "scotus-transcript-p1.txt").read_text(encoding="utf-8")
    expected = re.sub(r"(?m)^\s*\d{1,2}\s", " ", expected)  # margin line numbers are page furniture
    ours = WORDS.findall(texts["scotus-transcript-p1.pdf"])
    ref = WORDS.findall(expected)
    assert difflib.SequenceMatcher(None, ours, ref, autojunk=False).ratio() >= 0.95


def _agreement(ours: list[str], ref: list[str], n: int = 4) -> float:
    grams = [tuple(ours[i : i + n]) for i in range(len(ours) - n + 1)]
    ref_grams = {tuple(ref[i : i + n]) for i in range(len(ref) - n + 1)}
    return sum(g in ref_grams for g in grams) / max(len(grams), 1)


def test_federal_register_reads_in_column_order(texts: dict[str, str]) -> None:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed; .ci/run installs it")
    pdf = REALWORLD / "pdfplumber_tests" / "federal-register-2020-17221.pdf"
    ref = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    ours = [w.lower() for w in WORDS.findall(texts[pdf.name])]
    theirs = [w.lower() for w in WORDS.findall(ref)]
    assert _agreement(ours, theirs) >= 0.85


def test_html_pages_have_no_mojibake(docs: pd.DataFrame, texts: dict[str, str]) -> None:
    html = docs[docs.path.str.contains("/trafilatura_html/")]
    assert (html.status == "ok").all()
    for path in html.path:
        text = texts[Path(path).name]
        assert len(text) > 20, path
        assert not MOJIBAKE.search(text), (path, MOJIBAKE.search(text))


def test_encrypted_and_empty_pdfs(docs: pd.DataFrame) -> None:
    by_name = {Path(p).name: s for p, s in zip(docs.path, docs.status)}
    # encrypted with a user password: the status set of docs/ingestion.md calls this password_required
    assert by_name["password-example.pdf"] == "password_required"
    assert by_name["empty.pdf"] != "ok"
    assert docs[docs.status != "ok"].reason.str.len().gt(0).all()
