"""The embedded store: one DuckDB file with documents, texts and passages.

Tables (later stages add ``predictions``):

* ``documents`` — one row per input file, whatever happened to it;
* ``texts`` — each document's extracted text (passage offsets point into it);
* ``passages`` — the units of analysis, keyed by ``passage_id``.

Writes go through :meth:`Store.write_results`, one transaction per batch, so
a killed run leaves the store consistent.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cdtext.errors import StoreError
from cdtext.labels import ANCHORED, FUNCTIONS, POLICY_AREAS

if TYPE_CHECKING:  # pandas is imported by the readers that return frames, not by ingestion
    import pandas as pd

SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    path VARCHAR PRIMARY KEY,
    doc_id VARCHAR NOT NULL,
    sha256 VARCHAR NOT NULL,
    format VARCHAR,
    status VARCHAR NOT NULL,
    reason VARCHAR,
    n_pages INTEGER,
    n_passages INTEGER,
    size_bytes BIGINT,
    city VARCHAR,
    country VARCHAR,
    date VARCHAR,
    year INTEGER,
    doc_type VARCHAR,
    title VARCHAR,
    language VARCHAR,
    meta_source VARCHAR,
    extra VARCHAR,
    seconds DOUBLE,
    worker_peak_mb DOUBLE,
    ingested_at TIMESTAMP
);
CREATE TABLE IF NOT EXISTS texts (
    doc_id VARCHAR PRIMARY KEY,
    text VARCHAR
);
CREATE TABLE IF NOT EXISTS passages (
    passage_id VARCHAR PRIMARY KEY,
    doc_id VARCHAR NOT NULL,
    idx INTEGER NOT NULL,
    page INTEGER,
    text VARCHAR NOT NULL,
    n_words INTEGER,
    start INTEGER,
    "end" INTEGER,
    heading VARCHAR
);
"""

DOCUMENT_COLUMNS = (
    "path",
    "doc_id",
    "sha256",
    "format",
    "status",
    "reason",
    "n_pages",
    "n_passages",
    "size_bytes",
    "city",
    "country",
    "date",
    "year",
    "doc_type",
    "title",
    "language",
    "meta_source",
    "extra",
    "seconds",
    "worker_peak_mb",
    "ingested_at",
)
PASSAGE_COLUMNS = ("passage_id", "doc_id", "idx", "page", "text", "n_words", "start", "end", "heading")


def _column_types(table_sql: str) -> dict[str, str]:
    """``column -> SQL type`` of one CREATE TABLE statement of :data:`SCHEMA`."""
    types = {}
    for line in table_sql.strip().splitlines()[1:-1]:
        name, kind = line.strip().rstrip(",").split()[:2]
        types[name.strip('"')] = kind
    return types


#: the store's layout version, recorded in its store_info table; a newer one is refused at open
SCHEMA_VERSION = 2
#: columns added after the first release: (table, column, type)
MIGRATIONS = (
    ("documents", "seconds", "DOUBLE"),
    ("documents", "worker_peak_mb", "DOUBLE"),
    ("documents", "country", "VARCHAR"),
    ("documents", "language", "VARCHAR"),
)
TABLES = ("documents", "passages", "texts", "predictions", "partners")
ROW_GROUP_SIZE = 2048
_TYPES = {
    name: _column_types(part.split(";")[0])
    for name, part in (
        ("documents", SCHEMA.split("CREATE TABLE IF NOT EXISTS documents")[1]),
        ("texts", SCHEMA.split("CREATE TABLE IF NOT EXISTS texts")[1]),
        ("passages", SCHEMA.split("CREATE TABLE IF NOT EXISTS passages")[1]),
    )
}


