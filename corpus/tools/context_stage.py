"""Fit and measure the context stage of a shipped model (cdtext.classify.context) on the real corpus.

    python corpus/tools/context_stage.py MODEL --store POOL.duckdb [--passages FT/passages.jsonl] [--folds FT/onnx]
        [--cache DIR] [--by-source] [--dry-run]

MODEL is ``standard``, ``fast`` or ``default``. The stage reads a passage's
probabilities with those of the passages around it, so it is fitted on
out-of-fold probabilities of *every* passage of the labelled documents, not
only the labelled ones. POOL.duckdb is ../shared/realworld-pool ingested by
cdtext (made when missing; it holds third-party text, so it must lie outside
the repository).

Out of fold: the five folds grouped by document of the other tools (with
``--passages``, the folds of the transformer's export; the default needs
it). For each fold K, the model's recipe trained without K gives the
probabilities of every passage of K's documents: the standard or fast recipe
(``_fit`` with the shipped card's parameters), and for the default that
recipe averaged with the transformer fine-tuned without K (``--folds``:
FT/onnx/foldK, run as the shipped model runs, reading only the passages above
the gate).

Measured, with nothing chosen on the fold that is scored: for each fold K,
the default's Platt scaling and gate, the model's thresholds and the stage
(its regressions and, by an inner split over the other folds, its
thresholds) are all fitted on the other folds. Printed per fold and in all,
beside the same figures without the stage. ``--by-source`` (standard, fast)
adds leave-one-source-out: the recipe trained without a pool folder
classifies its documents, the stage is fitted on the other folders' passages.
Then the stage is fitted on every fold and written into the shipped model's
file, its card recording the figures (``--dry-run``: print only). The model's
own arrays are unchanged; when the default's base gains a stage, the default
keeps its figures (the averaged model reads its base's probabilities, never
its stage), and its card's record of the base's SHA-256 is renewed.
docs/classify.md has the figures, and why no shipped model carries a stage.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from build_default import (
    BASE,
    MODELS,
    TRANSFORMER_HEADS,
    _cache_key,
    _cached,
    _keep,
    averaged,
    choose_gate,
    figures,
    folds_of,
    platt,
    recipe_oof,
    thresholds,
)
from select_model import load_real

from cdtext.classify.api import LABEL_WEIGHT, Classifier, _fit
from cdtext.classify.context import OUTPUTS, features, fit_stage
from cdtext.classify.model import HEADS, apply_thresholds, heads_matrix
from cdtext.classify.persist import load_model, model_paths, read_card, save_averaged, save_model
from cdtext.classify.transformer import TransformerScorer
from cdtext.corpus import label_matrix, load_corpus
from cdtext.hashing import file_sha256
from cdtext.store import Store

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"


def pool_store(path: Path) -> Path:
    if path.resolve().is_relative_to(REPO):
        sys.exit("error: the pool store must lie outside the repository (it holds third-party text)")
    if not path.exists():
        from draw_round import pool_inputs

        from cdtext.ingestion import ingest

        ingest([str(p) for p in pool_inputs()], path, config={"jobs": 2})
    return path


def document_passages(real: pd.DataFrame, store: Path) -> tuple[pd.DataFrame, np.ndarray]:
    """Every passage of the labelled documents in document order (``doc_id, text``), and the row of each
    labelled passage among them. A labelled passage that its document no longer holds as one passage (it was
    segmented differently when labelled) joins it where its id places it."""
    docs = sorted({i.rsplit("-", 1)[0] for i in real.id})
    with Store(store, read_only=True) as db:
        allp = db.passages_of(docs)[["passage_id", "doc_id", "idx", "text"]]
    allp["at"] = allp["idx"].astype(float)
    have = {(d, t): i for i, (d, t) in enumerate(zip(allp.doc_id, allp.text))}
    extra = []
    for pid, text in zip(real.id, real.text):
        doc = pid.rsplit("-", 1)[0]
        if (doc, text) not in have:
            extra.append({"passage_id": f"{pid}~", "doc_id": doc, "idx": -1, "text": text, "at": int(pid[-5:]) + 0.5})
    if extra:
        allp = pd.concat([allp, pd.DataFrame(extra)], ignore_index=True)
    allp = allp.sort_values(["doc_id", "at"], kind="stable").reset_index(drop=True)
    have = {(d, t): i for i, (d, t) in enumerate(zip(allp.doc_id, allp.text))}
    rows = np.array([have[(pid.rsplit("-", 1)[0], t)] for pid, t in zip(real.id, real.text)])
    print(f"{len(allp)} passages in the {len(docs)} labelled documents ({len(extra)} labelled apart)", flush=True)
    return allp, rows


def base_all(name: str, real: pd.DataFrame, folds: np.ndarray, allp: pd.DataFrame, cache: Path | None):
    """``(N, 16)`` probabilities of every passage from the recipe of shipped model ``name`` trained without
    its document's fold."""
    params = read_card(MODELS / name)["params"]
    authored = load_corpus()
    authored = authored[authored.split == "train"]
    path = cache / f"{name}_all.npy" if cache else None
    key = _cache_key(real, folds, json.dumps(params, sort_keys=True), json.dumps(allp.passage_id.tolist()))
    if (kept := _cached(path, key)) is not None:
        return kept
    fold_of_doc = dict(zip((i.rsplit("-", 1)[0] for i in real.id), folds))
    out = recipe_oof(params, authored, real, folds, allp.text.tolist(), allp.doc_id.map(fold_of_doc), name)
    _keep(path, key, out)
    return out


