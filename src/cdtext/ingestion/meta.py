"""Document metadata: a ``--meta`` CSV, or inference from the document itself.

Fields: ``city``, ``country`` (ISO 3166-1 alpha-2), ``date`` (ISO ``YYYY-MM-DD``, or ``YYYY-MM`` / ``YYYY`` when
only that is known), ``doc_type`` (one of :data:`cdtext.types.DOC_TYPES`) and
``title``; other CSV columns are kept as ``extra``. ``meta_source`` records
where each field came from: ``meta`` (the CSV), ``document`` (embedded
metadata such as an HTML publication date or a PDF title), ``inferred``
(rules over the text) or ``gazetteer`` (a country looked up from a given
city); for an inferred city also ``city_clue`` (which clue won: file name,
folder, title, url, text pattern, dateline, mentions) and ``city_confidence``.
Places come from the GeoNames gazetteer (:mod:`cdtext.places`).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date as Date
from pathlib import Path

from cdtext.errors import MetadataError
from cdtext.types import DOC_TYPES

KEY_COLUMNS = ("path", "file", "filename", "file_name", "id", "doc_id", "document", "name")
FIELD_ALIASES = {
    "city": ("city", "municipality", "town"),
    "country": ("country", "country_code", "iso_country", "nation"),
    "date": ("date", "published", "publication_date", "date_published"),
    "doc_type": ("doc_type", "document_type", "type", "genre", "kind"),
    "title": ("title",),
}
_MISSING = {"", "na", "n/a", "nan", "none", "null", "-"}
_MONTHS = {
    m: i
    for i, names in enumerate(
        [
            ("january", "jan", "janvier", "enero", "januar"),
            ("february", "feb", "février", "fevrier", "febrero", "februar"),
            ("march", "mar", "mars", "marzo", "märz"),
            ("april", "apr", "avril", "abril"),
            ("may", "mai", "mayo"),
            ("june", "jun", "juin", "junio", "juni"),
            ("july", "jul", "juillet", "julio", "juli"),
            ("august", "aug", "août", "aout", "agosto"),
            ("september", "sep", "sept", "septembre", "septiembre"),
            ("october", "oct", "octobre", "octubre", "oktober"),
            ("november", "nov", "novembre", "noviembre"),
            ("december", "dec", "décembre", "decembre", "diciembre", "dezember"),
        ],
        start=1,
    )
    for m in names
}
_MONTH_RE = "|".join(sorted((re.escape(m) for m in _MONTHS), key=len, reverse=True))
_DATE_PATTERNS = (
    re.compile(r"\b(?P<y>(19|20)\d\d)-(?P<m>\d\d)-(?P<d>\d\d)\b"),
    re.compile(r"\b(?P<y>(19|20)\d\d)/(?P<m>\d\d?)/(?P<d>\d\d?)\b"),
    re.compile(rf"\b(?P<mon>{_MONTH_RE})\.?\s+(?P<d>\d{{1,2}})(st|nd|rd|th)?,?\s+(?P<y>(19|20)\d\d)\b", re.I),
    re.compile(
        rf"\b(?P<d>\d{{1,2}})(st|nd|rd|th|er)?\.?\s+(de\s+)?(?P<mon>{_MONTH_RE})\.?,?\s+(de\s+)?(?P<y>(19|20)\d\d)\b",
        re.I,
    ),
    re.compile(r"\b(?P<m>\d\d?)/(?P<d>\d\d?)/(?P<y>(19|20)\d\d)\b"),
)
_DATELINE = re.compile(
    rf"(?m)^([A-Z][A-Z.'’ -]{{2,30}}?)(?:,\s*[A-Z][A-Za-z.]{{1,14}})?\s*(?:\(|,|[—–-]{{1,2}})\s*(?:{_MONTH_RE}|\d)",
    re.I,
)


@dataclass(frozen=True)
class DocMeta:
    city: str | None = None
    country: str | None = None
    date: str | None = None
    doc_type: str | None = None
    title: str | None = None
    extra: dict = field(default_factory=dict)
    source: dict = field(default_factory=dict)


def clean_value(value: object) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return None if text.lower() in _MISSING else text


def parse_date(value: str | None) -> str | None:
    """Normalise a date string to ``YYYY-MM-DD`` (or ``YYYY-MM`` / ``YYYY``)."""
    value = clean_value(value)
    if not value:
        return None
    if re.fullmatch(r"\d{4}-\d\d-\d\d", value[:10]):  # an ISO date of any year (a document from 1850 too)
        try:
            return Date.fromisoformat(value[:10]).isoformat()
        except ValueError:
            pass
    found = find_date(value)
    if found:
        return found
    m = re.fullmatch(r"\s*((?:19|20)\d\d)(?:[-/.](\d\d?))?\s*", value)
    if m:
        return m.group(1) if not m.group(2) else f"{m.group(1)}-{int(m.group(2)):02d}"
    return None


def find_date(text: str) -> str | None:
    """The first full date written in ``text``, as ``YYYY-MM-DD``."""
    best: tuple[int, str] | None = None
    for pattern in _DATE_PATTERNS:
        for m in pattern.finditer(text):
            parts = m.groupdict()
            month = _MONTHS.get(parts["mon"].lower().rstrip(".")) if parts.get("mon") else int(parts["m"])
            try:
                day = Date(int(parts["y"]), int(month or 0), int(parts["d"]))
            except ValueError:
                continue
            if best is None or m.start() < best[0]:
                best = (m.start(), day.isoformat())
            break
    return best[1] if best else None


def normalise_doc_type(value: str | None) -> str | None:
    """Map a free-text document type to one of :data:`DOC_TYPES`."""
    value = clean_value(value)
    if not value:
        return None
    low = value.lower().replace("-", " ").replace("_", " ")
    if low.replace(" ", "_") in DOC_TYPES:
        return low.replace(" ", "_")
    rules = (
        ("press_release", ("press", "news release", "media release", "announcement")),
        ("speech", ("speech", "address", "state of the city", "remarks", "keynote")),
        ("resolution", ("resolution", "ordinance", "motion", "bill")),
        ("plan", ("plan", "strategy", "roadmap", "contract", "agenda 20")),
        ("report", ("report", "review", "minutes", "assessment", "study")),
        ("web_page", ("web", "page", "html", "site")),
    )
    for code, words in rules:
        if any(w in low for w in words):
            return code
    return "other"


class MetaTable:
    """Rows of a ``--meta`` CSV, looked up by a document's path, name or stem."""

    def __init__(self, rows: Mapping[str, dict[str, str | None]], source: str) -> None:
        self._rows = dict(rows)
        self.source = source

    def __len__(self) -> int:
        return len(self._rows)

    @classmethod
    def from_csv(cls, path: str | Path) -> MetaTable:
        path = Path(path)
        try:
            with open(path, newline="", encoding="utf-8-sig") as fh:
                reader = csv.DictReader(fh, strict=True)  # an unclosed quote is an error, not one huge cell
                columns = [c.strip() for c in (reader.fieldnames or [])]
                lowered = {c.lower(): c for c in columns}
                key = next((lowered[k] for k in KEY_COLUMNS if k in lowered), None)
                if key is None:
                    raise MetadataError(
                        f"{path}: no column to match documents on; add one named "
                        f"{', '.join(KEY_COLUMNS[:3])} or id (found: {', '.join(columns) or 'none'})"
                    )
                rows: dict[str, dict[str, str | None]] = {}
                for row in reader:
                    row = {(k or "").strip(): v for k, v in row.items()}
                    if any(ch in (row.get(key) or "") for ch in "\r\n"):
                        raise MetadataError(
                            f"{path}: the row ending on line {reader.line_num} has a line break in its {key} cell; "
                            "a quote is probably not closed"
                        )
                    ident = clean_value(row.get(key))
                    if ident:
                        rows[ident.lower()] = {k: clean_value(v) for k, v in row.items()}
        except FileNotFoundError as exc:
            raise MetadataError(f"metadata file not found: {path}") from exc
        except csv.Error as exc:
            hint = "; a quote is probably not closed" if "end of data" in str(exc) else ""
            raise MetadataError(f"{path}: not a valid CSV file ({exc}{hint})") from exc
        except UnicodeDecodeError as exc:
            raise MetadataError(f"{path}: not a readable UTF-8 CSV file ({exc})") from exc
        return cls(rows, str(path))

    def lookup(self, doc_path: str | Path) -> DocMeta | None:
        p = Path(doc_path)
        try:
            resolved = str(p.resolve())
        except (OSError, RuntimeError):  # a link loop: match on the other forms
            resolved = str(p.absolute())
        candidates = [str(doc_path), p.as_posix(), resolved, p.name, p.stem]
        row = next((self._rows[c.lower()] for c in candidates if c.lower() in self._rows), None)
        if row is None:
            return None
        lowered = {k.lower(): k for k in row}
        picked: dict[str, str | None] = {}
        used: set[str] = set()
        for name, aliases in FIELD_ALIASES.items():
            col = next((lowered[a] for a in aliases if a in lowered and row[lowered[a]]), None)
            picked[name] = row[col] if col else None
            if col:
                used.add(col)
        extra = {k: v for k, v in row.items() if k not in used and v is not None}
        source = {k: "meta" for k, v in picked.items() if v}
        if not parse_date(picked["date"]) and row.get("year"):
            picked["date"], source["date"] = row["year"], "meta"
        return replace(record_meta(picked, extra), source=source)


