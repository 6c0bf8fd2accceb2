"""The shipped default model: the ``standard`` model averaged with a fine-tuned transformer run by onnxruntime,
which reads only the passages the standard model gives some function a probability of at least the gate."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import SAMPLES

from cdtext.classify.api import Classifier, default_model_path
from cdtext.classify.averaged import TRANSFORMER_HEADS
from cdtext.classify.persist import model_paths
from cdtext.errors import ModelError
from cdtext.labels import FUNCTIONS

TEXTS = [
    "The mayor met the Consul General of Japan to discuss the sister city agreement with Kobe.",
    "Council approved the tender for resurfacing Main Street and the new footpath at the library.",
    "The city joined C40 and committed to halve its emissions by 2030 under its climate action plan.",
    "",
]


def copy_pair(tmp_path: Path) -> Path:
    """The default model and its base model, copied side by side (the transformer stays the shipped one)."""
    for name in ("default", "standard"):
        for path in model_paths(default_model_path().with_name(name)):
            shutil.copy(path, tmp_path / path.name)
    return tmp_path / "default"


def edit_card(path: Path, change) -> None:
    card_path = model_paths(path)[1]
    card = json.loads(card_path.read_text())
    change(card)
    card_path.write_text(json.dumps(card))


def test_default_averages_the_standard_model_and_the_transformer_where_the_gate_lets_it_read() -> None:
    default, standard = Classifier.load(), Classifier.load("standard")
    gate = default.model.gate_
    assert 0 < gate < 0.1 and gate == default.card["gate"]
    k = len(TRANSFORMER_HEADS)
    p_avg = default.model.predict_proba(TEXTS)
    p_base = standard.model.predict_proba(TEXTS)
    p_tr = default.model.transformer_proba(TEXTS)
    assert p_tr.shape == (len(TEXTS), k) and ((p_tr >= 0) & (p_tr <= 1)).all()
    read = p_base[:, : len(FUNCTIONS)].max(axis=1) >= gate
    assert read[0] and read[2] and not read[1]  # the plainly domestic passage is left to the standard model
    np.testing.assert_allclose(p_avg[read, :k], (p_base[read, :k] + p_tr[read]) / 2, atol=1e-9)
    np.testing.assert_allclose(p_avg[~read], p_base[~read])
    np.testing.assert_allclose(p_avg[:, k:], p_base[:, k:])  # the policy areas are the standard model's
    # one passage at a time, by a scorer that has seen none of them, gives the same as a call with all of them
    # (each passage runs alone today; this guards against batching, whose padding would change the scores)
    from cdtext.classify.averaged import calibrated
    from cdtext.classify.transformer import TransformerScorer

    fresh = TransformerScorer(default.model.scorer.name)
    one = np.vstack([calibrated(default.model.calibration_, fresh.scores([t])) for t in TEXTS])
    np.testing.assert_allclose(one, p_tr, atol=1e-4)
    out = default.predict(TEXTS, explain=True)
    assert list(out.columns) == list(standard.predict(TEXTS, explain=True).columns)
    assert out.functions[0] and not out.functions[1] and not out.functions[3]


def test_a_repeated_text_goes_through_the_network_once(monkeypatch: pytest.MonkeyPatch) -> None:
    import cdtext.classify.transformer as transformer

    scorer = transformer.TransformerScorer(Classifier.load().model.scorer.name)
    tokenizer, session = transformer._load(str(scorer.folder))
    runs = []

    class Counting:
        def run(self, outputs, feed):  # type: ignore[no-untyped-def]
            runs.append(feed["input_ids"].shape)
            return session.run(outputs, feed)

    monkeypatch.setattr(transformer, "_load", lambda _folder: (tokenizer, Counting()))
    first = scorer.scores([TEXTS[0], TEXTS[2], TEXTS[0]])
    assert len(runs) == 2 and np.array_equal(first[0], first[2])
    again = scorer.scores([TEXTS[2], TEXTS[1]])  # only the new text runs; the other comes back unchanged
    assert len(runs) == 3 and np.array_equal(again[0], first[1])
    # beyond the limit the text met longest ago is forgotten, and runs again (same scores) when it comes back
    monkeypatch.setattr(transformer, "REMEMBERED", 3)
    scorer.scores([TEXTS[0]])  # met again: now the most recent; TEXTS[2] was met longest ago
    scorer.scores([TEXTS[3]])
    assert list(scorer._seen) == [transformer._key(t) for t in (TEXTS[1], TEXTS[0], TEXTS[3])] and len(runs) == 4
    back = scorer.scores([TEXTS[2]])
    assert len(runs) == 5 and np.array_equal(back[0], first[1])


def test_a_gate_of_zero_reads_every_passage() -> None:
    from cdtext.classify.averaged import AveragedClassifier

    shipped = Classifier.load().model
    everything = AveragedClassifier(shipped.base, shipped.scorer, shipped.calibration_, shipped.thresholds_, 0.0)
    p_base = shipped.base.predict_proba(TEXTS)
    expected = (p_base[:, : len(TRANSFORMER_HEADS)] + shipped.transformer_proba(TEXTS)) / 2
    np.testing.assert_allclose(everything.predict_proba(TEXTS)[:, : len(TRANSFORMER_HEADS)], expected, atol=1e-9)


def test_default_card_names_its_base_and_beats_the_standard_model_measured_alike() -> None:
    card, base_card = Classifier.load().card, Classifier.load("standard").card
    assert card["base"] == {"name": "standard", "sha256": base_card["sha256"]}
    assert card["training_corpus"] == base_card["training_corpus"]
    cv, same = card["metrics"]["real_cv"], card["metrics"]["same_protocol"]
    assert cv["n"] == base_card["metrics"]["real_cv"]["n"]
    # the reason it is the default: better than the standard model measured the same way, and calibrated
    assert cv["macro_f1"] > same["standard"]["macro_f1"]
    assert cv["any_function_f1"] > same["standard"]["any_function_f1"]
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
    edit_card(path, lambda c: c["base"].update({"name": "default"}))
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
        with pytest.raises(ModelError, match="needs onnxruntime, which is not installed"):
            Classifier.load().predict(["The mayor met the Consul General of Japan."])
        # the models without the transformer still work
        assert len(Classifier.load("standard").predict(["The mayor met the Consul General of Japan."])) == 1
    finally:
        transformer._load.cache_clear()


def test_cli_classifies_with_the_default_and_the_standard_model(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from cdtext.cli import main

    table = tmp_path / "t.csv"
    table.write_text("id,text\na,The mayor met the Consul General of Japan to sign a sister city agreement.\n")
    out = tmp_path / "t.jsonl"
    rows = {}
    for model in ("default", "standard"):
        result = CliRunner().invoke(main, ["classify", str(table), "--model", model, "--out", str(out)])
        assert result.exit_code == 0, result.output
        rows[model] = json.loads(out.read_text().strip())
        assert rows[model]["id"] == "a" and 0 <= rows[model]["p_diplomatic_representation"] <= 1
    assert rows["default"]["p_diplomatic_representation"] != rows["standard"]["p_diplomatic_representation"]


def test_run_with_the_standard_model(tmp_path: Path) -> None:
    """The whole pipeline on the samples with ``--model standard``: predictions and run card name it."""
    import pandas as pd
    from click.testing import CliRunner
    from conftest import SAMPLES

    from cdtext.cli import main

    out = tmp_path / "out"
    args = ["run", str(SAMPLES), "--out", str(out), "--model", "standard", "--replicates", "20", "-q"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    predictions = pd.read_parquet(out / "predictions.parquet")
    assert len(predictions) and set(predictions.model) == {"standard"}
    card = json.loads((out / "run.json").read_text())
    assert card["model"]["sha256"] == Classifier.load("standard").card["sha256"]


def test_a_gate_outside_zero_to_one_is_refused(tmp_path: Path) -> None:
    """An attacker who rewrites the arrays and the card's hash still cannot set a gate that reads nothing."""
    import hashlib
    import io

    path = copy_pair(tmp_path)
    array_path = model_paths(path)[0]
    with np.load(array_path) as archive:
        arrays = {k: archive[k] for k in archive.files}
    for bad in (np.asarray(1.5), np.asarray(np.nan), np.asarray([0.01, 0.02])):
        buffer = io.BytesIO()
        np.savez(buffer, **(arrays | {"gate": bad}))
        array_path.write_bytes(buffer.getvalue())
        digest = hashlib.sha256(buffer.getvalue()).hexdigest()
        edit_card(path, lambda c, digest=digest: c.update({"sha256": digest}))
        with pytest.raises(ModelError, match="do not fit together"):
            Classifier.load(path)


