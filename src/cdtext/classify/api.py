"""The public classification API: :class:`Classifier` (load, predict, explain) and :func:`train`."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cdtext.errors import CdtextError, ModelError
from cdtext.labels import ANCHORED, FUNCTIONS, LABELS, POLICY_AREAS

log = logging.getLogger(__name__)

DEFAULT_NAME = "default"
LEXICON = "lexicon"


def default_model_path() -> Path:
    """Where the shipped model lives: the package data folder ``cdtext/models``."""
    return Path(__file__).resolve().parents[1] / "models" / DEFAULT_NAME


class Classifier:
    """Classify passages by function and policy orientation.

    >>> clf = Classifier.load()               # the shipped model
    >>> clf.predict(["The mayor met the Consul General of Japan."])  # doctest: +SKIP
    """

    def __init__(self, model: Any, card: dict[str, Any] | None = None, name: str = "model") -> None:
        self.model = model
        self.card = card or {}
        self.name = name

    @classmethod
    def load(cls, path: str | Path | None = None) -> Classifier:
        """Load a model: ``None`` for the shipped one, ``"lexicon"`` for the baseline, or a path."""
        if path is not None and str(path) == LEXICON:
            from cdtext.classify.lexicon import LexiconClassifier

            return cls(LexiconClassifier(), {"name": LEXICON, "thresholds": dict.fromkeys(LABELS, 0.5)}, LEXICON)
        from cdtext.classify.persist import load_model, model_paths

        target = Path(path) if path is not None else default_model_path()
        skops_path, _ = model_paths(target)
        if not skops_path.exists() and path is None:
            raise ModelError(
                f"the shipped model is missing ({skops_path}); train one with `cdtext train --out models/default`"
            )
        model, card = load_model(target)
        return cls(model, card, card.get("name", skops_path.stem))

    @property
    def is_lexicon(self) -> bool:
        return self.name == LEXICON

    # -- prediction ----------------------------------------------------------------
    def _proba_and_labels(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(label probabilities in LABELS order, 0/1 labels, p_any_function)``."""
        if self.is_lexicon:
            proba = self.model.predict_proba(texts)
            labels = (proba >= 0.5).astype(np.int8)
            labels[:, len(FUNCTIONS) :] *= labels[:, : len(FUNCTIONS)].any(axis=1)[:, None]
            p_any = proba[:, : len(FUNCTIONS)].max(axis=1) if len(texts) else np.zeros(0)
            return proba, labels, p_any
        from cdtext.classify.model import ANY, HEADS

        heads = self.model.predict_proba(texts)
        labels = self.model.decide(heads)
        keep = [HEADS.index(label) for label in LABELS]
        return heads[:, keep], labels, heads[:, HEADS.index(ANY)]

    def predict(self, data: Sequence[str] | pd.DataFrame, explain: bool = False) -> pd.DataFrame:
        """One row per passage: ids, text, probabilities and labels (see docs/classify.md).

        ``data`` is a list of texts or a DataFrame with a ``text`` column (and
        optionally ``id`` or ``passage_id``).
        """
        if isinstance(data, pd.DataFrame):
            if "text" not in data.columns:
                raise CdtextError("the table has no 'text' column; name the passage text column 'text'")
            texts = data["text"].fillna("").astype(str).tolist()
            if "id" in data.columns:
                ids = data["id"].astype(str).tolist()
            elif "passage_id" in data.columns:
                ids = data["passage_id"].astype(str).tolist()
            else:
                ids = [str(i) for i in range(len(texts))]
        else:
            texts = [str(t) for t in data]
            ids = [str(i) for i in range(len(texts))]
        proba, labels, p_any = self._proba_and_labels(texts)
        out = pd.DataFrame({"id": ids, "text": texts})
        for j, f in enumerate(FUNCTIONS):
            out[f"p_{f}"] = proba[:, j].round(4)
        out["p_no_function"] = (1 - p_any).round(4)
        fn_labels = labels[:, : len(FUNCTIONS)]
        out["functions"] = [[f for f, on in zip(FUNCTIONS, row) if on] for row in fn_labels]
        a = LABELS.index(ANCHORED)
        out["p_policy_anchored"] = proba[:, a].round(4)
        out["policy_anchored"] = labels[:, a].astype(bool)
        area_idx = [LABELS.index(x) for x in POLICY_AREAS]
        out["policy_areas"] = [[x for x, on in zip(POLICY_AREAS, row) if on] for row in labels[:, area_idx]]
        for x, j in zip(POLICY_AREAS, area_idx):
            out[f"p_{x}"] = proba[:, j].round(4)
        if explain:
            out["explanation"] = self.explain_rows(out)
        return out

    def explain_rows(self, rows: pd.DataFrame) -> list[dict[str, list[str]]]:
        """Explanations for prediction rows (``text``, ``functions``, ``policy_anchored``, ``policy_areas``).

        The indicator phrases of all rows are matched in one spaCy batch.
        """
        from cdtext.classify.lexicon import match_phrases

        texts = rows["text"].astype(str).tolist()
        found = match_phrases(texts)
        return [
            self._terms(t, [*fns, *([ANCHORED] if anch else []), *areas], f)
            for t, fns, anch, areas, f in zip(
                texts, rows["functions"], rows["policy_anchored"], rows["policy_areas"], found
            )
        ]

    def _terms(self, text: str, labels: Sequence[str], found: dict[str, list[str]]) -> dict[str, list[str]]:
        from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

        out: dict[str, list[str]] = {}
        for label in labels:
            terms = list(dict.fromkeys(found.get(label, [])))
            if not self.is_lexicon:
                model_terms = self.model.top_terms(text, label, k=10)
                terms += [
                    t
                    for t in model_terms
                    if t not in terms and not all(w in ENGLISH_STOP_WORDS or w.isupper() for w in t.split())
                ]
            out[label] = terms[:8]
        return out

    def explain(self, text: str) -> dict[str, list[str]]:
        """For each label the passage is given, the terms that drove it.

        Terms are the codebook indicator phrases found in the passage (lemmas)
        followed by the model's strongest features in it (TF-IDF weight times
        coefficient), without stop words.
        """
        return self.predict([text], explain=True)["explanation"][0]


