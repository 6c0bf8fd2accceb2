"""How much the default model's outputs move when onnxruntime computes the same int8 network with other kernels.

    python bench/kernel_noise.py [--store STORE]

Kinds of CPU differ in the floating-point steps of the network (onnxruntime picks its kernels by instruction
set), so the default's probabilities are not bit-identical across machines. This measures the size of such
differences on one machine: the same passages are classified with onnxruntime's graph optimisations on (as
shipped: fused operators, other kernels) and off, and the two sets of outputs compared. Passages: those of
``--store``, or of the sixteen real speeches in ../shared/realworld/speeches, ingested into a temporary store.
Printed: both speeds (one thread), the largest and mean difference in any probability, and the number of passages
whose set of functions differs.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SPEECHES = ROOT.parent / "shared" / "realworld" / "speeches" / "text"


def classify(texts: list[str], level: str):
    """The default's predictions with onnxruntime's graph optimisation ``level``, and passages per second."""
    import onnxruntime

    import cdtext
    from cdtext.classify import transformer

    plain = onnxruntime.SessionOptions

    def options() -> onnxruntime.SessionOptions:
        made = plain()
        made.graph_optimization_level = getattr(onnxruntime.GraphOptimizationLevel, level)
        return made

    transformer._load.cache_clear()
    onnxruntime.SessionOptions = options
    try:
        clf = cdtext.Classifier.load()
        start = time.perf_counter()
        predictions = clf.predict(texts)
        return predictions, len(texts) / (time.perf_counter() - start)
    finally:
        onnxruntime.SessionOptions = plain
        transformer._load.cache_clear()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--store", type=Path, help="a store whose passages are classified (default: the speeches)")
    args = parser.parse_args()
    import cdtext

    with tempfile.TemporaryDirectory() as tmp:
        store = args.store
        if store is None:
            if not SPEECHES.exists():
                sys.exit(f"no --store given and {SPEECHES} is absent")
            store = Path(tmp) / "speeches.duckdb"
            subprocess.run([sys.executable, "-m", "cdtext", "ingest", str(SPEECHES), "--store", str(store), "-q"],
                           check=True)  # fmt: skip
        texts = cdtext.read_passages(store).text.tolist()
    shipped, speed_on = classify(texts, "ORT_ENABLE_ALL")
    other, speed_off = classify(texts, "ORT_DISABLE_ALL")
    columns = [c for c in shipped.columns if c.startswith("p_")]
    diff = np.abs(shipped[columns].to_numpy(float) - other[columns].to_numpy(float))
    flips = sum(a != b for a, b in zip(shipped.functions.astype(str), other.functions.astype(str)))
    print(f"{len(texts)} passages, default model, one thread")
    print(f"graph optimisations on (shipped)   {speed_on:8.0f} passages/s")
    print(f"baseline: graph optimisations off  {speed_off:8.0f} passages/s")
    print(f"probabilities: largest difference {diff.max():.3g}, mean {diff.mean():.2g}, {np.mean(diff > 0):.1%} differ")
    print(f"passages whose set of functions differs: {flips} of {len(texts)}")


if __name__ == "__main__":
    main()
