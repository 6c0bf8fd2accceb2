"""predictions -> profiles: function profiles and the function- vs policy-driven measure.

For a unit (a city by default; any grouping of document metadata), from the
passages' predicted probabilities (formulas and sources in docs/measures.md):

* ``n_diplomacy`` — expected number of passages with at least one function,
  Σ d_i with d_i = 1 − p_no_function;
* function profile — expected mentions E_f = Σ p_i,f and shares s_f = E_f / Σ E;
* ``diversity`` — Shannon entropy of the shares over ln 5, and
  ``effective_functions`` = exp(H);
* ``theta`` = ln((A + 0.5) / (U + 0.5)) with A = Σ d_i a_i and
  U = Σ d_i (1 − a_i), a_i = p_policy_anchored; ``anchoring_rate`` = A/(A+U);
* ``concentration`` = 1 − H(areas | anchored) / ln 9;
* ``coherence`` = H(P | F) / H(P) over the function × policy-area table of
  anchored mass: 1 when the same priorities run through every function, low
  when each function has its own;
* ``verdict`` from :class:`VerdictRule`.

Function and policy-area probabilities below ``floor`` (default 0.1) count as
zero (see :func:`_probabilities`).

Uncertainty: a seeded bootstrap resamples the unit's documents with
replacement and, in each replicate, draws every passage's labels from its
probabilities (diplomacy, functions, anchoring, areas), so both sampling
error and classifier error reach the 95 % intervals.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any

import numpy as np
import pandas as pd

from cdtext.errors import ConfigError
from cdtext.labels import FUNCTIONS, POLICY_AREAS

GROUPINGS = ("city", "year", "doc_type", "country")
N_F, N_A = len(FUNCTIONS), len(POLICY_AREAS)


@dataclass(frozen=True)
class VerdictRule:
    """When a unit is called policy-driven, function-driven or indeterminate.

    * fewer than ``min_diplomacy`` expected diplomacy passages → indeterminate;
    * θ's interval entirely above ``theta_boundary`` and coherence at least
      ``min_coherence`` → policy-driven;
    * θ's interval entirely below the boundary → function-driven; so is an
      anchored unit whose coherence interval lies entirely below
      ``min_coherence`` (each function with its own priorities);
    * anything else (an interval that straddles a boundary) → indeterminate.
    """

    min_diplomacy: float = 30.0
    theta_boundary: float = 0.0
    min_coherence: float = 0.5

    def __post_init__(self) -> None:
        if self.min_diplomacy < 0:
            raise ConfigError("min_diplomacy must be zero or more")
        if not 0 <= self.min_coherence <= 1:
            raise ConfigError("min_coherence must lie between 0 and 1")

    @classmethod
    def resolve(cls, value: VerdictRule | dict[str, Any] | None) -> VerdictRule:
        if value is None:
            return cls()
        if isinstance(value, cls):
            return value
        if not isinstance(value, dict):
            raise ConfigError(f"cannot make a VerdictRule from {type(value).__name__}")
        known = {f.name for f in fields(cls)}
        unknown = set(value) - known
        if unknown:
            raise ConfigError(f"unknown verdict setting(s): {', '.join(sorted(unknown))}")
        return cls(**value)

    def decide(self, row: dict[str, float]) -> str:
        if row["n_diplomacy"] < self.min_diplomacy:
            return "indeterminate"
        if row["theta_lo"] > self.theta_boundary and row["coherence"] >= self.min_coherence:
            return "policy-driven"
        if row["theta_hi"] < self.theta_boundary:
            return "function-driven"
        if row["theta_lo"] > self.theta_boundary and row["coherence_hi"] < self.min_coherence:
            return "function-driven"
        return "indeterminate"


def _entropy(p: np.ndarray, axis: int = -1) -> np.ndarray:
    """Shannon entropy (nats) of non-negative weights along ``axis`` (normalised inside)."""
    p = np.asarray(p, dtype=float)
    total = p.sum(axis=axis, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        q = np.where(total > 0, p / total, 0.0)
        logs = np.where(q > 0, np.log(q), 0.0)
    return -(q * logs).sum(axis=axis)


def measures(
    fn: np.ndarray, d: np.ndarray, a: np.ndarray, areas: np.ndarray, *, draws: bool = False
) -> dict[str, np.ndarray]:
    """The measures for one or many replicates.

    Arrays carry a leading replicate axis R: ``fn`` (R, n, 5), ``d`` and ``a``
    (R, n), ``areas`` (R, n, 9) — probabilities or 0/1 draws alike. With
    ``draws`` (every value 0 or 1, as in the bootstrap) the function x area
    table is a matrix product: its sums are whole numbers, exact in any order,
    so the result is the same as the slower three-way ``einsum``'s.
    """
    mentions = fn.sum(axis=1)  # (R, 5)
    total = mentions.sum(axis=1, keepdims=True)
    shares = np.divide(mentions, total, out=np.zeros_like(mentions), where=total > 0)
    h_fn = _entropy(mentions)
    anchored_mass = d * a  # (R, n)
    A = anchored_mass.sum(axis=1)
    U = (d * (1 - a)).sum(axis=1)
    theta = np.log((A + 0.5) / (U + 0.5))
    rate = np.divide(A, A + U, out=np.full_like(A, np.nan), where=(A + U) > 0)
    area_mass = (anchored_mass[:, :, None] * areas).sum(axis=1)  # (R, 9)
    h_area = _entropy(area_mass)
    concentration = np.where(area_mass.sum(axis=1) > 0, 1 - h_area / math.log(N_A), np.nan)
    if draws:
        table = np.matmul(fn.transpose(0, 2, 1), anchored_mass[:, :, None] * areas)
    else:
        table = np.einsum("rnf,rn,rnk->rfk", fn, anchored_mass, areas)  # function x area, anchored mass
    row_mass = table.sum(axis=2)  # (R, 5)
    weight = np.divide(
        row_mass,
        row_mass.sum(axis=1, keepdims=True),
        out=np.zeros_like(row_mass),
        where=row_mass.sum(axis=1, keepdims=True) > 0,
    )
    h_cond = (weight * _entropy(table, axis=2)).sum(axis=1)
    h_marg = _entropy(table.sum(axis=1))
    has_mass = table.sum(axis=(1, 2)) > 0
    safe_marg = np.where(h_marg > 1e-12, h_marg, 1.0)
    # a single policy area: the same priority everywhere, so fully coherent
    coherence = np.where(h_marg > 1e-12, h_cond / safe_marg, np.where(has_mass, 1.0, np.nan))
    return {
        "n_diplomacy": d.sum(axis=1),
        "shares": shares,
        "mentions": mentions,
        "diversity": h_fn / math.log(N_F),
        "effective_functions": np.exp(h_fn),
        "theta": theta,
        "anchoring_rate": rate,
        "concentration": concentration,
        "coherence": coherence,
    }


@dataclass
class _Unit:
    key: tuple
    doc_index: list[np.ndarray]  # passage row indices per document


def _probabilities(pred: pd.DataFrame, floor: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Probability arrays of a unit; function and area probabilities below ``floor`` count as 0.

    Without the floor, the small residual probabilities a classifier gives every
    label add up over hundreds of passages and flatten the entropies (every
    function would seem to touch every policy area).
    """
    fn = pred[[f"p_{f}" for f in FUNCTIONS]].to_numpy(float)
    d = 1.0 - pred["p_no_function"].to_numpy(float)
    a = pred["p_policy_anchored"].to_numpy(float)
    areas = pred[[f"p_{x}" for x in POLICY_AREAS]].to_numpy(float)
    fn = np.where(fn >= floor, fn, 0.0)
    areas = np.where(areas >= floor, areas, 0.0)
    return fn, d, a, areas