def record_meta(fields: Mapping[str, str | None], extra: dict, defaults: DocMeta | None = None) -> DocMeta:
    """Metadata from the values of a ``--meta`` row or a table's row (``fields``: city, country, date, doc_type,
    title as written), normalised, with ``defaults`` (a table's own ``--meta`` values) where they have none."""
    base = defaults or DocMeta()
    return DocMeta(
        city=clean_value(fields.get("city")) or base.city,
        country=normalise_country(fields.get("country")) or base.country,
        date=parse_date(fields.get("date")) or base.date,
        doc_type=normalise_doc_type(fields.get("doc_type")) or base.doc_type,
        title=clean_value(fields.get("title")) or base.title,
        extra={**base.extra, **extra},
    )


def normalise_country(value: str | None) -> str | None:
    """An ISO 3166-1 alpha-2 code from a code or a country name; unknown names are kept as written."""
    value = clean_value(value)
    if not value:
        return None
    from cdtext.places import country_code

    return country_code(value) or value


def country_of_city(city: str) -> str | None:
    """The country of the most populous gazetteer place called ``city`` ("Cleveland, OH" works too)."""
    from cdtext.places import gazetteer

    gaz = gazetteer()
    for name in (city, city.split(",")[0], city.split("(")[0]):
        places = gaz.entries(name.strip())
        if places:
            return places[0][0].country
    return None


