"""Label tables of two or more annotators -> agreement per label (Krippendorff's alpha) and disagreements.

For every label (the five functions, *any function*, anchoring, the nine
policy areas) the reliability data is an annotators x passages matrix of 0/1
codes; a passage enters when at least two annotators coded it. Anchoring is
only defined for a passage an annotator gave a function, so it is missing
(not 0) elsewhere; alpha copes with missing values. Alpha (nominal) comes
from the ``krippendorff`` package; percent agreement is the share of agreeing
pairs among all pairs of codes on the same passage.
"""

from __future__ import annotations

from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd

from cdtext.errors import CdtextError
from cdtext.labels import ANCHORED, FUNCTIONS, POLICY_AREAS

ANY = "any_function"
AGREEMENT_LABELS = (*FUNCTIONS, ANY, ANCHORED, *POLICY_AREAS)


def _codes(row: pd.Series, label: str) -> float:
    fns = row["functions"]
    if label in FUNCTIONS:
        return float(label in fns)
    if label == ANY:
        return float(bool(fns))
    if label == ANCHORED:
        return float(bool(row["policy_anchored"])) if fns else np.nan
    return float(label in row["policy_areas"]) if fns else 0.0


def _percent(matrix: np.ndarray) -> tuple[float, int]:
    agree = pairs = 0
    for col in matrix.T:
        values = col[~np.isnan(col)]
        for a, b in combinations(values, 2):
            pairs += 1
            agree += a == b
    return (agree / pairs if pairs else float("nan")), pairs


def agreement(labels: pd.DataFrame) -> dict[str, Any]:
    """Alpha, percent agreement and counts per label, and a function disagreement table.

    ``labels`` is a label table (:func:`cdtext.read_labels`) holding rows of at
    least two annotators. Raises :class:`CdtextError` when no passage was coded
    by two of them.
    """
    import krippendorff

    annotators = sorted(labels["annotator"].unique())
    if len(annotators) < 2:
        raise CdtextError(
            f"agreement needs labels from at least two annotators; found {len(annotators)} "
            f"({', '.join(annotators) or 'none'}); fill the annotator column or give one file per annotator"
        )
    counts = labels.groupby("key")["annotator"].nunique()
    shared = counts[counts >= 2].index
    if len(shared) == 0:
        raise CdtextError(
            f"no passage was labelled by two annotators ({', '.join(annotators)}): agreement cannot be computed; "
            "double-code some passages (the same ids in both files)"
        )
    data = labels[labels["key"].isin(shared)]
    keys = sorted(shared)
    per_label: dict[str, dict[str, Any]] = {}
    for label in AGREEMENT_LABELS:
        matrix = np.full((len(annotators), len(keys)), np.nan)
        pos = {k: j for j, k in enumerate(keys)}
        for row in data.itertuples():
            r = {"functions": row.functions, "policy_anchored": row.policy_anchored, "policy_areas": row.policy_areas}
            matrix[annotators.index(row.annotator), pos[row.key]] = _codes(pd.Series(r), label)
        pct, pairs = _percent(matrix)
        values = matrix[~np.isnan(matrix)]
        if pairs == 0:
            alpha: float | None = None
            note = "no passage with two codes"
        elif len(np.unique(values)) < 2:
            alpha, note = None, "every code the same value: alpha is undefined"
        else:
            alpha, note = float(krippendorff.alpha(reliability_data=matrix, level_of_measurement="nominal")), ""
        per_label[label] = {
            "alpha": None if alpha is None else round(alpha, 4),
            "percent_agreement": None if np.isnan(pct) else round(pct, 4),
            "pairs": pairs,
            "positives": int(np.nansum(matrix)),
            "note": note,
        }
    disagreements = []
    for a, b in combinations(annotators, 2):
        both = data[data["annotator"].isin([a, b])].pivot_table(
            index="key", columns="annotator", values="functions", aggfunc="first"
        )
        both = both.dropna()
        for f in FUNCTIONS:
            only_a = int(sum(f in x and f not in y for x, y in zip(both[a], both[b])))
            only_b = int(sum(f not in x and f in y for x, y in zip(both[a], both[b])))
            together = int(sum(f in x and f in y for x, y in zip(both[a], both[b])))
            disagreements.append(
                {
                    "annotator_a": a,
                    "annotator_b": b,
                    "function": f,
                    "both": together,
                    "only_a": only_a,
                    "only_b": only_b,
                    "passages": len(both),
                }
            )
    return {
        "annotators": annotators,
        "passages": len(keys),
        "labels": per_label,
        "disagreements": disagreements,
    }


def agreement_table(result: dict[str, Any]) -> pd.DataFrame:
    """One row per label: alpha, percent agreement, pairs, positive codes."""
    rows = [{"label": k, **v} for k, v in result["labels"].items()]
    return pd.DataFrame(rows, columns=["label", "alpha", "percent_agreement", "pairs", "positives", "note"])
