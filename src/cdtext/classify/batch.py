"""passages -> predictions: classify a store, a table file, or documents (ingested on the way)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from cdtext.classify.api import LEXICON, Classifier
from cdtext.classify.files import SHIPPED
from cdtext.errors import CdtextError

log = logging.getLogger(__name__)

TABLE_SUFFIXES = {".csv", ".jsonl", ".ndjson", ".parquet"}
STORE_SUFFIXES = {".duckdb", ".db"}
BATCH = 5000


def read_table(path: str | Path) -> pd.DataFrame:
    """A passage table file (CSV, JSON lines or Parquet) with a ``text`` column."""
    p = Path(path)
    suffix = p.suffix.lower()
    try:
        if suffix == ".csv":
            df = pd.read_csv(p, dtype=str, keep_default_na=False)
        elif suffix in (".jsonl", ".ndjson"):
            df = pd.read_json(p, lines=True, dtype=False)
        elif suffix == ".parquet":
            df = pd.read_parquet(p)
        else:
            raise CdtextError(f"{p}: unknown table format; use .csv, .jsonl or .parquet")
    except (ValueError, OSError) as exc:
        raise CdtextError(f"{p}: cannot read the table ({exc})") from exc
    if "text" not in df.columns:
        raise CdtextError(f"{p}: no 'text' column (columns: {', '.join(map(str, df.columns))})")
    return df


def _document(passage_id: str) -> str:
    return passage_id.rsplit("-", 1)[0]


def _chunks(ids: Sequence[str], batch: int) -> list[tuple[int, int]]:
    """``[start, end)`` ranges of about ``batch`` ids each that never split a document (ids are
    ``DOC-NNNNN``, in order), so that a context stage sees every passage of a document together."""
    out, start = [], 0
    while start < len(ids):
        end = min(start + batch, len(ids))
        while end < len(ids) and _document(ids[end]) == _document(ids[end - 1]):
            end += 1
        out.append((start, end))
        start = end
    return out


def classify_store(
    store: str | Path,
    classifier: Classifier,
    batch: int = BATCH,
    incremental: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Classify the passages of a store into its ``predictions`` table, in batches; return the count.

    With ``incremental``, only passages without a prediction from this same
    model are classified, and predictions of passages no longer in the store
    are dropped; otherwise the table is rebuilt. Each batch (whole documents,
    so that a context stage reads each passage with its document) is written
    when it is done, so a stopped run keeps what it classified. ``progress(done,
    total)`` is called every :data:`~cdtext.classify.api.STEP` passages.
    """
    from cdtext.store import Store

    sha = classifier.card.get("sha256", "")
    n = 0
    with Store(store) as s:
        ids = s.passages_to_classify(sha, incremental)
        for start, end in _chunks(ids, batch):
            chunk = s.passages_between(ids[start], ids[end - 1], incremental)
            if chunk.empty:
                continue
            step = None if progress is None else (lambda done, at=n: progress(at + done, len(ids)))
            pred = classifier.predict(chunk.rename(columns={"passage_id": "id"}), progress=step)
            pred = pred.rename(columns={"id": "passage_id"})
            pred["doc_id"] = chunk["doc_id"].values
            pred["model"] = classifier.name
            pred["model_sha256"] = sha
            s.write_predictions(pred)
            n += len(pred)
            log.info("classified %d of %d passage(s) with %s (stored)", n, len(ids), classifier.name)
    return n


def store_predictions(
    store: str | Path, model: str | Path | None = None
) -> tuple[pd.DataFrame, pd.DataFrame, Classifier, int]:
    """A store's predictions and documents, classifying it first when needed.

    The store is (re)classified when it has no predictions yet or when a
    ``model`` is named; otherwise its stored predictions are used as they
    are, and the classifier returned is the one that made them (its card
    gives the figures a report shows; for a model cdtext does not have, a
    classifier with its name alone, which cannot classify). Returns
    ``(predictions, documents, classifier, n_classified)``.
    """
    from cdtext.store import Store, read_documents

    with Store(store, read_only=True) as db:
        has = db.has_table("predictions")
    if has and not model:
        # the stored predictions stand: describe them by the model that made them, not by the default
        predictions = read_predictions(store)
        return predictions, read_documents(store), _maker(predictions), 0
    classifier = Classifier.load(model, lazy=True)
    n = classify_store(store, classifier)
    return read_predictions(store), read_documents(store), classifier, n


