"""Passages -> the international partners a city engages with in them (first step of the partner-network issue).

A mention becomes a partner when it is a foreign place or an international body *and* its sentence shows
engagement (visited, met, signed, delegation, sister city, member of, hosted ...); places named only as
background ("visitors from all over the world", "like Paris") are not partners, nor are the document's own city
and, when the city's country is known, places in that country.

Kinds: ``city`` (a foreign mayor counts as their city), ``country`` (a country, its government, embassy,
ambassador or consul; "the Japanese delegation"), ``region`` (a foreign province or state), ``network`` and
``international_org`` (from ``cdtext/data/partner_orgs.tsv``, with the organisations' sites as sources).
Places come from the same GeoNames gazetteer as city inference (:mod:`cdtext.places`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from cdtext.network import world_region
from cdtext.places import _ADMIN_WORDS, _CAP_RUN, fold, gazetteer

KINDS = ("city", "country", "region", "network", "international_org")

#: words that show the city doing something with the partner in the same sentence
_CUES = re.compile(
    # not "a sign of", "no signs of", "sign up for" (a programme) or "a sign-up form"; still "signed up to the
    # Covenant", "the signing of the Covenant"
    r"\b(visit(?:s|ed|ing)?|met|meet(?:s|ing)?|sign(?:ed|ing)(?![- ]up\s+for\b|-ups?\b)|"
    r"signs?(?!\s+of\b|[- ]up\s+for\b|-ups?\b)|agreements?|"
    r"memorand(?:um|a)|MoU|partner(?:s|ship)?|"
    r"sister[- ]cit(?:y|ies)|twin(?:ned|ning|s)?|delegations?|delegates|host(?:s|ed|ing)?|welcom(?:e|ed|es|ing)|"
    r"receiv(?:e|ed|es|ing)|members?(?:hip)?|join(?:s|ed|ing)?|collaborat\w*|cooperat\w*|co-operat\w*|exchanges?|"
    r"missions?|trips?|travel(?:led|ed|s)?|ambassadors?|consul(?:s|ate|ates)?|embass(?:y|ies)|counterparts?|"
    r"summits?|conferences?|forums?|pledge[ds]?|signator(?:y|ies)|funding|funded|grants?|awarded|loans?|"
    r"co-financ\w*|financ(?:ed|ing)|partnered|jointly|advis(?:e|ed|es|ing)|dispatch\w*|"
    r"work(?:s|ed|ing)? (?:with|alongside)|report(?:s|ed|ing)? (?:\w+ )?(?:to|through)|"
    r"mayor of|governor of|minister)\b",
    re.I,
)
#: an official noun after a demonym ("the Japanese ambassador", "a German delegation")
_OFFICIAL = r"(?:ambassador|embassy|consul(?:ate)?(?:[- ]general)?|government|minister|ministry|delegation|officials?|president|prime minister|counterparts?|trade mission|mission)"  # noqa: E501
_DEMONYMS = {
    "American": "US", "Argentine": "AR", "Australian": "AU", "Austrian": "AT", "Belgian": "BE", "Brazilian": "BR",
    "British": "GB", "Bulgarian": "BG", "Canadian": "CA", "Chilean": "CL", "Chinese": "CN", "Colombian": "CO",
    "Croatian": "HR", "Cuban": "CU", "Czech": "CZ", "Danish": "DK", "Dutch": "NL", "Egyptian": "EG", "Estonian": "EE",
    "Ethiopian": "ET", "Filipino": "PH", "Finnish": "FI", "French": "FR", "German": "DE", "Ghanaian": "GH",
    "Greek": "GR", "Hungarian": "HU", "Icelandic": "IS", "Indian": "IN", "Indonesian": "ID", "Iranian": "IR",
    "Iraqi": "IQ", "Irish": "IE", "Israeli": "IL", "Italian": "IT", "Jamaican": "JM", "Japanese": "JP",
    "Kenyan": "KE", "Korean": "KR", "Latvian": "LV", "Lithuanian": "LT", "Malaysian": "MY", "Mexican": "MX",
    "Moroccan": "MA", "Nigerian": "NG", "Norwegian": "NO", "Pakistani": "PK", "Peruvian": "PE", "Polish": "PL",
    "Portuguese": "PT", "Romanian": "RO", "Russian": "RU", "Rwandan": "RW", "Saudi": "SA", "Scottish": "GB",
    "Senegalese": "SN", "Serbian": "RS", "Singaporean": "SG", "Slovak": "SK", "Slovenian": "SI",
    "South African": "ZA", "South Korean": "KR", "Spanish": "ES", "Swedish": "SE", "Swiss": "CH", "Taiwanese": "TW",
    "Tanzanian": "TZ", "Thai": "TH", "Turkish": "TR", "Ugandan": "UG", "Ukrainian": "UA", "Vietnamese": "VN",
    "Welsh": "GB",
}  # fmt: skip
_DEMONYM_RE = re.compile(
    rf"\b({'|'.join(sorted(map(re.escape, _DEMONYMS), key=len, reverse=True))})\s+(?:\w+\s+){{0,2}}?{_OFFICIAL}\b"
)
#: regional adjectives before an official noun ("the Catalan government", "a Bavarian delegation"): ISO 3166-2 codes
_REGIONAL = {
    "Bavarian": "DE-BY", "Catalan": "ES-CT", "Basque": "ES-PV", "Andalusian": "ES-AN", "Galician": "ES-GA",
    "Flemish": "BE-VLG", "Walloon": "BE-WAL", "Tuscan": "IT-52", "Lombard": "IT-25", "Sicilian": "IT-82",
    "Sardinian": "IT-88", "Venetian": "IT-34", "Breton": "FR-BRE", "Ontarian": "CA-ON", "Albertan": "CA-AB",
    "Bavaria": "DE-BY", "Catalonia": "ES-CT",  # "Bavaria's delegation"
}  # fmt: skip
_REGIONAL_RE = re.compile(
    rf"\b({'|'.join(sorted(map(re.escape, _REGIONAL), key=len, reverse=True))})(?:['’]s)?\s+(?:\w+\s+){{0,2}}?"
    rf"(?:{_OFFICIAL}|premier|parliament|generalitat)\b"
)
#: people who merely come from somewhere: "visitors from Japan", "tourists from the United States"
_BACKGROUND = re.compile(
    r"(?:\b(?:visitors|tourists|travell?ers|guests|students|immigrants|migrants|residents|people|families|fans)\b"
    r"[^.;]{0,40}|\b(?:immigrated|emigrated|fled|came|moved|arrived)\b[^.;]{0,60})\bfrom\b[^.;]*$",
    re.I,
)
#: foreign regions the gazetteer does not list: "the Italian region of Lombardy", "Governor of Kanagawa",
#: "Cebu Province"
_REGION_PATTERNS = (
    re.compile(
        r"\b(?:the\s+)?(?:(?P<dem>[A-Z][a-z]+)\s+)?(?:state|province|prefecture|region|canton|department|land)\s+of\s+"
        r"(?P<name>[A-Z][\w-]+(?:\s+[A-Z][\w-]+){0,2})"
    ),
    # the whole name ("Governor of Puerto Rico"), or the part before a word for the division ("Kanagawa Prefecture")
    re.compile(
        r"\bGovernor of (?P<name>[A-Z][\w-]+(?:\s+[A-Z][\w-]+){0,2}?)"
        r"(?=\s+(?:Prefecture|Province|State)\b|(?!\s+[A-Z]))"
    ),
    re.compile(r"\b(?P<name>[A-Z][\w-]+(?:\s+[A-Z][\w-]+)?)\s+(?:Prefecture|Province)\b"),
)
#: how a country is written when it only says where a partner is: "in Japan", "in southern China", "Irpin, Ukraine",
#: "Utrecht, the Netherlands"
_LOCATOR = re.compile(r"(?:\bin\s+(?:the\s+)?(?:\w+ern\s+)?|,\s*(?:the\s+)?)$", re.I)
#: a sentence; a full stop right before a letter, digit, comma or hyphen ("U.S.-China", "3.5") does not end one
_SENTENCE = re.compile(r"(?:[^.!?;]|\.(?=[\w,-]))+(?:[.!?;]+|$)")
#: smallest population of a city named without "Mayor of"/"City of" before it (small namesakes are rarely meant)
MIN_CITY_POPULATION = 100_000
_INNER_CAPITAL = re.compile(r"[a-z][A-Z]")
_NUMBERED = re.compile(r"\s+\d{1,3}\b(?![.,]\d)")
_PLACE_WORD = re.compile(r"\b(?:in|to|from|with|of|at|visit(?:ed|ing)?|toward|towards|between)\s+$", re.I)
_REGION_TITLE = re.compile(r"(?:Province|State|Region|Prefecture|Government|Governor)\s+of\s+(?:the\s+)?$")
_REGION_AFTER = re.compile(r"\s+(?:Province|Prefecture|State|Region|Provincial|Prefectural|Regional)\b")
_CITY_TITLE = re.compile(r"(?:City|Town|Mayor|Municipality)\s+of\s+(?:the\s+)?$")
_TITLED = re.compile(r"(?:Mayor|City|Municipality|Council|Government|Governor|Province|State)\s+of\s+(?:the\s+)?$")
#: capitalised words that may follow a country's or a state's name in one run without making it part of another
#: name ("Ontario Premier Doug Ford", "Japan Trade Mission"); any other ("Victoria Rowell", "New York Times",
#: "Canada Day") makes it one
_AFTER_OK = frozenset(
    """premier governor government minister ministry ministers embassy consulate consul ambassador delegation
    delegations mission trade office president prime parliament legislature province state prefecture region
    regional provincial""".split()
)
#: a place name followed by one of these in the same capitalised run names a street or a building: "Jersey Street"
_FACILITY = frozenset(
    """street st avenue ave road rd boulevard blvd lane drive dr way place square court terrace park parkway hall
    building centre center house hotel restaurant cafe club mall market station bridge gardens plaza heights
    school college academy church""".split()
)
#: parts of a country that ISO 3166-1 gives codes of their own: domestic for a city of that country
#: (U.S. territories; French overseas departments and collectivities; the Dutch Caribbean municipalities;
#: Greenland and the Faroes; Svalbard; Australia's external territories; Åland)
_PARTS_OF = {
    "US": {"PR", "GU", "VI", "AS", "MP", "UM"},
    "FR": {"GP", "MQ", "GF", "RE", "YT", "PM", "BL", "MF", "PF", "NC", "WF"},
    "NL": {"BQ"},
    "DK": {"GL", "FO"},
    "NO": {"SJ", "BV"},
    "AU": {"CX", "CC", "NF", "HM"},
    "FI": {"AX"},
}
#: what separates the items of a list, and the names and separators between two items of one
_LIST_SEP = re.compile(r"\s*(?:,|and|&|, and)\s*")
_LIST_GAP = re.compile(r"(?:\s*(?:,|and|&|, and)\s*[A-Z][\w'’.-]*(?:\s+[A-Z][\w'’.-]*)?)*?\s*(?:,|and|&|, and)\s*")
#: countries a city may be placed by with a short label ("Dublin, UK")
_SHORT_COUNTRIES = {"UK", "US", "USA", "UAE"}
#: a namesake on the document's own continent is preferred to a larger one elsewhere down to this share of its
#: population ("Valencia" in a German document is the Spanish city, not the larger Venezuelan one)
NEAR_SHARE = 0.5


@dataclass(frozen=True)
class Partner:
    """One partner mention: what, of which kind and country, where in the passage, and how sure."""

    name: str
    kind: str
    country: str
    start: int
    end: int
    span: str
    confidence: float


#: what a name's span does not end with: punctuation and a possessive
_SPAN_TAIL = re.compile(r"(?:['’]s|[.,'’])+$")


@lru_cache(maxsize=1)
def _organisations() -> tuple[re.Pattern[str], re.Pattern[str], dict[str, tuple[str, str]]]:
    """(case-sensitive acronym pattern, case-insensitive name pattern, folded alias -> (name, kind))."""
    data = resources.files("cdtext").joinpath("data/partner_orgs.tsv").read_text(encoding="utf-8")
    lookup: dict[str, tuple[str, str]] = {}
    acronyms, names = [], []
    for line in data.splitlines()[1:]:
        if not line.strip() or line.startswith("#") or line.startswith("name\t"):
            continue
        name, kind, aliases, _source = line.split("\t")
        for alias in {name, *aliases.split(";")}:
            alias = alias.strip()
            lookup[alias.lower()] = (name, kind)
            (acronyms if alias.replace(".", "").replace("-", "").isupper() else names).append(re.escape(alias))
    by_length = lambda items: sorted(set(items), key=len, reverse=True)  # noqa: E731
    acronym_re = re.compile(rf"(?<![\w-])({'|'.join(by_length(acronyms))})(?![\w-])")
    name_re = re.compile(rf"\b({'|'.join(by_length(names))})\b", re.I)
    return acronym_re, name_re, lookup


def _placed_by(after: str) -> tuple[str, int, int]:
    """The country a country or region named after a comma places a city in ("Paris, Texas" -> US), with the
    name's span in ``after``; ``("", 0, 0)`` when the words after the comma name neither."""
    gaz = gazetteer()
    hint = re.match(r",\s*(?:the\s+)?([A-Z][\w.'-]*(?:\s+[A-Z][\w.'-]*){0,3})", after)
    if not hint:
        return "", 0, 0
    words = list(re.finditer(r"\S+", hint.group(1)))
    for n in range(len(words), 0, -1):  # "Dublin, Ireland The council ...": the longest name that is a place
        label = hint.group(1)[: words[n - 1].end()].rstrip(".")
        # a short label is a state's or province's code ("Spokane, WA", "London, ON") or the UK/US, not any
        # country's code: "Fairfax, Mr Ted", "Arenas, BE RECEIVED"
        short = len(label) <= 3 and label.upper() not in _SHORT_COUNTRIES
        where = gaz.region(label, codes=True) or ("" if short else gaz.country(label) or "", "")
        if where[0]:
            return where[0], hint.start(1), hint.start(1) + len(label)
    return "", 0, 0


