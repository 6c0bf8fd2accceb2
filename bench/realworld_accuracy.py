"""How the shipped models classify real documents that lie outside the training pool (measured, never tuned on).

    python bench/realworld_accuracy.py [--labels FILE...] [--boot 1000] [--json FILE]

The labels (``bench/realworld/*/*.jsonl``, stand-off: references and hashes,
no text; see ``bench/realworld/README.md``) were made by reading a probability
sample of passages of ``../shared/realworld`` — documents the models were
neither trained, tuned nor thresholded on — by the codebook, with an
independent second coding of a subset and written adjudication. Every row
carries its inclusion probability ``pi``, so the figures come two ways:

* **estimated for the documents** — each passage weighs ``1/pi`` (Hajek):
  true positives, false positives and false negatives are weighted sums, and
  precision, recall and F1 are formed from those; what a user running cdtext
  over these documents would see;
* **on the sample as drawn** — every labelled passage counts once (the draw
  over-represents passages a model thought international, as a hand-picked
  evaluation set would).

95 % intervals come from resampling whole documents (passages of one document
are not independent). Models: ``default``, ``standard``, ``fast`` and the
``lexicon`` rule baseline, all in the same run. Needs ``../shared``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
from pathlib import Path
from typing import Any

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

import cdtext  # noqa: E402
from cdtext.annotation.api import consensus  # noqa: E402
from cdtext.classify.api import Classifier  # noqa: E402
from cdtext.labels import FUNCTIONS  # noqa: E402

HERE = Path(__file__).resolve().parent
SHARED = HERE.parents[1] / "shared"
MODELS = ("default", "standard", "fast", "lexicon")
#: bins of the expected calibration error, as in cdtext.classify.evaluate
BINS = 10


def gold(one: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """``(n, 5)`` functions and ``(n,)`` anchoring (0 where there is no function) of the consensus rows."""
    y = np.array([[f in row for f in FUNCTIONS] for row in one["functions"]], dtype=int)
    anchored = np.array([bool(a) and bool(f) for a, f in zip(one["policy_anchored"], one["functions"])], dtype=int)
    return y, anchored


def prf(y: np.ndarray, p: np.ndarray, w: np.ndarray) -> tuple[float, float, float]:
    """Weighted precision, recall and F1 of 0/1 predictions ``p`` against gold ``y``."""
    tp = float(np.sum(w * (y == 1) * (p == 1)))
    fp = float(np.sum(w * (y == 0) * (p == 1)))
    fn = float(np.sum(w * (y == 1) * (p == 0)))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0
    return precision, recall, f1


def ece(y: np.ndarray, p: np.ndarray, w: np.ndarray) -> float:
    """Weighted expected calibration error over equal-width bins."""
    which = np.clip(np.digitize(p, np.linspace(0, 1, BINS + 1)[1:-1]), 0, BINS - 1)
    total = 0.0
    for b in range(BINS):
        m = which == b
        if m.any():
            total += w[m].sum() / w.sum() * abs(np.average(p[m], weights=w[m]) - np.average(y[m], weights=w[m]))
    return total


def figures(y: np.ndarray, a: np.ndarray, pred: dict[str, np.ndarray], w: np.ndarray) -> dict[str, Any]:
    """Per-function P/R/F1, macro-F1, any-function F1, anchoring F1, Brier and ECE (weights ``w``)."""
    out: dict[str, Any] = {"labels": {}}
    for j, f in enumerate(FUNCTIONS):
        p, r, f1 = prf(y[:, j], pred["functions"][:, j], w)
        out["labels"][f] = {"support": float(np.sum(w * y[:, j])), "precision": p, "recall": r, "f1": f1}
    out["macro_f1"] = float(np.mean([v["f1"] for v in out["labels"].values()]))
    out["any_function_f1"] = prf(y.any(1).astype(int), pred["functions"].any(1).astype(int), w)[2]
    out["anchoring_f1"] = prf(a, pred["anchored"], w)[2]
    flat_y, flat_p = y.ravel().astype(float), pred["proba"].ravel()
    flat_w = np.repeat(w, y.shape[1])
    out["brier"] = float(np.average((flat_p - flat_y) ** 2, weights=flat_w))
    out["ece"] = ece(flat_y, flat_p, flat_w)
    return out


def with_intervals(
    y: np.ndarray, a: np.ndarray, pred: dict[str, np.ndarray], w: np.ndarray, docs: np.ndarray, boot: int
) -> dict[str, Any]:
    """:func:`figures`, and 95 % intervals of the headline figures from resampling documents."""
    out = figures(y, a, pred, w)
    rng = np.random.default_rng(0)
    names = np.unique(docs)
    rows = {d: np.flatnonzero(docs == d) for d in names}
    keys = ["macro_f1", "any_function_f1", "anchoring_f1"] + [f"f1:{f}" for f in FUNCTIONS]
    draws: dict[str, list[float]] = {k: [] for k in keys}
    for _ in range(boot):
        idx = np.concatenate([rows[d] for d in rng.choice(names, len(names))])
        b = figures(y[idx], a[idx], {k: v[idx] for k, v in pred.items()}, w[idx])
        for k in keys:
            draws[k].append(b["labels"][k[3:]]["f1"] if k.startswith("f1:") else b[k])
    out["ci95"] = {k: [float(x) for x in np.percentile(v, [2.5, 97.5])] for k, v in draws.items()}
    return out


#: run in another interpreter (``--previous``): the default model of whatever cdtext is installed there
OTHER = """
import json, sys
from cdtext.classify.api import Classifier
df = Classifier.load(None).predict(json.load(sys.stdin))
df["functions"] = df["functions"].map(list)
columns = ["functions", "policy_anchored", *[c for c in df.columns if c.startswith("p_")]]
json.dump(df[columns].to_dict("list"), sys.stdout)
"""


def frame(df: pd.DataFrame) -> dict[str, np.ndarray]:
    return {
        "functions": np.array([[f in fs for f in FUNCTIONS] for fs in df["functions"]], dtype=int),
        "anchored": df["policy_anchored"].fillna(False).astype(bool).to_numpy().astype(int),
        "proba": df[[f"p_{f}" for f in FUNCTIONS]].to_numpy(dtype=float),
    }


def predictions(model: str, texts: list[str]) -> dict[str, np.ndarray]:
    return frame(Classifier.load(model).predict(texts))


def previous(python: Path, texts: list[str]) -> dict[str, np.ndarray]:
    """The default model of the cdtext installed for ``python`` (an earlier version, in its own environment)."""
    run = subprocess.run(
        [str(python), "-c", OTHER], input=json.dumps(texts), capture_output=True, text=True, check=False
    )
    if run.returncode:
        raise SystemExit(f"error: {python} could not classify: {run.stderr.strip().splitlines()[-1:]}")
    return frame(pd.DataFrame(json.loads(run.stdout)))


def table(results: dict[str, dict[str, Any]], title: str) -> str:
    """One column per model: each figure with its 95 % interval where there is one."""
    lines = [title, f"{'':30s}" + "".join(f"{m:>20s}" for m in results)]

    def row(name: str, cells: list[str]) -> None:
        lines.append(f"{name:30s}" + "".join(f"{c:>20s}" for c in cells))

    def with_ci(r: dict[str, Any], value: float, key: str) -> str:
        lo, hi = r["ci95"][key]
        return f"{value:.2f} [{lo:.2f}, {hi:.2f}]"

    for f in FUNCTIONS:
        row(f"{f} F1", [with_ci(r, r["labels"][f]["f1"], f"f1:{f}") for r in results.values()])
        pr = [(r["labels"][f]["precision"], r["labels"][f]["recall"]) for r in results.values()]
        row("  precision / recall", [f"{p:.2f} / {q:.2f}" for p, q in pr])
    heads = (("macro_f1", "macro-F1"), ("any_function_f1", "any-function F1"), ("anchoring_f1", "anchoring F1"))
    for key, name in heads:
        row(name, [with_ci(r, r[key], key) for r in results.values()])
    row("Brier / ECE (functions)", [f"{r['brier']:.3f} / {r['ece']:.3f}" for r in results.values()])
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--labels", nargs="*", type=Path, default=sorted((HERE / "realworld").glob("*/*.jsonl")))
    ap.add_argument("--boot", type=int, default=1000)
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument(
        "--previous",
        type=Path,
        default=None,
        help="a Python interpreter with an earlier cdtext installed: its default model joins the comparison",
    )
    args = ap.parse_args()
    if not (SHARED / "realworld").is_dir():
        raise SystemExit(f"error: {SHARED / 'realworld'} is not here")
    one = consensus(cdtext.read_labels(args.labels, text_root=SHARED)).reset_index(drop=True)
    y, a = gold(one)
    w = 1.0 / one["inclusion_prob"].astype(float).to_numpy()
    docs = one["source"].to_numpy()
    texts = one["text"].tolist()
    kinds = one["source"].str.split("/").str[1]
    print(
        f"{len(one)} labelled passages of {one['source'].nunique()} documents "
        f"({', '.join(f'{k} {n}' for k, n in kinds.value_counts().items())}); "
        f"with a function {int(y.any(1).sum())} "
        f"({', '.join(f'{f} {int(n)}' for f, n in zip(FUNCTIONS, y.sum(0)))}); anchored {int(a.sum())}"
    )
    preds = {m: predictions(m, texts) for m in MODELS}
    if args.previous:
        preds["previous"] = previous(args.previous, texts)
    rounds = one["round"].to_numpy()
    searched = (one["stratum"] == "search").to_numpy()
    whole = np.array([not searched[rounds == r].any() for r in rounds])  # rounds drawn over the whole frame
    sets = {
        "passages of the documents (rounds drawn over every passage; each weighs 1/pi)": (whole, w),
        "passages with a cue word (search rounds; each weighs 1/pi within the matched passages)": (searched, w),
        "every labelled passage once (the sample as drawn)": (np.ones(len(one), bool), np.ones(len(one))),
    }
    out: dict[str, Any] = {}
    for title, (mask, weights) in sets.items():
        if not mask.any():
            continue
        sub = {m: {k: v[mask] for k, v in p.items()} for m, p in preds.items()}
        out[title] = {
            m: with_intervals(y[mask], a[mask], p, weights[mask], docs[mask], args.boot) for m, p in sub.items()
        }
        n_fn = y[mask].sum(0)
        print()
        print(
            table(
                out[title],
                f"{title}: {int(mask.sum())} passages, positives "
                + ", ".join(f"{f.split('_')[0]} {int(n)}" for f, n in zip(FUNCTIONS, n_fn)),
            )
        )
    print()
    for k in sorted(kinds.unique()):
        mask = (kinds == k).to_numpy()
        res = {
            m: figures(y[mask], a[mask], {x: v[mask] for x, v in p.items()}, np.ones(int(mask.sum())))
            for m, p in preds.items()
        }
        print(
            f"{k} ({int(mask.sum())} passages, {int(y[mask].any(1).sum())} with a function), "
            "macro-F1 / any-function F1: "
            + "  ".join(f"{m} {r['macro_f1']:.2f} / {r['any_function_f1']:.2f}" for m, r in res.items())
        )
    if args.json:
        args.json.write_text(json.dumps(out, indent=2) + "\n")


if __name__ == "__main__":
    main()