def _maker(predictions: pd.DataFrame) -> Classifier:
    """The classifier whose card describes stored predictions: the shipped model (or lexicon) they name, when its
    SHA-256 is the one recorded with them; otherwise (a model of your own, predictions of several models, a
    shipped model since replaced) one without figures, named after what the store records."""
    made = predictions[["model", "model_sha256"]].drop_duplicates() if "model" in predictions else pd.DataFrame()
    if len(made) == 1:
        name, sha = str(made.model.iloc[0]), str(made.model_sha256.iloc[0] or "")
        if name in (*SHIPPED, LEXICON):
            shipped = Classifier.load(name, lazy=True)
            if shipped.card.get("sha256", "") == sha:
                return shipped
        return Classifier(None, {"name": name, "sha256": sha}, name)
    names = sorted(map(str, made.model.unique())) if len(made) else []
    name = " + ".join(names) if names else "unknown model"
    return Classifier(None, {"name": name}, name)


def read_predictions(store: str | Path, with_passages: bool = True) -> pd.DataFrame:
    """Predictions joined with passage text and document metadata."""
    from cdtext.store import Store

    with Store(store, read_only=True) as s:
        if not s.has_table("predictions"):
            raise CdtextError(f"{store} has no predictions yet; run `cdtext classify {store}` first")
        if not with_passages:
            return s.table("predictions")
        return s.predictions_with_passages()


@dataclass(frozen=True)
class Classified:
    """What :func:`classify_inputs` did: the rows, how many passages went through a store, and which store
    keeps the predictions (None for table files, and for documents classified without ``store``: their
    temporary store is removed)."""

    rows: pd.DataFrame
    model_name: str
    n: int = 0
    store: Path | None = None


PROVENANCE = ("doc_id", "page", "path", "city", "country", "date", "doc_type", "model", "model_sha256")


def classify_inputs(
    inputs: Sequence[str | Path],
    *,
    model: str | Path | None = None,
    store: str | Path | None = None,
    explain: bool = False,
    config: Any = None,
    progress: Callable[[int, int], None] | None = None,
) -> Classified:
    """Classify table files, one store, or documents and folders (ingested into ``store`` on the way).

    Table files (.csv, .jsonl, .parquet with a ``text`` column) give one row per table row; a store has its
    passages classified into its ``predictions`` table; documents are ingested into ``store`` (a temporary
    one when not given) first. Store rows carry the passage's provenance (document, page, city, country ...).
    ``progress(done, total)`` follows the passages of a store as they are classified.
    """
    import tempfile

    from cdtext.classify.api import Classifier

    clf = Classifier.load(model, lazy=True)
    paths = [Path(p) for p in inputs]
    if paths and all(p.is_file() and p.suffix.lower() in TABLE_SUFFIXES for p in paths):
        import pandas as pd

        frame = pd.concat([read_table(p) for p in paths], ignore_index=True)
        return Classified(clf.predict(frame, explain=explain), clf.name)
    with tempfile.TemporaryDirectory(prefix="cdtext-") as scratch:  # removed on return, even on errors
        if len(paths) == 1 and paths[0].suffix.lower() in STORE_SUFFIXES:
            target = paths[0]
        else:
            from cdtext.ingestion.driver import ingest

            target = Path(store) if store else Path(scratch) / "classify.duckdb"
            ingest(paths, target, config=config)
        n = classify_store(target, clf, progress=progress)
        rows = read_predictions(target).rename(columns={"passage_id": "id"})
    first = ["id", "text"] + [c for c in clf.predict([]).columns if c not in ("id", "text")]
    rows = rows[first + list(PROVENANCE)]
    if explain:
        rows["explanation"] = clf.explain_rows(rows)
    kept = target if (store or len(paths) == 1 and paths[0].suffix.lower() in STORE_SUFFIXES) else None
    return Classified(rows, clf.name, n, kept)