def _nearest(places: list[Any], home: str | None) -> Any:
    """The likeliest of a name's places: the largest, unless one on the document's own continent is at least
    :data:`NEAR_SHARE` of its size."""
    if not home or not world_region(home):
        return places[0]
    near = [p for p in places if world_region(p.country) == world_region(home)]
    if near and near[0].population >= NEAR_SHARE * places[0].population:
        return near[0]
    return places[0]


def _mentions(sentence: str, offset: int, home: str | None = None) -> list[tuple[str, str, str, int, int]]:
    """``(name, kind, country, start, end)`` of every foreign-able name in one sentence (``home``: the
    document's country, which decides between namesakes on different continents)."""
    gaz = gazetteer()
    acronym_re, name_re, lookup = _organisations()
    found: list[tuple[str, str, str, int, int]] = []
    taken: list[tuple[int, int]] = []

    def free(a: int, b: int) -> bool:
        return all(b <= s or a >= e for s, e in taken)

    for pattern in (name_re, acronym_re):
        for m in pattern.finditer(sentence):
            if free(m.start(), m.end()):
                name, kind = lookup[m.group(1).lower()]
                found.append((name, kind, "", m.start(), m.end()))
                taken.append((m.start(), m.end()))
    for pattern in _REGION_PATTERNS:
        for m in pattern.finditer(sentence):
            name = m.group("name")
            if not free(m.start("name"), m.end("name")) or gaz.country(name) or gaz.is_common_word(name):
                continue
            dem = m.groupdict().get("dem")
            iso = _DEMONYMS.get(dem, "") if dem else ""
            known, world = gaz.region(name), gaz.foreign_region(name)
            iso = iso or (known[0] if known else world.country if world else "")
            found.append((world.name if world else name, "region", iso, m.start("name"), m.end("name")))
            taken.append((m.start("name"), m.end("name")))
    for m in _REGIONAL_RE.finditer(sentence):
        region = gaz.region_by_code(_REGIONAL[m.group(1)])
        if region and free(m.start(1), m.end(1)):
            found.append((region.name, "region", region.country, m.start(1), m.end(1)))
            taken.append((m.start(1), m.end(1)))
    for m in _DEMONYM_RE.finditer(sentence):
        if free(m.start(1), m.end(1)):
            iso = _DEMONYMS[m.group(1)]
            found.append((gaz.countries.get(iso, iso), "country", iso, m.start(1), m.end(1)))
            taken.append((m.start(1), m.end(1)))
    last_city_end: int | None = None
    waiting: list[tuple[int, int, Any]] = []
    for run in _CAP_RUN.finditer(sentence):
        if _BACKGROUND.search(sentence[: run.start()]):
            continue  # "visitors from Japan": where people come from is not a partner
        words = list(re.finditer(r"[^\s-]+", run.group()))
        tokens = [re.sub(r"['’]s$", "", w.group().strip(".,'’")) for w in words]
        for start, end, kind in gaz.match(tokens, world=True):
            a, b = run.start() + words[start].start(), run.start() + words[end - 1].end()
            # "Mexico City." -> "Mexico City", "Kobe's" -> "Kobe"
            b -= len(sentence[a:b]) - len(_SPAN_TAIL.sub("", sentence[a:b]))
            phrase = " ".join(tokens[start:end])
            if not free(a, b) or gaz.is_common_word(phrase):
                continue
            rest = [fold(t) for t in tokens[end:]]
            if rest and rest[0] in _FACILITY:
                continue  # "Jersey Street", "Paris Hotel": a street or a building
            if kind != "city" and _inside_a_name(tokens, start, end):
                continue  # "Richardson Jordan", "George Washington", "Victoria Rowell": part of a longer name
            if kind == "country":
                iso = gaz.country(phrase) or ""
                found.append((gaz.countries.get(iso, phrase), "country", iso, a, b))
            elif kind == "region" and gaz.region(phrase) is None:
                # a province or state abroad ("Bavaria", "Gyeonggi"): the whole capitalised run ("Mendoza" in
                # "Ana Mendoza" is a surname), and a one-word name needs a place word, a title or a country after it
                world = gaz.foreign_region(phrase)
                whole = start == 0 and end == len(tokens)
                titled = bool(_REGION_TITLE.search(sentence[:a]) or _REGION_AFTER.match(sentence[b:]))
                located = _PLACE_WORD.search(sentence[max(0, a - 12) : a]) or _placed_by(sentence[b : b + 40])[0]
                if world is None or phrase.isupper() or not (whole or titled) or _CITY_TITLE.search(sentence[:a]):
                    continue  # "City of Piedmont" is a city
                if len(tokens[start:end]) == 1 and not (titled or located):
                    continue
                found.append((world.name, "region", world.country, a, b))
            elif kind == "region" and not any(p.population >= 1_000_000 for p in gaz.cities(phrase)):
                iso, _admin1 = gaz.region(phrase) or ("", "")
                found.append((phrase, "region", iso, a, b))
            elif kind == "region":  # New York, Washington: the big city is the likelier partner
                place = gaz.cities(phrase)[0]
                found.append((place.name, "city", place.country, a, b))
            else:
                titled = bool(_TITLED.search(sentence[:a]))
                # a place by its main name (or a big city by another spelling), and the whole capitalised run:
                # "Ana Valenzuela", "San Ysidro Port" or "Paris Hilton" are not places
                entries = gaz.entries(phrase)
                places = [p for p, main in entries if main or p.population >= 1_000_000]
                by_main = any(main for _p, main in entries)
                whole = start == 0 and end == len(tokens)
                listed = last_city_end is not None and _LIST_SEP.fullmatch(sentence[last_city_end:a])
                if listed and whole and not phrase.isupper():
                    last_city_end = b  # a list of cities goes on past one too small to name ("Klagenfurt")
                if phrase.isupper() or not places or not (whole or titled):
                    continue  # an acronym ("TSU"), or part of a longer name
                if _INNER_CAPITAL.search(phrase) and not _INNER_CAPITAL.search(places[0].name):
                    continue  # "MiRi", a company's initials in mixed case, is not Miri (McAllen is McAllen)
                if places[0].population < 1_000_000 and _NUMBERED.match(sentence[b:]):
                    continue  # "Annex 1", "Phase 2": a numbered part of a document ("Dublin 8" is still Dublin)
                where = _placed_by(sentence[b : b + 40])  # "Paris, Texas": the country or region after a comma
                if (
                    end - start > 1
                    and places[0].population < MIN_CITY_POPULATION
                    and not titled
                    and all(gaz.is_common_word(t) for t in tokens[start:end])
                    and not where[0]
                ):
                    continue  # "the tech community in Old City": a smaller place named by everyday words is a
                    # description unless a title or a country places it ("Salt Lake City" is large enough)
                if titled and not whole and places[0].population < MIN_CITY_POPULATION and _name_goes_on(tokens, end):
                    continue  # "the Mayor of David Do": a person after the title ("the Mayor of Turin Chiara
                    # Appendino" names a city large enough to be meant)
                # a one-word name of a smaller city needs a place word before it ("in Dublin", "trip to Kobe"),
                # a country or region after it ("Dublin, Ireland") or to continue a list of cities ("Besançon and
                # Padua"): "George returned", "the Commonwealth" and a list of people ("Council Members Lander,
                # Levine") are not places
                qualified = bool(where[0])
                located = _PLACE_WORD.search(sentence[max(0, a - 12) : a]) or qualified or listed
                smallest = MIN_CITY_POPULATION if not (located or titled) else 30_000
                big = places[0].population >= 1_000_000 and by_main  # "Paris", "Seoul"; not "Bay" (another spelling)
                if (places[0].population < smallest and not (titled or qualified)) or (
                    len(tokens[start:end]) == 1 and not big and not (titled or located)
                ):
                    if places[0].population >= 30_000:
                        waiting.append((a, b, _nearest(places, home)))  # named in a list after all? see below
                    continue
                place = _nearest(places, home)
                # "Paris, Texas", "London, Ontario", "Spokane, Washington": the name after the comma places the city
                if qualified:
                    taken.append((b + where[1], b + where[2]))
                    place = next((p for p in places if p.country == where[0]), None)
                    if place is None:
                        found.append((phrase, "city", where[0], a, b))
                        taken.append((a, b))
                        continue
                found.append((place.name, "city", place.country, a, b))
                last_city_end = b
            taken.append((a, b))
        if (
            last_city_end is not None
            and last_city_end <= run.start()
            and _LIST_SEP.fullmatch(sentence[last_city_end : run.start()])
        ):
            last_city_end = run.end()  # a list of cities goes on past a name the gazetteer lacks ("Curtiba")
    # a smaller city named before a list's first recognised one: "(Bergamo, Bologna, Florence, Milan, ...)"
    listed_at = {s for _n, kind, _c, s, _e in found if kind == "city"}
    for a, b, place in reversed(waiting):
        if free(a, b) and any(_LIST_GAP.fullmatch(sentence[b:start]) for start in listed_at if start > b):
            found.append((place.name, "city", place.country, a, b))
            taken.append((a, b))
            listed_at.add(a)
    return [(n, k, c, offset + s, offset + e) for n, k, c, s, e in sorted(found, key=lambda m: m[3])]


