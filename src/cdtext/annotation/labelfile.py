"""Label files -> a checked table of labels (one row per passage and annotator).

Two forms, one set of label columns (``functions``, ``policy_anchored``,
``policy_areas``, ``annotator``, ``note``):

* **inline** — CSV or JSON lines as written by ``cdtext annotate``: each row
  has the passage ``id`` and its ``text`` (plus context to read it by);
* **stand-off** — JSON lines that point at the text instead of holding it:
  ``source`` (a path relative to a root folder), ``start``/``end`` (character
  offsets into the document text as cdtext reads it), ``sha1`` of the
  passage text, ``doc_sha256`` and ``id`` (the passage id), so labels on
  documents that may not be redistributed can still be shared.

A row counts as labelled once it names an ``annotator`` or gives functions;
an empty ``functions`` cell on a labelled row (or ``none``) means *no
function*. Codes are separated by ``;`` (``,`` and spaces are accepted too).
:func:`read_labels` parses and :func:`check_labels` lists every problem with
its file and row; nothing here raises on a bad cell.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from cdtext.errors import CdtextError
from cdtext.labels import FUNCTIONS, POLICY_AREAS

#: columns an annotator fills in
FILL_COLUMNS = ("functions", "policy_anchored", "policy_areas", "annotator", "note")
#: how a passage was drawn (written by ``annotate``, kept through labelling)
DESIGN_COLUMNS = ("stratum", "inclusion_prob", "round")
#: the reference to the text (both forms carry it; stand-off files carry nothing else of the text)
REFERENCE_COLUMNS = ("source", "doc_sha256", "start", "end", "sha1")
#: the columns of a parsed label table
COLUMNS = (
    "file",
    "row",
    "key",
    "id",
    "text",
    *REFERENCE_COLUMNS,
    "functions",
    "policy_anchored",
    "policy_areas",
    "annotator",
    "note",
    *DESIGN_COLUMNS,
)
MAX_BYTES = 32 * 2**20
_SPLIT = re.compile(r"[;,|\s]+")
_TRUE = {"true", "yes", "y", "1", "t", "x"}
_FALSE = {"false", "no", "n", "0", "f"}
_NONE = {"", "none", "-", "no function", "nan", "null"}
_FORMULA_ESCAPE = re.compile(r"^'(?=[=+\-@\t\r])")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a label file, located by file and row (1 = first data row)."""

    file: str
    row: int
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.row}" if self.row else self.file
        return f"{where}: {self.message}"


def passage_sha1(text: str) -> str:
    """The SHA-1 of a passage's text (UTF-8), as stand-off references record it."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def _cell(value: Any) -> str:
    """A cell as stripped text; missing values, NaN and None become ''."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, (list, tuple)):
        return ";".join(str(v) for v in value)
    return _FORMULA_ESCAPE.sub("", str(value)).strip()


def passage_keys(path: Path) -> set[str]:
    """The ids and text hashes of every row of a label file, labelled or still to be labelled; raises
    CdtextError for an unreadable file."""
    keys: set[str] = set()
    for row in _raw_rows(path):
        for column in ("id", "passage_id", "sha1"):
            value = _cell(row.get(column))
            if value:
                keys.add(value)
        text = _cell(row.get("text"))
        if text:
            keys.add(passage_sha1(text))
    return keys


def _codes(value: Any) -> list[str]:
    if isinstance(value, (list, tuple)):
        parts = [str(v).strip() for v in value]
    else:
        text = _cell(value)
        parts = [] if text.lower() in _NONE else _SPLIT.split(text)
    return [p.lower() for p in parts if p and p.lower() not in _NONE]


def _flag(value: Any) -> bool | None | str:
    """True/False/None, or the original text when it is none of those."""
    if isinstance(value, bool):
        return value
    text = _cell(value).lower()
    if text in ("", "nan", "null", "none"):
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    return _cell(value)