def train(corpus: str | Path | None = None, out: str | Path | None = None, **params: Any) -> Classifier:
    """Fit the model on the corpus's train split, evaluate on its test split, save it with a card."""
    from cdtext import __version__
    from cdtext.classify.evaluate import evaluate_predictions
    from cdtext.classify.lexicon import LexiconClassifier
    from cdtext.classify.model import HEADS, PassageClassifier
    from cdtext.classify.persist import save_model
    from cdtext.corpus import corpus_hash, label_matrix, load_corpus

    df = load_corpus(corpus)
    train_df, test_df = df[df.split == "train"], df[df.split == "test"]
    if train_df.empty or test_df.empty:
        raise CdtextError("the corpus needs both a train and a test split")
    model = PassageClassifier(**params).fit(train_df.text.tolist(), label_matrix(train_df))
    keep = [HEADS.index(label) for label in LABELS]
    ytr = label_matrix(train_df)
    oof = np.nan_to_num(model.oof_proba_[:, keep], nan=0.0)
    oof_labels = (oof >= model.thresholds_[keep]).astype(np.int8)
    oof_labels[:, len(FUNCTIONS) :] *= oof_labels[:, : len(FUNCTIONS)].any(axis=1)[:, None]
    cross_validated = evaluate_predictions(ytr, oof_labels, oof, n_boot=200)
    model.oof_proba_ = None  # type: ignore[assignment]  # not needed after training; keeps the file small
    clf = Classifier(model, name="default")
    yte = label_matrix(test_df)
    proba, labels, _ = clf._proba_and_labels(test_df.text.tolist())
    held_out = evaluate_predictions(yte, labels, proba)
    lex = LexiconClassifier()
    lex_proba = lex.predict_proba(test_df.text.tolist())
    lex_labels = Classifier(lex, name=LEXICON)._proba_and_labels(test_df.text.tolist())[1]
    lexicon = evaluate_predictions(yte, lex_labels, lex_proba)
    card = {
        "name": Path(out).name if out else DEFAULT_NAME,
        "cdtext_version": __version__,
        "estimator": "cdtext.classify.model.PassageClassifier",
        "params": model.get_params(),
        "labels": list(LABELS),
        "heads": list(HEADS),
        "thresholds": {h: round(float(t), 3) for h, t in zip(HEADS, model.thresholds_)},
        "training_corpus": {
            "sha256": corpus_hash(corpus),
            "n_train": int(len(train_df)),
            "n_test": int(len(test_df)),
        },
        "metrics": {"cross_validated": cross_validated, "held_out": held_out, "lexicon_held_out": lexicon},
    }
    if out is not None:
        save_model(model, out, card)
    clf.card = card
    return clf
