"""Quality gate: the shipped model's real-text figures must not fall below the stored minimums (which only rise).

The figures are the grouped cross-validation over corpus/real that `cdtext train`
records in the card; the card must name exactly the label files now in
corpus/real (same hashes), so the figures belong to this corpus.
"""

from __future__ import annotations

import hashlib
import json

from conftest import REPO

from cdtext.classify.api import Classifier

GATE = REPO / "models" / "quality_gate.json"


def test_shipped_model_passes_the_real_text_gate() -> None:
    gate = json.loads(GATE.read_text())
    metrics = Classifier.load().card["metrics"]
    cv = metrics["real_cv"]
    assert cv["macro_f1"] >= gate["min_real_cv_macro_f1"], cv["macro_f1"]
    assert cv["any_function_f1"] >= gate["min_real_cv_any_function_f1"], cv["any_function_f1"]
    loso = metrics["real_by_source"]["mean_macro_f1_present"]
    assert loso >= gate["min_real_loso_mean_macro_f1"], loso


def test_shipped_model_was_trained_on_these_labels() -> None:
    card = Classifier.load().card
    recorded = {f["file"]: f["sha256"] for f in card["training_corpus"]["labels"]}
    files = sorted((REPO / "corpus" / "real").glob("*/*.jsonl"))
    current = {f"{f.parent.name}/{f.name}": hashlib.sha256(f.read_bytes()).hexdigest() for f in files}
    assert recorded == current, (
        "corpus/real changed since the model was trained: run corpus/tools/train_models.py, then build_default.py"
    )