def _decode(data: bytes) -> str:
    """Label files come from spreadsheets: UTF-8 (with or without BOM), else Windows-1252."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _raw_rows(path: Path) -> list[dict[str, Any]]:
    """The rows of a CSV or JSON-lines file as dicts; raises CdtextError for an unreadable file."""
    if not path.is_file():
        raise CdtextError(f"{path}: no such label file")
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise CdtextError(f"{path}: {size:,} bytes is too large for a label file (limit {MAX_BYTES:,})")
    text = _decode(path.read_bytes())
    if not text.strip():
        raise CdtextError(f"{path}: the file is empty")
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson", ".json"):
        rows = []
        for n, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except json.JSONDecodeError as exc:
                raise CdtextError(f"{path}:{n}: not valid JSON ({exc.msg})") from exc
            if not isinstance(value, dict):
                raise CdtextError(f"{path}:{n}: each line must be a JSON object")
            rows.append(value)
        return rows
    if suffix != ".csv":
        raise CdtextError(f"{path}: unknown label file type; use .csv or .jsonl")
    try:
        csv.field_size_limit(MAX_BYTES)
        reader = csv.DictReader(io.StringIO(text, newline=""))
        rows = [{(k or "").strip().lower(): v for k, v in row.items()} for row in reader]
    except csv.Error as exc:
        raise CdtextError(f"{path}: not a readable CSV file ({exc})") from exc
    return rows


def _row_key(row: dict[str, Any]) -> str:
    ident = _cell(row.get("id") or row.get("passage_id"))
    if ident:
        return ident
    source, start, end = _cell(row.get("source")), _cell(row.get("start")), _cell(row.get("end"))
    return f"{source}#{start}-{end}" if source else ""


def _int_or_none(value: Any) -> int | None:
    text = _cell(value)
    try:
        return int(float(text)) if text else None
    except ValueError:
        return None


def _float_or_none(value: Any) -> float | None:
    text = _cell(value)
    try:
        return float(text) if text else None
    except ValueError:
        return None


def parse_rows(path: Path, rows: Iterable[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[Problem]]:
    """Parse raw rows into label records; unlabelled rows are skipped, bad cells become problems."""
    name = str(path)
    records: list[dict[str, Any]] = []
    problems: list[Problem] = []
    rows = list(rows)
    if rows:
        columns = set().union(*(r.keys() for r in rows))
        if "functions" not in columns:
            problems.append(Problem(name, 0, "no 'functions' column; is this a label file written by cdtext annotate?"))
            return [], problems
        if not ({"id", "passage_id"} & columns or "source" in columns):
            problems.append(Problem(name, 0, "no 'id' column and no 'source' reference: rows cannot be matched"))
            return [], problems
    for n, row in enumerate(rows, 1):
        annotator = _cell(row.get("annotator"))
        fn_cell = row.get("functions")
        if not annotator and not _codes(fn_cell):
            continue  # not labelled yet
        functions = _codes(fn_cell)
        areas = _codes(row.get("policy_areas"))
        anchored = _flag(row.get("policy_anchored"))
        for code in functions:
            if code not in FUNCTIONS:
                problems.append(Problem(name, n, f"unknown function code {code!r} (codes: {', '.join(FUNCTIONS)})"))
        for code in areas:
            if code not in POLICY_AREAS:
                problems.append(Problem(name, n, f"unknown policy area {code!r}"))
        if isinstance(anchored, str):
            problems.append(Problem(name, n, f"policy_anchored must be true or false, not {anchored!r}"))
            anchored = None
        if anchored is not None and not functions:
            problems.append(Problem(name, n, "policy_anchored is set but no function is given"))
        if functions and anchored is None:
            problems.append(Problem(name, n, "policy_anchored must be true or false when functions are given"))
        if areas and not functions:
            problems.append(Problem(name, n, "policy_areas are given but no function"))
        key = _row_key(row)
        if not key:
            problems.append(Problem(name, n, "no id and no source reference"))
            continue
        text = row.get("text")
        records.append(
            {
                "file": name,
                "row": n,
                "key": key,
                "id": _cell(row.get("id") or row.get("passage_id")) or None,
                "text": _cell(text) if _cell(text) else None,
                "source": _cell(row.get("source")) or None,
                "doc_sha256": _cell(row.get("doc_sha256")) or None,
                "start": _int_or_none(row.get("start")),
                "end": _int_or_none(row.get("end")),
                "sha1": _cell(row.get("sha1")) or None,
                "functions": sorted(set(f for f in functions if f in FUNCTIONS), key=FUNCTIONS.index),
                "policy_anchored": bool(anchored) if functions and anchored is not None else None,
                "policy_areas": sorted(set(a for a in areas if a in POLICY_AREAS), key=POLICY_AREAS.index),
                "annotator": annotator or Path(name).stem,
                "note": _cell(row.get("note")),
                "stratum": _cell(row.get("stratum")) or None,
                "inclusion_prob": _float_or_none(row.get("inclusion_prob")),
                "round": _cell(row.get("round")) or None,
            }
        )
    return records, problems


def read_label_files(files: Sequence[str | Path]) -> tuple[pd.DataFrame, list[Problem]]:
    """All labelled rows of ``files`` and the problems found while parsing them.

    Unreadable files (missing, empty, too large, not CSV/JSON lines) become one
    problem each instead of an exception.
    """
    records: list[dict[str, Any]] = []
    problems: list[Problem] = []
    for f in files:
        path = Path(f)
        try:
            raw = _raw_rows(path)
        except CdtextError as exc:
            problems.append(Problem(str(path), 0, str(exc).removeprefix(f"{path}: ")))
            continue
        parsed, found = parse_rows(path, raw)
        records.extend(parsed)
        problems.extend(found)
        if not raw:
            problems.append(Problem(str(path), 0, "no rows"))
    seen: dict[tuple[str, str], Problem] = {}
    for r in records:
        pair = (r["key"], r["annotator"])
        if pair in seen:
            first = seen[pair]
            problems.append(
                Problem(
                    r["file"],
                    r["row"],
                    f"passage {r['key']} labelled twice by {r['annotator']} (also {first.file}:{first.row})",
                )
            )
        else:
            seen[pair] = Problem(r["file"], r["row"], "")
    frame = pd.DataFrame(records, columns=list(COLUMNS))
    return frame, problems


def file_sha256(path: str | Path) -> str:
    from cdtext.hashing import file_sha256 as sha

    return sha(path)