def _interval(values: np.ndarray) -> tuple[float, float]:
    values = values[~np.isnan(values)]
    if not len(values):
        return (math.nan, math.nan)
    lo, hi = np.percentile(values, [2.5, 97.5])
    return float(lo), float(hi)


def _bootstrap(
    unit: _Unit, probs: tuple[np.ndarray, ...], replicates: int, rng: np.random.Generator, chunk: int = 25
) -> dict[str, np.ndarray]:
    fn, d, a, areas = probs
    n_docs = len(unit.doc_index)
    out: dict[str, list[np.ndarray]] = {}
    done = 0
    while done < replicates:
        r = min(chunk, replicates - done)
        picks = [np.concatenate([unit.doc_index[j] for j in rng.integers(0, n_docs, n_docs)]) for _ in range(r)]
        width = max(len(p) for p in picks)
        # pad replicates to a common length with zero-probability rows (they add nothing)
        idx = np.full((r, width), -1)
        for i, p in enumerate(picks):
            idx[i, : len(p)] = p
        valid = idx >= 0
        safe = np.where(valid, idx, 0)
        draw_fn = (rng.random((r, width, N_F)) < fn[safe]) & valid[:, :, None]
        draw_d = (rng.random((r, width)) < d[safe]) & valid
        draw_a = (rng.random((r, width)) < a[safe]) & draw_d
        draw_areas = (rng.random((r, width, N_A)) < areas[safe]) & draw_a[:, :, None]
        m = measures(
            draw_fn.astype(float), draw_d.astype(float), draw_a.astype(float), draw_areas.astype(float), draws=True
        )
        for k, v in m.items():
            out.setdefault(k, []).append(v)
        done += r
    return {k: np.concatenate(v) for k, v in out.items()}


