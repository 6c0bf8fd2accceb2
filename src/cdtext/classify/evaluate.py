"""Held-out evaluation with bootstrap intervals and calibration.

Figures (all on passages the model never saw):

* per label: precision, recall, F1, with a 95 % percentile-bootstrap interval
  for F1 (1,000 resamples of test passages, seeded);
* micro- and macro-F1 over the five functions, with intervals;
* policy-anchoring F1 (a passage counts as anchored only when the model also
  gives it a function) and macro-F1 over the policy areas;
* calibration of the function probabilities: Brier score and expected
  calibration error (10 equal-width bins, pooled over the five functions).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from cdtext.labels import ANCHORED, FUNCTIONS, LABELS, POLICY_AREAS

N_FN = len(FUNCTIONS)


def precision_recall_f1(y: np.ndarray, p: np.ndarray, weights: np.ndarray | None = None) -> tuple[float, float, float]:
    """Precision, recall and F1 of 0/1 predictions ``p`` against gold ``y``; with ``weights`` (one per passage, e.g.
    inverse inclusion probabilities) true and false positives and false negatives are weighted sums."""
    y, p = np.asarray(y), np.asarray(p)
    cells = ((y == 1) & (p == 1), (y == 0) & (p == 1), (y == 1) & (p == 0))
    if weights is None:
        tp, fp, fn = (float(np.sum(c)) for c in cells)
    else:
        w = np.asarray(weights, dtype=float)
        tp, fp, fn = (float(np.sum(w * c)) for c in cells)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0
    return precision, recall, f1


def _macro(Y: np.ndarray, P: np.ndarray) -> float:
    return float(np.mean([precision_recall_f1(Y[:, j], P[:, j])[2] for j in range(Y.shape[1])]))


def _micro(Y: np.ndarray, P: np.ndarray) -> float:
    return precision_recall_f1(Y.ravel(), P.ravel())[2]


def brier(y: np.ndarray, p: np.ndarray, weights: np.ndarray | None = None) -> float:
    return float(np.average((p - y) ** 2, weights=weights))


def expected_calibration_error(
    y: np.ndarray, p: np.ndarray, bins: int = 10, weights: np.ndarray | None = None
) -> float:
    """Mean gap between predicted and observed frequency over equal-width bins, each bin weighing its share of
    the passages (of their ``weights``, when given)."""
    w = np.ones(len(y)) if weights is None else np.asarray(weights, dtype=float)
    edges = np.linspace(0, 1, bins + 1)
    which = np.clip(np.digitize(p, edges[1:-1]), 0, bins - 1)
    total = 0.0
    for b in range(bins):
        mask = which == b
        if mask.any():
            share = w[mask].sum() / w.sum()
            total += share * abs(np.average(p[mask], weights=w[mask]) - np.average(y[mask], weights=w[mask]))
    return float(total)


def _interval(values: list[float]) -> list[float]:
    lo, hi = np.percentile(values, [2.5, 97.5])
    return [round(float(lo), 4), round(float(hi), 4)]


def evaluate_predictions(
    Y: np.ndarray, P: np.ndarray, proba: np.ndarray | None = None, n_boot: int = 1000, seed: int = 0
) -> dict[str, Any]:
    """Metrics for gold ``Y`` and predicted ``P`` (both ``(n, 15)`` in LABELS order).

    ``proba`` is the ``(n, 15)`` probability matrix in LABELS order, for calibration.
    """
    Y = np.asarray(Y)
    P = np.asarray(P)
    rng = np.random.default_rng(seed)
    n = len(Y)
    boots = [rng.integers(0, n, n) for _ in range(n_boot)]
    out: dict[str, Any] = {"n": n, "labels": {}}
    for j, label in enumerate(LABELS):
        precision, recall, f1 = precision_recall_f1(Y[:, j], P[:, j])
        samples = [precision_recall_f1(Y[b, j], P[b, j])[2] for b in boots]
        out["labels"][label] = {
            "support": int(Y[:, j].sum()),
            "precision": round(precision, 4),
            "recall": round(recall, 4),
            "f1": round(f1, 4),
            "f1_95ci": _interval(samples),
        }
    fy, fp = Y[:, :N_FN], P[:, :N_FN]
    out["macro_f1"] = round(_macro(fy, fp), 4)
    out["macro_f1_95ci"] = _interval([_macro(fy[b], fp[b]) for b in boots])
    out["micro_f1"] = round(_micro(fy, fp), 4)
    out["micro_f1_95ci"] = _interval([_micro(fy[b], fp[b]) for b in boots])
    a = LABELS.index(ANCHORED)
    out["anchoring_f1"] = out["labels"][ANCHORED]["f1"]
    out["anchoring_f1_95ci"] = out["labels"][ANCHORED]["f1_95ci"]
    area_cols = [LABELS.index(x) for x in POLICY_AREAS]
    out["areas_macro_f1"] = round(_macro(Y[:, area_cols], P[:, area_cols]), 4)
    no_fn_y = (fy.sum(axis=1) == 0).astype(int)
    no_fn_p = (fp.sum(axis=1) == 0).astype(int)
    out["no_function_f1"] = round(precision_recall_f1(no_fn_y, no_fn_p)[2], 4)
    out["any_function_f1"] = round(precision_recall_f1(1 - no_fn_y, 1 - no_fn_p)[2], 4)
    out["exact_match_functions"] = round(float(np.mean((fy == fp).all(axis=1))), 4)
    if proba is not None:
        py = fy.ravel().astype(float)
        pp = np.asarray(proba)[:, :N_FN].ravel()
        out["brier"] = round(brier(py, pp), 4)
        out["ece"] = round(expected_calibration_error(py, pp), 4)
        anchored_rows = fy.any(axis=1)
        if anchored_rows.any():
            ay = Y[anchored_rows, a].astype(float)
            ap = np.asarray(proba)[anchored_rows, a]
            out["anchoring_brier"] = round(brier(ay, ap), 4)
    return out


def format_comparison(results: dict[str, dict[str, Any]]) -> str:
    """A plain-text table of several models' held-out figures side by side; a label a model withholds (its
    figures' ``withheld`` list) reads "withheld" in that model's column where it scored 0."""
    names = list(results)
    width = max(14, *(len(n) for n in names))
    lines = [f"{'label':<30}" + "".join(f"{n:>{width + 16}}" for n in names)]
    lines.append(f"{'':<30}" + "".join(f"{'P/R/F1 [95% CI]':>{width + 16}}" for _ in names))
    marked = False
    for label in (*FUNCTIONS, ANCHORED, *POLICY_AREAS):
        cells = []
        for n in names:
            m = results[n]["labels"][label]
            lo, hi = m["f1_95ci"]
            if label in results[n].get("withheld", ()) and m["f1"] == 0:  # (fold models may have given it)
                cells.append("withheld")
                marked = True
            else:
                cells.append(f"{m['precision']:.2f}/{m['recall']:.2f}/{m['f1']:.2f} [{lo:.2f},{hi:.2f}]")
        lines.append(f"{label:<30}" + "".join(f"{c:>{width + 16}}" for c in cells))
    for key, title in (
        ("macro_f1", "macro-F1 (functions)"),
        ("micro_f1", "micro-F1 (functions)"),
        ("anchoring_f1", "policy-anchoring F1"),
        ("areas_macro_f1", "macro-F1 (policy areas)"),
        ("no_function_f1", "no-function F1"),
        ("any_function_f1", "any-function F1"),
        ("brier", "Brier (functions)"),
        ("ece", "ECE (functions)"),
    ):
        cells = []
        for n in names:
            value = results[n].get(key)
            ci = results[n].get(f"{key}_95ci")
            if value is None:
                cells.append("-")
            elif ci:
                cells.append(f"{value:.3f} [{ci[0]:.3f},{ci[1]:.3f}]")
            else:
                cells.append(f"{value:.3f}")
        lines.append(f"{title:<30}" + "".join(f"{c:>{width + 16}}" for c in cells))
    if marked:
        from cdtext.classify.model import WITHHELD_NOTE

        lines.append(WITHHELD_NOTE)
    return "\n".join(lines)


def evaluate_model(
    model: str | None = None,
    corpus: str | None = None,
    *,
    labels: Sequence[str] = (),
    store: str | None = None,
    text_root: str | None = None,
) -> dict[str, dict[str, Any]]:
    """A model's figures, real text first: ``{section: {model name: figures}}``.

    * ``real_cv`` — the cross-validation grouped by document over the real
      labelled passages that ``cdtext train`` recorded in the model card (the
      model's own training labels; recomputing it means retraining);
    * ``real_by_source`` — leave-one-source-out over the same passages, one
      column per source folder (when training recorded it);
    * ``labels`` — with ``labels``: the model and the lexicon baseline on
      those labelled passages (resolved from the files, ``store`` or
      ``text_root``), e.g. a held-out set of your own;
    * ``authored`` — the model and the lexicon on the authored corpus's
      held-out test split.
    """
    from cdtext.annotation.api import consensus, read_labels
    from cdtext.classify.api import Classifier
    from cdtext.classify.model import withheld_areas
    from cdtext.corpus import label_matrix, load_corpus

    clf = Classifier.load(model)
    models = {clf.name: clf} if clf.is_lexicon else {clf.name: clf, "lexicon": Classifier.load("lexicon")}
    withheld = {name: withheld_areas(c.thresholds) for name, c in models.items()}

    def marked(name: str, figures: dict[str, Any]) -> dict[str, Any]:
        return {**figures, "withheld": withheld[name]}

    def scored(texts: list[str], y: np.ndarray) -> dict[str, Any]:
        section = {}
        for name, c in models.items():
            proba, decided, _ = c._proba_and_labels(texts)
            section[name] = marked(name, evaluate_predictions(y, decided, proba))
        return section

    metrics = clf.card.get("metrics", {})
    out: dict[str, dict[str, Any]] = {}
    if "real_cv" in metrics:
        out["real_cv"] = {clf.name: marked(clf.name, metrics["real_cv"])}
    if source_folders(metrics):
        out["real_by_source"] = source_folders(metrics)
    if labels:
        table = consensus(read_labels(list(labels), store=store, text_root=text_root))
        out["labels"] = scored(table.text.tolist(), label_matrix(table))
    df = load_corpus(corpus)
    test = df[df.split == "test"]
    if len(test):
        out["authored"] = scored(test.text.tolist(), label_matrix(test))
    return out


def add_present_macro(figures: dict[str, Any]) -> dict[str, Any]:
    """Record in ``figures`` (from :func:`evaluate_predictions`) the macro-F1 over the functions present (support
    above zero): a held-out source folder seldom has all five."""
    present = [f for f in FUNCTIONS if figures["labels"][f]["support"] > 0]
    figures["macro_f1_present"] = round(float(np.mean([figures["labels"][f]["f1"] for f in present])), 4)
    return figures


def add_mean_present(by_source: dict[str, Any]) -> dict[str, Any]:
    """Record in ``by_source`` (folder -> figures) the mean of the folders' macro-F1 over functions present."""
    if by_source:
        mean = float(np.mean([v["macro_f1_present"] for v in by_source.values()]))
        by_source["mean_macro_f1_present"] = round(mean, 4)
    return by_source


def source_folders(metrics: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The per-folder figures of a card's leave-one-source-out (without its summary entries)."""
    return {k: v for k, v in (metrics.get("real_by_source") or {}).items() if isinstance(v, dict)}


SECTION_TITLES = {
    "real_cv": "real text: cross-validation grouped by document over the model's real labelled passages (its card)",
    "real_by_source": "real text, leave-one-source-out: trained on the other folders (from its card)",
    "labels": "your labelled passages",
    "authored": "authored corpus: held-out test split",
}


def format_by_source(folders: dict[str, dict[str, Any]]) -> str:
    """One line per held-out source folder: passages, macro-F1 over the functions present, any-function F1."""
    lines = [f"{'held-out folder':<34}{'passages':>10}{'macro-F1 (present)':>20}{'any-function F1':>17}"]
    for name, fig in folders.items():
        lines.append(f"{name:<34}{fig['n']:>10}{fig['macro_f1_present']:>20.3f}{fig['any_function_f1']:>17.3f}")
    mean = sum(f["macro_f1_present"] for f in folders.values()) / max(len(folders), 1)
    lines.append(f"{'mean':<34}{'':>10}{mean:>20.3f}")
    return "\n".join(lines)
