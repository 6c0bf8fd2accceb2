"""corpus/tools/build_default.py: folds for a corpus that has grown since the transformer was fine-tuned.

Every score the default's figures rest on must be out-of-fold: a passage the fold networks trained on keeps
the fold it had in the fine-tuning export, and a passage added since never lands in a fold whose network saw
its document.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import corpus_tool


@pytest.fixture(scope="module")
def build_default():
    return corpus_tool("build_default")


@pytest.fixture(scope="module")
def folds_of(build_default):
    return build_default.folds_of


def _real(rows: list[tuple[str, str]]) -> pd.DataFrame:
    return pd.DataFrame({"group": [g for g, _ in rows], "text": [t for _, t in rows]})


def _export(rows: list[tuple[str, str, int]]) -> list[dict]:
    out = [{"real": False, "group": "authored:1", "text": "an authored passage", "fold": -1}]
    return out + [{"real": True, "group": g, "text": t, "fold": k} for g, t, k in rows]


def test_exported_passages_keep_their_fold_and_new_ones_join_a_fold_safely(folds_of) -> None:
    exported = [("a", "a1", 0), ("a", "a2", 0), ("b", "b1", 1), ("c", "c1", 2), ("d", "d1", 3), ("e", "e1", 4)]
    # today's corpus: in another order, one new passage of document b, three new documents
    real = _real([("e", "e1"), ("b", "b2"), ("x", "x1"), ("x", "x2"), ("a", "a2"), ("b", "b1"), ("y", "y1")])
    real = pd.concat([real, _real([("a", "a1"), ("c", "c1"), ("d", "d1"), ("z", "z1")])], ignore_index=True)
    folds, positions = folds_of(real, _export(exported))
    fold = dict(zip(real.text, folds))
    for _, text, k in exported:
        assert fold[text] == k
    assert fold["b2"] == 1  # its document's fold: fold 1's network never saw document b
    assert fold["x1"] == fold["x2"]  # a new document stays whole
    assert set(folds) <= set(range(5))
    # export rows (authored first) point at today's rows holding the same passage
    assert {real.text[k] for k in positions.values()} == {t for _, t, _ in exported}
    assert all(real.text[positions[i]] == exported[i - 1][1] for i in positions)


def test_new_documents_go_to_the_smallest_folds(folds_of) -> None:
    exported = [("a", f"a{i}", 0) for i in range(4)] + [("b", "b1", 1), ("c", "c1", 2), ("d", "d1", 3)]
    exported += [("e", "e1", 4), ("e", "e2", 4)]
    real = _real([(g, t) for g, t, _ in exported] + [("x", "x1"), ("x", "x2"), ("y", "y1")])
    folds, _ = folds_of(real, _export(exported))
    fold = dict(zip(real.text, folds))
    assert fold["x1"] in (1, 2, 3) and fold["y1"] in (1, 2, 3) and fold["x1"] != fold["y1"]


def test_an_export_with_a_passage_the_corpus_lost_is_refused(folds_of) -> None:
    with pytest.raises(SystemExit, match="no longer has"):
        folds_of(_real([("a", "a1")]), _export([("a", "a1", 0), ("a", "gone", 0)]))


def test_an_export_that_splits_a_document_is_refused(folds_of) -> None:
    with pytest.raises(SystemExit, match="splits a document"):
        folds_of(_real([("a", "a1"), ("a", "a2")]), _export([("a", "a1", 0), ("a", "a2", 1)]))


def test_a_cache_is_reused_only_for_the_same_passages_folds_and_recipe(build_default, tmp_path) -> None:
    real = _real([("a", "a1"), ("a", "a2"), ("b", "b1")])
    folds = np.array([0, 0, 1])
    key = build_default._cache_key(real, folds, "recipe 1")
    cache = tmp_path / "oof.npy"
    assert build_default._cached(cache, key) is None  # nothing kept yet
    build_default._keep(cache, key, np.arange(3.0))
    assert build_default._cached(cache, key).tolist() == [0.0, 1.0, 2.0]
    # the same number of rows is not enough: another order, another fold, another recipe each miss
    for other in (
        build_default._cache_key(real.iloc[[1, 0, 2]].reset_index(drop=True), folds, "recipe 1"),
        build_default._cache_key(real, np.array([0, 0, 2]), "recipe 1"),
        build_default._cache_key(real, folds, "recipe 2"),
    ):
        assert other != key and build_default._cached(cache, other) is None
    (tmp_path / "oof.npy.key").unlink()  # a cache without its key (older runs) is computed again
    assert build_default._cached(cache, key) is None


def test_thresholds_withhold_an_area_the_probabilities_cannot_find(build_default) -> None:
    from cdtext.classify.model import HEADS, WITHHELD

    rng = np.random.default_rng(0)
    n = 600
    H = np.zeros((n, len(HEADS)), int)
    fn = HEADS.index("community_engagement")
    H[:, fn] = rng.random(n) < 0.3
    H[:, HEADS.index("any_function")] = H[:, fn]
    area, found = HEADS.index("equity_rights"), HEADS.index("climate_environment")
    H[:, area] = H[:, fn] & (rng.random(n) < 0.1)
    H[:, found] = H[:, fn] & (rng.random(n) < 0.3)
    proba = rng.random((n, len(HEADS)))
    proba[:, fn] = np.clip(0.6 * H[:, fn] + 0.5 * rng.random(n), 0, 1)  # a function the probabilities find
    proba[:, found] = np.clip(0.6 * H[:, found] + 0.5 * rng.random(n), 0, 1)
    out = build_default.thresholds(H, proba, np.ones(n, bool))
    assert out[area] == WITHHELD  # probabilities that are noise: the area is never given
    assert 0.05 <= out[fn] <= 0.95 and 0.05 <= out[found] <= 0.95
    # a measurement on part of the passages keeps the shipped choice of areas, whatever the part would choose
    part = np.arange(n) < n // 5  # too few positives of the found area here to pass the rule alone
    assert build_default.thresholds(H, proba, part)[found] == WITHHELD
    kept = build_default.thresholds(H, proba, part, withheld=out == WITHHELD)
    assert kept[area] == WITHHELD and 0.05 <= kept[found] <= 0.95
    assert kept[fn] == build_default.thresholds(H, proba, part)[fn]  # functions: chosen on the part as before