def with_meta_columns(documents: pd.DataFrame, by: Sequence[str] | str | None) -> pd.DataFrame:
    """``documents`` with the ``--meta`` columns that ``by`` names taken out of the ``extra`` JSON column."""
    if by is None or "extra" not in documents.columns:
        return documents
    wanted = [c.strip() for c in (by.split(",") if isinstance(by, str) else by) if c.strip()]
    wanted = [c for c in wanted if c not in documents.columns]
    if not wanted:
        return documents
    import json

    extras = [json.loads(e) if isinstance(e, str) and e else {} for e in documents["extra"]]
    out = documents.copy()
    for c in wanted:
        values = [e.get(c) for e in extras]
        if any(v is not None for v in values):
            out[c] = values
    return out


def _check_by(by: Sequence[str] | str | None, documents: pd.DataFrame) -> list[str]:
    if by is None:
        return ["city"]
    cols = [c.strip() for c in (by.split(",") if isinstance(by, str) else by) if c.strip()]
    if not cols:
        raise ConfigError("--by needs at least one column name, e.g. city or city,year")
    missing = [c for c in cols if c not in documents.columns]
    if missing:
        raise ConfigError(
            f"cannot group by {', '.join(missing)}: not a document column "
            f"(try {', '.join(GROUPINGS)} or a column from your --meta CSV)"
        )
    return cols


def _grouped(documents: pd.DataFrame, by: Sequence[str] | str | None) -> tuple[pd.DataFrame, list[str]]:
    """``documents`` with the ``--meta`` columns ``by`` names, and those columns, checked."""
    documents = with_meta_columns(documents, by)
    return documents, _check_by(by, documents)


def grouping_columns(by: Sequence[str] | str | None, documents: pd.DataFrame) -> list[str]:
    """The columns ``by`` names, checked against the documents table (its ``--meta`` columns included);
    :class:`ConfigError` names any that no document has."""
    return _grouped(documents, by)[1]


def in_languages(documents: pd.DataFrame, languages: Sequence[str] | None) -> pd.DataFrame:
    """The documents written in one of ``languages`` (ISO 639-1 codes), and those whose language is unknown
    (short or unclear texts); all of them when ``languages`` is empty or the table has no ``language`` column."""
    if not languages or "language" not in documents.columns:
        return documents
    return documents[documents.language.isna() | documents.language.isin(list(languages))]


def join_predictions(predictions: pd.DataFrame, documents: pd.DataFrame) -> pd.DataFrame:
    """Attach each prediction row to its document's metadata (first ok path per doc_id)."""
    docs = documents[documents.status == "ok"] if "status" in documents.columns else documents
    docs = docs.sort_values("path").drop_duplicates("doc_id")
    drop = [c for c in docs.columns if c in predictions.columns and c != "doc_id"]
    return predictions.merge(docs.drop(columns=drop), on="doc_id", how="inner")


#: the unit-level measures a profile carries, each with a bootstrap interval
_MEASURES = ("diversity", "effective_functions", "theta", "anchoring_rate", "concentration", "coherence")


def _profile_columns(by: list[str]) -> list[str]:
    names = [*by, "n_documents", "n_passages", "n_diplomacy"]
    for f in FUNCTIONS:
        names += [f"share_{f}", f"share_{f}_lo", f"share_{f}_hi"]
    for name in _MEASURES:
        names += [name, f"{name}_lo", f"{name}_hi"]
    return [*names, "verdict"]


