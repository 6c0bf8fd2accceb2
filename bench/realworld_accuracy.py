"""How the shipped models classify real documents that lie outside the training pool (measured, never tuned on).

    python bench/realworld_accuracy.py [--labels FILE...] [--boot 1000] [--previous PYTHON] [--json FILE]

The labels (``bench/realworld/*/*.jsonl``, stand-off: references and hashes,
no text; see ``bench/realworld/README.md``) were made by reading passages of
``../shared/realworld`` — documents the models were neither trained, tuned
nor thresholded on — by the codebook, with an independent second coding of
a subset and written adjudication. Every row carries its inclusion
probability ``pi``, so the figures come three ways:

* **rounds drawn over every passage** (rw1): each passage weighs ``1/pi``
  (Hajek): true positives, false positives and false negatives are weighted
  sums, and precision, recall and F1 are formed from those — an estimate for
  the passages of those documents (of at least ten words, outside the
  held-back set);
* **search rounds** (rw2, rw3): the same within the passages that match
  their cue words and were not drawn before;
* **every labelled passage once**: the sample as drawn, which
  over-represents passages a model or a cue word marked as international.

Macro-F1 averages the functions that have a positive passage in what is
scored (as the cards' leave-one-source-out figures do). 95 % intervals come
from resampling whole documents (passages of one document are not
independent), the same resamples for every model, so the default's
differences from the others are paired. Models: ``default``, ``standard``,
``fast`` and the ``lexicon`` rule baseline; with ``--previous PYTHON``, also
the default model of the cdtext installed for that interpreter, e.g. the
authored-only model of before the real corpus:

    python -m venv /tmp/oldvenv && /tmp/oldvenv/bin/pip install skops "cdtext @ git+file://$PWD@64ff644"

Needs ``../shared``.
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
from cdtext.classify.evaluate import brier, expected_calibration_error, precision_recall_f1  # noqa: E402
from cdtext.corpus import label_matrix  # noqa: E402
from cdtext.labels import ANCHORED, FUNCTIONS, LABELS  # noqa: E402

HERE = Path(__file__).resolve().parent
SHARED = HERE.parents[1] / "shared"
MODELS = ("default", "standard", "fast", "lexicon")
#: figures with a 95 % interval (and a paired difference against the default)
HEADLINE = ("macro_f1", "any_function_f1", "anchoring_f1")


def gold(one: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """``(n, 5)`` functions and ``(n,)`` anchoring (0 where there is no function) of the consensus rows."""
    y = label_matrix(one)
    return y[:, : len(FUNCTIONS)].astype(int), y[:, LABELS.index(ANCHORED)].astype(int)


def figures(y: np.ndarray, a: np.ndarray, pred: dict[str, np.ndarray], w: np.ndarray) -> dict[str, Any]:
    """Per-function P/R/F1, macro-F1 over the functions present, any-function F1, anchoring F1, Brier and ECE,
    each passage weighing ``w``. A function no passage has is left out of the macro-F1 (its F1 is undefined),
    as in the leave-one-source-out figures of the cards."""
    out: dict[str, Any] = {"labels": {}}
    for j, f in enumerate(FUNCTIONS):
        p, r, f1 = precision_recall_f1(y[:, j], pred["functions"][:, j], w)
        out["labels"][f] = {"support": float(np.sum(w * y[:, j])), "precision": p, "recall": r, "f1": f1}
    present = [v["f1"] for v in out["labels"].values() if v["support"] > 0]
    out["macro_f1"] = float(np.mean(present)) if present else float("nan")
    out["functions_present"] = len(present)
    out["any_function_f1"] = precision_recall_f1(y.any(1), pred["functions"].any(1), w)[2]
    out["anchoring_f1"] = precision_recall_f1(a, pred["anchored"], w)[2]
    flat_y, flat_p = y.ravel().astype(float), pred["proba"].ravel()
    flat_w = np.repeat(w, y.shape[1])
    out["brier"] = brier(flat_y, flat_p, flat_w)
    out["ece"] = expected_calibration_error(flat_y, flat_p, weights=flat_w)
    return out


def resamples(docs: np.ndarray, boot: int) -> list[np.ndarray]:
    """Row indices of ``boot`` resamples of whole documents (the same for every model: differences are paired)."""
    rng = np.random.default_rng(0)
    names = np.unique(docs)
    rows = {d: np.flatnonzero(docs == d) for d in names}
    return [np.concatenate([rows[d] for d in rng.choice(names, len(names))]) for _ in range(boot)]


def with_intervals(
    y: np.ndarray, a: np.ndarray, pred: dict[str, np.ndarray], w: np.ndarray, boots: list[np.ndarray]
) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """:func:`figures` with 95 % intervals of the headline figures, and those figures in every resample."""
    out = figures(y, a, pred, w)
    keys = [*HEADLINE, *(f"f1:{f}" for f in FUNCTIONS)]
    draws: dict[str, list[float]] = {k: [] for k in keys}
    for idx in boots:
        b = figures(y[idx], a[idx], {k: v[idx] for k, v in pred.items()}, w[idx])
        for k in keys:
            draws[k].append(b["labels"][k[3:]]["f1"] if k.startswith("f1:") else b[k])
    values = {k: np.asarray(v) for k, v in draws.items()}
    out["ci95"] = {k: [float(x) for x in np.nanpercentile(v, [2.5, 97.5])] for k, v in values.items()}
    return out, values


def frame(df: pd.DataFrame) -> dict[str, np.ndarray]:
    """A model's predictions as 0/1 functions, 0/1 anchoring (only with a function) and function probabilities."""
    functions = np.array([[f in fs for f in FUNCTIONS] for fs in df["functions"]], dtype=int)
    anchored = df["policy_anchored"].fillna(False).astype(bool).to_numpy() & functions.any(1)
    return {
        "functions": functions,
        "anchored": anchored.astype(int),
        "proba": df[[f"p_{f}" for f in FUNCTIONS]].to_numpy(dtype=float),
    }


