"""The trained passage classifier: lemmas -> TF-IDF (and/or sentence vectors) -> one linear head per label.

A scikit-learn estimator (no logic in ``__init__``, ``fit`` returns
``self``, learned attributes end in ``_``, ``get_params``/``clone`` work).

Features (``features``): ``tfidf`` — word and bigram TF-IDF over lemmas;
``static`` — the passage's mean static embedding (:mod:`cdtext.classify.encoder`);
``both`` — the two side by side, the dense part scaled by ``dense_scale``.
``sample_weight`` lets real passages count for more than authored ones.

Heads, all L2-regularised logistic regressions with balanced class weights:

* one per function (trained on every passage);
* ``any_function`` — "is this a city-diplomacy passage at all?" — so that
  *no function* is a modelled outcome, not a missing value;
* ``policy_anchored`` and one per policy area, trained on passages that have
  at least one function (their probabilities are conditional on that).

Calibration and thresholds come from one stratified K-fold pass over the
training data: out-of-fold decision scores are mapped to probabilities by
Platt scaling (a one-feature logistic fit), and each head's decision
threshold is the one that maximises F1 on those out-of-fold probabilities.
A policy area with fewer than :data:`MIN_AREA_POSITIVES` positive passages
there, or whose F1 stays under :data:`MIN_AREA_F1` when each fold's cut is
chosen on the other folds, is withheld: its threshold is
:data:`WITHHELD`, above any probability, so the label is never given (its
probability still is, and the measures use that).
The test split is never seen.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from scipy import sparse

from cdtext.classify.persist import PARAMS
from cdtext.labels import ANCHORED, FUNCTIONS, LABELS, POLICY_AREAS

ANY = "any_function"
#: the shipped static encoder (cdtext/models/encoders/)
DEFAULT_ENCODER = "minilm-m2v-256"
#: the model's heads, in column order of ``predict_proba``
HEADS = (*FUNCTIONS, ANY, ANCHORED, *POLICY_AREAS)
_CONDITIONAL = {ANCHORED, *POLICY_AREAS}
#: a policy area whose cross-fitted F1 on the out-of-fold probabilities is under this is withheld
MIN_AREA_F1 = 0.2
#: ... and so is one with fewer positive passages than this to choose its cut and judge it on
MIN_AREA_POSITIVES = 20
#: the threshold of a withheld label: above any probability, so the label is never given
WITHHELD = 2.0


def heads_matrix(y: np.ndarray) -> np.ndarray:
    """Label matrix in :data:`LABELS` order -> head matrix in :data:`HEADS` order."""
    y = np.asarray(y)
    fn = y[:, : len(FUNCTIONS)]
    any_fn = (fn.sum(axis=1) > 0).astype(y.dtype)[:, None]
    return np.hstack([fn, any_fn, y[:, len(FUNCTIONS) :]])


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -35, 35)))


def platt_scaling(y: np.ndarray, scores: np.ndarray) -> tuple[float, float]:
    """Slope and intercept mapping raw ``scores`` to probabilities of ``y`` (a one-feature logistic fit)."""
    from sklearn.linear_model import LogisticRegression

    fit = LogisticRegression(C=1e4, solver="lbfgs").fit(np.asarray(scores)[:, None], y)
    return float(fit.coef_[0, 0]), float(fit.intercept_[0])


def _best_cut(y: np.ndarray, p: np.ndarray) -> tuple[float, float]:
    """The probability cut-off in [0.05, 0.95] that maximises F1, and that F1."""
    grid = np.linspace(0.05, 0.95, 91)
    best, best_f1 = 0.5, -1.0
    for t in grid:
        pred = p >= t
        tp = float(np.sum(pred & (y == 1)))
        denom = float(pred.sum() + (y == 1).sum())
        f1 = 2 * tp / denom if denom else 0.0
        if f1 > best_f1 + 1e-9:
            best, best_f1 = float(t), f1
    return best, best_f1


def best_threshold(y: np.ndarray, p: np.ndarray) -> float:
    """The probability cut-off in [0.05, 0.95] that maximises F1."""
    return _best_cut(y, p)[0]


def cross_fitted_f1(y: np.ndarray, p: np.ndarray, folds: np.ndarray | None = None) -> float:
    """F1 of the best-cut rule judged on passages it did not see: each fold's passages are decided by the cut
    :func:`best_threshold` chooses on the other folds, and F1 is counted over them all.

    ``folds``: a fold number per passage (e.g. grouped by document); without it, or with one fold only,
    stratified folds of ``y`` (at most five, each holding a positive). A fold whose complement holds no
    positive gets no label. Fewer than two positives: 0.
    """
    y, p = np.asarray(y), np.asarray(p)
    n_pos = int((y == 1).sum())
    if n_pos < 2:
        return 0.0
    if folds is None:
        from sklearn.model_selection import StratifiedKFold

        folds = np.zeros(len(y), int)
        split = StratifiedKFold(n_splits=min(5, n_pos), shuffle=True, random_state=0)
        for k, (_, test) in enumerate(split.split(np.zeros(len(y)), y)):
            folds[test] = k
    folds = np.asarray(folds)
    if len(np.unique(folds)) < 2:  # one fold: nothing to choose a cut on apart from it
        return cross_fitted_f1(y, p)
    pred = np.zeros(len(y), bool)
    for k in np.unique(folds):
        here = folds == k
        if y[~here].any():  # a cut chosen where there is no positive means nothing: the fold gets no label
            pred[here] = p[here] >= _best_cut(y[~here], p[~here])[0]
    tp = float(np.sum(pred & (y == 1)))
    return 2 * tp / float(pred.sum() + n_pos)


def withheld_areas(thresholds: Mapping[str, float]) -> list[str]:
    """The policy areas a model withholds, from its thresholds by label name (a model card's)."""
    return [area for area in POLICY_AREAS if thresholds.get(area, 0.0) >= WITHHELD]


#: what a withheld area is, for tables that mark one
WITHHELD_NOTE = (
    f"withheld: a policy area the model never gives as a label (fewer than {MIN_AREA_POSITIVES} positive passages "
    f"to choose its threshold on, or an F1 there under {MIN_AREA_F1} with each fold's threshold chosen on the "
    "others); its probability is still given"
)


def head_threshold(head: str, y: np.ndarray, p: np.ndarray, folds: np.ndarray | None = None) -> float:
    """:func:`best_threshold` of one head, or :data:`WITHHELD` for a policy area with fewer than
    :data:`MIN_AREA_POSITIVES` positives in ``y`` or a :func:`cross_fitted_f1` under :data:`MIN_AREA_F1`: a label
    that would be wrong far more often than right, or that too few passages vouch for, is not given. The F1
    is cross-fitted because a cut chosen on the same few positives it is judged on flatters itself."""
    if head in POLICY_AREAS and (
        int(np.sum(np.asarray(y) == 1)) < MIN_AREA_POSITIVES or cross_fitted_f1(y, p, folds) < MIN_AREA_F1
    ):
        return WITHHELD
    return best_threshold(y, p)


def apply_thresholds(proba: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """Head probabilities (:data:`HEADS` order) -> 0/1 labels in :data:`LABELS` order: a label passes its
    threshold; anchoring and policy areas count only for passages with at least one function."""
    passed = np.asarray(proba >= thresholds)
    fn = passed[:, : len(FUNCTIONS)]
    rest = passed[:, len(FUNCTIONS) + 1 :] & fn.any(axis=1)[:, None]
    return np.hstack([fn, rest]).astype(np.int8)


class TermWeights:
    """TF-IDF of lemma strings from a stored vocabulary and idf (what a loaded model needs to predict).

    The same weighting as the scikit-learn ``TfidfVectorizer`` the model was trained with (tokens are runs of
    non-space characters, n-grams of 1..``ngram_max`` tokens joined by a space, ``1 + log(tf)``, times idf,
    rows scaled to unit length), without importing scikit-learn: loading it costs most of a one-passage
    ``cdtext classify``. ``tests/test_classify.py`` checks that both give the same matrix.
    """

    _TOKEN = re.compile(r"\S+")

    def __init__(self, terms: Sequence[str], idf: np.ndarray, ngram_max: int) -> None:
        self.vocabulary_ = {t: i for i, t in enumerate(terms)}
        self.idf_ = np.asarray(idf, dtype=np.float64)
        self.ngram_max = ngram_max
        self._terms = np.asarray(terms, dtype=object)

    def get_feature_names_out(self) -> np.ndarray:
        return self._terms

    def transform(self, docs: Sequence[str]) -> sparse.csr_matrix:
        vocab, n_max = self.vocabulary_, self.ngram_max
        indptr, indices, values = [0], [], []
        for doc in docs:
            tokens = self._TOKEN.findall(doc)
            grams = tokens
            counts: dict[int, int] = {}
            for n in range(1, n_max + 1):
                if n > 1:
                    grams = [g + " " + t for g, t in zip(grams, tokens[n - 1 :])]
                for gram in grams:
                    j = vocab.get(gram)
                    if j is not None:
                        counts[j] = counts.get(j, 0) + 1
            cols = sorted(counts)
            indices.extend(cols)
            values.extend(counts[c] for c in cols)
            indptr.append(len(indices))
        data = np.asarray(values, dtype=np.float64)
        data = (np.log(data) + 1.0) * self.idf_[np.asarray(indices, dtype=np.int64)] if len(data) else data
        matrix = sparse.csr_matrix(
            (data, np.asarray(indices, dtype=np.int32), np.asarray(indptr, dtype=np.int32)),
            shape=(len(docs), len(vocab)),
        )
        norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        return sparse.csr_matrix(sparse.diags(1.0 / norms) @ matrix, dtype=np.float32)


class PassageClassifier:
    """Multi-label classifier for the codebook's labels (see module docstring).

    ``fit(X, Y)``: ``X`` is a sequence of passage texts; ``Y`` an ``(n, 15)``
    0/1 matrix in :data:`cdtext.labels.LABELS` order (anchoring 0 where there is
    no function). ``predict_proba`` returns ``(n, 16)`` in :data:`HEADS` order.
    """

    def __init__(
        self,
        C: float = 2.0,
        ngram_max: int = 2,
        min_df: int = 2,
        max_features: int | None = 60000,
        cv: int = 5,
        random_state: int = 0,
        features: str = "both",
        encoder: str | None = DEFAULT_ENCODER,
        dense_scale: float = 1.0,
    ) -> None:
        self.C = C
        self.ngram_max = ngram_max
        self.min_df = min_df
        self.max_features = max_features
        self.cv = cv
        self.random_state = random_state
        self.features = features
        self.encoder = encoder
        self.dense_scale = dense_scale

    # -- scikit-learn estimator protocol (clone, grid search) without importing scikit-learn -------------
    _PARAMS = PARAMS  # the constructor's parameters, as a model card may set them

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self._PARAMS}

    def set_params(self, **params: Any) -> PassageClassifier:
        for name, value in params.items():
            if name not in self._PARAMS:
                raise ValueError(f"unknown parameter {name!r} for PassageClassifier")
            setattr(self, name, value)
        return self

    def __repr__(self) -> str:
        changed = {k: v for k, v in self.get_params().items() if v != type(self)().get_params()[k]}
        return f"PassageClassifier({', '.join(f'{k}={v!r}' for k, v in changed.items())})"

    # -- features ------------------------------------------------------------------
    def _lemmas(self, X: Sequence[str]) -> list[str]:
        from cdtext.nlp import lemmatize

        return [lemmatize(x) for x in X]

    def _new_head(self) -> Any:
        from sklearn.linear_model import LogisticRegression

        return LogisticRegression(C=self.C, class_weight="balanced", solver="liblinear", max_iter=1000)

    def _dense(self, X: Sequence[str]) -> np.ndarray:
        from cdtext.classify.encoder import StaticEncoder

        encoder = getattr(self, "encoder_", None) or StaticEncoder(self.encoder or "")
        return encoder.encode(X) * np.float32(self.dense_scale)

    def _featurize(self, X: Sequence[str], fit: bool = False) -> Any:
        if self.features not in ("tfidf", "static", "both"):
            raise ValueError(f"features must be tfidf, static or both, not {self.features!r}")
        parts = []
        if self.features in ("tfidf", "both"):
            lemmas = self._lemmas(X)
            parts.append(self.vectorizer_.fit_transform(lemmas) if fit else self.vectorizer_.transform(lemmas))
        if self.features in ("static", "both"):
            dense = self._dense(X)
            parts.append(sparse.csr_matrix(dense) if parts else dense)
        return sparse.hstack(parts, format="csr") if len(parts) > 1 else parts[0]

    # -- fitting -------------------------------------------------------------------
    def fit(
        self, X: Sequence[str], Y: Any, sample_weight: Any = None, calibrate_on: Any = None, groups: Any = None
    ) -> PassageClassifier:
        """Fit every head; ``calibrate_on`` (a boolean mask) restricts calibration and thresholds to
        those rows' out-of-fold scores (e.g. the real passages, when authored ones are mixed in); with
        ``groups`` (e.g. documents) the out-of-fold folds never split a group."""
        Y = np.asarray(Y)
        if Y.ndim != 2 or Y.shape[1] != len(LABELS):
            raise ValueError(f"Y must have {len(LABELS)} columns in LABELS order, got shape {Y.shape}")
        if len(X) != len(Y):
            raise ValueError(f"X has {len(X)} texts but Y has {len(Y)} rows")
        H = heads_matrix(Y)
        has_fn = H[:, HEADS.index(ANY)] == 1
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.vectorizer_ = TfidfVectorizer(
            ngram_range=(1, self.ngram_max),
            min_df=self.min_df,
            max_features=self.max_features,
            sublinear_tf=True,
            token_pattern=r"\S+",
            lowercase=False,
            dtype=np.float32,
        )
        weight = np.ones(len(X)) if sample_weight is None else np.asarray(sample_weight, dtype=float)
        calibrate = np.ones(len(X), bool) if calibrate_on is None else np.asarray(calibrate_on, dtype=bool)
        groups = None if groups is None else np.asarray(groups, dtype=object)
        if self.features in ("static", "both"):
            from cdtext.classify.encoder import StaticEncoder

            self.encoder_ = StaticEncoder(self.encoder or "")
        features = self._featurize(X, fit=True)
        n_heads, n_feat = len(HEADS), features.shape[1]
        self.coef_ = np.zeros((n_heads, n_feat), dtype=np.float64)
        self.intercept_ = np.zeros(n_heads)
        self.calibration_ = np.tile([1.0, 0.0], (n_heads, 1))
        self.thresholds_ = np.full(n_heads, 0.5)
        self.oof_proba_ = np.full(H.shape, np.nan)
        for j, head in enumerate(HEADS):
            rows = np.flatnonzero(has_fn) if head in _CONDITIONAL else np.arange(len(H))
            y = H[rows, j]
            if y.min() == y.max():  # a head with one class cannot be learned: constant output
                self.intercept_[j] = 35.0 if y[0] else -35.0
                continue
            model = self._new_head().fit(features[rows], y, sample_weight=weight[rows])
            self.coef_[j] = model.coef_[0]
            self.intercept_[j] = model.intercept_[0]
            scores, folds = self._oof_scores(features[rows], y, weight[rows], None if groups is None else groups[rows])
            on = calibrate[rows] if len(np.unique(y[calibrate[rows]])) == 2 else np.ones(len(rows), bool)
            self.calibration_[j] = platt_scaling(y[on], scores[on])
            proba = _sigmoid(self.calibration_[j, 0] * scores + self.calibration_[j, 1])
            self.oof_proba_[rows, j] = proba
            self.thresholds_[j] = head_threshold(head, y[on], proba[on], folds[on])
        self.coef_ = self.coef_.astype(np.float32)  # halves the model file; scores are unchanged to ~1e-6
        self.classes_ = np.array(HEADS)
        self.context_ = None  # a context stage is fitted apart (cdtext.classify.context), on whole documents
        return self

    def _oof_scores(
        self, features: Any, y: np.ndarray, weight: np.ndarray, groups: Any = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Out-of-fold decision scores of one head, and each passage's fold number."""
        from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold

        n_splits = max(2, min(self.cv, int(np.bincount(y).min())))
        if groups is not None:
            n_splits = max(2, min(n_splits, len(set(groups))))
            folds: Any = StratifiedGroupKFold(n_splits=n_splits, shuffle=True, random_state=self.random_state)
        else:
            folds = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=self.random_state)
        scores, fold_of = np.zeros(len(y)), np.zeros(len(y), int)
        for k, (train, test) in enumerate(folds.split(np.zeros(len(y)), y, groups)):
            fold_of[test] = k
            if y[train].min() == y[train].max():
                scores[test] = 0.0
                continue
            fold = self._new_head().fit(features[train], y[train], sample_weight=weight[train])
            scores[test] = fold.decision_function(features[test])
        return scores, fold_of

    # -- prediction ----------------------------------------------------------------
    def transform(self, X: Sequence[str]) -> Any:
        return self._featurize(X)

    def predict_proba(self, X: Sequence[str]) -> np.ndarray:
        """Calibrated probabilities, ``(n, 16)`` in :data:`HEADS` order."""
        if len(X) == 0:
            return np.zeros((0, len(HEADS)))
        scores = np.asarray(self.transform(X) @ self.coef_.T) + self.intercept_
        return _sigmoid(self.calibration_[:, 0] * scores + self.calibration_[:, 1])

    def decide(self, proba: np.ndarray) -> np.ndarray:
        """Probabilities -> 0/1 labels in :data:`LABELS` order, applying the decision rules.

        Functions pass their thresholds; anchoring and policy areas only count
        for passages with at least one function.
        """
        return apply_thresholds(proba, self.thresholds_)

    def predict(self, X: Sequence[str]) -> np.ndarray:
        """0/1 labels, ``(n, 15)`` in :data:`cdtext.labels.LABELS` order."""
        return self.decide(self.predict_proba(X))

    def top_terms(self, text: str, head: str, k: int = 6) -> list[str]:
        """Terms of ``text`` that push ``head`` up most (TF-IDF weight x coefficient)."""
        if self.features == "static":
            return []
        row = self.vectorizer_.transform(self._lemmas([text]))
        j = HEADS.index(head)
        contrib = row.multiply(self.coef_[j, : row.shape[1]]).tocsr()
        order = np.argsort(-contrib.data)[:k]
        names = self.vectorizer_.get_feature_names_out()
        return [str(names[contrib.indices[i]]) for i in order if contrib.data[i] > 0]