def infer_doc_type(text: str, fmt: str, title: str | None, n_pages: int | None) -> str:
    """Rules over the opening text and the title; see docs/ingestion.md."""
    head = text[:6000]
    low = head.lower()
    title_low = (title or "").lower()
    if re.search(r"\bwhereas\b", low) and re.search(r"\bresolved\b|\bresolves\b", text[:60000].lower()):
        return "resolution"
    if (
        "for immediate release" in low
        or "press release" in low
        or "media contact" in low
        or _DATELINE.search(head[:1500])
    ):
        return "press_release"
    words = max(len(low.split()), 1)
    first_person = len(re.findall(r"\b(i|we|our|my|us|i'm|we're)\b", low)) / words
    greeting = re.search(r"\bthank you\b|\bgood (evening|morning|afternoon)\b", low[:1500])
    if re.search(r"state of (the|our) city|\bremarks\b|\bspeech\b|\baddress\b", title_low + " " + low[:400]) or (
        greeting and first_person >= 0.015
    ):
        return "speech"
    if re.search(r"\b(action plan|strategy|strategic plan|roadmap|master plan|plan)\b", title_low) or (
        re.search(r"\b(action plan|strategy)\b", low[:1500]) and re.search(r"\btarget|\bobjective|\bgoal", low)
    ):
        return "plan"
    if re.search(r"\breport\b|\breview\b", title_low + " " + low[:800]) or (n_pages or 0) >= 8:
        return "report"
    if fmt == "html":
        return "web_page"
    return "other"


def infer_meta(text: str, *, fmt: str, title: str | None, date: str | None, n_pages: int | None) -> DocMeta:
    """Date, document type and title from the document itself; ``source`` says how each was found.

    City and country are inferred afterwards, in the parent process, by
    :func:`place_fields` (the gazetteer is built once per run, not per worker).
    """
    source: dict[str, str] = {}
    found_date = parse_date(date) if date else None
    if found_date:
        source["date"] = "document"
    else:
        found_date = find_date(text[:3000])
        if found_date:
            source["date"] = "inferred"
    doc_type = infer_doc_type(text, fmt, title, n_pages)
    source["doc_type"] = "inferred"
    if title:
        source["title"] = "document"
    return DocMeta(date=found_date, doc_type=doc_type, title=title, source=source)


def place_fields(text: str, *, path: str, title: str | None, url: str | None) -> tuple[dict, dict[str, str]]:
    """``({"city", "country"}, meta_source entries)`` inferred with the gazetteer (:mod:`cdtext.places`)."""
    from cdtext.places import infer_place

    place = infer_place(text, path=path, title=title, url=url)
    source: dict[str, str] = {}
    if place.city:
        source.update(city="inferred", city_clue=place.clue or "", city_confidence=f"{place.confidence:.2f}")
    if place.country:
        source["country"] = "inferred"
    return {"city": place.city, "country": place.country}, source
