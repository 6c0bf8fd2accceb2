"""Label files -> checked, resolved label tables; several annotators -> one label per passage.

The functions re-exported as ``cdtext.read_labels``, ``cdtext.check_labels``,
``cdtext.agreement`` and used by ``cdtext train --labels``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from cdtext.annotation.labelfile import Problem, read_label_files
from cdtext.errors import LabelError
from cdtext.labels import FUNCTIONS, POLICY_AREAS

#: the annotator name whose row settles a passage coded by several annotators
ADJUDICATED = "adjudicated"


def check_labels(
    files: Sequence[str | Path], *, store: str | Path | None = None, text_root: str | Path | None = None
) -> list[Problem]:
    """Every problem in ``files``: bad codes and cells, duplicates, and (with ``store`` or ``text_root``)
    passages whose text cannot be found or no longer matches its hash."""
    from cdtext.annotation.resolve import resolve_texts

    labels, problems = read_label_files(files)
    if len(labels) and store is None and text_root is None:
        for file, rows in labels[labels["text"].isna()].groupby("file", sort=False):
            message = f"{len(rows)} stand-off row(s) without text: give --store or --text-root to check them"
            problems.append(Problem(file, 0, message))
        labels = labels[labels["text"].notna()]
    if len(labels) and (store is not None or text_root is not None or labels["text"].isna().any()):
        resolved, unresolved = resolve_texts(labels, store=store, text_root=text_root)
        problems.extend(unresolved)
        if store is not None and text_root is None:
            failed = {(p.file, p.row) for p in unresolved}
            for row in resolved.itertuples():
                if row.id and row.doc_id is None and (row.file, row.row) not in failed:
                    problems.append(Problem(row.file, row.row, f"passage id {row.id} is not in {store}"))
    return sorted(problems, key=lambda p: (p.file, p.row))


def read_labels(
    files: Sequence[str | Path],
    *,
    store: str | Path | None = None,
    text_root: str | Path | None = None,
    resolve: bool = True,
) -> pd.DataFrame:
    """The labelled rows of ``files`` (CSV or JSON lines, inline or stand-off), one per passage and annotator.

    With ``resolve`` (default) every row gets its passage ``text``, from the
    file itself, from ``store`` or from the documents under ``text_root``,
    checked against the recorded ``sha1``. Raises :class:`~cdtext.errors.LabelError`
    listing every problem when there is any.
    """
    from cdtext.annotation.resolve import resolve_texts

    labels, problems = read_label_files(files)
    if resolve and len(labels):
        labels, unresolved = resolve_texts(labels, store=store, text_root=text_root)
        problems.extend(unresolved)
    if problems:
        raise LabelError(sorted(problems, key=lambda p: (p.file, p.row)))
    return labels


def agreement(labels: pd.DataFrame | Sequence[str | Path]) -> dict[str, Any]:
    """Krippendorff's alpha, percent agreement and disagreements between annotators (see
    :func:`cdtext.annotation.agreement.agreement`); ``labels`` is a label table or label files."""
    from cdtext.annotation.agreement import agreement as compute

    if not isinstance(labels, pd.DataFrame):
        labels = read_labels(labels, resolve=False)
    return compute(labels)


def _majority(rows: pd.DataFrame) -> dict[str, Any]:
    """One passage's labels from several annotators: a code is kept when more than half give it;
    a tie goes the way of the first row (the first file given)."""
    n = len(rows)
    first = rows.iloc[0]

    def kept(codes: Sequence[str], column: str) -> list[str]:
        out = []
        for code in codes:
            votes = sum(code in r for r in rows[column])
            if votes * 2 > n or (votes * 2 == n and code in first[column]):
                out.append(code)
        return out

    functions = kept(FUNCTIONS, "functions")
    areas = kept(POLICY_AREAS, "policy_areas") if functions else []
    anchored = None
    if functions:
        votes = [bool(v) for v in rows["policy_anchored"] if v is not None and not pd.isna(v)]
        yes = sum(votes)
        anchored = yes * 2 > len(votes) or (yes * 2 == len(votes) and bool(first["policy_anchored"]))
    return {"functions": functions, "policy_anchored": anchored, "policy_areas": areas}


def consensus(labels: pd.DataFrame) -> pd.DataFrame:
    """One row per passage: the ``adjudicated`` annotator's row when there is one, the only row when
    there is one, else the majority of the annotators (ties follow the first file)."""
    out = []
    for _, rows in labels.groupby("key", sort=False):
        adjudicated = rows[rows["annotator"].str.lower() == ADJUDICATED]
        if len(adjudicated):
            row = adjudicated.iloc[0].to_dict()
        elif len(rows) == 1:
            row = rows.iloc[0].to_dict()
        else:
            row = rows.iloc[0].to_dict() | _majority(rows)
            row["annotator"] = "+".join(rows["annotator"])
        out.append(row)
    return pd.DataFrame(out, columns=labels.columns)


def standoff(files: Sequence[str | Path], out: str | Path | None = None) -> pd.DataFrame:
    """The labelled rows of ``files`` as stand-off labels (references, hashes, labels; no text).

    Every row needs a reference that does not depend on the text: ``source``
    with ``start``/``end``, or ``id`` with ``doc_sha256``; its ``sha1`` is
    computed from the text when missing. Raises :class:`LabelError` for rows
    that cannot be referenced. Written as JSON lines to ``out`` when given.
    """
    from cdtext.annotation.labelfile import passage_sha1
    from cdtext.annotation.sample import STANDOFF_COLUMNS, write_label_rows

    labels = read_labels(files, resolve=False)
    problems = []
    sha1s = []
    for row in labels.itertuples():
        has_span = bool(row.source) and row.start is not None and row.end is not None
        if not (has_span or (row.id and row.doc_sha256)):
            problems.append(Problem(row.file, row.row, "no reference to the text (source/start/end or id/doc_sha256)"))
        sha1 = row.sha1 or (passage_sha1(row.text) if row.text else None)
        if sha1 is None:
            problems.append(Problem(row.file, row.row, "no sha1 and no text to compute it from"))
        sha1s.append(sha1)
    if problems:
        raise LabelError(problems)
    rows = labels.assign(sha1=sha1s)
    rows["functions"] = [";".join(v) for v in rows["functions"]]
    rows["policy_areas"] = [";".join(v) for v in rows["policy_areas"]]
    rows["start"] = rows["start"].astype("Int64")
    rows["end"] = rows["end"].astype("Int64")
    rows = rows[list(STANDOFF_COLUMNS)]
    if out is not None:
        write_label_rows(rows, out, stand_off=True)
    return rows
