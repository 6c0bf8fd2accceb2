"""The shipped default model: a base model's probabilities averaged with a fine-tuned transformer's.

For the five functions, *any function* and policy anchoring, a passage's
probability is the mean of the base model's calibrated probability and the
transformer's (its raw score through Platt scaling fitted on out-of-fold
scores of real passages); the policy areas are the base model's. Every head
has its own threshold, chosen on out-of-fold averaged probabilities of the
real passages (``corpus/tools/build_default.py``). Explanations come from the
base model's terms.

The transformer is what costs time, so it reads only the passages where the
base model gives some function a probability of at least ``gate``; elsewhere
(passages plainly without a function, about a third of real ones) the base
model's probabilities stand. The gate is chosen on out-of-fold figures of the
real passages so that hardly any passage with a function is left unread.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from cdtext.classify.model import ANY, HEADS, _sigmoid, apply_thresholds
from cdtext.labels import ANCHORED, FUNCTIONS

#: the transformer's outputs, which are also the first heads of :data:`HEADS`
TRANSFORMER_HEADS = (*FUNCTIONS, ANY, ANCHORED)
assert HEADS[: len(TRANSFORMER_HEADS)] == TRANSFORMER_HEADS


def mix(base: np.ndarray, transformer: np.ndarray, share: float = 0.5) -> np.ndarray:
    """Base probabilities ``(n, 16)`` with the transformer's ``(n, 7)`` mixed into the first seven heads (``share``
    0.5: the shipped default's average; 1.0: the transformer alone); the policy areas stay the base model's."""
    out = np.array(base, dtype=np.float64)
    k = len(TRANSFORMER_HEADS)
    out[:, :k] = (1 - share) * out[:, :k] + share * transformer
    return out


def read_by_transformer(base: np.ndarray, gate: float) -> np.ndarray:
    """Which passages the transformer reads: those whose highest function probability from the base model
    (``(n, 16)``, :data:`HEADS` order) is at least ``gate``."""
    return np.asarray(base)[:, : len(FUNCTIONS)].max(axis=1) >= gate if len(base) else np.zeros(0, bool)


def combine(
    base: np.ndarray,
    calibration: np.ndarray,
    scores_of: Callable[[np.ndarray], np.ndarray],
    gate: float,
    share: float = 0.5,
) -> np.ndarray:
    """The averaged probabilities: ``base`` ``(n, 16)`` with the transformer mixed in (:func:`mix`) for the
    passages the gate lets it read; ``scores_of(rows)`` gives the transformer's raw scores of those rows."""
    out = np.array(base, dtype=np.float64)
    read = np.flatnonzero(read_by_transformer(out, gate))
    if len(read):
        out[read] = mix(out[read], calibrated(calibration, scores_of(read)), share)
    return out


def calibrated(calibration: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """Raw transformer scores through their Platt scaling (``(7, 2)`` slopes and intercepts)."""
    return _sigmoid(calibration[:, 0] * scores + calibration[:, 1])


class AveragedClassifier:
    """``base`` (a :class:`~cdtext.classify.model.PassageClassifier`) averaged with ``scorer`` (a
    :class:`~cdtext.classify.transformer.TransformerScorer`); ``calibration`` is ``(7, 2)`` Platt slopes and
    intercepts for the transformer's scores, ``thresholds`` one per head in :data:`HEADS` order, ``gate`` the
    base model's function probability below which the transformer does not read a passage (0: it reads all),
    ``context`` an optional :class:`~cdtext.classify.context.ContextStage` (applied by
    :class:`~cdtext.classify.api.Classifier` where passages come with their documents)."""

    features = "averaged"

    def __init__(
        self,
        base: Any,
        scorer: Any,
        calibration: np.ndarray,
        thresholds: np.ndarray,
        gate: float = 0.0,
        context: Any = None,
    ) -> None:
        self.base = base
        self.scorer = scorer
        self.calibration_ = np.asarray(calibration, dtype=np.float64)
        self.thresholds_ = np.asarray(thresholds, dtype=np.float64)
        self.gate_ = float(gate)
        self.context_ = context

    def transformer_proba(self, X: Sequence[str]) -> np.ndarray:
        """The transformer's calibrated probabilities, ``(n, 7)`` in :data:`TRANSFORMER_HEADS` order."""
        return calibrated(self.calibration_, self.scorer.scores(X))

    def predict_proba(self, X: Sequence[str]) -> np.ndarray:
        """Probabilities, ``(n, 16)`` in :data:`HEADS` order."""
        return combine(
            self.base.predict_proba(X),
            self.calibration_,
            lambda rows: self.scorer.scores([X[i] for i in rows]),
            self.gate_,
        )

    def decide(self, proba: np.ndarray) -> np.ndarray:
        return apply_thresholds(proba, self.thresholds_)

    def predict(self, X: Sequence[str]) -> np.ndarray:
        return self.decide(self.predict_proba(X))

    def top_terms(self, text: str, head: str, k: int = 6) -> list[str]:
        return self.base.top_terms(text, head, k)
