"""Is a model trained on revised labels better at the revised labels? Grouped CV with two label versions.

    python corpus/tools/label_change_effect.py --before GIT_REVISION [--text-root ../shared]

Trains the standard recipe (``select_model.py``'s ``both/real+authored``) in the same five folds grouped by document
on the labels of ``corpus/real`` as they were at GIT_REVISION and as they are now, and scores both on the labels as
they are now (and on the old ones). When labels are corrected, the figures on the new labels can fall even though
a model trained on them is the better one for the codebook: compare the rows, not the cards.
"""

from __future__ import annotations

import argparse
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import select_model as sm
from sklearn.model_selection import GroupKFold

from cdtext.classify.api import labelled_corpus
from cdtext.corpus import label_matrix, load_corpus
from cdtext.labels import FUNCTIONS

REPO = Path(__file__).resolve().parents[2]


def labels_at(revision: str, folder: Path) -> list[Path]:
    """corpus/real's label files as they were at ``revision``, written under ``folder``."""
    names = subprocess.run(
        ["git", "ls-tree", "-r", "--name-only", revision, "corpus/real"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    out = []
    for name in (n for n in names if n.endswith(".jsonl")):
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(
            subprocess.run(["git", "show", f"{revision}:{name}"], cwd=REPO, capture_output=True, check=True).stdout
        )
        out.append(target)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--before", required=True, help="git revision whose corpus/real labels are the old version")
    ap.add_argument("--text-root", type=Path, default=REPO.parent / "shared")
    ap.add_argument("--folds", type=int, default=5)
    args = ap.parse_args()
    now, _ = labelled_corpus(sorted((REPO / "corpus" / "real").glob("*/*.jsonl")), text_root=args.text_root)
    with tempfile.TemporaryDirectory() as tmp:
        old, _ = labelled_corpus(labels_at(args.before, Path(tmp)), text_root=args.text_root)
    now = now.sort_values("id").reset_index(drop=True)
    old = old.set_index("id").loc[now.id].reset_index()
    changed = int((label_matrix(now)[:, : len(FUNCTIONS)] != label_matrix(old)[:, : len(FUNCTIONS)]).any(1).sum())
    print(f"{len(now)} passages, {changed} with other functions than at {args.before}")
    authored = load_corpus()
    authored = authored[authored.split == "train"]
    sm.memoise(sm.ENCODER)
    truth = {"labels now": label_matrix(now)[:, : len(FUNCTIONS)], "old labels": label_matrix(old)[:, : len(FUNCTIONS)]}
    folds = list(GroupKFold(n_splits=args.folds).split(now, groups=now.group))
    for trained_on, frame in (("old labels", old), ("labels now", now)):
        pred = np.zeros_like(truth["labels now"])
        for train, test in folds:
            pred[test] = sm.fit_predict("both/real+authored", frame.iloc[train], frame.iloc[test], authored)
        for scored_on, y in truth.items():
            r = sm.scores(y, pred)
            per = " ".join(f"{f[:8]} {r[f]:.3f}" for f in FUNCTIONS)
            print(f"trained on {trained_on}, scored on {scored_on}: macro {r['macro_f1']:.3f} "
                  f"any {r['any_function_f1']:.3f} | {per}", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
