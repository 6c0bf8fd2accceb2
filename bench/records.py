"""Reading a table of records (``--records``) against reading the same documents as one file each.

    python bench/records.py [--n 2000] [--rounds 3]

N generated press releases (bench/corpus_gen.py's phrase bank, 3-12 paragraphs each, a city and a date each) are
written twice: as N text files with a ``--meta`` CSV giving each one's city and date (the baseline: what a user
had to do before ``--records``), and as one CSV table with text, city and date columns. Each is ingested into a
new store by ``cdtext ingest`` in a fresh process, with two worker processes; best of ROUNDS, interleaved.
A table is read by one worker (its rows are not spread over workers), so the comparison shows what that costs
against the per-file overhead it saves.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from corpus_gen import paragraph

CITIES = ["Seattle", "Lyon", "Osaka", "Bristol", "Monterrey", "Accra", "Melbourne", "Toronto"]


def write_inputs(root: Path, n: int, seed: int = 0) -> tuple[Path, Path, Path]:
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        text = "\n\n".join(paragraph(rng) for _ in range(rng.randint(3, 12)))
        rows.append({"id": f"pr{i:06d}", "city": rng.choice(CITIES), "date": f"2021-{1 + i % 12:02d}-15", "text": text})
    files = root / "files"
    files.mkdir()
    for row in rows:
        (files / f"{row['id']}.txt").write_text(row["text"] + "\n", encoding="utf-8")
    meta = root / "meta.csv"
    with meta.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=["id", "city", "date"], extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    table = root / "table.csv"
    with table.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=["id", "city", "date", "text"])
        writer.writeheader()
        writer.writerows(rows)
    return files, meta, table


def timed(args: list[str], store: Path) -> float:
    if store.exists():
        store.unlink()
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "cdtext", "ingest", *args, "--store", str(store), "--jobs", "2", "-q"],
                   check=True)  # fmt: skip
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="cdtext-bench-records-"))
    os.environ["CDTEXT_CACHE_DIR"] = str(root / "cache")  # the gazetteer's tables: kept after the first run
    try:
        files, meta, table = write_inputs(root, args.n)
        store = root / "s.duckdb"
        timed([str(table), "--records"], store)  # warms the cache and the disk for both
        per_file, records = [], []
        for _ in range(args.rounds):
            per_file.append(timed([str(files), "--meta", str(meta)], store))
            records.append(timed([str(table), "--records"], store))
        import cdtext

        docs = cdtext.read_documents(store)
        rows = docs[docs.format == "record"]
        assert len(rows) == args.n and (rows.status == "ok").all(), "every row should be a document"
        base, ours = min(per_file), min(records)
        print(f"{args.n} generated press releases, 2 workers, best of {args.rounds}")
        print(f"baseline: {args.n} text files + --meta CSV     {base:6.1f} s  {args.n / base:7.1f} documents/s")
        print(
            f"one CSV table, --records                  {ours:6.1f} s  {args.n / ours:7.1f} documents/s  "
            f"({base / ours:.2f}x the baseline's speed)"
        )
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
