"""Aggregator on synthetic predictions whose truth is known."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cdtext.aggregate import VerdictRule, compare, evidence, measures, profile
from cdtext.errors import ConfigError
from cdtext.labels import FUNCTIONS, POLICY_AREAS


def make_unit(
    city: str,
    n_docs: int,
    per_doc: int,
    anchored: bool,
    areas: list[int],
    seed: int = 0,
    function_areas: dict[int, int] | None = None,
) -> tuple[list[dict], list[dict]]:
    """Passages with confident labels: one function each, anchored or not, one area each.

    ``function_areas`` ties each function to its own area (a scattered, incoherent unit).
    """
    rng = np.random.default_rng(seed)
    rows, docs = [], []
    for d in range(n_docs):
        doc_id = f"{city}-{d}"
        docs.append(
            {
                "doc_id": doc_id,
                "path": f"/data/{doc_id}.txt",
                "city": city,
                "status": "ok",
                "year": 2020 + d % 3,
                "doc_type": "report",
            }
        )
        for i in range(per_doc):
            f = int(rng.integers(0, 5))
            k = function_areas[f] if function_areas else int(rng.choice(areas))
            row = {"doc_id": doc_id, "passage_id": f"{doc_id}-{i}", "text": f"passage {i} of {doc_id}", "page": None}
            for j, fn in enumerate(FUNCTIONS):
                row[f"p_{fn}"] = 0.95 if j == f else 0.02
            row["p_no_function"] = 0.03
            row["p_policy_anchored"] = 0.95 if anchored else 0.05
            for j, area in enumerate(POLICY_AREAS):
                row[f"p_{area}"] = 0.95 if j == k else 0.02
            rows.append(row)
    return rows, docs


def frames(*units: tuple[list[dict], list[dict]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    return (pd.DataFrame([r for u in units for r in u[0]]), pd.DataFrame([d for u in units for d in u[1]]))


def test_known_verdicts() -> None:
    pred, docs = frames(
        make_unit("Anchorton", 20, 5, anchored=True, areas=[0, 4], seed=1),
        make_unit("Scatterville", 20, 5, anchored=False, areas=list(range(9)), seed=2),
        make_unit("Tiny", 2, 5, anchored=True, areas=[0], seed=3),
    )
    out = profile(pred, docs, replicates=300, seed=7).set_index("city")
    assert out.loc["Anchorton", "verdict"] == "policy-driven"
    assert out.loc["Anchorton", "theta_lo"] > 0 and out.loc["Anchorton", "coherence"] > 0.8
    assert out.loc["Anchorton", "concentration"] > out.loc["Scatterville", "concentration"]
    assert out.loc["Scatterville", "verdict"] == "function-driven"
    assert out.loc["Scatterville", "theta_hi"] < 0
    assert out.loc["Tiny", "verdict"] == "indeterminate"
    assert out.loc["Tiny", "n_passages"] == 10
    for col in (
        "n_documents",
        "n_passages",
        "n_diplomacy",
        "diversity",
        "theta",
        "theta_lo",
        "theta_hi",
        "anchoring_rate",
        "concentration",
        "coherence",
        "verdict",
        *(f"share_{f}_lo" for f in FUNCTIONS),
    ):
        assert col in out.columns


def test_anchored_but_each_function_has_its_own_priority_is_function_driven() -> None:
    pred, docs = frames(
        make_unit("Silos", 25, 6, anchored=True, areas=[], seed=4, function_areas={0: 0, 1: 1, 2: 2, 3: 3, 4: 4})
    )
    out = profile(pred, docs, replicates=300, seed=1).iloc[0]
    assert out.theta_lo > 0
    assert out.coherence < 0.3
    assert out.verdict == "function-driven"


def test_intervals_narrow_with_more_documents() -> None:
    small = frames(make_unit("Town", 5, 4, anchored=True, areas=[0, 1], seed=5))
    large = frames(make_unit("Town", 80, 4, anchored=True, areas=[0, 1], seed=5))
    a = profile(*small, replicates=300, seed=3).iloc[0]
    b = profile(*large, replicates=300, seed=3).iloc[0]
    assert (b.theta_hi - b.theta_lo) < (a.theta_hi - a.theta_lo)
    assert (b.share_economic_development_hi - b.share_economic_development_lo) < (
        a.share_economic_development_hi - a.share_economic_development_lo
    )


def test_classifier_uncertainty_reaches_the_intervals() -> None:
    pred, docs = frames(make_unit("Sure", 30, 4, anchored=True, areas=[0], seed=6))
    pred["p_policy_anchored"] = 1.0
    pred["p_no_function"] = 0.0
    unsure = pred.copy()
    unsure["p_policy_anchored"] = 0.5
    a = profile(pred, docs, replicates=300, seed=3).iloc[0]
    b = profile(unsure, docs, replicates=300, seed=3).iloc[0]
    assert a.anchoring_rate_hi - a.anchoring_rate_lo == 0  # resampling identical documents changes nothing
    assert b.anchoring_rate_hi - b.anchoring_rate_lo > 0.1  # label draws from p = 0.5 do


def test_same_seed_same_numbers() -> None:
    pred, docs = frames(make_unit("A", 10, 4, anchored=True, areas=[0, 1], seed=8))
    first = profile(pred, docs, replicates=200, seed=11)
    again = profile(pred, docs, replicates=200, seed=11)
    pd.testing.assert_frame_equal(first, again)
    other = profile(pred, docs, replicates=200, seed=12)
    assert not first.equals(other)


def test_grouping_by_year_and_bad_column() -> None:
    pred, docs = frames(make_unit("A", 9, 4, anchored=True, areas=[0], seed=9))
    out = profile(pred, docs, by=["city", "year"], replicates=50)
    assert sorted(out.year.tolist()) == [2020, 2021, 2022]
    with pytest.raises(ConfigError, match="cannot group by mayor"):
        profile(pred, docs, by="city,mayor")


def test_theta_formula_and_entropies() -> None:
    fn = np.array([[[1.0, 0, 0, 0, 0], [0, 1.0, 0, 0, 0]]])
    d = np.array([[1.0, 1.0]])
    a = np.array([[1.0, 0.0]])
    areas = np.zeros((1, 2, 9))
    areas[0, 0, 0] = 1.0
    m = measures(fn, d, a, areas)
    assert m["theta"][0] == pytest.approx(np.log(1.5 / 1.5))
    assert m["diversity"][0] == pytest.approx(np.log(2) / np.log(5))
    assert m["concentration"][0] == pytest.approx(1.0)


def test_compare_and_evidence() -> None:
    pred, docs = frames(
        make_unit("A", 10, 4, anchored=True, areas=[0], seed=1),
        make_unit("B", 10, 4, anchored=False, areas=[1], seed=2),
    )
    ranked = compare(profile(pred, docs, replicates=50))
    assert ranked.iloc[0].city == "A" and ranked.rank_theta.tolist() == [1, 2]
    assert ranked.distinctiveness.between(0, 1).all()
    ev = evidence(pred, docs, k=2)
    assert set(ev.function) == set(FUNCTIONS)
    assert ev.groupby(["city", "function"]).size().max() <= 2
    assert {"text", "path", "page", "probability"} <= set(ev.columns)


def test_verdict_rule_validation() -> None:
    with pytest.raises(ConfigError):
        VerdictRule(min_coherence=2)
    with pytest.raises(ConfigError, match="unknown verdict setting"):
        VerdictRule.resolve({"boundary": 1})


def test_measures_of_draws_by_matrix_product_equal_the_einsum_ones_exactly() -> None:
    rng = np.random.default_rng(3)
    r, n = 25, 400
    fn = (rng.random((r, n, 5)) < 0.2).astype(float)
    d = (rng.random((r, n)) < 0.4).astype(float)
    a = (rng.random((r, n)) < 0.5).astype(float) * d
    areas = (rng.random((r, n, 9)) < 0.15).astype(float) * a[:, :, None]
    fast, slow = measures(fn, d, a, areas, draws=True), measures(fn, d, a, areas)
    assert fast.keys() == slow.keys()
    for name in fast:
        np.testing.assert_array_equal(fast[name], slow[name], err_msg=name)
