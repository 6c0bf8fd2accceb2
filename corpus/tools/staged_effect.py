"""Would the staged rounds (corpus/staged) make the shipped default better? The table in corpus/staged/README.md.

    python corpus/tools/staged_effect.py --passages FT/passages.jsonl --folds FT/onnx \
        [--base-oof FT/base.npy] [--transformer-oof FT/transformer_staged.npy] [--text-root ../shared] \
        [--with-staged FT7/passages.jsonl FT7/onnx [--with-staged-oof FT7/transformer.npy]] [--base-with-oof F.npy]

Resolves corpus/real and corpus/staged together and gives every passage the fold ``build_default.py`` would
(``folds_of``: the transformer's export keeps its folds, staged passages join their document's fold). The
transformer's scores are its fold networks' (fine-tuned on corpus/real alone, so out-of-fold for every staged
passage). The ``standard`` recipe is trained per fold twice: on corpus/real's passages only (its out-of-fold
figures for those read from ``--base-oof``, ``build_default.py``'s cache, when given) and on corpus/real and the
staged rounds. The default's Platt scaling, gate and thresholds are chosen on the other folds — on corpus/real's
passages, or on all — and macro-F1 / any-function F1 are printed on the staged passages, corpus/real's, and all.

``--with-staged EXPORT FOLDS``: the transformer fine-tuned again with the staged rounds as well
(``finetune_encoder.py export --folds-from`` the first export, so every passage keeps its fold; checked), its
ONNX fold networks in ``FOLDS``; the same rows are printed with its scores in place of the first transformer's.

corpus/staged is empty since r7, r7b and r8 joined corpus/real (2026-12-07); the tool stays for the next staged
round.
"""

from __future__ import annotations

import argparse
import json
import time
from functools import partial
from pathlib import Path

import numpy as np
from build_default import (
    BASE,
    MODELS,
    add_inputs,
    base_oof,
    default_proba,
    figures,
    folds_of,
    nested,
    transformer_oof,
)
from select_model import load_real

from cdtext.classify.api import LABEL_WEIGHT, _fit
from cdtext.classify.model import HEADS, heads_matrix
from cdtext.classify.persist import read_card
from cdtext.corpus import label_matrix, load_corpus

REPO = Path(__file__).resolve().parents[2]


def without_staged(real, folds: np.ndarray, staged: np.ndarray, order: list[int], cache: Path | None) -> np.ndarray:
    """The standard recipe's probabilities per fold, trained on corpus/real's passages outside the fold.

    ``order``: corpus/real's rows in the export's order, the order of ``build_default.py``'s cache."""
    full = np.zeros((len(real), len(HEADS)))
    full[order] = base_oof(real.iloc[order].reset_index(drop=True), folds[order], cache)
    params = read_card(MODELS / BASE)["params"]
    authored = load_corpus()
    authored = authored[authored.split == "train"]
    for k in range(5):
        here = staged & (folds == k)
        if here.any():
            model = _fit(params, authored, real[~staged & (folds != k)], LABEL_WEIGHT)
            full[here] = model.predict_proba(real.text[here].tolist())
    return full


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_inputs(ap)
    ap.add_argument(
        "--with-staged",
        nargs=2,
        type=Path,
        metavar=("EXPORT", "FOLDS"),
        help="a transformer fine-tuned with the staged rounds too: its export and ONNX fold networks",
    )
    ap.add_argument("--with-staged-oof", type=Path, help="keep that transformer's scores of all passages here")
    ap.add_argument("--base-with-oof", type=Path, help="keep the standard recipe's figures trained with staged here")
    args = ap.parse_args()

    real_files = sorted(str(p) for p in (REPO / "corpus" / "real").glob("*/*.jsonl"))
    staged_files = sorted(str(p) for p in (REPO / "corpus" / "staged").glob("*/*.jsonl"))
    if not staged_files:
        raise SystemExit("error: corpus/staged holds no round to measure")
    real = load_real(real_files + staged_files, args.text_root, None)
    folds, positions = folds_of(real, [json.loads(line) for line in args.passages.open()])
    extra = load_real(staged_files, args.text_root, None)
    keys = set(zip(extra.group, extra.text))
    staged = np.array([k in keys for k in zip(real.group, real.text)])
    order = [positions[i] for i in sorted(positions)]
    if set(order) != set(np.flatnonzero(~staged)):
        raise SystemExit("error: the export does not hold exactly corpus/real's passages; fine-tune again")
    print(f"{(~staged).sum()} passages of corpus/real, {staged.sum()} staged")
    H = heads_matrix(label_matrix(real)).astype(int)
    transformers = {"corpus/real": transformer_oof(real, folds, args.folds, args.transformer_oof)}
    if args.with_staged:
        export, fold_dir = args.with_staged
        again, again_positions = folds_of(real, [json.loads(line) for line in export.open()])
        if len(again_positions) != len(real) or not np.array_equal(again, folds):
            raise SystemExit(f"error: {export} must hold every passage, each in the fold the first export gives it")
        transformers["real + staged"] = transformer_oof(real, folds, fold_dir, args.with_staged_oof)
    t0 = time.time()
    base_without = without_staged(real, folds, staged, order, args.base_oof)
    base_with = base_oof(real, folds, args.base_with_oof)
    print(f"standard recipe trained per fold, with and without the staged rounds ({time.time() - t0:.0f} s)")
    everything = np.ones(len(real), bool)
    rows = [
        (trained, base, tuned, scores)
        for tuned, scores in transformers.items()
        for trained, base in (("corpus/real", base_without), ("real + staged", base_with))
    ]
    for trained, base, tuned, scores in rows:
        for chosen, choose_on in (("corpus/real", ~staged), ("all", everything)):
            proba, decided = nested(H, folds, partial(default_proba, H, base, scores), within=choose_on)
            parts = []
            for name, on in (("staged", staged), ("corpus/real", ~staged), ("all", everything)):
                m = figures(H[on], proba[on], decided[on])
                parts.append(f"{name} {m['macro_f1']:.3f} / {m['any_function_f1']:.3f}")
            print(
                f"transformer fine-tuned on {tuned:<13} standard trained on {trained:<13} choices on {chosen:<11}: "
                + "   ".join(parts),
                flush=True,
            )


if __name__ == "__main__":
    main()