# Domestic passages of the kinds the first model gave a function at full confidence (issue: "over-predicting
# diplomacy on domestic text"), written for this test: a library's tech-week invitation, a tribute to foster
# families, an appointment to a local board, a resolution lobbying the national government (codebook: no function).
DOMESTIC = [
    "Tech Week is back at the central library! Bring your ideas, meet other tinkerers and join our hack night on "
    "Saturday. Let your inner geek loose: robotics, 3-D printing and coding for all ages, free of charge.",
    "We thank our foster families. Because of their care and patience, hundreds of children in our county went to "
    "sleep this year in a safe home, with someone to read them a story and tuck them in.",
    "Resolution approving the appointment by the Mayor of Jane Doe to the Historic Districts Commission for a term "
    "expiring June 30, 2027.",
    "Resolution calling on the United States Senate to ratify the international convention on the rights of persons "
    "with disabilities.",
]


def test_domestic_passages_get_no_function_and_low_probabilities() -> None:
    out = Classifier.load().predict(DOMESTIC + TEXTS[:1])
    proba = out[[f"p_{f}" for f in FUNCTIONS]].to_numpy()
    assert [list(f) for f in out["functions"][:4]] == [[], [], [], []]
    assert proba[:4].max() < 0.1, proba[:4].round(3)
    assert "diplomatic_representation" in out["functions"][4]  # the consul's visit still is representation


