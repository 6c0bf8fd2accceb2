"""Leave-one-source-out with and without one round: does a round help the model, or change what is measured?

    python corpus/tools/loso_by_round.py ROUND --labels corpus/real/*/*.jsonl --text-root ../shared [--cache FILE]

Trains the standard recipe (``select_model.py``'s ``both/real+authored``) on every other pool folder, once with
the round's passages and once without, and scores each held-out folder on all its passages and on those not in
the round. A round of hard cases can lower the figure on all passages while the model improves on the others.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import select_model as sm

from cdtext.corpus import label_matrix, load_corpus
from cdtext.labels import FUNCTIONS

REAL = Path(__file__).resolve().parents[2] / "corpus" / "real"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("round")
    ap.add_argument("--labels", nargs="+", required=True)
    ap.add_argument("--text-root", type=Path)
    ap.add_argument("--cache", type=Path, help="parquet file of resolved passages (as select_model.py --cache)")
    args = ap.parse_args()
    real = sm.load_real(args.labels, args.text_root, args.cache)
    ids = {json.loads(line)["id"] for line in (REAL / args.round / "first.jsonl").read_text().splitlines()}
    in_round = real.id.isin(ids).to_numpy()
    authored = load_corpus()
    authored = authored[authored.split == "train"]
    sm.memoise(sm.ENCODER)
    y = label_matrix(real)[:, : len(FUNCTIONS)]
    for with_round in (True, False):
        figures: dict[str, dict[str, float]] = {"all passages": {}, f"without {args.round}": {}}
        for source in sorted(real.collection.unique()):
            test = np.flatnonzero(real.collection == source)
            if y[test].any(1).sum() < 10:
                continue
            train = np.flatnonzero((real.collection != source).to_numpy() & (with_round | ~in_round))
            pred = sm.fit_predict("both/real+authored", real.iloc[train], real.iloc[test], authored)
            keep = ~in_round[test]
            figures["all passages"][source] = sm.scores(y[test], pred)["macro_f1"]
            figures[f"without {args.round}"][source] = sm.scores(y[test][keep], pred[keep])["macro_f1"]
        for scored, per in figures.items():
            folders = " ".join(f"{k[:10]} {v:.3f}" for k, v in per.items())
            print(f"trained {'with' if with_round else 'without'} {args.round}, scored on {scored}: {folders} "
                  f"(mean {np.mean(list(per.values())):.3f})", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
