"""Canonical digests of a ``cdtext run`` folder, independent of where the inputs live.

Parquet files are compared by content (rows as CSV, run-time timestamps
dropped, floats to 6 significant digits), CSV and HTML by their bytes with
the absolute input folder replaced by a placeholder.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd

RUN_FILES = ("passages.parquet", "predictions.parquet", "profiles.csv", "report.html")
VOLATILE = ("classified_at", "ingested_at")


def _text_digest(text: str, roots: list[Path]) -> str:
    for root in roots:
        text = text.replace(root.absolute().as_uri(), "file:///INPUT").replace(str(root.absolute()), "/INPUT")
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def run_digests(out: Path, roots: list[Path]) -> dict[str, str]:
    """``file name -> sha256`` for the data files of a run folder."""
    digests = {}
    for name in RUN_FILES:
        path = out / name
        if name.endswith(".parquet"):
            frame = pd.read_parquet(path).drop(columns=list(VOLATILE), errors="ignore")
            text = frame.to_csv(index=False, float_format="%.6g")
        else:
            text = path.read_text(encoding="utf-8")
        digests[name] = _text_digest(text, roots)
    return digests