def test_classifying_a_store_in_steps_reports_progress_and_changes_no_prediction(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import cdtext
    from cdtext.classify import api, batch

    store = tmp_path / "s.duckdb"
    cdtext.ingest([SAMPLES], store, config={"jobs": 1})
    clf = Classifier.load()
    calls: list[tuple[int, int]] = []
    n = batch.classify_store(store, clf, progress=lambda done, total: calls.append((done, total)))
    whole = batch.read_predictions(store, with_passages=False).sort_values("passage_id").reset_index(drop=True)
    assert n == len(whole) > 20 and calls == [(n, n)]  # fewer passages than one step: one call
    monkeypatch.setattr(api, "STEP", 7)
    calls.clear()
    batch.classify_store(store, clf, batch=16, progress=lambda done, total: calls.append((done, total)))
    steps = batch.read_predictions(store, with_passages=False).sort_values("passage_id").reset_index(drop=True)
    chunks = batch._chunks(whole.passage_id.tolist(), 16)  # about 16 passages, whole documents
    docs = whole.passage_id.str.rsplit("-", n=1).str[0]
    assert len(chunks) > 1 and all(docs[e - 1] != docs[e] for _, e in chunks[:-1])
    expected = [s + at + min(7, e - s - at) for s, e in chunks for at in range(0, e - s, 7)]
    assert [d for d, _ in calls] == expected and expected[-1] == n
    assert {t for _, t in calls} == {n}
    probabilities = [c for c in whole.columns if c.startswith("p_")]
    pd.testing.assert_frame_equal(whole[["passage_id", *probabilities]], steps[["passage_id", *probabilities]])