def source_out(name: str, real: pd.DataFrame, allp: pd.DataFrame, cache: Path | None):
    """For each pool folder with at least ten passages with a function: the recipe of shipped model ``name``
    trained without the folder gives every passage of the folder's documents its probabilities. Returns
    ``(N, 16)`` probabilities (zero outside those folders) and ``{folder: that model's thresholds}``."""
    from cdtext.classify.api import source_folder

    params = read_card(MODELS / name)["params"]
    folder = np.array([source_folder(g) for g in real.group])
    path = cache / f"{name}_by_source.npy" if cache else None
    # the folders follow from the passages' documents: no fold column of its own
    key = _cache_key(
        real, np.zeros(len(real)), json.dumps(params, sort_keys=True), json.dumps(allp.passage_id.tolist())
    )
    sidecar = path.with_name(path.name + ".thresholds.json") if path else None
    if (kept := _cached(path, key)) is not None and sidecar.exists():
        return kept, json.loads(sidecar.read_text())
    authored = load_corpus()
    authored = authored[authored.split == "train"]
    H = heads_matrix(label_matrix(real))
    all_folder = allp.doc_id.map(dict(zip((i.rsplit("-", 1)[0] for i in real.id), folder))).to_numpy()
    proba, thresholds_of = np.zeros((len(allp), len(HEADS))), {}
    for source in sorted(set(folder)):
        test = folder == source
        if H[test, : len(OUTPUTS) - 1].any(axis=1).sum() < 10 or test.all():
            continue
        t0 = time.time()
        model = _fit(params, authored, real[~test], LABEL_WEIGHT)
        on = all_folder == source
        proba[on] = model.predict_proba(allp.text[on].tolist())
        thresholds_of[source] = model.thresholds_.tolist()
        print(f"  {name} recipe without {source}: {time.time() - t0:.0f} s", flush=True)
    if path:
        sidecar.write_text(json.dumps(thresholds_of))
    _keep(path, key, proba)
    return proba, thresholds_of


def transformer_all(allp, doc_fold, read, fold_dir: Path, cache: Path | None) -> np.ndarray:
    """Raw scores of the transformer fine-tuned without each passage's fold, for the rows in ``read``."""
    path = cache / "transformer_all.npy" if cache else None
    networks = [file_sha256(fold_dir / f"fold{k}" / n) for k in range(5) for n in ("model.onnx", "tokenizer.json")]
    made_of = json.dumps([networks, allp.passage_id.tolist(), np.flatnonzero(read).tolist()])
    key = hashlib.sha256(made_of.encode()).hexdigest()
    if (kept := _cached(path, key)) is not None:
        return kept
    out = np.zeros((len(allp), len(TRANSFORMER_HEADS)), np.float32)
    for k in range(5):
        t0 = time.time()
        rows = np.flatnonzero(read & (doc_fold == k))
        out[rows] = TransformerScorer(fold_dir / f"fold{k}").scores(allp.text[rows].tolist())
        print(f"  transformer, fold {k + 1}: {len(rows)} passages, {time.time() - t0:.0f} s", flush=True)
    _keep(path, key, out)
    return out


