"""How the default's gate trades the transformer's reading against accuracy, on the real corpus.

    python corpus/tools/gate_curve.py --passages FT/passages.jsonl --folds FT/onnx \
        --base-oof FT/base.npy --transformer-oof FT/transformer.npy

For each gate on a grid (the base model's highest function probability below
which the transformer does not read a passage), the default's grouped
cross-validation figures measured as ``build_default.py`` measures them
(Platt scaling and thresholds chosen on the other folds; the gate fixed
here), and the share of real passages, and of those with a function, that
the transformer leaves unread. Reads the same inputs and caches as
``build_default.py``; writes nothing.
"""

from __future__ import annotations

import argparse

import build_default as bd

from cdtext.classify.averaged import read_by_transformer
from cdtext.classify.model import HEADS

GRID = (0.0, 0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.2)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    bd.add_inputs(ap)
    args = ap.parse_args()
    _, real, folds, _, H = bd.load_inputs(args)
    base = bd.base_oof(real, folds, args.base_oof)
    scores = bd.transformer_oof(real, folds, args.folds, args.transformer_oof)
    has_fn = H[:, HEADS.index("any_function")] == 1
    print("| gate | unread | unread, passages with a function | macro-F1 | any-function F1 | anchoring F1 |")
    print("|---|---|---|---|---|---|")
    for gate in GRID:
        proba, decided = bd.nested(
            H, folds, lambda rows, g=gate: bd.averaged(base, bd.platt(H, scores, rows), scores, gate=g)
        )
        m = bd.figures(H, proba, decided)
        unread = ~read_by_transformer(base, gate)
        print(
            f"| {gate} | {unread.mean():.1%} | {unread[has_fn].mean():.1%} | {m['macro_f1']:.3f} | "
            f"{m['any_function_f1']:.3f} | {m['anchoring_f1']:.3f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
