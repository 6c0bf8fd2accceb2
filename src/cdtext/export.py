"""DataFrames -> files (CSV, JSON lines, Parquet), written atomically and safely.

CSV cells that a spreadsheet would run as a formula (starting with ``=``,
``+``, ``-``, ``@``, tab or carriage return) get a leading apostrophe.
Files are written to a temporary name in the same folder, fsynced and renamed,
so a reader never sees half a file.
"""

from __future__ import annotations

import io
import json
import os
import re
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:  # pandas is imported where a table is written: atomic_path needs none of it
    import pandas as pd

from cdtext.errors import ConfigError

FORMATS = ("csv", "jsonl", "parquet")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


_LONE_CR = re.compile(r"\r(?!\n)")
#: direction overrides, embeddings and isolates (they reverse how the text after them is shown) and invisible
#: zero-width characters and a stray byte-order mark
INVISIBLE_CONTROLS = re.compile(r"[\u202a-\u202e\u2066-\u2069\u200b-\u200d\u2060\ufeff]")
_LINE_START = re.compile(r"([\r\n])(?=[=+\-@\t\r])")


def neutralise_cell(value: Any) -> Any:
    """Prefix with ``'`` a string a spreadsheet would treat as a formula, at its start and after every line break.

    A spreadsheet may start a new row at a bare CR (or LF) inside a cell, so what follows a line break must be
    as harmless as the start of the cell; a lone CR is written as LF so that the cell is quoted. Bidi override,
    embedding and isolate controls and invisible zero-width characters are dropped.
    """
    if not isinstance(value, str):
        return value
    value = INVISIBLE_CONTROLS.sub("", value)
    if "\r" in value or "\n" in value:
        # a lone CR becomes LF: CSV writers quote a cell for LF but not for a bare CR
        value = _LONE_CR.sub("\n", value)
        value = _LINE_START.sub(lambda m: m.group(1) + "'", value)
    return "'" + value if value.startswith(_FORMULA_START) else value


def _listish_to_text(value: Any) -> Any:
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (list, tuple)):
        return ";".join(str(v) for v in value)
    if hasattr(value, "tolist") and not isinstance(value, str):
        return ";".join(str(v) for v in value.tolist())
    return value


def spreadsheet_safe(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` with lists joined by ``;`` and formula-like strings neutralised."""
    import pandas as pd

    out = df.copy()
    for col in out.columns:
        if pd.api.types.is_object_dtype(out[col]) or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(lambda v: neutralise_cell(_listish_to_text(v)))
    return out


@contextmanager
def atomic_path(path: str | Path, mode: str = "wb") -> Iterator[IO[Any]]:
    """Open a temporary file beside ``path``; on success fsync it and rename it over ``path``."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        fh: IO[Any] = os.fdopen(fd, mode) if "b" in mode else os.fdopen(fd, mode, encoding="utf-8", newline="")
        with fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp creates 0600; give the file the usual permissions
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def format_for(path: str | Path | None, fmt: str | None) -> str:
    """The output format: as given, else from the file's extension, else CSV."""
    if fmt:
        if fmt not in FORMATS:
            raise ConfigError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
        return fmt
    suffix = Path(str(path)).suffix.lower().lstrip(".") if path and str(path) != "-" else ""
    return {"csv": "csv", "jsonl": "jsonl", "ndjson": "jsonl", "parquet": "parquet"}.get(suffix, "csv")


def _jsonable(value: Any) -> Any:
    """A JSON-ready form of a DataFrame cell (numpy values, timestamps, missing values)."""
    import pandas as pd

    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float):
        return None if value != value else value
    if hasattr(value, "tolist"):
        return value.tolist()
    if hasattr(value, "isoformat"):
        return None if value is pd.NaT else value.isoformat()
    if isinstance(value, (list, tuple, dict)):
        return value
    return None if pd.isna(value) else value


def _write_jsonl(df: pd.DataFrame, fh: IO[str]) -> None:
    cols = list(df.columns)
    for row in df.itertuples(index=False, name=None):
        fh.write(json.dumps({c: _jsonable(v) for c, v in zip(cols, row)}, ensure_ascii=False) + "\n")


def write_table(df: pd.DataFrame, out: str | Path | None, fmt: str | None = None) -> None:
    """Write ``df`` to ``out`` (``None`` or ``-`` is stdout; Parquet needs a file)."""
    fmt = format_for(out, fmt)
    to_stdout = out is None or str(out) == "-"
    if fmt == "parquet":
        if to_stdout:
            raise ConfigError("Parquet is binary: give a file with --out, or choose --format csv or jsonl")
        with atomic_path(out, "wb") as fh:  # type: ignore[arg-type]
            df.to_parquet(fh, index=False)
        return
    writer: Callable[[IO[str]], None]
    if fmt == "csv":
        safe = spreadsheet_safe(df)
        writer = lambda fh: safe.to_csv(fh, index=False)  # noqa: E731
    else:
        writer = lambda fh: _write_jsonl(df, fh)  # noqa: E731
    if to_stdout:
        buf = io.StringIO()
        writer(buf)
        sys.stdout.write(buf.getvalue())
        return
    with atomic_path(out, "w") as fh:  # type: ignore[arg-type]
        writer(fh)
