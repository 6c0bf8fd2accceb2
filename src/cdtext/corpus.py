"""The annotated corpus: loading, checking coverage and near-duplicates, label statistics.

The corpus is JSON lines under ``corpus/annotated/`` (one passage per line;
fields in corpus/annotated/README.md). :func:`check_corpus` lists every
violation of the coverage minimums and every near-duplicate pair.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cdtext.errors import CdtextError
from cdtext.labels import ANCHORED, FUNCTIONS, GENRES, LABELS, POLICY_AREAS

_CHECKOUT_CORPUS = Path(__file__).resolve().parents[2] / "corpus" / "annotated"
#: the annotated corpus of a checkout (editable install), else ./corpus/annotated of the working folder
DEFAULT_CORPUS = _CHECKOUT_CORPUS if _CHECKOUT_CORPUS.exists() else Path.cwd() / "corpus" / "annotated"
FIELDS = ("id", "text", "functions", "policy_anchored", "policy_areas", "genre", "city", "country", "split")
_WORD = re.compile(r"[a-z0-9']+")


@dataclass(frozen=True)
class Minimums:
    """Coverage the corpus must reach (the classifier issue's acceptance bar)."""

    passages: int = 1200
    per_function: int = 180
    no_function: int = 400
    multi_label_share: float = 0.20
    anchored: int = 250
    not_anchored: int = 250
    per_area: int = 40
    cities: int = 60
    min_words: int = 15
    max_words: int = 250
    near_duplicate: float = 0.5


def corpus_files(path: str | Path | None = None) -> list[Path]:
    root = Path(path) if path else DEFAULT_CORPUS
    if root.is_file():
        return [root]
    files = sorted(root.glob("*.jsonl"))
    if not files:
        raise CdtextError(f"no annotated corpus (*.jsonl) found in {root}")
    return files


def load_corpus(path: str | Path | None = None) -> pd.DataFrame:
    """The annotated passages as a DataFrame, one row per passage."""
    rows: list[dict[str, Any]] = []
    for file in corpus_files(path):
        for n, line in enumerate(file.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise CdtextError(f"{file}:{n}: not valid JSON ({exc.msg})") from exc
    df = pd.DataFrame(rows)
    missing = [f for f in FIELDS if f not in df.columns]
    if missing:
        raise CdtextError(f"annotated corpus lacks field(s): {', '.join(missing)}")
    return df


def corpus_hash(path: str | Path | None = None) -> str:
    """SHA-256 over the corpus files' bytes (in name order): identifies a training corpus."""
    digest = hashlib.sha256()
    for file in corpus_files(path):
        digest.update(file.name.encode())
        digest.update(file.read_bytes())
    return digest.hexdigest()


def label_matrix(df: pd.DataFrame) -> np.ndarray:
    """``(n, 15)`` 0/1 matrix in :data:`LABELS` order (anchoring is 0 without a function)."""
    y = np.zeros((len(df), len(LABELS)), dtype=np.int8)
    for i, (fns, anchored, areas) in enumerate(zip(df.functions, df.policy_anchored, df.policy_areas)):
        for f in fns:
            y[i, LABELS.index(f)] = 1
        if fns and anchored is True:
            y[i, LABELS.index(ANCHORED)] = 1
        for a in areas:
            y[i, LABELS.index(a)] = 1
    return y


def shingles(text: str, n: int = 5) -> set[tuple[str, ...]]:
    words = _WORD.findall(text.lower())
    return {tuple(words[i : i + n]) for i in range(max(len(words) - n + 1, 1))}


def near_duplicates(texts: Sequence[str], threshold: float = 0.5) -> list[tuple[int, int, float]]:
    """Pairs of passages whose word 5-gram Jaccard similarity exceeds ``threshold``."""
    sets = [shingles(t) for t in texts]
    index: dict[tuple[str, ...], list[int]] = {}
    for i, s in enumerate(sets):
        for g in s:
            index.setdefault(g, []).append(i)
    shared: Counter[tuple[int, int]] = Counter()
    for ids in index.values():
        if len(ids) > 50:  # a stock phrase shared by many passages
            continue
        for a in range(len(ids)):
            for b in range(a + 1, len(ids)):
                shared[(ids[a], ids[b])] += 1
    out = []
    for (a, b), inter in shared.items():
        union = len(sets[a]) + len(sets[b]) - inter
        if union and inter / union > threshold:
            out.append((a, b, inter / union))
    return sorted(out)


def check_corpus(df: pd.DataFrame, minimums: Minimums = Minimums()) -> list[str]:
    """Every way the corpus falls short of ``minimums``; empty when it passes."""
    problems: list[str] = []
    fn_sets = df.functions.map(set)
    positive = fn_sets.map(bool)
    if len(df) < minimums.passages:
        problems.append(f"{len(df)} passages; need at least {minimums.passages}")
    if not df.id.is_unique:
        problems.append(f"duplicate ids: {sorted(df.id[df.id.duplicated()])[:5]}")
    for f in FUNCTIONS:
        n = int(fn_sets.map(lambda s, f=f: f in s).sum())
        if n < minimums.per_function:
            problems.append(f"{f}: {n} positive passages; need {minimums.per_function}")
    if (~positive).sum() < minimums.no_function:
        problems.append(f"{(~positive).sum()} passages with no function; need {minimums.no_function}")
    share = (fn_sets[positive].map(len) > 1).mean() if positive.any() else 0.0
    if share < minimums.multi_label_share:
        problems.append(f"multi-label share of positives {share:.2f}; need {minimums.multi_label_share}")
    anchored = int((positive & (df.policy_anchored == True)).sum())  # noqa: E712 - object column
    unanchored = int((positive & (df.policy_anchored == False)).sum())  # noqa: E712
    if anchored < minimums.anchored:
        problems.append(f"{anchored} policy-anchored passages; need {minimums.anchored}")
    if unanchored < minimums.not_anchored:
        problems.append(f"{unanchored} functional but not anchored passages; need {minimums.not_anchored}")
    areas = Counter(a for lst in df.policy_areas for a in lst)
    for a in POLICY_AREAS:
        if areas[a] < minimums.per_area:
            problems.append(f"{a}: {areas[a]} passages; need {minimums.per_area}")
    genres = set(df.genre)
    for g in GENRES:
        if g not in genres:
            problems.append(f"genre {g} is missing")
    if df.city.nunique() < minimums.cities:
        problems.append(f"{df.city.nunique()} distinct cities; need {minimums.cities}")
    words = df.text.str.split().map(len)
    short = df.id[(words < minimums.min_words) | (words > minimums.max_words)].tolist()
    if short:
        problems.append(f"passages outside {minimums.min_words}-{minimums.max_words} words: {short[:10]}")
    for _, row in df.iterrows():
        fns = set(row.functions)
        if fns - set(FUNCTIONS) or set(row.policy_areas) - set(POLICY_AREAS):
            problems.append(f"{row.id}: unknown label")
        if fns and not isinstance(row.policy_anchored, bool):
            problems.append(f"{row.id}: policy_anchored must be true/false when there is a function")
        if not fns and (row.policy_anchored is not None or row.policy_areas):
            problems.append(f"{row.id}: no function, so policy_anchored must be null and policy_areas empty")
        if row.genre not in GENRES:
            problems.append(f"{row.id}: unknown genre {row.genre!r}")
        if row.split not in ("train", "test"):
            problems.append(f"{row.id}: split must be train or test")
    test_share = (df.split == "test").mean()
    if not 0.15 <= test_share <= 0.25:
        problems.append(f"test split is {test_share:.0%} of the corpus; expected about 20%")
    ids = df.id.tolist()
    for ia, ib, jac in near_duplicates(df.text.tolist(), minimums.near_duplicate):
        problems.append(f"near-duplicates {ids[ia]} ~ {ids[ib]} (word 5-gram Jaccard {jac:.2f})")
    return problems


def label_table(df: pd.DataFrame) -> pd.DataFrame:
    """Counts per label, overall and in each split."""
    y = label_matrix(df)
    out = pd.DataFrame(y, columns=list(LABELS))
    out["no_function"] = (y[:, : len(FUNCTIONS)].sum(axis=1) == 0).astype(int)
    out["split"] = df.split.values
    table = out.groupby("split").sum().T
    table["all"] = table.sum(axis=1)
    return table[["all", "train", "test"]]