def profile(
    predictions: pd.DataFrame,
    documents: pd.DataFrame,
    by: Sequence[str] | str | None = None,
    *,
    replicates: int = 1000,
    seed: int = 0,
    rule: VerdictRule | dict[str, Any] | None = None,
    floor: float = 0.1,
) -> pd.DataFrame:
    """One row per unit with the measures, their 95 % intervals and the verdict.

    ``predictions`` has one row per passage with ``doc_id`` and the ``p_*``
    columns of :meth:`cdtext.Classifier.predict`; ``documents`` is the store's
    documents table (or any frame with ``doc_id`` and the grouping columns).
    """
    rule = VerdictRule.resolve(rule)
    documents, cols = _grouped(documents, by)
    data = join_predictions(predictions, documents)
    for c in cols:
        data[c] = data[c].astype("object").where(data[c].notna(), "(unknown)")
    rng = np.random.default_rng(seed)
    rows = []
    for key, group in data.groupby(cols, sort=True, dropna=False):
        key = key if isinstance(key, tuple) else (key,)
        group = group.reset_index(drop=True)
        probs = _probabilities(group, floor)
        doc_index = [np.asarray(ix) for ix in group.groupby("doc_id", sort=True).indices.values()]
        unit = _Unit(key, doc_index)
        point = measures(*(p[None] for p in probs))
        boot = _bootstrap(unit, probs, replicates, rng) if replicates > 0 else None
        row: dict[str, Any] = dict(zip(cols, key))
        row["n_documents"] = len(doc_index)
        row["n_passages"] = len(group)
        row["n_diplomacy"] = round(float(point["n_diplomacy"][0]), 2)
        for j, f in enumerate(FUNCTIONS):
            row[f"share_{f}"] = float(point["shares"][0, j])
            lo, hi = _interval(boot["shares"][:, j]) if boot else (math.nan, math.nan)
            row[f"share_{f}_lo"], row[f"share_{f}_hi"] = lo, hi
        for name in _MEASURES:
            row[name] = float(point[name][0])
            lo, hi = _interval(boot[name]) if boot else (math.nan, math.nan)
            row[f"{name}_lo"], row[f"{name}_hi"] = lo, hi
        row["verdict"] = rule.decide(row)
        rows.append(row)
    out = pd.DataFrame(rows, columns=_profile_columns(cols))  # the same columns when nothing was read
    floats = out.select_dtypes("float").columns
    out[floats] = out[floats].round(4)
    return out


def compare(profiles: pd.DataFrame) -> pd.DataFrame:
    """Units ranked by θ, with each unit's distinctiveness from the other units' mean profile.

    Distinctiveness is the total-variation distance between a unit's function
    shares and the mean shares of all other units (0 = same mix, 1 = disjoint).
    """
    share_cols = [f"share_{f}" for f in FUNCTIONS]
    out = profiles.copy()
    shares = out[share_cols].to_numpy(float)
    dist = []
    for i in range(len(out)):
        others = np.delete(shares, i, axis=0)
        dist.append(0.5 * float(np.abs(shares[i] - others.mean(axis=0)).sum()) if len(others) else math.nan)
    out["distinctiveness"] = dist
    out["rank_theta"] = out["theta"].rank(ascending=False, method="min").astype(int)
    return out.sort_values("rank_theta")


def evidence(
    predictions: pd.DataFrame, documents: pd.DataFrame, by: Sequence[str] | str | None = None, k: int = 3
) -> pd.DataFrame:
    """For each unit and function, the ``k`` passages with the highest probability, with their source."""
    documents, cols = _grouped(documents, by)
    data = join_predictions(predictions, documents)
    for c in cols:
        data[c] = data[c].astype("object").where(data[c].notna(), "(unknown)")
    frames = []
    for f in FUNCTIONS:
        top = (
            data.sort_values(f"p_{f}", ascending=False)
            .groupby(cols, sort=True, dropna=False)
            .head(k)
            .assign(function=f, probability=lambda x, f=f: x[f"p_{f}"])
        )
        frames.append(top)
    if not frames:
        return pd.DataFrame()
    keep = [*cols, "function", "probability", "text", "path", "page", "passage_id", "p_policy_anchored"]
    ev = pd.concat(frames, ignore_index=True)
    keep = [c for c in keep if c in ev.columns]
    return ev[keep].sort_values([*cols, "function", "probability"], ascending=[True] * len(cols) + [True, False])