def _inside_a_name(tokens: list[str], start: int, end: int) -> bool:
    """Whether a country's or a state's name at ``tokens[start:end]`` is part of a longer name in its capitalised
    run ("Richardson Jordan", "Nazi Germany", "Victoria Rowell", "Vietnam War"). A name paired with another
    country or an acronym before it ("U.S.-China Climate Summit", "EU-Japan") is not; nor is one after a function
    word ("Since Lithuania") or a word of government, or before an official's, an office's or a division's
    title ("Ontario Premier", "Japan Trade Mission") or another country ("Armenia-Azerbaijan")."""
    from spacy.lang.en.stop_words import STOP_WORDS  # here: spaCy is loaded by then in a run, not on import

    before = tokens[start - 1] if start > 0 else ""
    if before.replace(".", "").isupper() and len(before.replace(".", "")) <= 4 or _country_word(before):
        return False  # a pair: "U.S.-China", "EU-Japan"
    if before[:1].isupper() and fold(before) not in _ADMIN_WORDS and before.lower() not in STOP_WORDS:
        return True
    return _name_goes_on(tokens, end)


def _name_goes_on(tokens: list[str], end: int) -> bool:
    """Whether the capitalised word at ``tokens[end]`` (if any) continues a name: not a word of government, an
    official's, an office's or a division's title, nor a country."""
    after = tokens[end] if end < len(tokens) else ""
    return bool(
        after[:1].isupper()
        and fold(after) not in _ADMIN_WORDS
        and fold(after) not in _AFTER_OK
        and not _country_word(after)
    )


