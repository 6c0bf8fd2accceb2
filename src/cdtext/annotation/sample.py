"""store + model -> a sample of passages to label, with known inclusion probabilities.

The design (docs/annotation.md gives the reasoning and the estimator):

1. **Frame.** The store's passages of at least ``min_words`` words, one per
   distinct text (case, digits and punctuation ignored), minus passages
   already labelled in the ``exclude`` files (with ``exclude_near``, also
   minus passages whose word 5-grams overlap an excluded one's in the store
   by more than half: the same press release or resolution text again).
2. **Weights.** Each component of the strategy spreads its share of the
   ``n`` picks over the frame: ``random`` evenly; ``uncertainty`` in
   proportion to how close the current model's probabilities are to its
   decision thresholds (in log-odds, over the five functions, *any
   function* and anchoring); ``positive`` evenly over the five functions,
   among the passages the model gives that function (so rare functions are
   seen). A passage's inclusion probability ``pi`` is the sum of its shares,
   capped at 1 and at ``max_per_doc`` expected picks per document (the
   excess goes to the other passages).
3. **Draw.** Systematic sampling over the frame in a random order of
   documents (passages shuffled within each): exactly ``round(sum(pi))``
   picks, passage ``i`` drawn with probability ``pi_i``, at most
   ``ceil(max_per_doc)`` from one document. Each passage's interval is split
   between the components by their shares; the one the selection point falls
   in is the row's ``stratum``. Rows of stratum ``random`` therefore form an
   equal-probability sample of the frame on their own.
4. **Diversity.** Picks whose word 5-grams overlap an earlier pick's by more
   than half (Jaccard) are dropped and counted in the design summary.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cdtext.annotation.labelfile import FILL_COLUMNS, passage_keys, passage_sha1
from cdtext.errors import CdtextError, ConfigError
from cdtext.labels import ANCHORED, FUNCTIONS

log = logging.getLogger(__name__)

STRATEGIES: dict[str, dict[str, float]] = {
    "mixed": {"random": 0.4, "uncertainty": 0.4, "positive": 0.2},
    "uncertainty": {"uncertainty": 1.0},
    "random": {"random": 1.0},
}
COMPONENTS = ("random", "uncertainty", "positive")
#: log-odds distance from a threshold at which a probability stops counting as uncertain
LOGIT_BAND = 3.0
_NORMAL = re.compile(r"[^a-z]+")
_WORD = re.compile(r"[a-z0-9']+")


@dataclass
class Design:
    """What a draw did: the frame, the strategy and what came out."""

    strategy: dict[str, float]
    seed: int
    frame: int
    requested: int
    drawn: int
    dropped_near_duplicates: int
    max_per_doc: float
    by_stratum: dict[str, int] = field(default_factory=dict)
    model: str = ""
    round: str = ""
    focus: list[str] = field(default_factory=list)
    match: str | None = None
    near_excluded: int = 0

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-4, 1 - 1e-4)
    return np.log(p / (1 - p))


def uncertainty(pred: pd.DataFrame, thresholds: Mapping[str, float]) -> np.ndarray:
    """Closeness of each passage's probabilities to the decision thresholds, in [0, 1] (1 = on a threshold)."""
    heads = {f: pred[f"p_{f}"].to_numpy(float) for f in FUNCTIONS}
    heads["any_function"] = 1 - pred["p_no_function"].to_numpy(float)
    # anchoring only matters for a passage that has a function
    heads[ANCHORED] = np.where(heads["any_function"] >= 0.5, pred[f"p_{ANCHORED}"].to_numpy(float), 0.0)
    best = np.zeros(len(pred))
    for head, p in heads.items():
        t = float(thresholds.get(head, 0.5))
        close = np.clip(1 - np.abs(_logit(p) - _logit(np.array(t))) / LOGIT_BAND, 0, 1)
        best = np.maximum(best, close)
    return best