def predictions(model: str, texts: list[str]) -> dict[str, np.ndarray]:
    """One of the installed cdtext's models on ``texts``."""
    return frame(Classifier.load(model).predict(texts))


#: run in another interpreter (``--previous``): the default model of whatever cdtext is installed there
OTHER = """
import json, sys
import cdtext
from cdtext.classify.api import Classifier
model = Classifier.load(None)
df = model.predict(json.load(sys.stdin))
df["functions"] = df["functions"].map(list)
columns = ["functions", "policy_anchored", *[c for c in df.columns if c.startswith("p_")]]
card = getattr(model, "card", None) or {}
about = {"cdtext": cdtext.__version__, "file": card.get("file"), "sha256": card.get("sha256")}
json.dump({"about": about, "predictions": df[columns].to_dict("list")}, sys.stdout)
"""


def previous(python: Path, texts: list[str]) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """The default model of the cdtext installed for ``python`` (an earlier version in its own environment),
    and what that model is. ``-I``: neither this folder nor PYTHONPATH may put the current cdtext first."""
    run = subprocess.run(
        [str(python), "-I", "-c", OTHER], input=json.dumps(texts), capture_output=True, text=True, check=False
    )
    if run.returncode:
        last = (run.stderr.strip().splitlines() or ["no message"])[-1]
        raise SystemExit(f"error: {python} could not classify the passages: {last}")
    got = json.loads(run.stdout)
    return frame(pd.DataFrame(got["predictions"])), got["about"]


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