def _country_word(word: str) -> bool:
    """A country's name, or its code in capitals ("Do" and "Ben" are words, not the Dominican Republic or Benin)."""
    return bool(gazetteer().country(word)) and (len(word) > 3 or word.isupper())


def _domestic_namesake(name: str, country: str) -> bool:
    places = gazetteer().cities(name)
    home = max((p.population for p in places if p.country == country), default=0)
    abroad = max((p.population for p in places if p.country != country), default=0)
    return home > 0 and home >= 0.2 * abroad


def partners_in(text: str, *, city: str | None = None, country: str | None = None) -> list[Partner]:
    """The partners of one passage (see the module docstring for what counts)."""
    own_city = fold(city) if city else None
    own_country = (country or "").upper() or None
    gaz = gazetteer()
    if own_country is None and city:
        places = gaz.cities(city)
        own_country = places[0].country if places else None
    home = {own_country, *_PARTS_OF.get(own_country or "", ())}
    out: list[Partner] = []
    seen: set[tuple[str, str]] = set()
    for sent in _SENTENCE.finditer(text):
        sentence = sent.group()
        cues = [m.start() for m in _CUES.finditer(sentence)]
        if not cues:
            continue  # nothing happens with anyone in this sentence: names in it are background
        mentions = _mentions(sentence, sent.start(), own_country)
        # a country that only locates a partner city or region ("Sakai, our sister city in Japan") is not one more,
        # nor is a region that locates a city
        located_in = {iso for _n, kind, iso, _s, _e in mentions if kind in ("city", "region") and iso}
        cities_in = {iso for _n, kind, iso, _s, _e in mentions if kind == "city" and iso}
        for name, kind, iso, start, end in mentions:
            locator = _LOCATOR.search(text[max(0, start - 30) : start])
            if kind == "country" and iso in located_in and locator:
                continue
            if kind == "region" and iso in cities_in and locator:
                continue  # "Lorient, its twin town in Brittany": the region only says where the city is
            if kind == "country" and own_country and (gaz.region(name) or ("",))[0] == own_country:
                continue  # "Georgia" in a U.S. document is the state
            if kind in ("city", "country", "region") and own_country and iso in home:
                continue  # domestic: the country, or a part of it with a code of its own (Puerto Rico for the U.S.)
            if kind == "city" and own_country and _domestic_namesake(name, own_country):
                continue  # "Bella Vista" or "Paris, Texas" may be meant: a sizeable namesake at home wins
            if kind == "city" and own_city and fold(name) == own_city and iso in (own_country, None, ""):
                continue
            near = min(abs(c - (start - sent.start())) for c in cues) <= 60
            confidence = round((0.9 if near else 0.7) + (0.05 if kind in ("network", "international_org") else 0), 2)
            if (name, kind) in seen:
                continue
            seen.add((name, kind))
            out.append(Partner(name, kind, iso, start, end, text[start:end], confidence))
    return out


