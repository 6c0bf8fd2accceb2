"""Train the shipped trained models on the real-text corpus plus the authored corpus.

    python corpus/tools/train_models.py [--only standard|fast]

``standard``: TF-IDF and static sentence vectors side by side
(features=both); ``fast``: TF-IDF alone. Both are trained on
corpus/annotated's train split plus every label file in corpus/real
(stand-off, resolved from ../shared), measured by cross-validation grouped by
document and leave-one-source-out over the real passages, and written to src/cdtext/models/ with
their cards. Run after any change to corpus/real (tests/test_quality_gate.py
checks that the cards name the current label files), then rebuild the shipped
default, which averages ``standard`` with the fine-tuned transformer:
``build_default.py``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from cdtext.classify.api import train

REPO = Path(__file__).resolve().parents[2]
RECIPES = {"standard": {"features": "both"}, "fast": {"features": "tfidf", "C": 4.0}}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", choices=sorted(RECIPES))
    args = ap.parse_args()
    labels = sorted((REPO / "corpus" / "real").glob("*/*.jsonl"))
    for name, params in RECIPES.items():
        if args.only and name != args.only:
            continue
        start = time.time()
        clf = train(
            out=REPO / "src" / "cdtext" / "models" / name,
            labels=labels,
            text_root=REPO.parent / "shared",
            by_source=True,
            **params,
        )
        cv = clf.card["metrics"]["real_cv"]
        print(
            f"{name}: real grouped-CV macro-F1 {cv['macro_f1']:.3f}, any-function F1 {cv['any_function_f1']:.3f}, "
            f"anchoring F1 {cv['anchoring_f1']:.3f} ({time.time() - start:.0f} s)"
        )


if __name__ == "__main__":
    main()
