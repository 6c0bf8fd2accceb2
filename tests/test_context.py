"""The context stage: features from a passage's document, kept in the model file, applied only with documents."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import SAMPLES

import cdtext
from cdtext.classify import batch
from cdtext.classify.api import Classifier, default_model_path
from cdtext.classify.context import FEATURES, INPUTS, OUTPUTS, WINDOW, ContextStage, features, fit_stage
from cdtext.classify.model import _sigmoid
from cdtext.classify.persist import load_model, model_paths, save_model
from cdtext.errors import ModelError


def by_definition(p: np.ndarray) -> np.ndarray:
    """The features of one document's passages, computed the slow way."""
    q = np.clip(p[:, : len(INPUTS)], 1e-4, 1 - 1e-4)
    m = len(q)
    rows = []
    for j in range(m):
        near = [q[i] for i in range(max(0, j - WINDOW), min(m, j + WINDOW + 1)) if i != j]
        rows.append(np.r_[np.log(q[j] / (1 - q[j])), np.max(near, axis=0) if near else np.zeros(len(INPUTS))])
    return np.array(rows)


def test_features_follow_their_definition_for_documents_of_any_length_and_interleaved() -> None:
    rng = np.random.default_rng(3)
    sizes = [1, 2, 3, 4, 5, 11]
    proba = [rng.random((m, 16)) for m in sizes]
    doc_ids = [f"d{i}" for i, m in enumerate(sizes) for _ in range(m)]
    stacked = np.vstack(proba)
    x = features(stacked, doc_ids)
    assert x.shape == (len(doc_ids), len(FEATURES))
    start = 0
    for p in proba:
        np.testing.assert_allclose(x[start : start + len(p)], by_definition(p), atol=1e-12)
        start += len(p)
    # rows of different documents may interleave: each document's rows keep their order
    rank_in_doc = [doc_ids[:i].count(d) for i, d in enumerate(doc_ids)]
    order = np.argsort(rank_in_doc, kind="stable")  # first passages of every document, then the second ...
    shuffled = features(stacked[order], [doc_ids[i] for i in order])
    np.testing.assert_allclose(shuffled, x[order], atol=1e-12)


def test_fitted_stage_learns_from_the_document_and_chooses_thresholds() -> None:
    # a function present only where the neighbouring passages say so
    rng = np.random.default_rng(0)
    proba, doc_ids, y = [], [], []
    for d in range(200):
        m = int(rng.integers(2, 4))  # every passage within the window of the first
        international = d % 3 == 0
        p = rng.random((m, 16)) * 0.2
        if international:
            p[0, 4] = 0.95  # one passage names the event; the others belong to it too
        proba.append(p)
        doc_ids += [f"d{d}"] * m
        y.append(np.tile([0, 0, 0, 0, int(international), int(international)], (m, 1)))
    proba, y = np.vstack(proba), np.vstack(y)
    folds = np.array([int(d[1:]) % 5 for d in doc_ids])
    stage = fit_stage(features(proba, doc_ids), y, folds)
    assert stage.fits()
    revised = stage.apply(proba, doc_ids)
    events = OUTPUTS.index("international_events")
    assert (revised[:, events] >= stage.thresholds_[events]).astype(int).tolist() == y[:, events].tolist()
    np.testing.assert_array_equal(revised[:, len(OUTPUTS) :], proba[:, len(OUTPUTS) :])