def _positive_weights(
    pred: pd.DataFrame, thresholds: Mapping[str, float], focus: Sequence[str] = FUNCTIONS, picks: float = 0
) -> np.ndarray:
    """Even weight over each function's candidates: the passages the model gives the function, or, when
    those are fewer than three times the function's expected ``picks``, the ones it ranks highest."""
    w = np.zeros(len(pred))
    for f in focus:
        p = pred[f"p_{f}"].to_numpy(float)
        on = p >= float(thresholds.get(f, 0.5))
        wanted = min(len(p), math.ceil(3 * picks))
        if on.sum() < wanted:
            on = np.zeros(len(p), bool)
            on[np.argsort(-p, kind="stable")[:wanted]] = True
        if on.any():
            w += on / on.sum()
    return w


def inclusion_probabilities(weights: np.ndarray, docs: np.ndarray, n: float, max_per_doc: float) -> np.ndarray:
    """``pi`` proportional to ``weights``, summing to ``n`` where the caps allow, each <= 1, per document <= cap."""
    total = weights.sum()
    if total <= 0 or n <= 0:
        return np.zeros_like(weights)
    pi = n * weights / total
    n_docs = int(docs.max()) + 1 if len(docs) else 0
    for _ in range(200):
        pi = np.minimum(pi, 1.0)
        per_doc = np.bincount(docs, weights=pi, minlength=n_docs)
        over = per_doc > max_per_doc
        if over.any():
            pi = pi * np.where(over, max_per_doc / np.maximum(per_doc, 1e-300), 1.0)[docs]
            per_doc = np.bincount(docs, weights=pi, minlength=n_docs)
        full = (pi >= 1 - 1e-12) | (per_doc >= max_per_doc - 1e-9)[docs]
        free = ~full & (pi > 0)
        deficit = n - pi.sum()
        if deficit < 1e-9 or not free.any():
            break
        pi[free] *= 1 + deficit / pi[free].sum()
    return np.minimum(pi, 1.0)


def _shingles(text: str) -> set[tuple[str, ...]]:
    words = _WORD.findall(text.lower())
    return {tuple(words[i : i + 5]) for i in range(max(len(words) - 4, 1))}


class _ShingleSets:
    """Word 5-gram sets, indexed by 5-gram, to ask whether a new set overlaps one of them (Jaccard)."""

    def __init__(self) -> None:
        self.sets: list[set[tuple[str, ...]]] = []
        self.index: dict[tuple[str, ...], list[int]] = {}

    def add(self, s: set[tuple[str, ...]]) -> None:
        for g in s:
            self.index.setdefault(g, []).append(len(self.sets))
        self.sets.append(s)

    def overlaps(self, s: set[tuple[str, ...]], threshold: float) -> bool:
        """Whether ``s`` shares more than ``threshold`` of its union with one of the sets."""
        shared: dict[int, int] = {}
        for g in s:
            for k in self.index.get(g, ()):
                shared[k] = shared.get(k, 0) + 1
        return any(c / (len(s) + len(self.sets[k]) - c) > threshold for k, c in shared.items())


def _drop_near_duplicates(texts: Sequence[str], threshold: float = 0.5) -> list[int]:
    """Indices to keep: each text unless it overlaps an earlier kept one by more than ``threshold``."""
    kept, seen = [], _ShingleSets()
    for i, text in enumerate(texts):
        s = _shingles(text)
        if not seen.overlaps(s, threshold):
            seen.add(s)
            kept.append(i)
    return kept


def _near_repeats(texts: Sequence[str], of: Sequence[str], threshold: float = 0.5) -> np.ndarray:
    """``True`` for each text that overlaps one of ``of`` by more than ``threshold`` (Jaccard over word
    5-grams); the texts are compared with ``of`` only, never with each other."""
    earlier = _ShingleSets()
    for text in of:
        earlier.add(_shingles(text))
    return np.array([earlier.overlaps(_shingles(t), threshold) for t in texts], dtype=bool)