def extract_partners(
    texts_or_frame: Sequence[str] | pd.DataFrame | Iterable[str], city: str | None = None, country: str | None = None
) -> pd.DataFrame:
    """One row per partner mention: ``passage`` (the row's ``id``/``passage_id`` or position), ``name``, ``kind``,
    ``country`` (ISO 3166-1 alpha-2, empty for networks and organisations), ``start``, ``end``, ``span``,
    ``confidence``. A frame's own ``city``/``country`` columns are used for rows where the arguments are not given.
    """
    if isinstance(texts_or_frame, pd.DataFrame):
        frame = texts_or_frame
        ids = frame.get("id", frame.get("passage_id", pd.Series(range(len(frame)), index=frame.index)))
        texts = frame["text"].fillna("").astype(str).tolist()
        cities = frame["city"].tolist() if "city" in frame.columns and city is None else [city] * len(frame)
        countries = (
            frame["country"].tolist() if "country" in frame.columns and country is None else [country] * len(frame)
        )  # noqa: E501
        ids = list(ids)
    else:
        texts = [str(t) for t in texts_or_frame]
        ids, cities, countries = list(range(len(texts))), [city] * len(texts), [country] * len(texts)
    rows: list[dict[str, Any]] = []
    for pid, text, c, k in zip(ids, texts, cities, countries):
        c = c if isinstance(c, str) and c else None
        k = k if isinstance(k, str) and k else None
        rows.extend({"passage": pid, **asdict(p)} for p in partners_in(text, city=c, country=k))
    columns = ["passage", "name", "kind", "country", "start", "end", "span", "confidence"]
    return pd.DataFrame(rows, columns=columns)