@pytest.fixture(scope="module")
def with_stage(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped ``standard`` model with a stage that leans on the neighbours' maximum of each function."""
    tmp = tmp_path_factory.mktemp("stage")
    array_path, card_path = model_paths(default_model_path().with_name("standard"))
    shutil.copy(array_path, tmp / "s.npz")
    shutil.copy(card_path, tmp / "s.card.json")
    model, card = load_model(tmp / "s")
    coef = np.zeros((len(OUTPUTS), len(FEATURES)))
    for h, head in enumerate(OUTPUTS):
        coef[h, INPUTS.index(head)] = 1.0
        coef[h, FEATURES.index(f"neighbours' maximum: {head}")] = 3.0
    model.context_ = ContextStage(coef, np.full(len(OUTPUTS), -1.0), np.full(len(OUTPUTS), 0.4))
    card.pop("context", None)
    save_model(model, tmp / "s", {**card, "context": {"note": "a test stage"}})
    return tmp / "s"


def test_a_stage_applies_to_passages_with_their_documents_only(with_stage: Path) -> None:
    clf = Classifier.load(with_stage)
    assert clf.model.context_ is not None and clf.card["context"]["note"] == "a test stage"
    assert clf.card["context"]["features"] == list(FEATURES)
    texts = [
        "The city council approved the budget for road repairs.",
        "The mayor welcomed the Consul General of Japan to City Hall.",
        "Residents may collect free compost at the depot on Saturday.",
    ]
    alone = clf.predict(texts)
    base = Classifier.load("standard").predict(texts)
    p_cols = [c for c in alone.columns if c.startswith("p_")]
    pd.testing.assert_frame_equal(alone[p_cols], base[p_cols])  # no documents: passage by passage
    frame = pd.DataFrame({"id": ["a", "b", "c"], "text": texts, "doc_id": ["d1", "d1", "d2"]})
    together = clf.predict(frame)
    heads = clf.model.predict_proba(texts)
    expected = _sigmoid(features(heads, ["d1", "d1", "d2"]) @ clf.model.context_.coef_.T - 1.0)
    for h, head in enumerate(OUTPUTS[:-1]):
        np.testing.assert_allclose(together[f"p_{head}"], expected[:, h].round(4), atol=1e-4)
    np.testing.assert_allclose(together["p_no_function"], (1 - expected[:, -1]).round(4), atol=1e-4)
    for col in ("p_policy_anchored", "p_climate_environment"):
        pd.testing.assert_series_equal(together[col], alone[col])
    # rows without a document are documents of their own: no neighbours
    loose = clf.predict(frame.assign(doc_id=[None, "", None]))
    alone_stage = clf.predict(frame.assign(doc_id=["x", "y", "z"]))
    pd.testing.assert_frame_equal(loose[p_cols], alone_stage[p_cols])
    # decisions use the stage's thresholds
    decided = [[f for f in OUTPUTS[:-1] if expected[i, OUTPUTS.index(f)] >= 0.4] for i in range(3)]
    assert [list(f) for f in together["functions"]] == decided


def test_a_store_is_classified_with_whole_documents_whatever_the_batch(with_stage: Path, tmp_path: Path) -> None:
    store = tmp_path / "s.duckdb"
    cdtext.ingest([SAMPLES], store, config={"jobs": 1})
    clf = Classifier.load(with_stage)
    batch.classify_store(store, clf)
    whole = batch.read_predictions(store, with_passages=False).sort_values("passage_id").reset_index(drop=True)
    batch.classify_store(store, clf, batch=3)
    small = batch.read_predictions(store, with_passages=False).sort_values("passage_id").reset_index(drop=True)
    p_cols = [c for c in whole.columns if c.startswith("p_")]
    pd.testing.assert_frame_equal(whole[["passage_id", *p_cols]], small[["passage_id", *p_cols]])
    passages = batch.read_predictions(store).sort_values("passage_id")
    direct = clf.predict(passages.rename(columns={"passage_id": "id"})[["id", "text", "doc_id"]])
    np.testing.assert_allclose(direct[p_cols].to_numpy(), whole[p_cols].to_numpy())
    assert (direct["p_no_function"].to_numpy() != clf.predict(passages.text.tolist())["p_no_function"]).any()


def test_a_stage_whose_arrays_do_not_fit_is_refused(with_stage: Path, tmp_path: Path) -> None:
    import hashlib
    import io
    import json

    shutil.copy(model_paths(with_stage)[0], tmp_path / "m.npz")
    shutil.copy(model_paths(with_stage)[1], tmp_path / "m.card.json")
    with np.load(tmp_path / "m.npz") as archive:
        arrays = {k: archive[k] for k in archive.files}
    arrays["context_coef"] = arrays["context_coef"][:, :5]
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    (tmp_path / "m.npz").write_bytes(buffer.getvalue())
    card = json.loads((tmp_path / "m.card.json").read_text())
    card["sha256"] = hashlib.sha256(buffer.getvalue()).hexdigest()
    (tmp_path / "m.card.json").write_text(json.dumps(card))
    with pytest.raises(ModelError, match="context stage's arrays do not fit"):
        Classifier.load(tmp_path / "m")
    del arrays["context_thresholds"]  # a partial stage is an unexpected set of arrays
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    (tmp_path / "m.npz").write_bytes(buffer.getvalue())
    card["sha256"] = hashlib.sha256(buffer.getvalue()).hexdigest()
    (tmp_path / "m.card.json").write_text(json.dumps(card))
    with pytest.raises(ModelError, match="unexpected arrays"):
        Classifier.load(tmp_path / "m")