def _frame(passages: pd.DataFrame, min_words: int, exclude: set[str], near: bool = False) -> tuple[pd.DataFrame, int]:
    """The frame (module docstring) and how many passages ``near`` left out as near-repeats of excluded ones."""
    sha1 = passages["text"].map(passage_sha1)
    excluded = passages["passage_id"].isin(exclude) | sha1.isin(exclude)
    frame = passages[(passages["n_words"] >= min_words) & ~excluded].assign(sha1=sha1)
    key = frame["text"].str.lower().str.replace(_NORMAL, " ", regex=True).str.strip()
    frame = frame.loc[~key.duplicated()].reset_index(drop=True)
    if not (near and excluded.any()):
        return frame, 0
    repeats = _near_repeats(frame["text"].tolist(), passages.loc[excluded, "text"].tolist())
    return frame.loc[~repeats].reset_index(drop=True), int(repeats.sum())


def _excluded(files: Sequence[str | Path]) -> set[str]:
    """Ids and text hashes of every passage in ``files``: labelled rows and rows still to be labelled
    (a sheet handed out but not yet returned must not be drawn again)."""
    keys: set[str] = set()
    for f in files:
        try:
            keys |= passage_keys(Path(f))
        except CdtextError as exc:
            raise CdtextError(f"cannot use --exclude file: {exc}") from exc
    return keys


def _source(path: str, root: Path | None) -> str:
    if root is not None:
        try:
            return Path(path).absolute().relative_to(root.absolute()).as_posix()
        except ValueError:
            pass
    return str(path)


def draw_sample(
    frame: pd.DataFrame,
    pred: pd.DataFrame,
    thresholds: Mapping[str, float],
    *,
    n: int,
    shares: Mapping[str, float],
    seed: int,
    max_per_doc: float,
    focus: Sequence[str] = (),
) -> tuple[pd.DataFrame, int]:
    """The drawn rows of ``frame`` with ``stratum`` and ``inclusion_prob``; the number of near-duplicates dropped."""
    unknown = set(shares) - set(COMPONENTS)
    if unknown or not shares or any(v < 0 for v in shares.values()) or sum(shares.values()) <= 0:
        raise ConfigError(f"sampling shares must be non-negative weights of {', '.join(COMPONENTS)}")
    rng = np.random.default_rng(seed)
    total_share = sum(shares.values())
    parts = {
        "random": np.ones(len(frame)),
        "uncertainty": uncertainty(pred, thresholds),
        "positive": _positive_weights(
            pred, thresholds, focus or FUNCTIONS, n * shares.get("positive", 0) / total_share / len(focus or FUNCTIONS)
        ),
    }
    comp = np.zeros((len(frame), len(COMPONENTS)))
    for j, name in enumerate(COMPONENTS):
        w = parts[name]
        if shares.get(name, 0) > 0 and w.sum() > 0:
            comp[:, j] = shares[name] / total_share * w / w.sum()
    weights = comp.sum(axis=1)
    docs = pd.factorize(frame["doc_id"])[0]
    pi = inclusion_probabilities(weights, docs, float(n), max_per_doc)
    frac = np.divide(comp, weights[:, None], out=np.zeros_like(comp), where=weights[:, None] > 0)
    # a random order of documents, passages shuffled within each
    doc_order = rng.permutation(docs.max() + 1 if len(docs) else 0)
    order = np.lexsort((rng.random(len(frame)), doc_order[docs])) if len(frame) else np.zeros(0, int)
    cum = np.cumsum(pi[order])
    total = cum[-1] if len(cum) else 0.0
    start = rng.random()
    points = start + np.arange(max(0, math.ceil(total - start))) if total > start else np.zeros(0)
    at = np.searchsorted(cum, points, side="right")
    picks, strata = [], []
    for point, k in zip(points, at):
        if k >= len(order):
            continue
        unit = order[k]
        offset = point - (cum[k - 1] if k else 0.0)
        bounds = np.cumsum(frac[unit] * pi[unit])
        strata.append(COMPONENTS[int(min(np.searchsorted(bounds, offset, side="right"), len(COMPONENTS) - 1))])
        picks.append(unit)
    sample = frame.iloc[picks].copy()
    sample["stratum"] = strata
    sample["inclusion_prob"] = pi[picks]
    keep = _drop_near_duplicates(sample["text"].tolist())
    dropped = len(sample) - len(keep)
    return sample.iloc[keep], dropped


