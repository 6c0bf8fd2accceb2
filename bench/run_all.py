"""Run every benchmark and write bench/RESULTS.md (figures beside their baselines, same run).

    python bench/run_all.py [--quick]

Sections: PDF ingestion (both backends vs a plain pdfplumber loop and
pdftotext, plus column-order agreement), HTML extraction (vs plain
trafilatura), classification speed (vs spaCy's lemmatizer and a word+char
TF-IDF model), end-to-end documents/s with 1 and 2 jobs and Dask vs the local
engine, a table read with ``--records`` against the same documents as files, and parent/worker peak memory at
1,000 and 10,000 documents.
``--quick`` uses smaller corpora (for a smoke test, not for the record).
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
REALWORLD = REPO.parent / "shared" / "realworld"
sys.path.insert(0, str(BENCH))


def machine() -> list[str]:
    import numpy
    import pdfplumber

    import cdtext

    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return [
        f"- machine: {platform.machine()}, {os.cpu_count()} cores ({cpu}), {mem:.0f} GiB RAM, "
        f"{platform.system()} {platform.release()}",
        f"- Python {platform.python_version()}; cdtext {cdtext.__version__}; pdfplumber {pdfplumber.__version__}; "
        f"pypdfium2 {importlib.metadata.version('pypdfium2')}; numpy {numpy.__version__}",
        f"- date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
    ]


def html_section() -> list[str]:
    import trafilatura

    from cdtext.ingestion.readers.html import read_html

    pages = []
    if REALWORLD.exists():
        pages += [p.read_bytes() for p in sorted((REALWORLD / "trafilatura_html").glob("*.html"))]
    gen = Path(tempfile.mkdtemp())
    from corpus_gen import make_corpus

    n_real = len(pages)
    make_corpus(gen, 400, seed=3)
    pages += [p.read_bytes() for p in sorted(gen.glob("*.html"))]
    rounds = 3
    best_plain = best_ours = float("inf")
    for _ in range(rounds):
        t = time.perf_counter()
        for data in pages:
            trafilatura.extract(data, include_comments=False)
        best_plain = min(best_plain, time.perf_counter() - t)
        t = time.perf_counter()
        for data in pages:
            read_html(data)
        best_ours = min(best_ours, time.perf_counter() - t)
    plain, ours = len(pages) / best_plain, len(pages) / best_ours
    return [
        f"{len(pages)} pages ({n_real} real web pages, {len(pages) - n_real} generated); best of {rounds}.",
        "",
        "| reader | pages/s | vs baseline |",
        "|---|---:|---:|",
        f"| plain `trafilatura.extract(bytes)` (baseline) | {plain:.0f} | 1.00x |",
        f"| cdtext HTML reader (own decoding, boilerplate removal, trafilatura, blocks, metadata) "
        f"| {ours:.0f} | {ours / plain:.2f}x |",
    ]


def _ingest_child(folder: Path, jobs: int, engine: str) -> dict:
    """Ingest into a new store in a fresh process; return its timing and peak memories."""
    store = folder.parent / (folder.name + f"-{engine}-{jobs}.duckdb")
    store.unlink(missing_ok=True)
    # The parent's peak is the high-water mark of its own address space (VmHWM): ru_maxrss of a process
    # started by exec keeps the peak of the process it was forked from (this benchmark, with pandas loaded).
    code = f"""
