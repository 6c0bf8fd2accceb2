"""Partner extraction speed, one core, against classification of the same passages in the same run.

    python bench/partners.py [--n 20000]

Passages: the real State of the City speeches in ../shared/realworld/speeches (paragraphs, repeated up to N),
or the authored corpus when ../shared is absent. Printed: passages per second for ``cdtext.extract_partners``
(with the gazetteer built beforehand, as in a run), for the ``fast`` classifier, and their ratio.
Target (partner-network issue): at least 2,000 passages/s on top of classification.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

ROOT = Path(__file__).resolve().parents[1]
SPEECHES = ROOT.parent / "shared" / "realworld" / "speeches" / "text"


def passages(n: int) -> list[str]:
    if SPEECHES.exists():
        texts = [p for f in sorted(SPEECHES.glob("*.txt")) for p in f.read_text().split("\n") if p.strip()]
    else:
        from cdtext.corpus import load_corpus

        texts = load_corpus().text.tolist()
    return (texts * (n // len(texts) + 1))[:n]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=20000)
    args = ap.parse_args()
    from cdtext import Classifier, extract_partners
    from cdtext.places import gazetteer

    texts = passages(args.n)
    gazetteer()
    extract_partners(texts[:50], city="Seattle", country="US")  # warm the organisation patterns
    t = time.perf_counter()
    found = extract_partners(texts, city="Seattle", country="US")
    partners_rate = len(texts) / (time.perf_counter() - t)
    clf = Classifier.load("fast")
    clf.predict(texts[:50])
    t = time.perf_counter()
    clf.predict(texts)
    classify_rate = len(texts) / (time.perf_counter() - t)
    print(f"{len(texts)} passages, one thread ({len(found)} partner mentions)")
    print(f"cdtext.extract_partners                 {partners_rate:8.0f} passages/s  target >= 2000")
    print(f"baseline: Classifier 'fast' predict     {classify_rate:8.0f} passages/s")
    print(f"partners add {100 * classify_rate / partners_rate:.0f} % to the time of classifying with 'fast'")


if __name__ == "__main__":
    main()