def annotate(
    store: str | Path,
    out: str | Path | None = None,
    *,
    n: int = 200,
    strategy: str | Mapping[str, float] = "mixed",
    seed: int = 0,
    exclude: Sequence[str | Path] = (),
    exclude_ids: Sequence[str] = (),
    model: str | Path | None = None,
    root: str | Path | None = None,
    stand_off: bool = False,
    max_per_doc: float = 5,
    min_words: int = 10,
    round: str | None = None,
    focus: Sequence[str] = (),
    match: str | None = None,
    exclude_near: bool = False,
) -> pd.DataFrame:
    """Pick ``n`` passages of ``store`` to label (see the module docstring); write them to ``out``.

    ``out`` is a ``.csv`` or ``.jsonl`` file to open in a spreadsheet and fill
    in, or with ``stand_off=True`` a ``.jsonl`` of references without text.
    ``exclude`` names label files whose passages are left out (by id or text
    hash); ``exclude_ids`` adds passage ids or text SHA-1s directly; ``exclude_near`` also leaves out
    passages that nearly repeat an excluded one of the store (word 5-grams, Jaccard over one half).
    ``root`` makes ``source`` paths relative to a folder. ``focus`` limits the
    ``positive`` component to some functions (to reach rare ones). ``match``, a regular expression
    (case-insensitive), narrows the frame to passages it finds something in: a search stratum whose
    random picks are recorded as stratum ``search`` (inclusion probabilities hold within the matched
    passages only, so they estimate nothing about the whole store). Returns the rows;
    ``result.attrs["design"]`` summarises the draw.
    """
    from cdtext.classify.api import Classifier
    from cdtext.store import read_passages

    if n < 1:
        raise ConfigError(f"n must be at least 1, not {n}")
    if max_per_doc < 1:
        raise ConfigError(f"max_per_doc must be at least 1, not {max_per_doc}")
    shares = STRATEGIES.get(strategy) if isinstance(strategy, str) else dict(strategy)
    if shares is None:
        raise ConfigError(f"unknown strategy {strategy!r}; choose one of {', '.join(STRATEGIES)}")
    passages = read_passages(store)
    if passages.empty:
        raise CdtextError(f"{store} has no passages to sample from; ingest documents into it first")
    frame, near_excluded = _frame(passages, min_words, _excluded(exclude) | set(exclude_ids), near=exclude_near)
    if match is not None:
        try:
            pattern = re.compile(match, re.IGNORECASE)
        except re.error as exc:
            raise ConfigError(f"the search pattern {match!r} is not a regular expression: {exc}") from exc
        frame = frame[[bool(pattern.search(t)) for t in frame["text"]]].reset_index(drop=True)
    if frame.empty:
        why = "match the search" if match is not None else "are long enough and not excluded"
        raise CdtextError(f"{store}: no passage left to sample (none {why}; at least {min_words} words needed)")
    clf = Classifier.load(model)
    pred = clf.predict(frame[["passage_id", "text"]])
    thresholds = clf.thresholds
    unknown = sorted(set(focus) - set(FUNCTIONS))
    if unknown:
        raise ConfigError(f"unknown function(s) to focus on: {', '.join(unknown)}")
    sample, dropped = draw_sample(
        frame, pred, thresholds, n=n, shares=shares, seed=seed, max_per_doc=max_per_doc, focus=focus
    )
    if match is not None:  # not a random sample of the store: name the stratum for what it is
        sample["stratum"] = sample["stratum"].replace("random", "search")
    rows = _rows(sample, passages, pred.set_index(frame.index), clf.name, Path(root) if root else None, round or "1")
    design = Design(
        strategy=dict(shares),
        seed=seed,
        frame=len(frame),
        requested=n,
        drawn=len(rows),
        dropped_near_duplicates=dropped,
        max_per_doc=max_per_doc,
        by_stratum=rows["stratum"].value_counts().to_dict(),
        model=clf.name,
        round=round or "1",
        focus=list(focus),
        match=match,
        near_excluded=near_excluded,
    )
    log.info("drew %d of %d passages (%s)", len(rows), len(frame), design.by_stratum)
    if stand_off:
        rows = rows[[c for c in STANDOFF_COLUMNS if c in rows.columns]]
    rows.attrs["design"] = design.as_dict()
    if out is not None:
        write_label_rows(rows, out, stand_off=stand_off)
    return rows