def by_source(name, real, H, folds, allp, rows, base, cache: Path | None) -> dict:
    """Leave-one-source-out with the stage, for a trained model: per pool folder of :func:`source_out`, the
    recipe trained without the folder gives its documents' passages their probabilities; the stage is fitted
    on the other folders' labelled passages (their five-fold out-of-fold probabilities) and decides the
    folder's passages, anchoring and areas by the folder-less model's own thresholds. Beside it, the same
    model without the stage (as its card's leave-one-source-out)."""
    from cdtext.classify.api import source_folder
    from cdtext.classify.evaluate import add_mean_present, add_present_macro, evaluate_predictions
    from cdtext.labels import LABELS

    folder = np.array([source_folder(g) for g in real.group])
    doc_ids = allp.doc_id.tolist()
    x_oof = features(base, doc_ids)[rows]
    left_out, thresholds_of = source_out(name, real, allp, cache)
    keep = [HEADS.index(label) for label in LABELS]
    out: dict[str, dict] = {"without": {}, "with": {}}
    for source, own in thresholds_of.items():
        test = folder == source
        p = left_out[rows][test]
        stage = fit_stage(x_oof[~test], H[~test, : len(OUTPUTS)], folds[~test])
        q = p.copy()
        q[:, : len(OUTPUTS)] = stage.apply(left_out, doc_ids)[rows][test][:, : len(OUTPUTS)]
        for kind, proba, decided in (
            ("without", p, apply_thresholds(p, np.array(own))),
            ("with", q, apply_thresholds(q, stage.thresholds(np.array(own)))),
        ):
            m = evaluate_predictions(H[test][:, keep], decided, proba[:, keep], n_boot=200)
            out[kind][source] = add_present_macro(m)
        print(
            f"  leaving out {source}: macro-F1 (present) {out['without'][source]['macro_f1_present']:.3f} -> "
            f"{out['with'][source]['macro_f1_present']:.3f}",
            flush=True,
        )
    return {kind: add_mean_present(v) for kind, v in out.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model", choices=("standard", "fast", "default"))
    ap.add_argument("--store", type=Path, required=True)
    ap.add_argument("--passages", type=Path, help="the transformer's export (its folds); needed for the default")
    ap.add_argument("--folds", type=Path, help="the fold networks, FT/onnx (default only)")
    ap.add_argument("--cache", type=Path, help="a folder outside the repository for the slow out-of-fold parts")
    ap.add_argument("--by-source", action="store_true", help="also leave-one-source-out (standard and fast)")
    ap.add_argument("--dry-run", action="store_true")
    args = ap.parse_args()
    if args.model == "default" and not (args.passages and args.folds):
        sys.exit("error: the default needs --passages and --folds")
    labels = sorted((REPO / "corpus" / "real").glob("*/*.jsonl"))
    store = pool_store(args.store)
    real = load_real([str(f) for f in labels], None, None, store=store)
    H = heads_matrix(label_matrix(real))
    if args.passages:
        folds, _ = folds_of(real, [json.loads(line) for line in args.passages.open()])
    else:
        from sklearn.model_selection import GroupKFold

        folds = np.zeros(len(real), int)
        for k, (_, te) in enumerate(GroupKFold(n_splits=5).split(real, groups=real.group)):
            folds[te] = k
    allp, rows = document_passages(real, store)
    if args.cache:
        args.cache.mkdir(parents=True, exist_ok=True)
    recipe = BASE if args.model == "default" else args.model
    base = base_all(recipe, real, folds, allp, args.cache)
    if args.model == "default":
        fold_of_doc = dict(zip((i.rsplit("-", 1)[0] for i in real.id), folds))
        doc_fold = allp.doc_id.map(fold_of_doc).to_numpy()
        gates = [choose_gate(H, base[rows], folds != k) for k in range(5)] + [choose_gate(H, base[rows], folds >= 0)]
        read = base[:, : len(OUTPUTS) - 1].max(axis=1) >= min(gates)
        read[rows] = True
        scores = transformer_all(allp, doc_fold, read, args.folds, args.cache)

        def make(on: np.ndarray) -> np.ndarray:
            calibration = platt(H, scores[rows], on)
            return averaged(base, calibration, scores, gate=choose_gate(H, base[rows], on))
    else:

        def make(on: np.ndarray) -> np.ndarray:
            return base

    doc_ids = allp.doc_id.tolist()
    targets = H[:, : len(OUTPUTS)]
    k_out = len(OUTPUTS)
    without = (np.zeros(H.shape), np.zeros((len(H), len(HEADS) - 1), np.int8))
    with_stage = (np.zeros(H.shape), np.zeros((len(H), len(HEADS) - 1), np.int8))
    for k in range(5):
        other, here = folds != k, folds == k
        p_all = make(other)
        p = p_all[rows]
        t = thresholds(H, p, other, folds)
        without[0][here], without[1][here] = p[here], apply_thresholds(p[here], t)
        x = features(p_all, doc_ids)[rows]
        stage = fit_stage(x[other], targets[other], folds[other])
        q = p.copy()
        q[:, :k_out] = stage.apply(p_all, doc_ids)[rows][:, :k_out]
        with_stage[0][here] = q[here]
        with_stage[1][here] = apply_thresholds(q[here], stage.thresholds(t))
        print(f"  stage, fold {k + 1}: thresholds {np.round(stage.thresholds_, 2).tolist()}", flush=True)
    for k in range(5):
        here = folds == k
        per = [figures(H[here], p[here], d[here]) for p, d in (without, with_stage)]
        print(
            f"  fold {k + 1}: macro-F1 {per[0]['macro_f1']:.3f} -> {per[1]['macro_f1']:.3f}, any-function "
            f"{per[0]['any_function_f1']:.3f} -> {per[1]['any_function_f1']:.3f}",
            flush=True,
        )
    metrics = {}
    for name, (proba, decided) in (("without", without), ("with", with_stage)):
        m = metrics[name] = figures(H, proba, decided)
        print(
            f"{args.model} {name} the stage: macro-F1 {m['macro_f1']:.3f} {m['macro_f1_95ci']}  any-function "
            f"{m['any_function_f1']:.3f}  anchoring {m['anchoring_f1']:.3f}  ECE {m['ece']:.3f}  Brier "
            f"{m['brier']:.3f}  " + " ".join(f"{f[:4]} {m['labels'][f]['f1']:.2f}" for f in HEADS[:5]),
            flush=True,
        )
    loso = by_source(args.model, real, H, folds, allp, rows, base, args.cache) if args.by_source else {}
    for kind, per in loso.items():
        print(f"leave-one-source-out {kind} the stage: mean macro-F1 (present) {per['mean_macro_f1_present']:.3f}")
    everything = np.ones(len(real), bool)
    p_all = make(everything)
    stage = fit_stage(features(p_all, doc_ids)[rows], targets, folds)
    if args.dry_run:
        return
    protocol = (
        "five folds grouped by document; for each fold, the model's recipe trained without it gives every passage "
        "of the fold's documents its probabilities; thresholds"
        + (", the transformer's Platt scaling, the gate" if args.model == "default" else "")
        + " and the context stage (its regressions, and its thresholds by an inner split) fitted on the other folds"
    )
    real_cv = {**metrics["with"], "folds": 5, "documents": int(real.group.nunique()), "protocol": protocol}
    context = {"real_cv_without_stage": metrics["without"], "passages_read": len(allp)}
    if args.model == "default":
        card = read_card(MODELS / "default")
        card["metrics"] = {**card["metrics"], "real_cv": real_cv}
        card["context"] = context
        model, _ = load_model(MODELS / "default")
        base_name = card["base"]["name"]
        save_averaged(
            model.calibration_,
            model.thresholds_,
            model.gate_,
            MODELS / "default",
            card,
            base_name,
            card["transformer"]["name"],
            context=stage,
        )
    else:
        model, card = load_model(MODELS / args.model)
        own = card["metrics"].get("real_cv_own") or card["metrics"]["real_cv"]  # the recipe's own CV, kept once
        card["metrics"] = {**card["metrics"], "real_cv_own": own, "real_cv": real_cv}
        if loso:
            loso["with"]["protocol"] = (
                "per source folder: the recipe trained without it classifies its documents' passages; the stage "
                "fitted on the other folders' labelled passages (five-fold out-of-fold probabilities)"
            )
            card["metrics"]["real_by_source_own"] = card["metrics"].get("real_by_source_own") or card["metrics"].get(
                "real_by_source"
            )
            card["metrics"]["real_by_source"] = loso["with"]
            context["real_by_source_without_stage"] = loso["without"]
        card["context"] = context
        model.context_ = stage
        card.pop("sha256", None)
        save_model(model, MODELS / args.model, card)
        renew_default_base(args.model)
    print(f"wrote the context stage into {model_paths(MODELS / args.model)[0]}")
    Classifier.load(args.model)  # loads and checks


def renew_default_base(name: str) -> None:
    """The default's card records its base model's SHA-256; a stage added to that base changes the file, not
    the probabilities the default reads from it."""
    card_path = model_paths(MODELS / "default")[1]
    card = json.loads(card_path.read_text())
    if card.get("base", {}).get("name") != name:
        return
    card["base"]["sha256"] = read_card(MODELS / name)["sha256"]
    card_path.write_text(json.dumps(card, indent=2) + "\n")


if __name__ == "__main__":
    main()
