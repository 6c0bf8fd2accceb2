"""PDF ingestion throughput: cdtext's reader against a plain pdfplumber loop, same files, same run.

    python bench/pdf_ingest.py [--rounds 3]

Files: the readable PDFs of ../shared/realworld (when present) and a
generated 50-page two-column report. Baseline: ``page.extract_text()`` over
every page with ``page.close()``. Also, when ``pdftotext`` is installed, the
same files through it, and the word 4-gram order agreement of each reader
with pdftotext on the multi-column files. Prints pages/s and the ratios.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pdfplumber

from cdtext.errors import ExtractionError
from cdtext.ingestion.readers.pdf import read_pdf
from cdtext.ingestion.readers.pdfium import read_pdf_pdfium
from cdtext.segment import segment

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # the PDF writer lives with the test helpers
from helpers.synth import flow_report, write_pdf  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
REALWORLD = REPO.parent / "shared" / "realworld"
MULTICOLUMN = ("federal-register-2020-17221.pdf", "multicolumn.pdf", "generated-50-page-report.pdf")
WORDS = re.compile(r"\w+")
SHORT: dict[str, str] = {}  # reader name -> the short label of the agreement table


def generated_report(folder: Path) -> Path:
    para = (
        "The office of international affairs coordinated visits by delegations from partner cities, "
        "supported exporters on trade missions and represented the city in climate networks. "
    )
    blocks = []
    for i in range(160):
        blocks.append(("heading", f"Section {i + 1}") if i % 8 == 0 else ("paragraph", para * 3))
    pages = flow_report(
        blocks,
        columns=2,
        header="Annual Report - Office of International Affairs",
        footer="City of Example",
        hyphenate=True,
    )
    pages = (pages * (50 // len(pages) + 1))[:50]
    return write_pdf(folder / "generated-50-page-report.pdf", pages)


def plain_loop(path: Path) -> tuple[int, str]:
    texts = []
    with pdfplumber.open(path, password="") as pdf:
        for page in pdf.pages:
            texts.append(page.extract_text() or "")
            page.close()
    return len(texts), "\n".join(texts)


def cdtext_reader(path: Path) -> tuple[int, str]:
    extracted = read_pdf(path)
    text, _ = segment(extracted.blocks, "bench")
    return extracted.n_pages or 0, text


def cdtext_pdfium(path: Path) -> tuple[int, str]:
    extracted = read_pdf_pdfium(path)
    text, _ = segment(extracted.blocks, "bench")
    return extracted.n_pages or 0, text


def pdftotext(path: Path) -> tuple[int, str]:
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return out.count("\f") or 1, out


def agreement(ours: str, ref: str, n: int = 4) -> float:
    a = [w.lower() for w in WORDS.findall(ours)]
    b = [w.lower() for w in WORDS.findall(ref)]
    grams = [tuple(a[i : i + n]) for i in range(len(a) - n + 1)]
    ref_grams = {tuple(b[i : i + n]) for i in range(len(b) - n + 1)}
    return sum(g in ref_grams for g in grams) / max(len(grams), 1)


def readable(paths: list[Path]) -> tuple[list[Path], list[str]]:
    """Files both backends can read (so every reader is timed on the same pages), and notes on the others."""
    ok, notes = [], []
    for p in paths:
        outcome = []
        for name, reader in (("pdfplumber", read_pdf), ("pdfium", read_pdf_pdfium)):
            try:
                reader(p)
                outcome.append((name, "ok"))
            except ExtractionError as exc:
                outcome.append((name, exc.status))
        if all(status == "ok" for _, status in outcome):
            ok.append(p)
        else:
            notes.append(f"  {p.name}: " + ", ".join(f"{name} {status}" for name, status in outcome))
    return ok, notes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp())
    files = [generated_report(tmp)]
    if REALWORLD.exists():
        files += sorted(p for p in REALWORLD.rglob("*.pdf"))
    files, skipped = readable(files)
    readers = {
        "plain pdfplumber extract_text() loop (baseline)": plain_loop,
        "cdtext (pdfplumber)": cdtext_reader,
        "cdtext (pdfium)": cdtext_pdfium,
    }
    if shutil.which("pdftotext"):
        readers["pdftotext"] = pdftotext
    SHORT.update(zip(readers, ("plain-loop", "cdtext-pdfplumber", "cdtext-pdfium", "pdftotext")))
    print(f"{len(files)} PDF files; best of {args.rounds} rounds; Python {sys.version.split()[0]}")
    if skipped:
        print(f"left out, not readable by both backends ({len(skipped)}):")
        print("\n".join(skipped))
    best: dict[str, float] = {}
    pages: dict[str, int] = {}
    outputs: dict[str, dict[str, str]] = {}
    for _ in range(args.rounds):
        for name, fn in readers.items():
            start = time.perf_counter()
            total = 0
            outs = {}
            for f in files:
                n, text = fn(f)
                total += n
                outs[f.name] = text
            elapsed = time.perf_counter() - start
            best[name] = min(best.get(name, float("inf")), elapsed)
            pages[name] = total
            outputs[name] = outs
    base = "plain pdfplumber extract_text() loop (baseline)"
    base_rate = pages[base] / best[base]
    for name in readers:
        rate = pages[base] / best[name]
        print(f"{name:<50} {rate:8.1f} pages/s  {rate / base_rate:5.2f}x baseline")
    if "pdftotext" in outputs:
        print("word 4-gram order agreement with pdftotext on multi-column files:")
        for fname in MULTICOLUMN:
            if fname in outputs[base]:
                ref = outputs["pdftotext"][fname]
                row = "  ".join(
                    f"{SHORT[n]}={agreement(outputs[n][fname], ref):.3f}" for n in readers if n != "pdftotext"
                )
                print(f"  {fname:<40} {row}")


if __name__ == "__main__":
    main()
