"""Classification speed on one core: the shipped models against two baselines, same passages, same run.

    python bench/classify_speed.py [--n 20000]

Passages: the annotated corpus, repeated to N, and — when ../shared is there —
the passages cdtext makes of the sixteen real State of the City speeches in
../shared/realworld/speeches (ingested into a temporary store first).
Figures: passages per second for cdtext's shipped models — ``default`` (the
standard model averaged with a fine-tuned transformer, which reads only the
passages the standard model gives some function a probability of at least
its gate), ``standard`` (lemmas + TF-IDF and static sentence vectors + linear
heads) and ``fast`` (TF-IDF alone) — on both sets (the default on at most
3,000 passages of each), for spaCy's own pipeline with the lookup lemmatizer
alone, and for a word+character TF-IDF logistic regression (a common
stronger-but-slower baseline). Threads are limited to one.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
from scipy.sparse import hstack  # noqa: E402
from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402

from cdtext.classify.api import Classifier  # noqa: E402
from cdtext.corpus import label_matrix, load_corpus  # noqa: E402
from cdtext.nlp import load_pipeline  # noqa: E402


def rate(fn, texts) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    fn(texts)
    return len(texts) / (time.perf_counter() - start)


SPEECHES = Path(__file__).resolve().parents[2] / "shared" / "realworld" / "speeches" / "text"
#: passages per set the default model classifies (its transformer makes it the slow one)
DEFAULT_SAMPLE = 3000


def speech_passages() -> list[str]:
    """The passages cdtext makes of the real speeches (empty without ../shared)."""
    if not SPEECHES.exists():
        return []
    from cdtext import ingest, read_passages

    with tempfile.TemporaryDirectory() as tmp:
        ingest([SPEECHES], Path(tmp) / "store.duckdb")
        return read_passages(Path(tmp) / "store.duckdb").text.tolist()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20000)
    args = parser.parse_args()
    df = load_corpus()
    texts = (df.text.tolist() * (args.n // len(df) + 1))[: args.n]
    sets = {"authored": texts, "real speeches": speech_passages()}
    rates: dict[tuple[str, str], float] = {}
    for name in ("default", "standard", "fast"):
        clf = Classifier.load(name)
        clf.predict(texts[:100])  # warm caches (lemma table, encoder, transformer session)
        for label, passages in sets.items():
            if passages:
                rates[name, label] = rate(clf.predict, passages[:DEFAULT_SAMPLE] if name == "default" else passages)
    ours = rates["standard", "authored"]

    nlp = load_pipeline("lemmas")
    spacy_rate = rate(lambda ts: [[t.lemma_ for t in d] for d in nlp.pipe(ts, batch_size=512)], texts[:5000])

    train = df[df.split == "train"]
    y = label_matrix(train)[:, 0]
    word = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True).fit(train.text)
    char = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True).fit(train.text)
    heads = [
        LogisticRegression(max_iter=1000).fit(hstack([word.transform(train.text), char.transform(train.text)]), y)
        for _ in range(5)
    ]

    def word_char(ts):  # type: ignore[no-untyped-def]
        x = hstack([word.transform(ts), char.transform(ts)]).tocsr()
        return np.column_stack([h.predict_proba(x)[:, 1] for h in heads])

    baseline = rate(word_char, texts[:5000])
    print(f"one thread; authored: {len(texts)} passages; real speeches: {len(sets['real speeches'])} passages")
    names = {
        "default": "cdtext default (standard + fine-tuned MiniLM, int8 ONNX)",
        "standard": "cdtext standard (TF-IDF + sentence vectors, 16 heads)",
        "fast": "cdtext fast (TF-IDF, 16 heads)",
    }
    for name, title in names.items():
        figures = "  ".join(f"{label} {rates[name, label]:6.0f}" for label in sets if (name, label) in rates)
        print(f"{title:<58} {figures}  passages/s")
    print(
        f"{'baseline: spaCy blank(en) + lookup lemmatizer only':<58} authored {spacy_rate:6.0f}  passages/s  "
        f"(cdtext standard {ours / spacy_rate:.1f}x)"
    )
    print(
        f"{'baseline: word+char TF-IDF logistic regression, 5 heads':<58} authored {baseline:6.0f}  passages/s  "
        f"(cdtext standard {ours / baseline:.1f}x)"
    )


if __name__ == "__main__":
    main()
