"""Quality gate: the shipped model must not fall below the stored minimum (which only rises)."""

from __future__ import annotations

import json

from conftest import REPO

from cdtext.classify.api import Classifier
from cdtext.classify.evaluate import evaluate_predictions
from cdtext.corpus import corpus_hash, label_matrix, load_corpus

GATE = REPO / "models" / "quality_gate.json"


def test_shipped_model_passes_the_gate() -> None:
    gate = json.loads(GATE.read_text())
    df = load_corpus()
    test = df[df.split == "test"]
    clf = Classifier.load()
    proba, labels, _ = clf._proba_and_labels(test.text.tolist())
    result = evaluate_predictions(label_matrix(test), labels, proba, n_boot=50)
    assert result["macro_f1"] >= gate["min_macro_f1"], result["macro_f1"]
    assert result["anchoring_f1"] >= gate["min_anchoring_f1"], result["anchoring_f1"]


def test_shipped_model_was_trained_on_this_corpus() -> None:
    card = Classifier.load().card
    assert card["training_corpus"]["sha256"] == corpus_hash(), (
        "the corpus changed since the shipped model was trained: run `cdtext train --out models/default`"
    )