class Store:
    """A DuckDB file holding the corpus. Use as a context manager."""

    def __init__(self, path: str | Path, read_only: bool = False) -> None:
        self.path = Path(path)
        if read_only and not self.path.exists():
            raise StoreError(f"store not found: {self.path}; create it with `cdtext ingest ... --store {self.path}`")
        if not read_only:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self.read_only = read_only
        self._con = self._connect()
        self._check_schema()
        if not read_only:
            self._con.execute(SCHEMA)
            for table, column, kind in MIGRATIONS:  # stores made by older versions gain new columns
                self._con.execute(f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {column} {kind}")
            self._con.execute("CREATE TABLE IF NOT EXISTS store_info (key VARCHAR PRIMARY KEY, value VARCHAR)")
            self._con.execute("INSERT OR REPLACE INTO store_info VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)])

    #: columns every version of the store has had; a file without them is not a cdtext store
    _CORE = {"documents": {"path", "doc_id", "sha256", "status"}, "passages": {"passage_id", "doc_id", "text"}}

    def _check_schema(self) -> None:
        """Refuse a DuckDB file made by another tool (or emptied) before anything is read or written."""
        rows = self._con.execute(
            "SELECT table_name, column_name FROM information_schema.columns WHERE table_catalog = 'store'"
        ).fetchall()
        columns: dict[str, set[str]] = {}
        for table, column in rows:
            columns.setdefault(table, set()).add(column)
        if "store_info" in columns:
            row = self._con.execute("SELECT value FROM store_info WHERE key = 'schema_version'").fetchone()
            version = int(row[0]) if row and str(row[0]).isdigit() else 0
            if version > SCHEMA_VERSION:
                self._con.close()
                raise StoreError(
                    f"{self.path} was written by a newer cdtext (store schema {version}, this one reads up to "
                    f"{SCHEMA_VERSION}); upgrade cdtext or give another --store path"
                )
        problems = [t for t, need in self._CORE.items() if t in columns and not need <= columns[t]]
        if problems or (columns and "documents" not in columns) or (self.read_only and not columns):
            self._con.close()
            what = f"its {', '.join(problems)} table has other columns" if problems else "it has no cdtext tables"
            raise StoreError(f"{self.path} is not a cdtext store ({what}); give another --store path")

    def _connect(self) -> Any:
        import duckdb

        try:
            # one thread and a bounded buffer pool: the parent's memory stays small; a
            # small WAL threshold keeps unwritten data (and the checkpoint at close) small
            con = duckdb.connect(
                ":memory:",
                config={
                    "memory_limit": "256MB",
                    "threads": 1,
                    "checkpoint_threshold": "1GB",
                    "temp_directory": f"{self.path}.tmp",
                    "allocator_flush_threshold": "8MB",
                },
            )
            mode = "READ_ONLY, " if self.read_only else ""
            quoted = str(self.path).replace("'", "''")
            con.execute(f"ATTACH '{quoted}' AS store ({mode}ROW_GROUP_SIZE {ROW_GROUP_SIZE})")
            con.execute("USE store")
            return con
        except duckdb.Error as exc:
            raise StoreError(f"cannot open store {self.path}: {exc}") from exc

    def reopen(self) -> None:
        """Checkpoint, close and reconnect: drops DuckDB's block cache, which otherwise grows with the store.

        Long ingestion runs call this every few thousand documents so the
        parent's memory does not grow with the corpus.
        """
        if not self.read_only:
            self._con.execute("CHECKPOINT")
        self._con.close()
        self._con = self._connect()

    def close(self) -> None:
        self._con.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- reading -----------------------------------------------------------------
    def has_table(self, name: str) -> bool:
        rows = self._con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name]
        ).fetchone()
        return bool(rows and rows[0])

    def known_files(self) -> dict[str, tuple[str, str, str]]:
        """``path -> (sha256, status, reason)`` for every document in the store."""
        rows = self._con.execute("SELECT path, sha256, status, coalesce(reason, '') FROM documents").fetchall()
        return {p: (h, s, r) for p, h, s, r in rows}

    def ok_paths_by_hash(self) -> dict[str, str]:
        """``sha256 -> path`` of documents whose passages are stored (to spot duplicate files): read as ``ok``,
        or kept with a warning status (a large file that yielded little text keeps what it yielded), and of
        tables read as records."""
        rows = self._con.execute(
            "SELECT sha256, min(path) FROM documents WHERE status IN ('ok', 'table') OR n_passages > 0 GROUP BY sha256"
        ).fetchall()
        return dict(rows)

    def record_tables(self) -> dict[str, str]:
        """``path -> table path`` of every document that is a row of a table (``TABLE#ROW``, format ``record``)."""
        rows = self._con.execute("SELECT path FROM documents WHERE format = 'record'").fetchall()
        return {path: path.rsplit("#", 1)[0] for (path,) in rows}

    def table_meta(self) -> dict[str, dict[str, Any]]:
        """``path -> the --meta values`` stored on each table read as records (``city`` ... ``title`` that came
        from ``--meta``, and ``extra``), to tell whether a new ``--meta`` row for an unchanged table changes its
        rows."""
        rows = self._con.execute(
            "SELECT path, city, country, date, doc_type, title, extra, meta_source FROM documents "
            "WHERE status = 'table'"
        ).fetchall()
        found = {}
        for path, *values, extra, source in rows:
            given = json.loads(source or "{}")
            keys = ("city", "country", "date", "doc_type", "title")
            found[path] = {k: v for k, v in zip(keys, values) if v and given.get(k) == "meta"}
            found[path]["extra"] = json.loads(extra or "{}")
        return found

    def table(self, name: str, columns: Sequence[str] | None = None) -> pd.DataFrame:
        if name not in TABLES or not self.has_table(name):
            raise StoreError(
                f"{self.path} has no table {name!r} (tables: {', '.join(t for t in TABLES if self.has_table(t))})"
            )
        cols = ", ".join(f'"{c}"' for c in columns) if columns else "*"
        order = {"documents": "path", "passages": "doc_id, idx", "texts": "doc_id"}.get(name, "1")
        return self._con.execute(f"SELECT {cols} FROM {name} ORDER BY {order}").df()

    def passages_by_id(self, ids: Sequence[str]) -> pd.DataFrame:
        """``passage_id, doc_id, text`` of the given passages (those in the store)."""
        return self._con.execute(
            "SELECT passage_id, doc_id, text FROM passages WHERE passage_id IN (SELECT unnest(?::VARCHAR[]))",
            [list(ids)],
        ).df()

    def documents_with_text(self) -> pd.DataFrame:
        """``path, doc_id, sha256, status, text`` of every document (text is null when none was kept)."""
        return self._con.execute(
            "SELECT d.path, d.doc_id, d.sha256, d.status, t.text FROM documents d LEFT JOIN texts t USING (doc_id) "
            "ORDER BY d.path"
        ).df()

    def passages_of(self, doc_ids: Sequence[str]) -> pd.DataFrame:
        """The passages of the given documents, in document order."""
        return self._con.execute(
            "SELECT * FROM passages WHERE doc_id IN (SELECT unnest(?::VARCHAR[])) ORDER BY doc_id, idx",
            [list(doc_ids)],
        ).df()

    def status_counts(self) -> dict[str, int]:
        return dict(
            self._con.execute("SELECT status, count(*) FROM documents GROUP BY status ORDER BY 2 DESC").fetchall()
        )

    # -- predictions ---------------------------------------------------------------
    def ensure_predictions(self) -> None:
        """Create the predictions table, adding the columns of labels new since the store was made."""
        self._con.execute(PREDICTION_SCHEMA)
        for name, kind in PREDICTION_COLUMNS[1:]:
            self._con.execute(f"ALTER TABLE predictions ADD COLUMN IF NOT EXISTS {name} {kind.split()[0]}")

    _TODO = {
        True: "SELECT passage_id, doc_id, text FROM passages "
        "WHERE passage_id NOT IN (SELECT passage_id FROM predictions)",
        False: "SELECT passage_id, doc_id, text FROM passages",
    }

    def passages_to_classify(self, model_sha256: str, incremental: bool) -> list[str]:
        """Ids of the passages to classify, in order, after dropping predictions that no longer count.

        With ``incremental``, predictions of vanished passages and of other models are dropped and the
        passages without a prediction are returned; otherwise every prediction is dropped.
        """
        self.ensure_predictions()
        if incremental:
            self._con.execute("DELETE FROM predictions WHERE passage_id NOT IN (SELECT passage_id FROM passages)")
            self._con.execute("DELETE FROM predictions WHERE model_sha256 IS DISTINCT FROM ?", [model_sha256])
        else:
            self._con.execute("DELETE FROM predictions")
        todo = self._TODO[incremental]
        return [r[0] for r in self._con.execute(f"SELECT passage_id FROM ({todo}) ORDER BY passage_id").fetchall()]

    def passages_between(self, first: str, last: str, incremental: bool) -> pd.DataFrame:
        """``passage_id, doc_id, text`` of the passages to classify with ids from ``first`` to ``last``."""
        return self._con.execute(
            f"SELECT * FROM ({self._TODO[incremental]}) WHERE passage_id >= ? AND passage_id <= ? ORDER BY passage_id",
            [first, last],
        ).df()

    def write_predictions(self, frame: pd.DataFrame) -> None:
        """Insert or replace prediction rows (one transaction); columns as :data:`PREDICTION_COLUMNS`."""
        con = self._con
        self.ensure_predictions()
        cols = prediction_columns()
        frame = frame.copy()
        frame["classified_at"] = datetime.now(timezone.utc).replace(tzinfo=None)
        frame = frame[cols]
        # list columns get an explicit type: DuckDB infers a pandas column's type from a sample of rows,
        # and a batch in which few passages carry labels would otherwise be typed NULL[] and refuse them
        import pyarrow as pa

        table = pa.Table.from_pandas(frame, preserve_index=False)
        for i, name in enumerate(table.column_names):
            if name in _LIST_COLUMNS:
                table = table.set_column(i, name, pa.array(frame[name], type=pa.list_(pa.string())))
        with self._transaction():
            con.register("_pred", table)
            con.execute("DELETE FROM predictions WHERE passage_id IN (SELECT passage_id FROM _pred)")
            con.execute(f"INSERT INTO predictions ({', '.join(cols)}) SELECT {', '.join(cols)} FROM _pred")
            con.unregister("_pred")

    def predictions_with_passages(self) -> pd.DataFrame:
        """Predictions joined with their passage's text and position and its document's metadata."""
        return self._con.execute(
            """
            SELECT pr.*, p.text, p.idx, p.page, d.path, d.city, d.country, d.date, d.year, d.doc_type, d.title
            FROM predictions pr
            JOIN passages p USING (passage_id)
            JOIN (
                SELECT doc_id, min(path) AS path FROM documents WHERE status = 'ok' GROUP BY doc_id
            ) first ON first.doc_id = pr.doc_id
            JOIN documents d ON d.path = first.path
            ORDER BY d.path, p.idx
            """
        ).df()

    # -- partners --------------------------------------------------------------------
    def write_partners(self, frame: pd.DataFrame) -> None:
        """Replace the partners table (one row per partner mention; columns as :data:`PARTNER_COLUMNS`)."""
        import pyarrow as pa

        con = self._con
        con.execute(PARTNER_SCHEMA)
        table = pa.Table.from_pandas(frame[list(PARTNER_COLUMNS)].reset_index(drop=True), preserve_index=False)
        cols = ", ".join(f'"{c}"' for c in PARTNER_COLUMNS)
        with self._transaction():
            con.register("_partners", table)
            con.execute("DELETE FROM partners")
            con.execute(f"INSERT INTO partners ({cols}) SELECT {cols} FROM _partners")
            con.unregister("_partners")

    def partners_with_documents(self) -> pd.DataFrame:
        """Partner mentions with their document's path, city, country (``doc_country``) and year."""
        if not self.has_table("partners"):
            raise StoreError(f"{self.path} has no partners yet; run `cdtext run` or `cdtext network` on it")
        return self._con.execute(
            """
            SELECT pa.*, d.path, d.city, d.country AS doc_country, d.year, d.doc_type
            FROM partners pa
            JOIN (
                SELECT doc_id, min(path) AS path FROM documents WHERE status = 'ok' GROUP BY doc_id
            ) first USING (doc_id)
            JOIN documents d ON d.path = first.path
            ORDER BY d.path, pa.passage_id, pa.start
            """
        ).df()

    # -- summaries -------------------------------------------------------------------
    def problem_documents(self) -> list[tuple[str, str, str]]:
        """``(status, path, reason)`` of every document not read as ``ok``."""
        return [
            (st, path, reason or "")
            for st, path, reason in self._con.execute(
                "SELECT status, path, reason FROM documents WHERE status NOT IN ('ok', 'table', 'excluded') "
                "ORDER BY status, path"
            ).fetchall()
        ]

    def languages(self) -> list[str | None]:
        """The language of every document read as ``ok`` (None where unknown; none at all in a store written before
        languages were recorded and opened read-only)."""
        found = self._con.execute(
            "SELECT count(*) FROM information_schema.columns "
            "WHERE table_name = 'documents' AND column_name = 'language'"
        ).fetchone()
        if not (found and found[0]):
            return []
        return [code for (code,) in self._con.execute("SELECT language FROM documents WHERE status = 'ok'").fetchall()]

    def passage_count(self) -> int:
        row = self._con.execute("SELECT count(*) FROM passages").fetchone()
        return int(row[0]) if row else 0

    def inputs(self) -> list[dict[str, str]]:
        """``path, sha256, status, reason`` of every document, by path (what a run card lists)."""
        rows = self._con.execute("SELECT path, sha256, status, reason FROM documents ORDER BY path").fetchall()
        return [{"path": p, "sha256": h, "status": st, "reason": r or ""} for p, h, st, r in rows]

    # -- writing -----------------------------------------------------------------
    def write_results(self, results: Iterable[dict[str, Any]], fresh: bool = False) -> None:
        """Write finished documents in one transaction, replacing earlier rows of their paths.

        ``fresh=True`` promises that no path of the batch is in the store yet
        and that no document of the batch is stored under another path (the
        ingestion pipeline knows both): the rows are then only appended, with
        no look-ups in the growing tables.
        """
        docs: list[dict[str, Any]] = []
        texts: list[tuple[str, str]] = []
        passages: list[tuple] = []
        now = datetime.now(timezone.utc).replace(tzinfo=None)
        for r in results:
            doc = {c: r.get(c) for c in DOCUMENT_COLUMNS}
            doc["ingested_at"] = now
            doc["n_passages"] = len(r.get("passages") or [])
            doc["meta_source"] = json.dumps(r.get("meta_source") or {}, sort_keys=True)
            doc["extra"] = json.dumps(r.get("extra") or {}, sort_keys=True, ensure_ascii=False)
            date = r.get("date")
            doc["year"] = int(date[:4]) if date and date[:4].isdigit() else None
            docs.append(doc)
            if r.get("passages"):
                texts.append((r["doc_id"], r.get("text") or ""))
                passages.extend((*p[:1], r["doc_id"], *p[1:]) for p in r["passages"])
        if not docs:
            return
        con = self._con
        with self._transaction():
            if not fresh:
                self._drop_rows_of([d["path"] for d in docs])
            self._append("documents", DOCUMENT_COLUMNS, [tuple(d[c] for c in DOCUMENT_COLUMNS) for d in docs])
            if texts:
                unique_texts = dict(texts)  # one row per doc_id (the last one wins)
                if not fresh:
                    con.execute("DELETE FROM texts WHERE doc_id IN (SELECT unnest(?::VARCHAR[]))", [list(unique_texts)])
                self._append("texts", ("doc_id", "text"), list(unique_texts.items()))
            if passages:
                unique = list({row[0]: row for row in reversed(passages)}.values())[::-1]  # first row per id
                if not fresh:
                    con.execute(
                        "DELETE FROM passages WHERE passage_id IN (SELECT unnest(?::VARCHAR[]))",
                        [[row[0] for row in unique]],
                    )
                self._append("passages", PASSAGE_COLUMNS, unique)

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        """One DuckDB transaction; on an error it is rolled back and that first error raised (a failed commit
        may already have ended the transaction, and the rollback's own error would hide the cause)."""
        self._con.execute("BEGIN TRANSACTION")
        try:
            yield
            self._con.execute("COMMIT")
        except BaseException:
            try:
                self._con.execute("ROLLBACK")
            except Exception:  # noqa: BLE001 - keep the first error
                pass
            raise

    def _append(self, table: str, columns: Sequence[str], rows: Sequence[tuple]) -> None:
        """Insert rows through a JSON-lines spool file read by DuckDB.

        Registering Python objects would make DuckDB import pandas in the
        parent; its JSON reader with declared column types needs nothing.
        """
        import tempfile

        types = {c: _TYPES[table][c] for c in columns}
        fd, spool = tempfile.mkstemp(prefix="cdtext-", suffix=".jsonl")
        try:
            longest = 0
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                for row in rows:
                    line = json.dumps(dict(zip(columns, row)), ensure_ascii=False, default=str)
                    longest = max(longest, len(line))
                    fh.write(line + "\n")
            spec = ", ".join(f"'{c}': '{t}'" for c, t in types.items())
            cols = ", ".join(f'"{c}"' for c in columns)
            self._con.execute(
                f"INSERT INTO {table} ({cols}) SELECT {cols} FROM read_json(?, format = 'newline_delimited', "
                f"columns = {{{spec}}}, maximum_object_size = ?)",
                [spool, max(16 * 2**20, 4 * longest + 2**20)],
            )
        finally:
            os.unlink(spool)

    def _drop_rows_of(self, paths: list[str]) -> None:
        """Delete the rows the batch's paths held before (passages and texts unless another path shares them)."""
        con = self._con
        con.execute("CREATE OR REPLACE TEMP TABLE _paths AS SELECT unnest(?::VARCHAR[]) AS path", [paths])
        # drop passages of the documents these paths held before, unless another path shares them
        for table in ("passages", "texts"):
            con.execute(
                f"""
                DELETE FROM {table} WHERE doc_id IN (
                    SELECT d.doc_id FROM documents d JOIN _paths USING (path)
                    WHERE d.doc_id NOT IN (
                        SELECT doc_id FROM documents WHERE path NOT IN (SELECT path FROM _paths)
                    )
                )"""
            )
        con.execute("DELETE FROM documents WHERE path IN (SELECT path FROM _paths)")
        con.execute("DROP TABLE _paths")

    def mark_missing(self, paths: list[str]) -> None:
        """Record that these files (or rows of tables) are gone: status ``missing`` (their passages leave profiles
        and reports)."""
        self._con.execute(
            "UPDATE documents SET status = 'missing', reason = CASE WHEN format = 'record' "
            "THEN 'the row is no longer in its table (or the table is gone); its passages are left out' "
            "ELSE 'the file is no longer there (moved or deleted); its passages are left out' END "
            "WHERE path IN (SELECT unnest(?::VARCHAR[]))",
            [paths],
        )

    def forget_folders(self, paths: list[str]) -> None:
        """Delete the rows of folders that were left out as a whole (``skipped`` or ``excluded``) and have been
        walked since: their files have rows of their own now. Such rows never hold passages."""
        self._con.execute(
            "DELETE FROM documents WHERE status IN ('skipped', 'excluded') AND n_passages = 0 "
            "AND path IN (SELECT unnest(?::VARCHAR[]))",
            [paths],
        )

    def update_meta(self, path: str, fields: dict[str, Any]) -> None:
        """Apply new ``--meta`` values to an unchanged document without re-reading it."""
        row = self._con.execute("SELECT meta_source, city FROM documents WHERE path = ?", [path]).fetchone()
        if row is None:
            return
        source = json.loads(row[0] or "{}")
        if fields.get("city") and not fields.get("country") and fields["city"] != row[1]:
            from cdtext.ingestion.meta import country_of_city  # a new city: its country from the gazetteer

            fields = {**fields, "country": country_of_city(fields["city"]), "_country_source": "gazetteer"}
        sets, values = [], []
        for key in ("city", "country", "date", "doc_type", "title"):
            if fields.get(key):
                sets.append(f"{key} = ?")
                values.append(fields[key])
                source[key] = "meta"
        if fields.get("_country_source") and fields.get("country"):
            source["country"] = fields["_country_source"]
        if fields.get("date"):
            sets.append("year = ?")
            values.append(int(fields["date"][:4]))
        if fields.get("extra"):
            sets.append("extra = ?")
            values.append(json.dumps(fields["extra"], sort_keys=True, ensure_ascii=False))
        if not sets:
            return
        sets.append("meta_source = ?")
        values.append(json.dumps(source, sort_keys=True))
        self._con.execute(f"UPDATE documents SET {', '.join(sets)} WHERE path = ?", [*values, path])


