"""Tables of records read as one document per row (``--records``): CSV, TSV and other delimited text, JSON lines,
JSON arrays of objects and Parquet.

A row's prose is in its text-like columns, the ones a JSON record's prose comes from (summary, abstract,
description, text, body, content, full_text; the case of a column name does not matter), joined in that order
as paragraphs. Its city, country, date, document type and title come from the columns a ``--meta`` CSV would use
for them (:data:`cdtext.ingestion.meta.FIELD_ALIASES`, and a JSON record's title and date names); the other
columns with short values are kept as ``extra``, so that ``--by`` can group on them. Which file is a table is
decided from its bytes, as for every other file; a JSON file holding a single object stays one document.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path

from cdtext.errors import ExtractionError
from cdtext.ingestion.readers.encoding import decode_bytes
from cdtext.ingestion.readers.jsondoc import DATE_KEYS, TEXT_KEYS, TITLE_KEYS
from cdtext.ingestion.readers.sniff import sniff_format

#: longest value kept in ``extra`` (longer ones are prose or blobs, not a grouping variable)
EXTRA_MAX_CHARS = 200
#: columns naming the file or page a row came from: its file name and folders, or its address, are clues to
#: the city, as a document's own path and address are
SOURCE_COLUMNS = ("path", "file", "filename", "file_name", "source_path", "repo_path", "source_file", "document")
URL_COLUMNS = ("url", "link", "uri", "source_url")
_SUFFIX_DELIMITERS = {".tsv": "\t", ".tab": "\t", ".csv": ","}


@dataclass(frozen=True)
class Table:
    """The rows of a table file: ``format`` (csv, tsv, jsonl, json, parquet) and one dict per row, keys lower-cased."""

    format: str
    rows: list[dict[str, str]]


def _cell(value: object) -> str | None:
    if value is None or isinstance(value, (dict, list, bytes)):
        return None  # nested structures and binary values are not prose or metadata
    if isinstance(value, float) and value != value:
        return None  # NaN: a missing value in a Parquet or pandas-written table
    text = str(value).strip()
    return text or None


def _lowered(row: dict) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in row.items():
        cell = _cell(value)
        name = str(key or "").strip().lower()
        if cell is not None and name and name not in out:
            out[name] = cell
    return out


def _delimited(text: str, suffix: str) -> Table:
    header = text.lstrip("\ufeff").split("\n", 1)[0]
    # the header's most frequent separator; a tie goes to the one the file name suggests, then to the comma
    delimiter = max((",", "\t", ";"), key=lambda d: (header.count(d), d == _SUFFIX_DELIMITERS.get(suffix)))
    csv.field_size_limit(max(csv.field_size_limit(), 2**31 - 1))  # a row's text may be a whole report
    try:
        reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline=""), delimiter=delimiter, strict=True)
        rows = [_lowered(row) for row in reader]
    except csv.Error as exc:
        raise ExtractionError("error", f"not a readable table (line {reader.line_num}: {exc})") from None
    return Table("tsv" if delimiter == "\t" else "csv", rows)


def _json_rows(text: str) -> Table | None:
    try:
        value = json.loads(text)
    except RecursionError:
        raise ExtractionError("error", "JSON nested too deeply to read") from None
    except ValueError:
        rows = []
        for n, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except (ValueError, RecursionError):
                record = None
            if not isinstance(record, dict):
                if not rows:
                    return None  # neither JSON nor JSON lines: a document (read as text)
                raise ExtractionError("error", f"JSON lines: line {n:,} is not a JSON object") from None
            rows.append(_lowered(record))
        return Table("jsonl", rows) if rows else None
    if isinstance(value, list):
        if not all(isinstance(item, dict) for item in value):
            raise ExtractionError("unsupported", "a JSON array whose items are not all records (objects)")
        return Table("json", [_lowered(item) for item in value])
    return None  # one record: a document


def _parquet(path: Path) -> Table:
    import pyarrow
    import pyarrow.parquet

    try:
        rows = pyarrow.parquet.read_table(path).to_pylist()
    except (pyarrow.ArrowException, OSError) as exc:
        raise ExtractionError("error", f"not a readable Parquet file ({str(exc)[:200]})") from None
    return Table("parquet", [_lowered(row) for row in rows])


def read_table(path: Path, head: bytes) -> Table | None:
    """The rows of ``path`` when it is a table of records (``head``: its first bytes), else None. A table none of
    whose rows has a text column is refused (``unsupported``, naming its columns)."""
    fmt = sniff_format(head)
    suffix = path.suffix.lower()
    if fmt == "parquet":
        table = _parquet(path)
    elif fmt in ("table", "json") or (fmt == "text" and suffix in _SUFFIX_DELIMITERS):
        text, _encoding = decode_bytes(path.read_bytes())
        table = _json_rows(text) if fmt == "json" else _delimited(text, suffix)
    else:
        return None
    if table is not None and table.rows and not any(key in row for row in table.rows for key in TEXT_KEYS):
        columns = sorted({key for row in table.rows[:100] for key in row})
        listed = ", ".join(columns[:12]) + (" ..." if len(columns) > 12 else "")
        raise ExtractionError(
            "unsupported",
            f"a table of {len(table.rows):,} rows without a text column (one of {', '.join(TEXT_KEYS)}); "
            f"its columns: {listed}",
        )
    return table


def prose(row: dict[str, str]) -> str:
    """A row's text: its text-like columns as paragraphs."""
    return "\n\n".join(row[key] for key in TEXT_KEYS if key in row)


def metadata(row: dict[str, str]) -> tuple[dict[str, str | None], dict[str, str]]:
    """``(fields, extra)``: the row's city, country, date, doc_type and title as written (None when absent), the
    file path (``source``) and address (``url``) it names, and its other short columns (the path and address
    among them)."""
    from cdtext.ingestion.meta import FIELD_ALIASES

    aliases = {**FIELD_ALIASES, "title": TITLE_KEYS, "date": DATE_KEYS}
    fields: dict[str, str | None] = {}
    used = set(TEXT_KEYS)
    for name, names in aliases.items():
        column = next((c for c in names if c in row), None)
        fields[name] = row[column] if column else None
        used.update(names)
    if not fields["date"] and "year" in row:
        fields["date"] = row["year"]
    fields["source"] = next((row[c] for c in SOURCE_COLUMNS if c in row and len(row[c]) <= 1000), None)
    fields["url"] = next((row[c] for c in URL_COLUMNS if c in row and len(row[c]) <= 2000), None)
    extra = {k: v for k, v in row.items() if k not in used and k != "year" and len(v) <= EXTRA_MAX_CHARS}
    return fields, extra


def row_digest(row: dict[str, str]) -> str:
    """SHA-256 of a row's content (its columns and values, in a fixed order): the row's identity in the store."""
    import hashlib

    return hashlib.sha256(json.dumps(row, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()
