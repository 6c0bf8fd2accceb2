"""The public classification API: :class:`Classifier` (load, predict, explain) and :func:`train`."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cdtext.classify.files import SHIPPED
from cdtext.errors import CdtextError, ModelError
from cdtext.labels import ANCHORED, FUNCTIONS, LABELS, POLICY_AREAS

log = logging.getLogger(__name__)

DEFAULT_NAME = "default"
LEXICON = "lexicon"
#: passages classified between two progress calls
STEP = 500


def default_model_path() -> Path:
    """Where the shipped model lives: the package data folder ``cdtext/models``."""
    return Path(__file__).resolve().parents[1] / "models" / DEFAULT_NAME


class Classifier:
    """Classify passages by function and policy orientation.

    >>> clf = Classifier.load()               # the shipped model
    >>> clf.predict(["The mayor met the Consul General of Japan."])  # doctest: +SKIP
    """

    def __init__(self, model: Any, card: dict[str, Any] | None = None, name: str = "model") -> None:
        self._model = model
        self._target: Path | None = None
        self.card = card or {}
        self.name = name

    @property
    def model(self) -> Any:
        """The estimator; a classifier loaded with ``lazy=True`` reads (and hash-checks) it on first use."""
        if self._model is None and self._target is not None:
            from cdtext.classify.persist import load_model

            self._model, card = load_model(self._target)
            if card.get("sha256") != self.card.get("sha256"):
                raise ModelError(f"{self._target} changed while cdtext was running; run the command again")
        if self._model is None:
            raise ModelError(
                f"{self.name} only describes stored predictions (cdtext has not got that model); load a model to "
                "classify with: Classifier.load(PATH)"
            )
        return self._model

    @model.setter
    def model(self, value: Any) -> None:
        self._model = value

    @classmethod
    def load(cls, path: str | Path | None = None, *, lazy: bool = False) -> Classifier:
        """Load a model: ``None`` (or ``"default"``) for the shipped default (the ``standard`` model averaged
        with a fine-tuned transformer), ``"standard"`` for the shipped TF-IDF and sentence-vector model alone,
        ``"fast"`` for the shipped TF-IDF-only model, ``"lexicon"`` for the rule baseline, or a path.

        With ``lazy``, only the card is read now (enough for the model's name, hash and thresholds);
        the arrays are read and checked when the first passage is classified.
        """
        if path is not None and str(path) == LEXICON:
            from cdtext.classify.lexicon import LexiconClassifier

            return cls(LexiconClassifier(), {"name": LEXICON, "thresholds": dict.fromkeys(LABELS, 0.5)}, LEXICON)
        from cdtext.classify.persist import load_model, model_paths

        target = Path(path) if path is not None else default_model_path()
        if path is not None and str(path) in SHIPPED and not model_paths(target)[0].exists():
            target = default_model_path().with_name(str(path))
        array_path, _ = model_paths(target)
        if not array_path.exists() and path is None:
            raise ModelError(f"the shipped model is missing ({array_path}); reinstall cdtext")
        if lazy:
            from cdtext.classify.persist import read_card

            if not array_path.exists():
                raise ModelError(f"model file not found: {array_path}")
            card = read_card(target)
            clf = cls(None, card, card.get("name", array_path.stem))
            clf._target = target
            return clf
        model, card = load_model(target)
        return cls(model, card, card.get("name", array_path.stem))

    @property
    def thresholds(self) -> dict[str, float]:
        """Decision threshold of each head (functions, ``any_function``, anchoring, areas)."""
        return {str(k): float(v) for k, v in self.card.get("thresholds", {}).items()}

    @property
    def is_lexicon(self) -> bool:
        """The rule baseline, recognised by its type: a trained model may be *named* ``lexicon``."""
        from cdtext.classify.lexicon import LexiconClassifier

        return isinstance(self.model, LexiconClassifier)

    # -- prediction ----------------------------------------------------------------
    def _proba_and_labels(
        self,
        texts: Sequence[str],
        doc_ids: Sequence[str] | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(label probabilities in LABELS order, 0/1 labels, p_any_function)``: the lexicon and the trained
        model both give head probabilities in HEADS order and decide labels in LABELS order.

        With ``doc_ids`` (one per text, each document's passages in order), a model's context stage revises
        the function probabilities from the passages around each one. ``progress(done)`` is called every
        :data:`STEP` texts; every passage is first classified on its own, so steps change nothing.
        """
        from cdtext.classify.model import ANY, HEADS, apply_thresholds

        if progress is None:
            heads = self.model.predict_proba(texts)
        else:
            parts = []
            for at in range(0, len(texts), STEP):
                parts.append(self.model.predict_proba(texts[at : at + STEP]))
                progress(at + len(parts[-1]))
            heads = np.vstack(parts) if parts else self.model.predict_proba(texts)
        stage = getattr(self.model, "context_", None)
        if stage is not None and doc_ids is not None:
            heads = stage.apply(heads, doc_ids)
            labels = apply_thresholds(heads, stage.thresholds(self.model.thresholds_))
        else:
            labels = self.model.decide(heads)
        keep = [HEADS.index(label) for label in LABELS]
        return heads[:, keep], labels, heads[:, HEADS.index(ANY)]

    def predict(
        self,
        data: Sequence[str] | pd.DataFrame,
        explain: bool = False,
        progress: Callable[[int], None] | None = None,
    ) -> pd.DataFrame:
        """One row per passage: ids, text, probabilities and labels (see docs/classify.md).

        ``data`` is a list of texts or a DataFrame with a ``text`` column (and
        optionally ``id`` or ``passage_id``). A DataFrame with a ``doc_id``
        column (each document's rows in document order) lets a model's context
        stage read each passage with its document; a list of texts is classified
        passage by passage. ``progress(done)`` follows long inputs.
        """
        doc_ids = None
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
            if "doc_id" in data.columns:  # a row without one is a document of its own
                doc_ids = [str(d) if pd.notna(d) and str(d) else f"\0{i}" for i, d in enumerate(data["doc_id"])]
        else:
            texts = [str(t) for t in data]
            ids = [str(i) for i in range(len(texts))]
        proba, labels, p_any = self._proba_and_labels(texts, doc_ids, progress)
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


BASES = ("shipped", "none")


def labelled_corpus(
    labels: Sequence[str | Path],
    *,
    store: str | Path | None = None,
    text_root: str | Path | None = None,
) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """Label files -> corpus rows (one per passage, annotators combined) and a record of the files.

    Each passage's text is resolved (and hash-checked) from the file, ``store``
    or ``text_root``; passages coded by several annotators take the
    adjudicated row or the majority (:func:`cdtext.annotation.api.consensus`).
    Each row's ``group`` is its document (the stand-off ``source``, else the
    document id), which grouped cross-validation keeps together.
    """
    from cdtext.annotation.api import consensus, read_labels
    from cdtext.annotation.labelfile import file_sha256

    table = read_labels(labels, store=store, text_root=text_root)
    if table.empty:
        raise CdtextError(f"no labelled rows in {', '.join(str(f) for f in labels)}")
    one = consensus(table)
    groups = [s or d or k for s, d, k in zip(one["source"], one["doc_id"], one["key"])]
    rows = pd.DataFrame(
        {
            "id": one["key"].values,
            "text": one["text"].values,
            "functions": one["functions"].values,
            "policy_anchored": one["policy_anchored"].values,
            "policy_areas": one["policy_areas"].values,
            "genre": "real",
            "city": "",
            "country": "",
            "group": groups,
        }
    )
    record = [
        {
            "file": f"{Path(f).parent.name}/{Path(f).name}",
            "sha256": file_sha256(f),
            "rows": int((table["file"] == str(f)).sum()),
        }
        for f in labels
    ]
    return rows, record


#: how much one of your labelled real passages weighs against one authored passage
LABEL_WEIGHT = 3.0


def _fit(params: dict[str, Any], authored: pd.DataFrame, real: pd.DataFrame, label_weight: float) -> Any:
    """One model on the authored passages plus the real ones (weighted, calibrated on the real ones)."""
    from cdtext.classify.model import PassageClassifier
    from cdtext.corpus import label_matrix

    df = pd.concat([authored, real], ignore_index=True)
    is_real = np.r_[np.zeros(len(authored), bool), np.ones(len(real), bool)]
    weight = np.where(is_real, label_weight, 1.0)
    groups = [*(f"authored:{i}" for i in authored["id"]), *real["group"]]
    model = PassageClassifier(**params)
    return model.fit(
        df.text.tolist(),
        label_matrix(df),
        sample_weight=weight,
        calibrate_on=is_real if len(real) else None,
        groups=groups,
    )


def _decide(model: Any, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    clf = Classifier(model, name="candidate")
    proba, labels, _ = clf._proba_and_labels(texts)
    return proba, labels


def grouped_cv(
    params: dict[str, Any],
    authored: pd.DataFrame,
    real: pd.DataFrame,
    label_weight: float = LABEL_WEIGHT,
    folds: int = 5,
) -> tuple[np.ndarray, np.ndarray]:
    """Out-of-fold probabilities and labels for the real passages, folds grouped by document.

    Each fold's model sees the authored passages and the other folds' real
    documents; nothing of a held-out document is seen.
    """
    from sklearn.model_selection import GroupKFold

    n_groups = real["group"].nunique()
    k = min(folds, n_groups)
    proba = np.zeros((len(real), len(LABELS)))
    labels = np.zeros((len(real), len(LABELS)), dtype=np.int8)
    for train_idx, test_idx in GroupKFold(n_splits=k).split(real, groups=real["group"]):
        model = _fit(params, authored, real.iloc[train_idx], label_weight)
        proba[test_idx], labels[test_idx] = _decide(model, real.text.iloc[test_idx].tolist())
    return proba, labels


def source_folder(source: str) -> str:
    """``realworld-pool/limerick_council_minutes/2019/x.md`` -> ``limerick_council_minutes``."""
    parts = [p for p in str(source).split("/") if p]
    return parts[1] if len(parts) > 2 else parts[0] if parts else ""


def leave_one_source_out(
    params: dict[str, Any], authored: pd.DataFrame, real: pd.DataFrame, label_weight: float = LABEL_WEIGHT
) -> dict[str, Any]:
    """Per source folder with at least 10 passages with a function: the model trained on the other folders
    (and the authored passages), scored on this one; macro-F1 over the functions present there."""
    from cdtext.classify.evaluate import add_mean_present, add_present_macro, evaluate_predictions
    from cdtext.corpus import label_matrix

    folders = pd.Series([source_folder(g) for g in real["group"]], index=real.index)
    y_all = label_matrix(real)
    out: dict[str, Any] = {}
    for folder in sorted(folders.unique()):
        test = (folders == folder).to_numpy()
        if y_all[test, : len(FUNCTIONS)].any(axis=1).sum() < 10 or test.all():
            continue
        model = _fit(params, authored, real[~test], label_weight)
        proba, decided = _decide(model, real.text[test].tolist())
        out[folder] = add_present_macro(evaluate_predictions(y_all[test], decided, proba, n_boot=200))
    return add_mean_present(out)


def train(
    corpus: str | Path | None = None,
    out: str | Path | None = None,
    *,
    labels: Sequence[str | Path] | None = None,
    store: str | Path | None = None,
    text_root: str | Path | None = None,
    base: str = "shipped",
    label_weight: float = LABEL_WEIGHT,
    cv_folds: int = 5,
    by_source: bool = False,
    **params: Any,
) -> Classifier:
    """Train a model, measure it, and save it with a card.

    Without ``labels``: fit on the annotated corpus's train split and measure
    on its test split. With ``labels`` (label files from :func:`cdtext.annotate`,
    inline or stand-off; texts resolved from the file, ``store`` or
    ``text_root``): the labelled passages are measured by cross-validation
    grouped by document (``cv_folds``; every fold's model is trained without
    the held-out documents), then the shipped model is fit on all of them,
    each weighing ``label_weight`` authored passages, with calibration and
    thresholds chosen on their out-of-fold scores. ``base="shipped"`` adds the
    annotated corpus's train split, ``base="none"`` uses the labels alone.
    With ``by_source``, also leave-one-source-out: for each source folder
    (the first part of the labels' ``source`` path below its root folder)
    with at least 10 passages with a function, a model trained on every other
    folder is scored on it. The card records every label file with its
    SHA-256 and the figures.
    """
    from cdtext import __version__
    from cdtext.classify.evaluate import evaluate_predictions
    from cdtext.classify.lexicon import LexiconClassifier
    from cdtext.classify.model import HEADS
    from cdtext.classify.persist import save_model
    from cdtext.corpus import corpus_hash, label_matrix, load_corpus

    if base not in BASES:
        raise CdtextError(f"unknown base {base!r}; choose one of {', '.join(BASES)}")
    if base == "none" and not labels:
        raise CdtextError("base 'none' trains on your labels alone: give label files")
    label_record: list[dict[str, Any]] = []
    authored = load_corpus(corpus) if base == "shipped" else pd.DataFrame(columns=["id", "text", "split"])
    train_df, test_df = authored[authored.split == "train"], authored[authored.split == "test"]
    real = pd.DataFrame(columns=["id", "text", "group"])
    if labels:
        real, label_record = labelled_corpus(labels, store=store, text_root=text_root)
        if real["group"].nunique() < 2:
            raise CdtextError("training on labels needs passages from at least two documents")
    elif train_df.empty or test_df.empty:
        raise CdtextError("the corpus needs both a train and a test split")
    metrics: dict[str, Any] = {}
    if len(real):
        proba, decided = grouped_cv(params, train_df, real, label_weight, cv_folds)
        metrics["real_cv"] = evaluate_predictions(label_matrix(real), decided, proba, n_boot=500)
        metrics["real_cv"]["folds"] = int(min(cv_folds, real["group"].nunique()))
        metrics["real_cv"]["documents"] = int(real["group"].nunique())
        if by_source:
            metrics["real_by_source"] = leave_one_source_out(params, train_df, real, label_weight)
    model = _fit(params, train_df, real, label_weight)
    model.oof_proba_ = None  # type: ignore[assignment]  # not needed after training
    # unsaved, it must not pass for the shipped default (a different kind of model since the transformer joined it)
    clf = Classifier(model, name=Path(out).name if out else "trained")
    if len(test_df):
        yte = label_matrix(test_df)
        proba, decided, _ = clf._proba_and_labels(test_df.text.tolist())
        metrics["held_out"] = evaluate_predictions(yte, decided, proba)
        lex = Classifier(LexiconClassifier(), name=LEXICON)
        lex_proba, lex_labels, _ = lex._proba_and_labels(test_df.text.tolist())
        metrics["lexicon_held_out"] = evaluate_predictions(yte, lex_labels, lex_proba)
    card = {
        "name": clf.name,
        "cdtext_version": __version__,
        "estimator": "cdtext.classify.model.PassageClassifier",
        "labels": list(LABELS),
        "heads": list(HEADS),
        "thresholds": {h: round(float(t), 3) for h, t in zip(HEADS, model.thresholds_)},
        "training_corpus": {
            "sha256": corpus_hash(corpus) if base == "shipped" else None,
            "base": base,
            "labels": label_record,
            "label_weight": label_weight if labels else None,
            "n_authored": int(len(train_df)),
            "n_real": int(len(real)),
            "n_test": int(len(test_df)),
        },
        "metrics": metrics,
    }
    if out is not None:
        save_model(model, out, card)
        from cdtext.classify.persist import read_card

        card = read_card(out)
    clf.card = card
    return clf