def read_partner_labels(path: str | Path) -> pd.DataFrame:
    """A partner evaluation file (JSON lines: id, text, city, country, register, partners[{name, kind, country}])."""
    import json

    rows = []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError as exc:
            from cdtext.errors import LabelError

            raise LabelError(f"{path}, line {n}: not JSON ({exc})") from exc
        bad = [p for p in row.get("partners", []) if p.get("kind") not in KINDS]
        if bad or "text" not in row:
            from cdtext.errors import LabelError

            raise LabelError(f"{path}, line {n}: needs text and partners of kinds {', '.join(KINDS)}")
        rows.append(row)
    return pd.DataFrame(rows)


def _key(name: str, kind: str, country: str) -> tuple[str, str]:
    # countries compare by ISO code ("South Korea" / "Korea, Republic of"), provinces and states abroad by ISO
    # 3166-2 code ("Bayern" / "Bavaria"), the rest by folded name
    if kind == "country" and country:
        return (kind, country.upper())
    region = gazetteer().foreign_region(name) if kind == "region" else None
    return (kind, region.code if region else fold(name))


def evaluate_partners(labels: pd.DataFrame) -> dict[str, Any]:
    """Partner-level precision, recall and F1 (per kind and overall) of :func:`extract_partners` on labelled
    passages: a found partner is right when the passage's labels have the same kind and name (countries: the
    same ISO code)."""
    found = extract_partners(labels[["id", "text", "city", "country"]])
    tp: dict[str, int] = dict.fromkeys(KINDS, 0)
    fp: dict[str, int] = dict.fromkeys(KINDS, 0)
    fn: dict[str, int] = dict.fromkeys(KINDS, 0)
    errors = []
    by_passage = {pid: group for pid, group in found.groupby("passage")}
    for row in labels.itertuples():
        gold = {_key(p["name"], p["kind"], p.get("country", "")) for p in row.partners}
        group = by_passage.get(row.id)
        got = set() if group is None else {_key(n, k, c) for n, k, c in zip(group.name, group.kind, group.country)}
        for kind, _name in gold & got:
            tp[kind] += 1
        for kind, name in got - gold:
            fp[kind] += 1
            errors.append({"id": row.id, "error": "false partner", "kind": kind, "name": name})
        for kind, name in gold - got:
            fn[kind] += 1
            errors.append({"id": row.id, "error": "missed", "kind": kind, "name": name})

    def prf(t: int, p: int, n: int) -> dict[str, float]:
        precision = t / (t + p) if t + p else float("nan")
        recall = t / (t + n) if t + n else float("nan")
        f1 = 2 * t / (2 * t + p + n) if t + p + n else float("nan")
        return {"support": t + n, "precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4)}

    kinds = {k: prf(tp[k], fp[k], fn[k]) for k in KINDS}
    overall = prf(sum(tp.values()), sum(fp.values()), sum(fn.values()))
    return {"n_passages": len(labels), "overall": overall, "kinds": kinds, "errors": errors}


def format_partner_evaluation(result: dict[str, Any]) -> str:
    lines = [f"{'kind':<20} {'support':>7} {'precision':>9} {'recall':>7} {'F1':>6}"]
    for name, r in [*result["kinds"].items(), ("overall", result["overall"])]:
        lines.append(f"{name:<20} {r['support']:>7} {r['precision']:>9.3f} {r['recall']:>7.3f} {r['f1']:>6.3f}")
    return "\n".join(lines)