#: columns of a file written by annotate, in order: what to read, what to fill in, context, then provenance
SHEET_COLUMNS = (
    "id",
    "text",
    *FILL_COLUMNS,
    "before",
    "after",
    "doc_title",
    "city",
    "page",
    "model_functions",
    *(f"p_{f}" for f in FUNCTIONS),
    "p_no_function",
    f"p_{ANCHORED}",
    "model",
    "stratum",
    "inclusion_prob",
    "round",
    "source",
    "doc_sha256",
    "start",
    "end",
    "sha1",
)
STANDOFF_COLUMNS = (
    "id",
    "source",
    "doc_sha256",
    "start",
    "end",
    "sha1",
    *FILL_COLUMNS,
    "stratum",
    "inclusion_prob",
    "round",
)


def _rows(
    sample: pd.DataFrame, passages: pd.DataFrame, pred: pd.DataFrame, model: str, root: Path | None, round_: str
) -> pd.DataFrame:
    """The output rows for a sample: text, empty label columns, context, the model's view and the reference."""
    neighbours = passages.set_index(["doc_id", "idx"])["text"]
    out = pd.DataFrame(
        {
            "id": sample["passage_id"].values,
            "text": sample["text"].values,
        }
    )
    for col in FILL_COLUMNS:
        out[col] = ""
    keys = list(zip(sample["doc_id"], sample["idx"]))
    out["before"] = [neighbours.get((d, i - 1), "") for d, i in keys]
    out["after"] = [neighbours.get((d, i + 1), "") for d, i in keys]
    out["doc_title"] = sample["title"].fillna("").values
    out["city"] = sample["city"].fillna("").values
    out["page"] = sample["page"].values
    p = pred.loc[sample.index]
    out["model_functions"] = [";".join(f) for f in p["functions"]]
    for col in [*(f"p_{f}" for f in FUNCTIONS), "p_no_function", f"p_{ANCHORED}"]:
        out[col] = p[col].round(3).values
    out["model"] = model
    out["stratum"] = sample["stratum"].values
    out["inclusion_prob"] = sample["inclusion_prob"].round(8).values
    out["round"] = round_
    out["source"] = [_source(x, root) for x in sample["path"]]
    out["doc_sha256"] = sample["sha256"].values if "sha256" in sample.columns else ""
    out["start"] = sample["start"].values
    out["end"] = sample["end"].values
    out["sha1"] = sample["sha1"].values
    return out[list(SHEET_COLUMNS)]


def write_label_rows(rows: pd.DataFrame, out: str | Path, *, stand_off: bool = False) -> None:
    """Write annotation rows as CSV (formula-safe) or JSON lines, atomically."""
    from cdtext.export import write_table

    suffix = Path(out).suffix.lower()
    if suffix not in (".csv", ".jsonl"):
        raise ConfigError(f"{out}: write label rows to a .csv or .jsonl file")
    if stand_off and suffix != ".jsonl":
        raise ConfigError(f"{out}: stand-off labels are JSON lines; name the file .jsonl")
    write_table(rows, out, "csv" if suffix == ".csv" else "jsonl")
