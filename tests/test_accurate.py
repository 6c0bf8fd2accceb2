"""The shipped ``accurate`` model: the default averaged with a fine-tuned transformer run by onnxruntime."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

from cdtext.classify.api import Classifier, default_model_path
from cdtext.classify.averaged import TRANSFORMER_HEADS
from cdtext.classify.persist import model_paths
from cdtext.errors import ModelError

TEXTS = [
    "The mayor met the Consul General of Japan to discuss the sister city agreement with Kobe.",
    "Council approved the tender for resurfacing Main Street and the new footpath at the library.",
    "The city joined C40 and committed to halve its emissions by 2030 under its climate action plan.",
    "",
]


BASE = default_model_path().with_name("accurate-base")


def copy_pair(tmp_path: Path) -> Path:
    """The accurate model and its base model, copied side by side (the transformer stays the shipped one)."""
    for name in ("accurate", "accurate-base"):
        for path in model_paths(default_model_path().with_name(name)):
            shutil.copy(path, tmp_path / path.name)
    return tmp_path / "accurate"


def edit_card(path: Path, change) -> None:
    card_path = model_paths(path)[1]
    card = json.loads(card_path.read_text())
    change(card)
    card_path.write_text(json.dumps(card))


def test_accurate_averages_the_default_and_the_transformer() -> None:
    accurate, default = Classifier.load("accurate"), Classifier.load(BASE)
    k = len(TRANSFORMER_HEADS)
    p_acc = accurate.model.predict_proba(TEXTS)
    p_base = default.model.predict_proba(TEXTS)
    p_tr = accurate.model.transformer_proba(TEXTS)
    assert p_tr.shape == (len(TEXTS), k) and ((p_tr >= 0) & (p_tr <= 1)).all()
    np.testing.assert_allclose(p_acc[:, :k], (p_base[:, :k] + p_tr) / 2, atol=1e-9)
    np.testing.assert_allclose(p_acc[:, k:], p_base[:, k:])  # the policy areas are the default's
    # one passage at a time gives the same as a batch (padding must not change a passage's scores)
    one = np.vstack([accurate.model.transformer_proba([t]) for t in TEXTS])
    np.testing.assert_allclose(one, p_tr, atol=1e-4)
    out = accurate.predict(TEXTS, explain=True)
    assert list(out.columns) == list(default.predict(TEXTS, explain=True).columns)
    assert out.functions[0] and not out.functions[1] and not out.functions[3]


def test_accurate_card_names_its_base_and_beats_the_default_measured_alike() -> None:
    card, base_card = Classifier.load("accurate").card, Classifier.load(BASE).card
    assert card["base"] == {"name": "accurate-base", "sha256": base_card["sha256"]}
    assert card["training_corpus"] == base_card["training_corpus"]
    cv, same = card["metrics"]["real_cv"], card["metrics"]["same_protocol"]
    assert cv["n"] == base_card["metrics"]["real_cv"]["n"]
    # the reason to ship it: better than the default measured the same way, and calibrated
    assert cv["macro_f1"] > same["default"]["macro_f1"]
    assert cv["any_function_f1"] > same["default"]["any_function_f1"]
    assert cv["ece"] <= 0.05


def test_changed_transformer_is_refused(tmp_path: Path) -> None:
    path = copy_pair(tmp_path)
    edit_card(path, lambda c: c["transformer"]["sha256"].update({"model.onnx": "0" * 64}))
    with pytest.raises(ModelError, match="model.onnx does not match the model card"):
        Classifier.load(path)


def test_other_or_averaged_base_is_refused(tmp_path: Path) -> None:
    path = copy_pair(tmp_path)
    edit_card(path, lambda c: c["base"].update({"sha256": "0" * 64}))
    with pytest.raises(ModelError, match="is not the one it was built on"):
        Classifier.load(path)
    edit_card(path, lambda c: c["base"].update({"name": "accurate"}))
    with pytest.raises(ModelError, match="is not a trained model"):
        Classifier.load(path)
    edit_card(path, lambda c: c["base"].update({"name": "../default"}))
    with pytest.raises(ModelError, match="does not name its base model"):
        Classifier.load(path)


def test_missing_onnxruntime_is_one_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from cdtext.classify import transformer

    transformer._load.cache_clear()
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # as if it were not installed
    try:
        with pytest.raises(ModelError, match=r"pip install 'cdtext\[accurate\]'"):
            Classifier.load("accurate").predict(["The mayor met the consul."])
    finally:
        transformer._load.cache_clear()


def test_cli_classifies_with_the_accurate_model(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from cdtext.cli import main

    table = tmp_path / "t.csv"
    table.write_text("id,text\na,The mayor met the Consul General of Japan to sign a sister city agreement.\n")
    out = tmp_path / "t.jsonl"
    result = CliRunner().invoke(main, ["classify", str(table), "--model", "accurate", "--out", str(out)])
    assert result.exit_code == 0, result.output
    row = json.loads(out.read_text().strip())
    assert row["id"] == "a" and 0 <= row["p_diplomatic_representation"] <= 1


def test_run_with_the_accurate_model(tmp_path: Path) -> None:
    """The whole pipeline on the samples: its predictions, run card and report name the accurate model."""
    import pandas as pd
    from click.testing import CliRunner
    from conftest import SAMPLES

    from cdtext.cli import main

    out = tmp_path / "out"
    args = ["run", str(SAMPLES), "--out", str(out), "--model", "accurate", "--replicates", "20", "-q"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    predictions = pd.read_parquet(out / "predictions.parquet")
    assert len(predictions) and set(predictions.model) == {"accurate"}
    card = json.loads((out / "run.json").read_text())
    assert card["model"]["sha256"] == Classifier.load("accurate").card["sha256"]
