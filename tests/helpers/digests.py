"""Canonical digests of a ``cdtext run`` folder, independent of where the inputs live.

Parquet files are compared by content (rows as CSV, run-time timestamps
dropped, floats to 6 significant digits), CSV and HTML by their bytes with
the absolute input folder replaced by a placeholder.

The transformer's probabilities differ in their last digits between kinds of CPU (onnxruntime picks its kernels by
instruction set), and so do the profiles and the report made from them: digests are kept per :func:`cpu_kind`.
"""

from __future__ import annotations

import hashlib
import platform
from pathlib import Path

import pandas as pd

RUN_FILES = ("passages.parquet", "predictions.parquet", "profiles.csv", "report.html")
VOLATILE = ("classified_at", "ingested_at")


def cpu_kind() -> str:
    """The instruction sets onnxruntime chooses its kernels by: ``vnni`` (AVX-512 VNNI or AVX-VNNI), ``avx512``,
    ``avx2``, or the machine's name where /proc/cpuinfo does not say (another system or architecture)."""
    machine = platform.machine().lower() or "unknown"
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as fh:
            flags = next((line.split(":", 1)[1].split() for line in fh if line.startswith("flags")), [])
    except OSError:
        return machine
    if "avx512_vnni" in flags or "avx_vnni" in flags:
        return "vnni"
    if "avx512f" in flags:
        return "avx512"
    if "avx2" in flags:
        return "avx2"
    return machine


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
