"""How often city inference finds the right city, on the real pool and the real test documents.

    python bench/places.py [--store POOL.duckdb]

* ``../shared/realworld-pool``: every file its MANIFEST.tsv gives one city
  for, ingested with ``cdtext ingest`` (no ``--meta``) into a temporary store,
  or read from ``--store`` if you ingested the pool already. A guess is right
  when it names the same place as the manifest (any GeoNames spelling; words
  such as "City of" or "Council" and anything after a comma are ignored).
* ``../shared/realworld``: the 16 cities of the State of the City speeches
  (from the file names and text) and the cities of the Climate City Contracts;
  and the New York City Council resolutions, a table whose rows have no city
  column (inferred from each row's text and title, as ``--records`` does).

Printed: right / another place / unknown, the time per document, and, as a
baseline from the same run, the file-name-only guess (the clue a quick script
would use); for the pool also the country (ISO code against the manifest's
country), since a right city name in the wrong country ("Limerick", US) makes
the partner step treat the document's own country as abroad; and the two
together (a city right by name and country).
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
ADMIN = re.compile(
    r"\b(city of|london borough of|city council|council|municipality|kommune|kommun|borough|"
    r"metropolitan government|city government|government|city|stadt|ville de)\b"
)


def same_place(guess: str | None, expected: str) -> bool:
    from cdtext.places import fold, gazetteer

    if not guess:
        return False
    name = fold(expected.split(",")[0].split("(")[0])
    want = fold(ADMIN.sub(" ", name))
    # "Culver City" is the place's own name, not "Culver" with a word of government after it
    return fold(guess) in (want, name) or any(p.name == guess for p in gazetteer().cities(want))


def score(rows: list[tuple[str | None, str]]) -> str:
    right = sum(same_place(g, e) for g, e in rows)
    unknown = sum(g is None for g, _ in rows)
    n = len(rows)
    return (
        f"{n} files: right {right} ({right / n:.1%}), another place {n - right - unknown} "
        f"({(n - right - unknown) / n:.1%}), unknown {unknown} ({unknown / n:.1%})"
    )


def country_score(rows: list[tuple[str | None, str]]) -> str:
    """Guessed ISO code against the manifest's country name."""
    from cdtext.places import country_code

    rows = [(g, country_code(e)) for g, e in rows if country_code(e)]
    right = sum(g == e for g, e in rows)
    unknown = sum(not g for g, _ in rows)
    n = len(rows)
    return (
        f"{n} files: right {right} ({right / n:.1%}), another country {n - right - unknown} "
        f"({(n - right - unknown) / n:.1%}), unknown {unknown} ({unknown / n:.1%})"
    )


def both_score(cities: list[tuple[str | None, str]], countries: list[tuple[str | None, str]]) -> str:
    """A city counted right only in the manifest's country too ("Wyndham", US is not Wyndham, Australia)."""
    from cdtext.places import country_code

    right = sum(same_place(g, e) and gc == country_code(ec) for (g, e), (gc, ec) in zip(cities, countries))
    n = len(cities)
    return f"{n} files: right {right} ({right / n:.1%})"


def pool(store: Path | None) -> None:
    import duckdb

    from cdtext.places import infer_place

    rows = list(csv.DictReader(open(SHARED / "realworld-pool" / "MANIFEST.tsv", encoding="utf-8"), delimiter="\t"))
    manifest = {r["path"]: r["city"] for r in rows if not r["city"].startswith("multiple")}
    countries = {r["path"]: r["country"] for r in rows if r["path"] in manifest}
    tmp = None
    if store is None:
        tmp = tempfile.TemporaryDirectory()
        store = Path(tmp.name) / "pool.duckdb"
        files = [str(SHARED / "realworld-pool" / p) for p in manifest]
        print(f"ingesting {len(files)} pool files (no --meta) ...", flush=True)
        subprocess.run([sys.executable, "-m", "cdtext", "ingest", *files, "--store", str(store)], check=True)
    con = duckdb.connect(str(store), read_only=True)
    docs = con.execute(
        "SELECT d.path, d.title, d.city, d.country, t.text FROM documents d LEFT JOIN texts t USING (doc_id)"
    ).fetchall()
    stored, by_name, again, stored_country, again_country = [], [], [], [], []
    start = time.perf_counter()
    for path, title, city, country, text in docs:
        rel = path.split("realworld-pool/")[-1]
        if rel not in manifest:
            continue
        guess = infer_place(text or "", path=path, title=title)
        stored.append((city, manifest[rel]))
        again.append((guess.city, manifest[rel]))
        stored_country.append((country, countries[rel]))
        again_country.append((guess.country, countries[rel]))
        by_name.append((infer_place("", path=str(Path(path).name)).city, manifest[rel]))
    seconds = time.perf_counter() - start
    print(f"pool, cities in the store        : {score(stored)}")
    print(f"pool, inferred again now         : {score(again)} ({1000 * seconds / max(len(again), 1):.1f} ms/file)")
    print(f"pool, baseline (file name only)  : {score(by_name)}")
    print(f"pool, countries in the store     : {country_score(stored_country)}")
    print(f"pool, countries inferred now     : {country_score(again_country)}")
    print(f"pool, city and country now       : {both_score(again, again_country)}")
    if tmp:
        tmp.cleanup()


def realworld() -> None:
    import pandas as pd

    from cdtext.ingestion.readers import read_document
    from cdtext.places import infer_place

    rw = SHARED / "realworld"
    meta = pd.read_csv(rw / "speeches" / "sotc_metadata.csv").set_index("id").city
    expected = {p: meta[p.stem] for p in sorted((rw / "speeches" / "text").glob("*.txt"))}
    expected |= {p: p.stem for p in sorted((rw / "climate_city_contracts").glob("*.md"))}
    rows, base = [], []
    for path, city in expected.items():
        doc = read_document(path)
        text = "\n\n".join(b.text for b in doc.blocks)
        rows.append((infer_place(text, path=str(path), title=doc.title).city, city))
        base.append((infer_place("", path=path.name).city, city))
    print(f"realworld speeches + contracts   : {score(rows)}")
    print(f"  baseline (file name only)      : {score(base)}")
    # New York City Council resolutions, one table row each: no file name, no city column; text and title only
    table = rw / "nyc_council_resolutions" / "nyc_resolutions_international_subset.jsonl"
    rows, countries = [], []
    for line in table.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        guess = infer_place(record["text"], title=record.get("title"))
        rows.append((guess.city, "New York City"))
        countries.append((guess.country, "United States"))
    print(f"realworld NYC resolutions (rows) : {score(rows)}")
    print(f"  their countries                : {country_score(countries)}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--store", type=Path, help="an existing store of the pool (skips ingesting it)")
    args = ap.parse_args()
    if not SHARED.exists():
        sys.exit(f"{SHARED} is absent")
    start = time.perf_counter()
    from cdtext.places import gazetteer

    gazetteer()
    print(f"gazetteer built in {time.perf_counter() - start:.2f} s")
    realworld()
    pool(args.store)


if __name__ == "__main__":
    main()
