"""A labelled sample -> the share of each label among all passages of the frame.

Each row drawn by :func:`cdtext.annotate` carries its inclusion probability
``pi``. The Hájek estimator of a label's prevalence weights every labelled
passage by ``1/pi``::

    p_hat = sum(y_i / pi_i) / sum(1 / pi_i)

which corrects for the over-sampling of uncertain or likely-positive
passages. Its standard error is the usual linearisation for independent
(Poisson) draws, ``sqrt(sum((1 - pi_i) / pi_i**2 * (y_i - p_hat)**2)) /
sum(1 / pi_i)``; systematic draws are usually at least as precise, so this
errs on the wide side. Rows from different rounds should be estimated per
round (each round's frame excluded the passages labelled before it).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cdtext.errors import CdtextError
from cdtext.labels import ANCHORED, FUNCTIONS


def prevalence(labels: pd.DataFrame) -> pd.DataFrame:
    """Estimated share of passages per function, for *any function* and for anchoring, with 95 % intervals.

    ``labels`` is a label table with ``inclusion_prob``; when one passage has
    several annotators, the first row of each passage is used.
    """
    data = labels.dropna(subset=["inclusion_prob"]).drop_duplicates("key")
    data = data[data["inclusion_prob"] > 0]
    if data.empty:
        raise CdtextError("no labelled row records an inclusion probability (rows drawn by cdtext annotate do)")
    w = 1.0 / data["inclusion_prob"].to_numpy(float)
    pi = data["inclusion_prob"].to_numpy(float)
    fns = data["functions"].tolist()
    outcomes = {f: np.array([f in x for x in fns], float) for f in FUNCTIONS}
    outcomes["any_function"] = np.array([bool(x) for x in fns], float)
    outcomes[ANCHORED] = np.array([bool(x) and bool(a) for x, a in zip(fns, data["policy_anchored"])], float)
    rows = []
    for name, y in outcomes.items():
        p = float((w * y).sum() / w.sum())
        se = float(np.sqrt(((1 - pi) / pi**2 * (y - p) ** 2).sum()) / w.sum())
        rows.append(
            {
                "label": name,
                "labelled": int(y.sum()),
                "sample_share": round(float(y.mean()), 4),
                "prevalence": round(p, 4),
                "lo": round(max(0.0, p - 1.96 * se), 4),
                "hi": round(min(1.0, p + 1.96 * se), 4),
            }
        )
    out = pd.DataFrame(rows)
    out.attrs["n"] = len(data)
    out.attrs["frame_estimate"] = float(w.sum())
    return out