def read_passages(store: str | Path, with_documents: bool = True) -> pd.DataFrame:
    """All passages as a DataFrame; ``with_documents`` adds path, city, country, date, doc_type and title."""
    with Store(store, read_only=True) as s:
        if not with_documents:
            return s.table("passages")
        return s._con.execute(
            """
            SELECT p.*, d.path, d.sha256, d.city, d.country, d.date, d.year, d.doc_type, d.title
            FROM passages p
            JOIN (
                SELECT doc_id, min(path) AS path FROM documents WHERE status = 'ok' GROUP BY doc_id
            ) first USING (doc_id)
            JOIN documents d ON d.path = first.path
            ORDER BY d.path, p.idx
            """
        ).df()


def read_documents(store: str | Path) -> pd.DataFrame:
    """One row per input file with its status, reason and metadata."""
    with Store(store, read_only=True) as s:
        return s.table("documents")


#: the predictions table, generated from labels.py (a new label is a new line there, not here)
PREDICTION_COLUMNS: tuple[tuple[str, str], ...] = (
    ("passage_id", "VARCHAR PRIMARY KEY"),
    ("doc_id", "VARCHAR"),
    ("model", "VARCHAR"),
    ("model_sha256", "VARCHAR"),
    *((f"p_{f}", "DOUBLE") for f in FUNCTIONS),
    ("p_no_function", "DOUBLE"),
    ("functions", "VARCHAR[]"),
    (f"p_{ANCHORED}", "DOUBLE"),
    (ANCHORED, "BOOLEAN"),
    ("policy_areas", "VARCHAR[]"),
    *((f"p_{area}", "DOUBLE") for area in POLICY_AREAS),
    ("classified_at", "TIMESTAMP"),
)
PREDICTION_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS predictions (\n"
    + ",\n".join(f"    {name} {kind}" for name, kind in PREDICTION_COLUMNS)
    + "\n);"
)
_LIST_COLUMNS = {name for name, kind in PREDICTION_COLUMNS if kind.endswith("[]")}


#: one row per partner mention (cdtext.partners)
PARTNER_COLUMNS = ("passage_id", "doc_id", "name", "kind", "country", "start", "end", "span", "confidence")
PARTNER_SCHEMA = """
CREATE TABLE IF NOT EXISTS partners (
    passage_id VARCHAR,
    doc_id VARCHAR,
    name VARCHAR,
    kind VARCHAR,
    country VARCHAR,
    start INTEGER,
    "end" INTEGER,
    span VARCHAR,
    confidence DOUBLE
);
"""


def read_partners(store: str | Path) -> pd.DataFrame:
    """The partner mentions of a store with their document's path, city, country (``doc_country``) and year."""
    with Store(store, read_only=True) as s:
        return s.partners_with_documents()


def prediction_columns() -> list[str]:
    return [name for name, _ in PREDICTION_COLUMNS]


def write_predictions(store: Store, frame: pd.DataFrame) -> None:
    """Insert or replace prediction rows (one transaction); see :meth:`Store.write_predictions`."""
    store.write_predictions(frame)
