"""JSON: a file holding one record (an object, e.g. a Legistar bill) is a document; a table of records is not.

(A file that only looked like JSON from its first bytes and does not parse is read as text.)

A record's prose is in its text-like fields (summary, abstract, description, text, body, content, full text; the
key's case does not matter), read in that order as paragraphs; its title and date come from its title-like and
date-like fields. Other fields (identifiers, sponsors, histories, raw RTF) are not prose and are left out.

JSON lines and arrays hold many records. Read as one document, such a table would merge unrelated records under one
city and date, so it is refused with a reason that says how to use it: ``--records`` reads each record as a
document of its own (:mod:`cdtext.ingestion.readers.records`), and ``cdtext classify FILE`` classifies a table with
a ``text`` column.
"""

from __future__ import annotations

import json
from typing import Any

from cdtext.errors import ExtractionError
from cdtext.ingestion.meta import FIELD_ALIASES
from cdtext.ingestion.readers.encoding import decode_bytes
from cdtext.ingestion.readers.text import read_text, text_to_blocks
from cdtext.types import Extracted

#: keys whose string values are the record's prose, in reading order
TEXT_KEYS = ("summary", "abstract", "description", "text", "body", "content", "full_text", "fulltext")
#: the --meta columns' names for a title and a date, then those of records: a bill's introduction date before its
#: passage date (which may come years later, or never)
TITLE_KEYS = (*FIELD_ALIASES["title"], "headline", "name")
DATE_KEYS = (*FIELD_ALIASES["date"], "intro_date", "introdate", "passed_date", "passeddate", "created")

_TABLE = (
    "a table of records, not a document: --records reads each record as a document, and `cdtext classify FILE` "
    "classifies a JSON-lines table with a 'text' column"
)


def _records_per_line(text: str) -> int:
    """How many non-empty lines the file has when its first three are JSON objects (JSON lines), else 0."""
    lines = [line for line in text.splitlines() if line.strip()]
    for line in lines[:3]:
        try:
            if not isinstance(json.loads(line), dict):
                return 0
        except ValueError:
            return 0
    return len(lines)


def _first_string(fields: dict[str, Any], keys: tuple[str, ...], *, date: bool = False) -> str | None:
    for key in keys:
        value = fields.get(key)
        if isinstance(value, str) and value.strip():
            if date and value[:4].isdigit() and int(value[:4]) < 1000:
                continue  # "0001-01-01T00:00:00Z": a placeholder for no date
            return value.strip()
    return None


def read_json(data: bytes) -> Extracted:
    """Read a JSON file holding one record into blocks; refuse tables of records and records without prose."""
    text, encoding = decode_bytes(data)
    try:
        value = json.loads(text)
    except ValueError:
        n = _records_per_line(text)
        if n > 1:
            raise ExtractionError("unsupported", f"JSON lines with {n:,} records: {_TABLE}") from None
        # not JSON after all: prose that opens with a bracket or brace ("[1] Introduction", "{Draft} ...")
        return read_text(data)
    if isinstance(value, list):
        raise ExtractionError("unsupported", f"a JSON array of {len(value):,} items: {_TABLE}")
    if not isinstance(value, dict):
        raise ExtractionError("unsupported", "JSON holding a single value, not a record with text")
    fields = {str(k).lower(): v for k, v in value.items()}
    prose = [fields[k].strip() for k in TEXT_KEYS if isinstance(fields.get(k), str) and fields[k].strip()]
    if not prose:
        raise ExtractionError(
            "unsupported", f"a JSON record without a text field (one of {', '.join(TEXT_KEYS)}): nothing to read"
        )
    blocks = text_to_blocks("\n\n".join(prose))
    return Extracted(
        format="json",
        blocks=tuple(blocks),
        title=_first_string(fields, TITLE_KEYS),
        date=_first_string(fields, DATE_KEYS, date=True),
        info={"encoding": encoding, "fields": [k for k in TEXT_KEYS if k in fields]},
    )