import json, resource, time, cdtext
def peak_mb():
    try:
        with open('/proc/self/status') as f:
            return next(int(l.split()[1]) for l in f if l.startswith('VmHWM:')) / 1024
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
t = time.perf_counter()
s = cdtext.ingest([{str(folder)!r}], {str(store)!r}, config={{'jobs': {jobs}, 'executor': {engine!r}}})
print(json.dumps({{'seconds': time.perf_counter() - t, 'total': s.total, 'counts': dict(s.counts),
                  'parent_peak_mb': peak_mb(), 'worker_peak_mb': s.peak_worker_rss / 2**20}}))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _pool_child(folder: Path, processes: int) -> dict:
    """A named baseline: the workers' per-file work in a plain multiprocessing Pool, no store, no limits."""
    code = f"""
import json, time, multiprocessing as mp, os
from cdtext.ingestion.worker import process_file
from cdtext.ingestion.config import IngestConfig
settings = IngestConfig().to_dict()
def one(path):
    return process_file(path, "bench", settings).status
if __name__ == "__main__":
    files = sorted(os.path.join({str(folder)!r}, n) for n in os.listdir({str(folder)!r}))
    t = time.perf_counter()
    with mp.get_context("spawn").Pool({processes}) as pool:
        statuses = pool.map(one, files, chunksize=4)
    print(json.dumps({{"seconds": time.perf_counter() - t, "total": len(statuses)}}))
"""
    script = folder.parent / "pool_ceiling.py"
    script.write_text(code, encoding="utf-8")
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def end_to_end_section(n_docs: int, rounds: int = 3) -> list[str]:
    from corpus_gen import make_corpus

    folder = Path(tempfile.mkdtemp()) / "e2e"
    make_corpus(folder, n_docs, seed=5)
    runs = {"one": (1, "local"), "two": (2, "local"), "dask": (2, "dask"), "pool1": (1, "pool"), "pool2": (2, "pool")}
    best: dict[str, dict] = {}
    for _ in range(rounds):  # rounds interleave the set-ups, so drifts in machine speed hit all alike
        for name, (jobs, engine) in runs.items():
            result = _pool_child(folder, jobs) if engine == "pool" else _ingest_child(folder, jobs, engine)
            if name not in best or result["seconds"] < best[name]["seconds"]:
                best[name] = result
    one, two, dask, pool1, pool2 = (best[k] for k in ("one", "two", "dask", "pool1", "pool2"))
    rate = lambda r: r["total"] / r["seconds"]  # noqa: E731
    return [
        f"Generated corpus of {n_docs} documents (70 % text, 20 % HTML, 10 % PDF); each run ingests into a new "
        f"store in a fresh process, timed around the `cdtext.ingest` call (so the pipeline's imports, worker start-up "
        f"and the final store checkpoint count); best of {rounds} interleaved rounds.",
        "",
        "| run | seconds | documents/s | ratio |",
        "|---|---:|---:|---:|",
        f"| local engine, 1 job (baseline) | {one['seconds']:.1f} | {rate(one):.1f} | 1.00x |",
        f"| local engine, 2 jobs | {two['seconds']:.1f} | {rate(two):.1f} | {rate(two) / rate(one):.2f}x faster |",
        f"| dask LocalCluster, 2 workers | {dask['seconds']:.1f} | {rate(dask):.1f} "
        f"| {dask['seconds'] / two['seconds']:.2f}x the local 2-job time |",
        "",
        "For comparison, the same per-file work (cdtext's worker function over the same files) in a plain "
        "`multiprocessing` Pool, timed the same way (process start-up included; no store, no isolation, no limits):",
        "",
        "| run | seconds | documents/s | ratio |",
        "|---|---:|---:|---:|",
        f"| plain Pool, 1 process | {pool1['seconds']:.1f} | {rate(pool1):.1f} | 1.00x |",
        f"| plain Pool, 2 processes | {pool2['seconds']:.1f} | {rate(pool2):.1f} "
        f"| {rate(pool2) / rate(pool1):.2f}x faster |",
        "",
        f"2 against 1: cdtext {rate(two) / rate(one):.2f}x, plain Pool {rate(pool2) / rate(pool1):.2f}x.",
    ]


def memory_section(sizes: list[int]) -> list[str]:
    from corpus_gen import make_corpus

    rows = []
    for n in sizes:
        folder = Path(tempfile.mkdtemp()) / f"mem{n}"
        make_corpus(folder, n, seed=9)
        r = _ingest_child(folder, 2, "local")
        rows.append((n, r))
    lines = ["| documents | seconds | parent peak RSS (MB) | worker peak RSS (MB) |", "|---:|---:|---:|---:|"]
    for n, r in rows:
        lines.append(f"| {n:,} | {r['seconds']:.0f} | {r['parent_peak_mb']:.0f} | {r['worker_peak_mb']:.0f} |")
    if len(rows) >= 2:
        growth = rows[-1][1]["parent_peak_mb"] / rows[0][1]["parent_peak_mb"] - 1
        lines += ["", f"Parent peak growth from {rows[0][0]:,} to {rows[-1][0]:,} documents: {growth:+.1%}."]
    return lines


def run_script(name: str, *args: str) -> list[str]:
    out = subprocess.run([sys.executable, str(BENCH / name), *args], capture_output=True, text=True, check=True)
    return ["```", *[line for line in out.stdout.splitlines() if line.strip()], "```"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    sections = [("Machine", machine())]
    sections.append(("PDF ingestion", run_script("pdf_ingest.py", "--rounds", "1" if args.quick else "3")))
    sections.append(("HTML extraction", html_section()))
    sections.append(("Start-up", run_script("startup.py", "--repeat", "1" if args.quick else "3")))
    sections.append(
        ("Classification (one thread)", run_script("classify_speed.py", "--n", "5000" if args.quick else "20000"))
    )
    if (BENCH.parents[1] / "shared" / "realworld" / "speeches").exists():
        sections.append(("Outputs across kernels", run_script("kernel_noise.py")))
    sections.append(
        ("End to end: jobs and engines", end_to_end_section(120 if args.quick else 1000, 1 if args.quick else 5))
    )
    sections.append(
        ("Tables of records", run_script("records.py", "--n", "300" if args.quick else "2000", "--rounds",
                                         "1" if args.quick else "3"))
    )  # fmt: skip
    sections.append(("Memory", memory_section([100, 300] if args.quick else [1000, 10000])))
    text = [
        "# Benchmark results",
        "",
        "Written by `python bench/run_all.py`; every figure comes with its baseline measured in the same run.",
        "",
    ]
    for title, lines in sections:
        text += [f"## {title}", "", *lines, ""]
    target = BENCH / ("RESULTS-quick.md" if args.quick else "RESULTS.md")
    target.write_text("\n".join(text), encoding="utf-8")
    print("\n".join(text))


if __name__ == "__main__":
    main()
