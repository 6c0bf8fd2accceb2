"""Property tests for the decoder, the readers and the segmenter, and a mutation run over seed PDFs."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from conftest import SAMPLES
from helpers.synth import flow_report, write_pdf
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import cdtext
from cdtext.errors import ExtractionError
from cdtext.ingestion.readers.encoding import decode_bytes
from cdtext.ingestion.readers.html import read_html
from cdtext.ingestion.readers.sniff import sniff_format
from cdtext.ingestion.readers.text import read_text
from cdtext.types import STATUSES

HTML_PIECES = st.sampled_from(
    [
        b"<html>",
        b"</html>",
        b"<body>",
        b"<p>",
        b"</p>",
        b"<div hidden>",
        b"<script>",
        b"</script>",
        b"<li>",
        b"<meta charset='utf-8'>",
        b"<meta charset='latin-1'>",
        b"<!DOCTYPE html [<!ENTITY a 'b'>]>",
        b"&a;",
        b"\xef\xbb\xbf",
        b"\xff\xfe",
        b"\x00",
        b"caf\xc3\xa9 ",
        b"caf\xe9 ",
        b"The mayor met the consul. ",
        b"<h1>Title</h1>",
        b"<nav>menu</nav>",
        b"<![CDATA[x]]>",
        b"<!-- c -->",
        b"\r\n",
        b"<",
    ]
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000))
@example(b"PAR1")  # a Parquet signature: the one format sniffing names by its magic bytes alone
def test_decode_and_sniff_never_fail(data: bytes) -> None:
    text, encoding = decode_bytes(data)
    assert isinstance(text, str) and encoding
    assert "\x00" not in text and "\r" not in text
    formats = ("pdf", "html", "text", "empty", "unsupported", "json", "xml", "table", "parquet")
    assert sniff_format(data[:65536]) in formats


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.binary(max_size=1500), st.lists(HTML_PIECES, max_size=40).map(b"".join)))
def test_html_reader_only_raises_documented_errors(data: bytes) -> None:
    try:
        extracted = read_html(data)
    except ExtractionError as exc:
        assert exc.status in STATUSES and exc.reason
        return
    for block in extracted.blocks:
        assert block.text.strip() and block.kind in ("paragraph", "heading", "list_item")
        assert "<script" not in block.text.lower() or "&lt;" not in block.text


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=1500))
def test_text_reader_only_raises_documented_errors(data: bytes) -> None:
    try:
        extracted = read_text(data)
    except ExtractionError as exc:
        assert exc.status in STATUSES
        return
    assert all(b.text.strip() for b in extracted.blocks)


def seed_pdfs(folder: Path) -> list[Path]:
    blocks = [("heading", "Report")] + [("paragraph", "The mayor welcomed a delegation from Kumasi. " * 8)] * 12
    seeds = [write_pdf(folder / "seed-2col.pdf", flow_report(blocks, columns=2, header="Header", hyphenate=True))]
    seeds += [p for p in SAMPLES.glob("*.pdf")]
    return seeds


def mutate(data: bytes, rng: random.Random) -> bytes:
    choice = rng.random()
    buf = bytearray(data)
    if choice < 0.4:  # truncate
        return bytes(buf[: rng.randint(1, len(buf) - 1)])
    if choice < 0.8:  # flip bytes
        for _ in range(rng.randint(1, 40)):
            i = rng.randrange(len(buf))
            buf[i] = rng.randrange(256)
        return bytes(buf)
    i, j = sorted(rng.randrange(len(buf)) for _ in range(2))  # duplicate or drop a slice
    return bytes(buf[:i] + buf[j:]) if rng.random() < 0.5 else bytes(buf[:j] + buf[i:j] + buf[j:])


def run_mutants(tmp_path: Path, n: int, seed: int) -> None:
    rng = random.Random(seed)
    seeds_dir = tmp_path / "seeds"
    seeds_dir.mkdir()
    seeds = seed_pdfs(seeds_dir)
    folder = tmp_path / "mutants"
    folder.mkdir()
    for k in range(n):
        src = rng.choice(seeds)
        (folder / f"m{k:04d}.pdf").write_bytes(mutate(src.read_bytes(), rng))
    store = tmp_path / "m.duckdb"
    summary = cdtext.ingest([folder], store, config={"jobs": 2, "timeout": 20})
    docs = cdtext.read_documents(store)
    assert summary.total == n == len(docs) and docs.path.is_unique
    assert set(docs.status) <= set(STATUSES)
    assert (docs[docs.status != "ok"].reason.str.len() > 0).all()


def test_pdf_mutation_smoke(tmp_path: Path) -> None:
    run_mutants(tmp_path, 12, seed=1)


@pytest.mark.slow
def test_pdf_mutation_full(tmp_path: Path) -> None:
    run_mutants(tmp_path, 300, seed=2)
