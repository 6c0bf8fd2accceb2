"""The ``accurate`` model: the default model's probabilities averaged with a fine-tuned transformer's.

For the five functions, *any function* and policy anchoring, a passage's
probability is the mean of the base model's calibrated probability and the
transformer's (its raw score through Platt scaling fitted on out-of-fold
scores of real passages); the policy areas are the base model's. Every head
has its own threshold, chosen on out-of-fold averaged probabilities of the
real passages (``corpus/tools/build_accurate.py``). Explanations come from the
base model's terms.

Slower than the default (the transformer reads every passage) and it needs
``onnxruntime``: meant for collections of up to some tens of thousands of
passages where the better figures matter more than the time.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from cdtext.classify.model import ANY, HEADS, _sigmoid, apply_thresholds
from cdtext.labels import ANCHORED, FUNCTIONS

#: the transformer's outputs, which are also the first heads of :data:`HEADS`
TRANSFORMER_HEADS = (*FUNCTIONS, ANY, ANCHORED)
assert HEADS[: len(TRANSFORMER_HEADS)] == TRANSFORMER_HEADS


def mix(base: np.ndarray, transformer: np.ndarray, share: float = 0.5) -> np.ndarray:
    """Base probabilities ``(n, 16)`` with the transformer's ``(n, 7)`` mixed into the first seven heads (``share``
    0.5: the accurate model's average; 1.0: the transformer alone); the policy areas stay the base model's."""
    out = np.array(base, dtype=np.float64)
    k = len(TRANSFORMER_HEADS)
    out[:, :k] = (1 - share) * out[:, :k] + share * transformer
    return out


def calibrated(calibration: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """Raw transformer scores through their Platt scaling (``(7, 2)`` slopes and intercepts)."""
    return _sigmoid(calibration[:, 0] * scores + calibration[:, 1])


class AveragedClassifier:
    """``base`` (a :class:`~cdtext.classify.model.PassageClassifier`) averaged with ``scorer`` (a
    :class:`~cdtext.classify.transformer.TransformerScorer`); ``calibration`` is ``(7, 2)`` Platt slopes and
    intercepts for the transformer's scores, ``thresholds`` one per head in :data:`HEADS` order."""

    features = "averaged"

    def __init__(self, base: Any, scorer: Any, calibration: np.ndarray, thresholds: np.ndarray) -> None:
        self.base = base
        self.scorer = scorer
        self.calibration_ = np.asarray(calibration, dtype=np.float64)
        self.thresholds_ = np.asarray(thresholds, dtype=np.float64)

    def transformer_proba(self, X: Sequence[str]) -> np.ndarray:
        """The transformer's calibrated probabilities, ``(n, 7)`` in :data:`TRANSFORMER_HEADS` order."""
        return calibrated(self.calibration_, self.scorer.scores(X))

    def predict_proba(self, X: Sequence[str]) -> np.ndarray:
        """Probabilities, ``(n, 16)`` in :data:`HEADS` order."""
        proba = self.base.predict_proba(X)
        return mix(proba, self.transformer_proba(X)) if len(X) else proba

    def decide(self, proba: np.ndarray) -> np.ndarray:
        return apply_thresholds(proba, self.thresholds_)

    def predict(self, X: Sequence[str]) -> np.ndarray:
        return self.decide(self.predict_proba(X))

    def top_terms(self, text: str, head: str, k: int = 6) -> list[str]:
        return self.base.top_terms(text, head, k)
