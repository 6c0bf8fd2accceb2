"""Why leave-one-source-out is low for a trained model: its thresholds, or how it ranks passages?

    python corpus/tools/loso_thresholds.py MODEL --store POOL.duckdb [--cache DIR] [--min-support N]

MODEL is ``standard`` or ``fast``. For each pool folder, the model's recipe
trained without the folder classifies the folder's labelled passages
(``context_stage.source_out``; POOL.duckdb as there, outside the repository).
Printed per folder, macro-F1 over the five functions with at least N positive
passages in it (default 1, the cards' leave-one-source-out), deciding by:

* ``own``: the folder-less model's own thresholds (the cards' protocol);
* ``others``: each function's threshold chosen on the other folders' passages,
  scored by their own folder-less models (thresholds fitted where the model is
  as unsure as on an unseen folder);
* ``oracle``: the threshold best on the folder itself — chosen on what is
  scored, so an upper bound on what any threshold rule could do;

and ``AP``, the threshold-free average precision (how well the passages are
ranked). docs/classify.md has the figures.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
from context_stage import REPO, document_passages, pool_store, source_out
from select_model import load_real
from sklearn.metrics import average_precision_score, f1_score

from cdtext.classify.api import source_folder
from cdtext.classify.model import HEADS, best_threshold, heads_matrix
from cdtext.corpus import label_matrix
from cdtext.labels import FUNCTIONS


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model", choices=("standard", "fast"))
    ap.add_argument("--store", type=Path, required=True)
    ap.add_argument("--cache", type=Path, help="a folder outside the repository for the folder-less probabilities")
    ap.add_argument("--min-support", type=int, default=1, help="positives a function needs in a folder to count")
    args = ap.parse_args()
    store = pool_store(args.store)
    labels = sorted((REPO / "corpus" / "real").glob("*/*.jsonl"))
    real = load_real([str(f) for f in labels], None, None, store=store)
    columns = [HEADS.index(f) for f in FUNCTIONS]
    H = heads_matrix(label_matrix(real))[:, columns]
    allp, rows = document_passages(real, store)
    if args.cache:
        args.cache.mkdir(parents=True, exist_ok=True)
    proba, thresholds_of = source_out(args.model, real, allp, args.cache)
    P = proba[rows][:, columns]
    folder = np.array([source_folder(g) for g in real.group])
    scored = np.isin(folder, list(thresholds_of))
    table = {"own": [], "others": [], "oracle": [], "AP": []}
    for source, own in thresholds_of.items():
        here, others = folder == source, scored & (folder != source)
        row: dict[str, list[float]] = {k: [] for k in table}
        for j, column in enumerate(columns):
            y, p = H[here, j].astype(bool), P[here, j]
            if y.sum() < args.min_support:
                continue
            row["own"].append(f1_score(y, p >= own[column], zero_division=0))
            chosen = best_threshold(H[others, j], P[others, j])
            row["others"].append(f1_score(y, p >= chosen, zero_division=0))
            row["oracle"].append(f1_score(y, p >= best_threshold(H[here, j], p), zero_division=0))
            row["AP"].append(average_precision_score(y, p))
        if not row["own"]:
            continue
        means = {k: float(np.mean(v)) for k, v in row.items()}
        for k, v in means.items():
            table[k].append(v)
        print(f"  {source:<32} " + "  ".join(f"{k} {v:.3f}" for k, v in means.items()), flush=True)
    print(
        f"{args.model}, mean over folders (functions with >= {args.min_support} positives): "
        + "  ".join(f"{k} {np.mean(v):.3f}" for k, v in table.items())
    )


if __name__ == "__main__":
    sys.exit(main())
