"""Compare classifier recipes on real passages we did not write: grouped CV by document and leave-one-source-out.

    python corpus/tools/select_model.py --labels corpus/real/*/*.jsonl --text-root ../shared \
        [--candidates NAME ...] [--folds 5] [--json FILE] [--cache FILE]

Every candidate is trained on the folds' training documents (plus, for the
``+authored`` recipes, the whole authored corpus in corpus/annotated) and
scored on the held-out documents' passages; the out-of-fold predictions of all
folds are pooled before computing F1. ``--by-source`` adds a
leave-one-collection-out pass (train on every other folder of the pool;
macro-F1 over the functions that occur in the held-out folder).
Printed: per-function F1, macro-F1 over the five functions, F1 of "any
function", and the share of no-function passages given a function.
Never pass ../shared/realworld here: it is kept for measuring, not choosing.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import f1_score
from sklearn.model_selection import GroupKFold

from cdtext.classify.api import labelled_corpus
from cdtext.classify.model import PassageClassifier
from cdtext.corpus import label_matrix, load_corpus
from cdtext.hashing import file_sha256
from cdtext.labels import FUNCTIONS

ENCODER = "minilm-m2v-256"
CANDIDATES = {
    "lexicon": None,
    "tfidf/authored": ({"features": "tfidf"}, "authored", 1.0),
    "tfidf/real": ({"features": "tfidf"}, "real", 1.0),
    "tfidf/real+authored": ({"features": "tfidf"}, "both", 3.0),
    "static/real": ({"features": "static", "C": 1.0}, "real", 1.0),
    "static/real+authored": ({"features": "static", "C": 1.0}, "both", 3.0),
    "both/real": ({"features": "both", "C": 2.0}, "real", 1.0),
    "both/real+authored": ({"features": "both", "C": 2.0}, "both", 3.0),
    # variations of the standard recipe (C, weight of the sentence vectors, weight of real passages)
    "both/real+authored/C1": ({"features": "both", "C": 1.0}, "both", 3.0),
    "both/real+authored/dense2": ({"features": "both", "C": 2.0, "dense_scale": 2.0}, "both", 3.0),
    "both/real+authored/real6": ({"features": "both", "C": 2.0}, "both", 6.0),
    "tfidf/real+authored/C4": ({"features": "tfidf", "C": 4.0}, "both", 3.0),
    "tfidf/real+authored/C2": ({"features": "tfidf", "C": 2.0}, "both", 3.0),
}


def memoise(encoder: str) -> None:
    """Lemmas and sentence vectors are computed once per text across all folds and candidates."""
    from cdtext.classify import encoder as enc

    lemma_cache: dict[str, str] = {}
    vector_cache: dict[str, np.ndarray] = {}
    original_lemmas = PassageClassifier._lemmas

    def lemmas(self: PassageClassifier, X: list[str]) -> list[str]:
        todo = [x for x in dict.fromkeys(X) if x not in lemma_cache]
        if todo:
            lemma_cache.update(zip(todo, original_lemmas(self, todo)))
        return [lemma_cache[x] for x in X]

    original_encode = enc.StaticEncoder.encode

    def encode(self: enc.StaticEncoder, X: list[str]) -> np.ndarray:
        todo = [x for x in dict.fromkeys(X) if x not in vector_cache]
        if todo:
            vector_cache.update(zip(todo, original_encode(self, todo)))
        return np.stack([vector_cache[x] for x in X]) if len(X) else np.zeros((0, 1), np.float32)

    PassageClassifier._lemmas = lemmas  # type: ignore[method-assign]
    enc.StaticEncoder.encode = encode  # type: ignore[method-assign]


def load_real(labels: list[str], text_root: Path | None, cache: Path | None, store: Path | None = None) -> pd.DataFrame:
    """The real labelled passages with their pool ``collection``, resolved once and kept in ``cache`` (a parquet
    file outside the repository) when given. The cache is reused only for the same label files (names and
    SHA-256, kept in a ``.key`` file beside it); otherwise the passages are resolved again and the cache renewed."""
    key = "\n".join(f"{Path(f).parent.name}/{Path(f).name} {file_sha256(f)}" for f in sorted(map(str, labels)))
    key_file = cache.with_name(cache.name + ".key") if cache else None
    if cache and cache.exists() and key_file.exists() and key_file.read_text() == key:
        real = pd.read_parquet(cache)
        for col in ("functions", "policy_areas"):
            real[col] = [list(v) for v in real[col]]
        real["policy_anchored"] = [None if pd.isna(v) else bool(v) for v in real["policy_anchored"]]
    else:
        real, _ = labelled_corpus(labels, store=store, text_root=text_root)
        real["collection"] = [g.split("/")[1] if g.startswith("realworld-pool/") else "other" for g in real["group"]]
        if cache:  # the key goes last, so that a cache cut short is never taken for a whole one
            key_file.unlink(missing_ok=True)
            real.to_parquet(cache)
            key_file.write_text(key)
    return real.reset_index(drop=True)


def fit_predict(name: str, train: pd.DataFrame, test: pd.DataFrame, authored: pd.DataFrame) -> np.ndarray:
    """0/1 function labels for ``test`` from the candidate trained on ``train`` (the shipped recipe:
    ``cdtext.classify.api._fit``, real passages weighted and used for calibration)."""
    from cdtext.classify.api import Classifier, _decide, _fit

    if CANDIDATES[name] is None:
        return Classifier.load("lexicon")._proba_and_labels(test.text.tolist())[1][:, : len(FUNCTIONS)]
    params, data, real_weight = CANDIDATES[name]
    if "encoder" not in params and params["features"] != "tfidf":
        params = {**params, "encoder": ENCODER}
    base = authored if data in ("authored", "both") else authored.iloc[:0]
    real = train if data in ("real", "both") else train.iloc[:0]
    model = _fit(params, base, real, real_weight)
    return _decide(model, test.text.tolist())[1][:, : len(FUNCTIONS)]


def scores(y: np.ndarray, pred: np.ndarray) -> dict[str, float]:
    # a function with no positive passage in the slice has no F1 (it would count as 0 and sink the mean)
    out = {
        f: float(f1_score(y[:, j], pred[:, j], zero_division=0)) if y[:, j].any() else float("nan")
        for j, f in enumerate(FUNCTIONS)
    }
    out["macro_f1"] = float(np.nanmean([out[f] for f in FUNCTIONS]))
    out["any_function_f1"] = float(f1_score(y.any(1), pred.any(1), zero_division=0))
    none = ~y.any(1)
    out["false_function_rate"] = float(pred[none].any(1).mean()) if none.any() else float("nan")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--labels", nargs="+", required=True)
    ap.add_argument("--text-root", type=Path)
    ap.add_argument("--store", type=Path)
    ap.add_argument("--candidates", nargs="*", default=list(CANDIDATES))
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--by-source", action="store_true")
    ap.add_argument("--json", type=Path)
    ap.add_argument("--cache", type=Path, help="parquet file to keep the resolved passages in (outside the repo)")
    args = ap.parse_args()
    if any("realworld/" in str(f) for f in args.labels):
        sys.exit("error: ../shared/realworld is for measuring only")
    real = load_real(args.labels, args.text_root, args.cache, store=args.store)
    authored = load_corpus()
    authored = authored[authored.split == "train"]  # as `cdtext train` does
    memoise(ENCODER)
    y = label_matrix(real)[:, : len(FUNCTIONS)]
    print(f"{len(real)} real passages, {real.group.nunique()} documents, {int(y.any(1).sum())} with a function")
    results: dict[str, dict] = {}
    folds = list(GroupKFold(n_splits=args.folds).split(real, groups=real.group))
    for name in args.candidates:
        t0 = time.time()
        pred = np.zeros_like(y)
        for tr, te in folds:
            pred[te] = fit_predict(name, real.iloc[tr], real.iloc[te], authored)
        results[name] = {"grouped_cv": scores(y, pred)}
        if args.by_source:
            per = {}
            for source in sorted(real.collection.unique()):
                te = np.flatnonzero(real.collection == source)
                if y[te].any(1).sum() < 10:
                    continue
                tr = np.flatnonzero(real.collection != source)
                per[source] = scores(y[te], fit_predict(name, real.iloc[tr], real.iloc[te], authored))
            results[name]["by_source"] = per
        r = results[name]["grouped_cv"]
        line = " ".join(f"{f[:8]} {r[f]:.2f}" for f in FUNCTIONS)
        print(
            f"{name:<22} macro {r['macro_f1']:.3f} any {r['any_function_f1']:.3f} "
            f"false-fn {r['false_function_rate']:.3f} | {line} ({time.time() - t0:.0f}s)"
        )
        if args.by_source:
            src = " ".join(f"{k[:10]} {v['macro_f1']:.2f}" for k, v in results[name]["by_source"].items())
            print(f"{'':<22} leave-one-source-out macro: {src}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
