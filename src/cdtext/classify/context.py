"""The context stage: a passage's function probabilities revised by those of the passages around it.

Annotators read a passage with its document around it: a quote in a Games
press release that never names the Games still belongs to the Games. A model
that reads one passage at a time misses that, so a trained model may carry a
second, small stage. For each passage it takes the model's probabilities
(five functions, *any function*, anchoring) of the passage itself (as
log-odds) and the highest of those of the passages up to :data:`WINDOW`
places before and after it, and gives new probabilities for the five
functions and *any function* from one logistic regression per head, with
its own threshold. Anchoring and the policy areas keep the model's figures.
The regressions and thresholds are fitted on out-of-fold probabilities of
real labelled passages within their whole documents
(``corpus/tools/context_stage.py``). Features of the whole document (its
highest, mean and length) did as well within the pool's kinds of document but
transferred worse to a kind left out, so the stage reads neighbours only.

The stage only applies where passages come with their documents: a store
(``cdtext run``, ``cdtext classify``), or a table with a ``doc_id`` column
(its rows in document order). A list of texts is classified passage by
passage, as before.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from cdtext.classify.model import ANY, HEADS, _sigmoid, best_threshold
from cdtext.labels import ANCHORED, FUNCTIONS

#: the model heads the stage reads (the first seven of HEADS)
INPUTS = (*FUNCTIONS, ANY, ANCHORED)
#: the heads it revises
OUTPUTS = (*FUNCTIONS, ANY)
#: passages on each side that count as neighbours
WINDOW = 2
#: names of the stage's features, in column order
FEATURES = (*(f"own log-odds: {h}" for h in INPUTS), *(f"neighbours' maximum: {h}" for h in INPUTS))
assert HEADS[: len(INPUTS)] == INPUTS


def features(proba: np.ndarray, doc_ids: Sequence[str], window: int = WINDOW) -> np.ndarray:
    """``(n, len(FEATURES))`` context features from head probabilities ``(n, >= 7)`` in :data:`HEADS` order.

    Rows of one document must be in document order; rows of different documents may interleave.
    """
    p = np.clip(np.asarray(proba, dtype=np.float64)[:, : len(INPUTS)], 1e-4, 1 - 1e-4)
    k = p.shape[1]
    out = np.zeros((len(p), len(FEATURES)))
    out[:, :k] = np.log(p / (1 - p))
    rows_of: dict[str, list[int]] = {}
    for i, d in enumerate(doc_ids):
        rows_of.setdefault(str(d), []).append(i)
    for rows in rows_of.values():
        if len(rows) == 1:
            continue  # no neighbour: the features stay 0
        idx = np.asarray(rows)
        q = p[idx]
        near = np.zeros_like(q)
        for step in range(1, min(window, len(q) - 1) + 1):
            near[step:] = np.maximum(near[step:], q[:-step])
            near[:-step] = np.maximum(near[:-step], q[step:])
        out[idx, k:] = near
    return out


class ContextStage:
    """``coef`` ``(6, len(FEATURES))``, ``intercept`` ``(6,)`` and ``thresholds`` ``(6,)`` for :data:`OUTPUTS`."""

    def __init__(self, coef: np.ndarray, intercept: np.ndarray, thresholds: np.ndarray) -> None:
        self.coef_ = np.asarray(coef, dtype=np.float64)
        self.intercept_ = np.asarray(intercept, dtype=np.float64)
        self.thresholds_ = np.asarray(thresholds, dtype=np.float64)

    def fits(self) -> bool:
        k = len(OUTPUTS)
        return (
            self.coef_.shape == (k, len(FEATURES))
            and self.intercept_.shape == (k,)
            and self.thresholds_.shape == (k,)
            and bool(np.isfinite(self.coef_).all() and np.isfinite(self.intercept_).all())
            and bool(((self.thresholds_ > 0) & (self.thresholds_ < 1)).all())
        )

    def apply(self, proba: np.ndarray, doc_ids: Sequence[str]) -> np.ndarray:
        """Head probabilities ``(n, 16)`` with the six revised heads replaced."""
        out = np.array(proba, dtype=np.float64)
        if len(out):
            x = features(out, doc_ids)
            out[:, : len(OUTPUTS)] = _sigmoid(x @ self.coef_.T + self.intercept_)
        return out

    def thresholds(self, model_thresholds: np.ndarray) -> np.ndarray:
        """The model's per-head thresholds with the revised heads' own."""
        out = np.array(model_thresholds, dtype=np.float64)
        out[: len(OUTPUTS)] = self.thresholds_
        return out


def _regression(x: np.ndarray, y: np.ndarray, C: float) -> tuple[np.ndarray, float]:
    from sklearn.linear_model import LogisticRegression

    if y.min() == y.max():  # one class only: a constant output, as the model's own heads do
        return np.zeros(x.shape[1]), 35.0 if y[0] else -35.0
    fit = LogisticRegression(C=C, max_iter=5000).fit(x, y)
    return fit.coef_[0], float(fit.intercept_[0])


def fit_stage(x: np.ndarray, y: np.ndarray, folds: np.ndarray, C: float = 1.0) -> ContextStage:
    """Fit the stage on features ``x`` and 0/1 targets ``y`` ``(n, 6)`` (:data:`OUTPUTS` order).

    Each head's threshold is the F1-maximising one on out-of-fold probabilities over ``folds`` (one fold number
    per row, documents kept together); the regressions are then fitted on every row.
    """
    k = len(OUTPUTS)
    coef, intercept, thresholds = np.zeros((k, x.shape[1])), np.zeros(k), np.zeros(k)
    for h in range(k):
        oof = np.zeros(len(y))
        for f in np.unique(folds):
            out = folds == f
            c, b = _regression(x[~out], y[~out, h], C)
            oof[out] = _sigmoid(x[out] @ c + b)
        thresholds[h] = best_threshold(y[:, h], oof)
        coef[h], intercept[h] = _regression(x, y[:, h], C)
    return ContextStage(coef, intercept, thresholds)
