"""Variants of the context stage compared on the standard recipe: grouped CV and leave-one-source-out.

    python corpus/tools/context_variants.py --store POOL.duckdb --passages FT/passages.jsonl [--cache DIR]

The table of variants in docs/classify.md. The standard recipe's probabilities
are computed once (``context_stage.py``'s out-of-fold probabilities of every
passage of the labelled documents, and, per pool folder with at least ten
passages with a function, those of the recipe trained without the folder);
only the stage varies. Grouped CV: for each fold, the stage (and its
thresholds, by an inner split) fitted on the other folds' labelled passages;
without a stage, the thresholds chosen on the other folds. Leaving a folder
out: the stage fitted on the other folders' passages (their out-of-fold
probabilities) decides the folder's passages from the folder-less model's
probabilities; without a stage, that model decides with its own thresholds.
Printed: macro-F1 over the five functions, any-function F1, and the mean over
folders of macro-F1 over the functions present.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from build_default import folds_of, thresholds
from context_stage import base_all, document_passages, pool_store, source_out
from scipy.optimize import minimize
from select_model import load_real
from sklearn.linear_model import LogisticRegression

from cdtext.classify.api import source_folder
from cdtext.classify.context import INPUTS, features
from cdtext.classify.model import _sigmoid, apply_thresholds, best_threshold, heads_matrix
from cdtext.corpus import label_matrix
from cdtext.labels import FUNCTIONS

REPO = Path(__file__).resolve().parents[2]
N_FN, K = len(FUNCTIONS), len(INPUTS)
ANY = N_FN  # column of "any function" among the inputs


def f1(y: np.ndarray, d: np.ndarray) -> float:
    den = y.sum() + d.sum()
    return float(2 * (y & d).sum() / den) if den else float("nan")


def macro(y: np.ndarray, d: np.ndarray, present: bool = False) -> float:
    return float(np.nanmean([f1(y[:, j] == 1, d[:, j] == 1) for j in range(N_FN) if not present or y[:, j].any()]))


def logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-4, 1 - 1e-4)
    return np.log(p / (1 - p))


def regression(columns):
    """A head that is a logistic regression over some feature columns (all when ``columns(h)`` is None)."""

    def fit(x: np.ndarray, y: np.ndarray, h: int):
        cols = columns(h)
        xs = x if cols is None else x[:, cols]
        if y.min() == y.max():
            return lambda z: np.full(len(z), float(y[0]))
        m = LogisticRegression(max_iter=5000).fit(xs, y)
        return lambda z: m.predict_proba(z if cols is None else z[:, cols])[:, 1]

    return fit


def slope_one(x: np.ndarray, y: np.ndarray, h: int):
    """The head's own log-odds kept as they are (slope 1); its neighbours' and their any-function added."""
    off, z = x[:, h], x[:, [K + h, K + ANY]]

    def loss(w: np.ndarray) -> float:
        s = off + z @ w[:-1] + w[-1]
        return float(np.sum(np.logaddexp(0, s) - y * s) + 0.5 * np.sum(w[:-1] ** 2))

    w = minimize(loss, np.zeros(3), method="L-BFGS-B").x
    return lambda q: _sigmoid(q[:, h] + q[:, [K + h, K + ANY]] @ w[:-1] + w[-1])


def raise_only(x: np.ndarray, y: np.ndarray, h: int):
    """Neighbours may only add probability: 1 - (1 - p)(1 - sigmoid(a * neighbours' log-odds + b))."""
    p, z = _sigmoid(x[:, h]), logit(x[:, K + h])

    def loss(w: np.ndarray) -> float:
        q = np.clip(1 - (1 - p) * (1 - _sigmoid(w[0] * z + w[1])), 1e-6, 1 - 1e-6)
        return float(-np.sum(y * np.log(q) + (1 - y) * np.log(1 - q)) + 0.5 * w[0] ** 2)

    w = minimize(loss, np.array([1.0, -5.0]), method="L-BFGS-B").x
    return lambda q: 1 - (1 - _sigmoid(q[:, h])) * (1 - _sigmoid(w[0] * logit(q[:, K + h]) + w[1]))


def decide(fit, x_fit, y_fit, folds_fit, x_new, model_thresholds=None) -> np.ndarray:
    """0/1 functions for ``x_new`` from heads fitted on ``x_fit``; thresholds by an inner split over
    ``folds_fit``, or ``model_thresholds`` when given."""
    out = np.zeros((len(x_new), N_FN), int)
    for h in range(N_FN):
        if model_thresholds is None:
            oof = np.zeros(len(y_fit))
            for f in np.unique(folds_fit):
                o = folds_fit == f
                oof[o] = fit(x_fit[~o], y_fit[~o, h], h)(x_fit[o])
            t = best_threshold(y_fit[:, h], oof)
        else:
            t = model_thresholds[h]
        out[:, h] = fit(x_fit, y_fit[:, h], h)(x_new) >= t
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--store", type=Path, required=True)
    ap.add_argument("--passages", type=Path, required=True, help="the transformer's export (its folds)")
    ap.add_argument("--cache", type=Path)
    args = ap.parse_args()
    labels = sorted((REPO / "corpus" / "real").glob("*/*.jsonl"))
    store = pool_store(args.store)
    real = load_real([str(f) for f in labels], None, None, store=store)
    H = heads_matrix(label_matrix(real))
    T = H[:, : N_FN + 1]
    folds, _ = folds_of(real, [json.loads(line) for line in args.passages.open()])
    folder = np.array([source_folder(g) for g in real.group])
    allp, rows = document_passages(real, store)
    if args.cache:
        args.cache.mkdir(parents=True, exist_ok=True)
    base = base_all("standard", real, folds, allp, args.cache)
    left_out, left_thr = source_out("standard", real, allp, args.cache)
    docs = allp.doc_id.tolist()
    x_in = {w: features(base, docs, window=w)[rows] for w in (1, 2, 3)}
    x_out = features(left_out, docs)[rows]
    # features of the labelled passages from models that never saw their folder (the large folders), else out-of-fold
    seen_out = np.isin(folder, list(left_thr))
    x_source_out = np.where(seen_out[:, None], x_out, x_in[2])
    variants = {
        "own + neighbours, window 2 (as built)": (regression(lambda h: None), 2, False, False),
        "window 1": (regression(lambda h: None), 1, False, False),
        "window 3": (regression(lambda h: None), 3, False, False),
        "each head: its own and its neighbours' probability": (regression(lambda h: [h, K + h]), 2, False, False),
        "own log-odds kept (slope 1), neighbours added": (slope_one, 2, False, False),
        "neighbours may only raise; the model's thresholds": (raise_only, 2, True, False),
        "fitted on probabilities from models that never saw the source": (regression(lambda h: None), 2, False, True),
    }
    p = base[rows]
    d = np.zeros((len(real), N_FN), int)
    for k in range(5):
        here = folds == k
        d[here] = apply_thresholds(p[here], thresholds(H, p, ~here, folds))[:, :N_FN]
    loso = [
        macro(H[folder == s, :N_FN], left_out[rows][folder == s, :N_FN] >= np.array(t[:N_FN]), True)
        for s, t in left_thr.items()
    ]
    print(f"{'variant':<64} grouped-CV macro  any-function  leave-one-source-out mean")
    print(f"{'none':<64} {macro(H[:, :N_FN], d):16.3f} {f1(H[:, :N_FN].any(1), d.any(1)):13.3f} {np.mean(loso):26.3f}")
    for name, (fit, window, model_thresholds, fit_source_out) in variants.items():
        x = x_in[window]
        x_fit = x_source_out if fit_source_out else x
        d = np.zeros((len(real), N_FN), int)
        for k in range(5):
            here = folds == k
            own = thresholds(H, p, ~here, folds) if model_thresholds else None
            d[here] = decide(fit, x_fit[~here], T[~here], folds[~here], x[here], own)
        per = []
        if window == 2:
            for src, t in left_thr.items():
                here = folder == src
                own = np.array(t) if model_thresholds else None
                decided = decide(fit, x_fit[~here], T[~here], folds[~here], x_out[here], own)
                per.append(macro(H[here, :N_FN], decided, True))
        mean = f"{np.mean(per):26.3f}" if per else f"{'-':>26}"
        print(f"{name:<64} {macro(H[:, :N_FN], d):16.3f} {f1(H[:, :N_FN].any(1), d.any(1)):13.3f} {mean}", flush=True)


if __name__ == "__main__":
    main()