def paired(values: dict[str, dict[str, np.ndarray]], results: dict[str, dict[str, Any]]) -> list[str]:
    """The default minus each other model, macro-F1 and any-function F1, with 95 % intervals over the same
    resamples."""
    lines = []
    for other in (m for m in values if m != "default"):
        cells = []
        for key, name in (("macro_f1", "macro-F1"), ("any_function_f1", "any-function F1")):
            diff = results["default"][key] - results[other][key]
            lo, hi = np.nanpercentile(values["default"][key] - values[other][key], [2.5, 97.5])
            cells.append(f"{name} {diff:+.2f} [{lo:+.2f}, {hi:+.2f}]")
        lines.append(f"  default - {other}: " + ", ".join(cells))
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--labels", nargs="+", type=Path, default=sorted((HERE / "realworld").glob("*/*.jsonl")))
    ap.add_argument("--boot", type=int, default=1000, help="document resamples for the intervals (default 1000)")
    ap.add_argument("--json", type=Path, default=None, help="also write the figures to this file")
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
    kinds = one["source"].str.split("/").str[1]
    print(
        f"{len(one)} labelled passages of {one['source'].nunique()} documents "
        f"({', '.join(f'{k} {n}' for k, n in kinds.value_counts().items())}); "
        f"with a function {int(y.any(1).sum())} "
        f"({', '.join(f'{f} {int(n)}' for f, n in zip(FUNCTIONS, y.sum(0)))}); anchored {int(a.sum())}"
    )
    preds = {m: predictions(m, one["text"].tolist()) for m in MODELS}
    if args.previous:
        preds["previous"], about = previous(args.previous, one["text"].tolist())
        print(f"previous: the default model of cdtext {about['cdtext']} ({about['file']}, SHA-256 {about['sha256']})")
    searched = (one["stratum"] == "search").to_numpy()
    # a round with any search row was drawn from passages matching its cue words, not from every passage
    whole = ~pd.Series(searched).groupby(one["round"]).transform("any").to_numpy()
    sets = {
        "rounds drawn over every passage of >= 10 words outside the held-back set, each weighing 1/pi": (whole, w),
        "search rounds: cue-word passages not drawn before, each weighing 1/pi within them": (searched, w),
        "every labelled passage once (the sample as drawn)": (np.ones(len(one), bool), np.ones(len(one))),
    }
    out: dict[str, Any] = {}
    for title, (mask, weights) in sets.items():
        if not mask.any():
            continue
        boots = resamples(docs[mask], args.boot)
        scored = {
            m: with_intervals(y[mask], a[mask], {k: v[mask] for k, v in p.items()}, weights[mask], boots)
            for m, p in preds.items()
        }
        out[title] = {m: r for m, (r, _) in scored.items()}
        print()
        positives = ", ".join(f"{f.split('_')[0]} {int(n)}" for f, n in zip(FUNCTIONS, y[mask].sum(0)))
        print(table(out[title], f"{title}: {int(mask.sum())} passages, positives {positives}"))
        print("\n".join(paired({m: v for m, (_, v) in scored.items()}, out[title])))
    print("\nby kind of document, every passage once (macro-F1 over the functions present / any-function F1):")
    by_kind: dict[str, Any] = {}
    for k in sorted(kinds.unique()):
        mask = (kinds == k).to_numpy()
        ones = np.ones(int(mask.sum()))
        res = {m: figures(y[mask], a[mask], {x: v[mask] for x, v in p.items()}, ones) for m, p in preds.items()}
        by_kind[k] = res
        print(
            f"  {k} ({int(mask.sum())} passages, {int(y[mask].any(1).sum())} with a function, "
            f"{next(iter(res.values()))['functions_present']} functions present): "
            + "  ".join(f"{m} {r['macro_f1']:.2f} / {r['any_function_f1']:.2f}" for m, r in res.items())
        )
    if args.json:
        tmp = args.json.with_name(args.json.name + ".tmp")
        tmp.write_text(json.dumps(out | {"by_kind": by_kind}, indent=2, default=float) + "\n")
        tmp.replace(args.json)


if __name__ == "__main__":
    main()
