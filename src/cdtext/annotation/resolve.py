"""Label rows -> label rows with their passage text, checked against the recorded hashes.

A row's text comes, in this order, from:

1. ``store`` — the passage with the row's ``id``, or the span ``start:end``
   of the stored text of the document at ``source``;
2. ``text_root`` — the document ``text_root/source``, read by cdtext's own
   ingestion (in a temporary store, with the usual worker isolation and
   limits), then the span ``start:end`` of its text; a source naming a row
   of a table (``table.jsonl#12``, from a store read with ``--records``) is
   read from that table as records;
3. the row itself (inline label files carry the text).

Whenever a row records ``sha1``, the text found must hash to it; if the span
does not (the document was edited, or a newer cdtext reads it differently),
the passage with that hash is looked for in the same document before the row
is reported as a problem.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pandas as pd

from cdtext.annotation.labelfile import Problem, passage_sha1
from cdtext.segment import normalise_space


def _span_text(doc_text: str, start: int | None, end: int | None) -> str | None:
    if start is None or end is None or not 0 <= start < end <= len(doc_text):
        return None
    return normalise_space(doc_text[start:end])


def _from_documents(
    labels: pd.DataFrame, docs: pd.DataFrame, passages: pd.DataFrame, root: Path | None
) -> dict[int, tuple[str, str]]:
    """``label index -> (text, doc_id)`` for rows whose source document is in ``docs``."""
    by_path: dict[str, Any] = {}
    for row in docs.itertuples():
        by_path[str(row.path)] = row
    by_doc_hash: dict[str, dict[str, str]] = {}
    for p in passages.itertuples():
        by_doc_hash.setdefault(p.doc_id, {})[passage_sha1(p.text)] = p.text
    found: dict[int, tuple[str, str]] = {}
    for i, row in labels.iterrows():
        if not row["source"]:
            continue
        source = Path(str(row["source"]))
        candidates = [str((root / source).absolute())] if root is not None else []
        candidates.append(str(source.absolute()))
        doc = next((by_path[c] for c in candidates if c in by_path), None)
        if doc is None:
            suffix = "/" + source.as_posix()
            doc = next((d for p, d in by_path.items() if p.endswith(suffix)), None)
        if doc is None or not isinstance(doc.text, str):
            continue
        text = _span_text(doc.text, row["start"], row["end"])
        if row["sha1"] and (text is None or passage_sha1(text) != row["sha1"]):
            # the span moved or changed: the passage with that hash in the same document, else the span
            # as it reads now (reported as a hash mismatch)
            text = by_doc_hash.get(doc.doc_id, {}).get(row["sha1"]) or text
        if text:
            found[i] = (text, doc.doc_id)
    return found


def resolve_texts(
    labels: pd.DataFrame,
    *,
    store: str | Path | None = None,
    text_root: str | Path | None = None,
    jobs: int | None = None,
) -> tuple[pd.DataFrame, list[Problem]]:
    """Give every label row its ``text`` (and ``doc_id`` when known); list rows that cannot be resolved."""
    from cdtext.store import Store

    out = labels.copy()
    if "doc_id" not in out.columns:
        out["doc_id"] = None
    problems: list[Problem] = []
    resolved: dict[int, tuple[str, str | None]] = {}
    if store is not None:
        with Store(store, read_only=True) as db:
            ids = [i for i in out["id"].dropna().unique().tolist() if i]
            by_id = db.passages_by_id(ids)
            texts = {r.passage_id: (r.text, r.doc_id) for r in by_id.itertuples()}
            for i, row in out.iterrows():
                # a stored passage with the row's id but another text (the document was segmented differently
                # when it was labelled) does not count: the row's span or hash is looked for below
                if row["id"] in texts and (not row["sha1"] or passage_sha1(texts[row["id"]][0]) == row["sha1"]):
                    resolved[i] = texts[row["id"]]
            sources = out.loc[[i for i in out.index if i not in resolved and out.at[i, "source"]], "source"]
            if len(sources):
                docs = db.documents_with_text()
                passages = db.passages_of(docs["doc_id"].dropna().unique().tolist())
                resolved.update(_from_documents(out.loc[sources.index], docs, passages, None))
    if text_root is not None:
        root = Path(text_root)
        todo = out.loc[[i for i in out.index if i not in resolved and out.at[i, "source"]]]
        if len(todo):
            resolved.update(_resolve_from_root(todo, root, jobs))
    for i, row in out.iterrows():
        if i in resolved:
            text, doc_id = resolved[i]
        elif row["text"]:
            text, doc_id = row["text"], None
        else:
            where = "neither in the store nor under the text root"
            if store is None and text_root is None:
                where = "not in the file (stand-off labels need --text-root or --store)"
            problems.append(Problem(row["file"], row["row"], f"passage {row['key']}: text not found ({where})"))
            continue
        if row["sha1"] and passage_sha1(text) != row["sha1"]:
            problems.append(
                Problem(
                    row["file"],
                    row["row"],
                    f"passage {row['key']}: the text found does not match its sha1 {row['sha1'][:12]}… "
                    "(the document changed, or the text was edited in the label file)",
                )
            )
            continue
        out.at[i, "text"] = text
        out.at[i, "doc_id"] = doc_id
    return out, problems


def _table_row(root: Path, source: str) -> Path | None:
    """The table file of a source naming one of its rows (``table.jsonl#12``, as a store read with ``--records``
    names them), or None."""
    table, _, row = source.rpartition("#")
    if not table or not row.isdigit() or (root / source).is_file() or not (root / table).is_file():
        return None
    return (root / table).absolute()


def _resolve_from_root(todo: pd.DataFrame, root: Path, jobs: int | None) -> dict[int, tuple[str, str | None]]:
    """Ingest the referenced documents (and, read as records, the tables whose rows are referenced) into
    temporary stores and resolve the rows from them."""
    from cdtext.ingestion import ingest
    from cdtext.store import Store

    sources = [str(s) for s in todo["source"]]
    files = sorted({str((root / s).absolute()) for s in sources if (root / s).is_file()})
    tables = sorted({str(t) for s in sources if (t := _table_row(root, s)) is not None})
    docs, passages = [], []
    with tempfile.TemporaryDirectory(prefix="cdtext-resolve-") as tmp:
        for name, inputs, records in (("sources", files, False), ("tables", tables, True)):
            if not inputs:
                continue
            store = Path(tmp) / f"{name}.duckdb"
            ingest(inputs, store, config={"jobs": jobs or 0, "records": records})
            with Store(store, read_only=True) as db:
                docs.append(db.documents_with_text())
                passages.append(db.passages_of(docs[-1]["doc_id"].dropna().unique().tolist()))
    if not docs:
        return {}
    return dict(_from_documents(todo, pd.concat(docs), pd.concat(passages), root))
