"""Two other ways to build the default from the same two models, measured as the shipped one is.

    python corpus/tools/default_variants.py --passages FT/passages.jsonl --folds FT/onnx \
        --base-oof FT/base.npy --transformer-oof FT/transformer.npy [--stride 96] \
        [--second-folds SEED1/onnx --second-oof SEED1/transformer.npy]

Same inputs, caches and protocol as ``build_default.py --dry-run`` (five folds grouped by document; for each
fold, everything fitted and every threshold chosen on the other folds). Printed beside the shipped recipe
(average of the standard model's probability and the transformer's Platt-scaled one, per head):

* **stacking**: per head, a logistic regression fitted on the other folds' out-of-fold figures instead of the
  fixed average; on the head's own two figures (the standard model's logit and the transformer's raw score),
  or on all 16 standard logits and all 7 transformer scores. Its thresholds are chosen on the other folds'
  inner out-of-fold stacked probabilities (a fit on four folds scored on each of them in turn), since a
  23-feature fit scored on its own rows would flatter them.
* **windows**: the network reads 128 tokens and a quarter of real passages are longer. Here a longer passage
  is read in windows of 128 tokens (``--stride`` tokens apart, the last one ending at the passage's end) by
  its fold's network, and the windows' scores are combined (maximum, mean, or log-mean-exp) before the
  shipped recipe. Nothing is fine-tuned again.
* with ``--second-folds``, fold networks fine-tuned by the same recipe with another seed (``finetune_encoder.py
  cv --fold K --seed 1 --save``, then ``onnx``): the shipped recipe with them instead (how much the seed alone
  moves the figures), and with the two networks' raw scores averaged (a two-network ensemble, which would take
  twice the transformer's time). Each row also gets its macro-F1 difference from the shipped one, with a 95 %
  interval from resampling documents (paired: both on the same resample).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
from build_default import (
    add_inputs,
    base_oof,
    default_proba,
    figures,
    load_inputs,
    nested,
    thresholds,
    transformer_oof,
)

from cdtext.classify.model import HEADS, apply_thresholds

K = 7
WINDOW = 126  # tokens between [CLS] and [SEP]


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def stacked(H: np.ndarray, base: np.ndarray, scores: np.ndarray, folds: np.ndarray, own: bool) -> tuple:
    """Out-of-fold stacked probabilities and decisions (see the module's description)."""
    from sklearn.linear_model import LogisticRegression

    has_fn = H[:, HEADS.index("any_function")] == 1
    every = np.hstack([_logit(base[:, :16]), scores])

    def fit(train: np.ndarray) -> np.ndarray:
        out = np.array(base, dtype=float)
        for j in range(K):
            X = np.column_stack([_logit(base[:, j]), scores[:, j]]) if own else every
            on = train & has_fn if HEADS[j] == "policy_anchored" else train
            out[:, j] = LogisticRegression(max_iter=2000).fit(X[on], H[on, j]).predict_proba(X)[:, 1]
        return out

    proba = np.zeros(H.shape)
    decided = np.zeros((len(H), len(HEADS) - 1), np.int8)
    for k in range(5):
        other, here = folds != k, folds == k
        p = fit(other)
        inner = np.zeros(H.shape)
        for k2 in set(range(5)) - {k}:
            inner[folds == k2] = fit(other & (folds != k2))[folds == k2]
        proba[here] = p[here]
        decided[here] = apply_thresholds(p[here], thresholds(H, inner, other, folds))
    return proba, decided


def paired_difference(
    H: np.ndarray, groups: np.ndarray, ours: np.ndarray, shipped: np.ndarray, n_boot: int = 1000
) -> tuple[float, float, float]:
    """Macro-F1 (five functions) of ``ours`` minus that of ``shipped`` (decision matrices), with a 95 % interval
    from resampling documents with replacement, both scored on the same resample."""
    y = H[:, :5].astype(bool)
    a, b = ours[:, :5].astype(bool), shipped[:, :5].astype(bool)
    _, doc = np.unique(groups, return_inverse=True)

    def counts(weights: np.ndarray, d: np.ndarray) -> np.ndarray:  # per label: 2 TP / (2 TP + FP + FN)
        tp = (weights[:, None] * (y & d)).sum(0)
        wrong = (weights[:, None] * (y ^ d)).sum(0)
        return np.divide(2 * tp, 2 * tp + wrong, out=np.zeros(5), where=(2 * tp + wrong) > 0).mean()

    ones = np.ones(len(y))
    point = counts(ones, a) - counts(ones, b)
    rng = np.random.default_rng(0)
    diffs = []
    for _ in range(n_boot):
        weights = np.bincount(rng.integers(0, doc.max() + 1, doc.max() + 1), minlength=doc.max() + 1)[doc]
        diffs.append(counts(weights, a) - counts(weights, b))
    lo, hi = np.percentile(diffs, [2.5, 97.5])
    return float(point), float(lo), float(hi)


def window_scores(texts: list[str], folds: np.ndarray, fold_dir: Path, stride: int) -> dict[int, np.ndarray]:
    """Row -> ``(windows, 7)`` raw scores of every passage longer than 128 tokens, by its fold's network."""
    import onnxruntime
    from tokenizers import Tokenizer

    out = {}
    for k in range(5):
        t0 = time.time()
        tokenizer = Tokenizer.from_file(str(fold_dir / f"fold{k}" / "tokenizer.json"))
        tokenizer.no_padding()
        tokenizer.no_truncation()
        session = onnxruntime.InferenceSession(
            str(fold_dir / f"fold{k}" / "model.onnx"), providers=["CPUExecutionProvider"]
        )
        rows = np.flatnonzero(folds == k)
        for row, enc in zip(rows, tokenizer.encode_batch([texts[i] for i in rows])):
            if len(enc.ids) <= WINDOW + 2:
                continue
            cls, inner, sep = enc.ids[0], enc.ids[1:-1], enc.ids[-1]
            starts = list(range(0, len(inner) - WINDOW + 1, stride))
            if starts[-1] + WINDOW < len(inner):
                starts.append(len(inner) - WINDOW)
            got = []
            for s in starts:
                ids = np.asarray([[cls, *inner[s : s + WINDOW], sep]], dtype=np.int64)
                got.append(session.run(None, {"input_ids": ids, "attention_mask": np.ones_like(ids)})[0][0])
            out[int(row)] = np.stack(got)
        print(f"  windows, fold {k + 1}: {time.time() - t0:.0f} s", flush=True)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_inputs(ap)
    ap.add_argument("--stride", type=int, default=96, help="tokens between windows' starts")
    ap.add_argument("--second-folds", type=Path, help="fold0..fold4 of the same recipe fine-tuned with another seed")
    ap.add_argument("--second-oof", type=Path, help="keep the second networks' out-of-fold scores here (.npy)")
    args = ap.parse_args()

    _, real, folds, _, H = load_inputs(args)
    base = base_oof(real, folds, args.base_oof)
    scores = transformer_oof(real, folds, args.folds, args.transformer_oof)
    windows = window_scores(real.text.tolist(), folds, args.folds, args.stride)
    long = np.zeros(len(real), bool)
    long[list(windows)] = True

    def shipped_with(s: np.ndarray) -> tuple:
        return nested(H, folds, lambda rows: default_proba(H, base, s, rows))

    rows = {
        "shipped (average)": shipped_with(scores),
        "stacking, own head": stacked(H, base, scores, folds, own=True),
        "stacking, all heads": stacked(H, base, scores, folds, own=False),
    }
    for name, combine in (("max", np.max), ("mean", np.mean), ("log-mean-exp", None)):
        s = scores.copy()
        for row, w in windows.items():
            s[row] = np.log(np.exp(w).mean(axis=0)) if combine is None else combine(w, axis=0)
        rows[f"windows, {name}"] = shipped_with(s)
    if args.second_folds:
        second = transformer_oof(real, folds, args.second_folds, args.second_oof)
        rows["another seed's networks"] = shipped_with(second)
        rows["both seeds, scores averaged"] = shipped_with((scores + second) / 2)
    print(f"{len(real)} real passages, {long.sum()} longer than 128 tokens")
    print(
        "| recipe | macro-F1 | minus shipped [95 % interval] | any-function | anchoring | "
        + " | ".join(HEADS[:5])
        + " | macro-F1, long ones |"
    )
    print("|---|" + "---:|" * 10)
    shipped = rows["shipped (average)"][1]
    groups = real.group.to_numpy()
    for name, (proba, decided) in rows.items():
        m, on_long = figures(H, proba, decided), figures(H[long], proba[long], decided[long])
        diff, lo, hi = paired_difference(H, groups, decided, shipped)
        print(
            f"| {name} | {m['macro_f1']:.3f} | {diff:+.3f} [{lo:+.3f}, {hi:+.3f}] | {m['any_function_f1']:.3f} | "
            f"{m['anchoring_f1']:.3f} | "
            + " | ".join(f"{m['labels'][f]['f1']:.3f}" for f in HEADS[:5])
            + f" | {on_long['macro_f1']:.3f} |"
        )


if __name__ == "__main__":
    main()
