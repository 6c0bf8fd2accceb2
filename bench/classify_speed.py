"""Classification speed on one core: the shipped model against two baselines, same passages, same run.

    python bench/classify_speed.py [--n 20000]

Passages: the annotated corpus, repeated to N. Figures: passages per second
for cdtext's shipped models — ``default`` (lemmas + TF-IDF and static
sentence vectors + linear heads), ``fast`` (TF-IDF alone) and ``accurate``
(the default averaged with a fine-tuned transformer; 2,000 passages) — for spaCy's own
pipeline with the lookup lemmatizer alone, and for a word+character TF-IDF
logistic regression (a common stronger-but-slower baseline). Threads are
limited to one.
"""

from __future__ import annotations

import argparse
import os
import time

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20000)
    args = parser.parse_args()
    df = load_corpus()
    texts = (df.text.tolist() * (args.n // len(df) + 1))[: args.n]
    rates = {}
    for name in ("default", "fast"):
        clf = Classifier.load(name)
        clf.predict(texts[:100])  # warm caches (lemma table, encoder)
        rates[name] = rate(clf.predict, texts)
    ours = rates["default"]
    accurate = Classifier.load("accurate")  # the transformer reads every passage: a smaller sample
    accurate.predict(texts[:100])
    rates["accurate"] = rate(accurate.predict, texts[:2000])

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
    print(f"{len(texts)} passages, one thread")
    print(f"{'cdtext default (TF-IDF + sentence vectors, 16 heads)':<58} {ours:9.0f} passages/s")
    print(f"{'cdtext fast (TF-IDF, 16 heads)':<58} {rates['fast']:9.0f} passages/s")
    print(f"{'cdtext accurate (default + fine-tuned MiniLM, int8 ONNX)':<58} {rates['accurate']:9.0f} passages/s")
    print(
        f"{'baseline: spaCy blank(en) + lookup lemmatizer only':<58} {spacy_rate:9.0f} passages/s  "
        f"(cdtext {ours / spacy_rate:.1f}x)"
    )
    print(
        f"{'baseline: word+char TF-IDF logistic regression, 5 heads':<58} {baseline:9.0f} passages/s  "
        f"(cdtext {ours / baseline:.1f}x)"
    )


if __name__ == "__main__":
    main()
