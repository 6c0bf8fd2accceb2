"""files -> store: walk inputs, skip unchanged files, read the rest in workers, write results."""

from __future__ import annotations

import bisect
import hashlib
import logging
import os
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from cdtext.hashing import file_sha256
from cdtext.ingestion.config import IngestConfig
from cdtext.ingestion.meta import DocMeta, MetaTable, country_of_city, place_fields, record_meta
from cdtext.ingestion.walk import iter_files, walk  # noqa: F401 - iter_files is re-exported
from cdtext.language import detect as detect_language
from cdtext.store import Store

log = logging.getLogger(__name__)

ProgressFn = Callable[[str, str], None]
FLUSH_EVERY = 100
FLUSH_SECONDS = 2.0
#: the store's connection is renewed after this many written documents (see Store.reopen)
REOPEN_EVERY = 500
#: a file this large that times out under --records may be a table too large for --timeout: its reason says so
TABLE_HINT_BYTES = 4 * 2**20


@dataclass
class IngestSummary:
    """What one ingestion run did."""

    total: int = 0
    unchanged: int = 0
    counts: Counter = field(default_factory=Counter)
    seconds: float = 0.0
    #: largest resident memory seen in a worker process, bytes (local engine)
    peak_worker_rss: int = 0
    #: stored files that are gone from disk (marked ``missing``)
    missing: int = 0

    @property
    def processed(self) -> int:
        return sum(self.counts.values())

    def outcome(self) -> str:
        """``"3 unchanged, 5 ok, 1 timeout"``: unchanged files, then processed ones by status."""
        parts = [f"{self.unchanged} unchanged"] + [f"{n} {s}" for s, n in self.counts.most_common()]
        return ", ".join(parts + ([f"{self.missing} gone (marked missing)"] if self.missing else []))


#: outcomes that may not happen again: a busy machine, a worker killed from outside
TRANSIENT = ("timeout", "oom")


def _worth_another_try(
    status: str, reason: str, sha: str, key: str, by_hash: dict[str, str], records: bool = False
) -> bool:
    """Whether an unchanged file is read again: after a transient failure (timeout, out of memory, a crashed
    worker), when it was a duplicate of a file that no longer has its content, or when it is a table refused
    before and tables are now read as records."""
    if status in TRANSIENT or (status == "error" and reason.startswith("worker")):
        return True
    if records and status == "unsupported" and "--records" in reason:
        return True
    return status == "duplicate" and by_hash.get(sha) in (None, key)


def _vanished(known: dict[str, tuple[str, str, str]], seen: set[str], tables: dict[str, str]) -> list[str]:
    """Stored paths this run did not find and that are gone: files no longer on disk (moved or deleted), and rows
    of tables (``tables``: row path -> table path) that were read again without them or whose table is gone."""

    def gone(path: str) -> bool:
        table = tables.get(path)
        if table is None:
            return not os.path.lexists(path)
        return table in seen or not os.path.lexists(table)

    return [path for path, (_, status, _) in known.items() if status != "missing" and path not in seen and gone(path)]


def _excluded_before(
    known: dict[str, tuple[str, str, str]], seen: set[str], left_out: dict[str, Any], tables: dict[str, str]
) -> dict[str, str]:
    """Stored paths this run did not find because an ``--exclude`` pattern left out their folder or their table,
    with the reason they are now ``excluded`` (their passages leave profiles, as the excluded files' do)."""
    folders = {key: entry for key, entry in left_out.items() if entry.folder}
    found: dict[str, str] = {}
    for path, (_, status, _) in known.items():
        if path in seen or status == "excluded":
            continue
        table = tables.get(path)
        if table is not None and table in left_out:
            found[path] = f"its table {table} is {left_out[table].skip}"
            continue
        for folder, entry in folders.items():
            if (table or path).startswith(folder.rstrip(os.sep) + os.sep):
                found[path] = f"in {folder}, {entry.skip}"
                break
    return found


def _walked_folders(known: dict[str, tuple[str, str, str]], seen: set[str]) -> list[str]:
    """Stored rows of folders left out as a whole before (an --exclude pattern, a link out of the inputs) that this
    run walked into: files under them were found."""
    stale = [path for path, (sha, status, _) in known.items() if status in ("skipped", "excluded") and not sha]
    stale = [path for path in stale if path not in seen and os.path.isdir(path)]
    if not stale:
        return []
    found = sorted(seen)
    walked = []
    for folder in stale:
        prefix = folder.rstrip(os.sep) + os.sep
        at = bisect.bisect_left(found, prefix)
        if at < len(found) and found[at].startswith(prefix):
            walked.append(folder)
    return walked


def progress_path(store: str | Path) -> Path:
    """The small JSON file beside a store that a running ingest keeps up to date and removes at its end
    (``cdtext status`` reads it while the store is locked)."""
    return Path(f"{store}.progress.json")


def _write_progress(store: str | Path, summary: IngestSummary, started: str) -> None:
    import json

    state = {
        "pid": os.getpid(),
        "started": started,
        "updated": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "files_seen": summary.total,
        "unchanged": summary.unchanged,
        "counts": dict(summary.counts),
    }
    target = progress_path(store)
    tmp = target.with_name(target.name + ".tmp")
    try:
        tmp.write_text(json.dumps(state), encoding="utf-8")
        os.replace(tmp, target)
    except OSError:  # progress is a convenience; never let it stop a run
        pass


def _path_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


#: the document fields a --meta row (or a table row's columns) can give
_META_KEYS = ("city", "country", "date", "doc_type", "title")


def _table_meta_changed(stored: dict[str, Any] | None, given: DocMeta) -> bool:
    """Whether the ``--meta`` row for a table read as records differs from the one its rows were made with (the
    table is then read again, so that its rows take the new values)."""
    if stored is None:
        return False
    now = {k: getattr(given, k) for k in _META_KEYS if getattr(given, k)}
    return now != {k: v for k, v in stored.items() if k != "extra"} or (given.extra or {}) != stored["extra"]


def _meta_fields(meta: DocMeta | None) -> dict[str, Any]:
    if meta is None:
        return {}
    return {
        "city": meta.city,
        "country": meta.country,
        "date": meta.date,
        "doc_type": meta.doc_type,
        "title": meta.title,
        "extra": meta.extra,
        "meta_source": meta.source,
    }


def _apply_meta(result: dict[str, Any], given: DocMeta | None, label: str = "meta", clue: str | None = None) -> None:
    """Infer city and country unless the CSV gives them, then let CSV values override inferred ones
    (``label``: what ``meta_source`` calls the given values: ``meta``, or ``record`` for a table row's columns;
    ``clue``: the path whose file and folder names hint at the city, when not the document's own)."""
    source = dict(result.get("meta_source") or {})
    if given is None or not given.city:
        text = result.get("text") or ""
        where = clue or result["path"]
        found, place_source = place_fields(text, path=where, title=result.get("title"), url=result.get("url"))
        result.update(found)
        source.update(place_source)
    elif not given.country:
        result["country"] = country_of_city(given.city)
        if result["country"]:
            source["country"] = "gazetteer"
    result.pop("url", None)
    if given is not None:
        for key in _META_KEYS:
            value = getattr(given, key)
            if value:
                result[key] = value
                source[key] = label
        result["extra"] = given.extra
    result["meta_source"] = source


#: what a table's row brings from the worker to its document row
_RECORD_FIELDS = ("status", "reason", "title", "date", "doc_type", "meta_source", "text", "passages")


def _record_rows(
    table: str, records: list[dict[str, Any]], given: DocMeta | None, by_hash: dict[str, str]
) -> Iterator[dict[str, Any]]:
    """The documents a table read as records becomes: one per row, at ``TABLE#ROW``; a row with the content of a
    stored document is a ``duplicate`` of it, as a copied file is."""
    for rec in records:
        path = f"{table}#{rec['row']}"
        doc = {
            "path": path,
            "doc_id": rec["doc_id"],
            "sha256": rec["sha256"],
            "format": "record",
            **{k: rec.get(k) for k in _RECORD_FIELDS},
        }
        first = by_hash.get(rec["sha256"])
        if rec["status"] == "ok" and first not in (None, path):
            doc.update(status="duplicate", text="", passages=[], reason=f"same content as {first}; stored once")
        elif rec["status"] == "ok":
            by_hash[rec["sha256"]] = path
        doc["language"] = detect_language(doc["text"]) if doc["passages"] else None
        doc["url"] = rec["fields"].get("url")
        # the file a row names, else the table's own name and folders, hint at its city
        clue = rec["fields"].get("source") or table
        _apply_meta(doc, record_meta(rec["fields"], rec["extra"], given), label="record", clue=clue)
        yield doc


class _StoreWriter:
    """Store writes on one background thread, so workers get new files while a batch is written.

    DuckDB releases the GIL while it works, so the parent keeps dispatching
    files meanwhile. At most ``depth`` operations wait; beyond that the caller
    blocks, so memory stays bounded. The first write error is raised to the
    caller at its next call or at :meth:`close`.
    """

    def __init__(self, db: Store, depth: int = 2) -> None:
        from concurrent.futures import ThreadPoolExecutor

        self._db = db
        self._depth = depth
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="cdtext-store")
        self._pending: deque[Future] = deque()
        self._written = 0
        self._total = 0

    def _submit(self, fn: Callable[..., None], *args: Any) -> None:
        self._pending.append(self._pool.submit(fn, *args))
        while self._pending and (len(self._pending) > self._depth or self._pending[0].done()):
            self._pending.popleft().result()

    def write(self, batch: list[dict[str, Any]], fresh: bool) -> None:
        self._submit(self._write, batch, fresh)

    def update_meta(self, path: str, fields: dict[str, Any]) -> None:
        self._submit(self._db.update_meta, path, fields)

    def mark_missing(self, paths: list[str]) -> None:
        self._submit(self._db.mark_missing, paths)

    def forget_folders(self, paths: list[str]) -> None:
        self._submit(self._db.forget_folders, paths)

    def _write(self, batch: list[dict[str, Any]], fresh: bool) -> None:  # on the writer thread
        self._db.write_results(batch, fresh=fresh)
        self._written += len(batch)
        self._total += len(batch)
        # committed: a run killed from here on keeps these documents
        log.info("stored %d document(s), %d in this run", len(batch), self._total)
        if self._written >= REOPEN_EVERY:
            self._db.reopen()
            self._written = 0

    def close(self) -> None:
        """Wait for every queued write (also when the run is being interrupted), then raise the first error."""
        error: BaseException | None = None
        while self._pending:
            try:
                self._pending.popleft().result()
            except BaseException as exc:  # noqa: BLE001 - kept and raised after the queue is drained
                error = error or exc
        self._pool.shutdown(wait=True)
        if error is not None:
            raise error


def ingest(
    paths: Iterable[str | Path],
    store: str | Path,
    *,
    meta: str | Path | MetaTable | None = None,
    config: IngestConfig | dict[str, Any] | None = None,
    force: bool = False,
    progress: ProgressFn | None = None,
) -> IngestSummary:
    """Read files and folders into the store at ``store``.

    Unchanged files (same path and content hash) are skipped; changed files
    replace their rows; every file ends with exactly one ``documents`` row.
    ``progress(path, status)`` is called once per file.
    """
    cfg = IngestConfig.resolve(config)
    started_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
    table = meta if isinstance(meta, MetaTable) or meta is None else MetaTable.from_csv(meta)
    started = time.monotonic()
    summary = IngestSummary()
    from cdtext.ingestion.cluster import make_pool

    # the pool first: its workers start and import their libraries while the store opens
    with make_pool(cfg.executor, cfg.n_jobs, cfg.timeout, cfg.memory_limit, cfg.scheduler) as pool, Store(store) as db:
        known = db.known_files()
        record_tables = db.record_tables()  # rows of tables read as records -> their table
        tables_meta = db.table_meta()  # the --meta values each such table's rows were made with
        rows_of: dict[str, list[str]] = {}
        for row_path, table_path in record_tables.items():
            rows_of.setdefault(table_path, []).append(row_path)
        # the first path of each stored content, if that file is still there (a moved corpus has new paths)
        stored_hashes = db.ok_paths_by_hash()
        by_hash = {sha: path for sha, path in stored_hashes.items() if os.path.exists(record_tables.get(path, path))}
        stored_docs = {sha[:16] for sha in stored_hashes}  # documents whose passages are in the store already
        seen_keys: set[str] = set()
        left_out: dict[str, Any] = {}  # entries an --exclude pattern left out, by key
        info: dict[str, dict[str, Any]] = {}  # files in flight only
        matched = 0  # files a --meta row was found for
        buffer: list[dict[str, Any]] = []
        last_flush = time.monotonic()
        writer = _StoreWriter(db)

        last_progress = 0.0
        _write_progress(store, summary, started_at)

        def record(result: dict[str, Any]) -> None:
            nonlocal buffer, last_flush, last_progress
            if time.monotonic() - last_progress > 1.0:
                _write_progress(store, summary, started_at)
                last_progress = time.monotonic()
            buffer.append(result)
            summary.counts[result["status"]] += 1
            if progress and result.get("format") != "record":  # progress counts files; a table's rows are not
                progress(result["path"], result["status"])
            if len(buffer) >= FLUSH_EVERY or time.monotonic() - last_flush > FLUSH_SECONDS:
                flush()

        def flush() -> None:
            nonlocal buffer, last_flush
            if buffer:
                # a batch of paths new to the store (the usual case) is appended with no look-ups
                fresh = not any(r["path"] in known or r.get("doc_id") in stored_docs for r in buffer)
                writer.write(buffer, fresh=fresh)
            buffer, last_flush = [], time.monotonic()

        def tasks() -> Iterator[tuple[Any, str, str, dict]]:
            """Walk the inputs lazily; settle what needs no worker, yield the rest as tasks."""
            nonlocal matched
            settings = cfg.to_dict()
            inputs = list(paths)
            # overlapping inputs (a folder and a file in it) name a file twice; one folder never does
            seen: set[str] | None = set() if len(inputs) > 1 else None
            for entry in walk(inputs, follow_links=cfg.follow_symlinks, exclude=cfg.exclude):
                path, key = entry.path, entry.key
                seen_keys.add(key)
                if seen is not None:
                    if key in seen:
                        continue
                    seen.add(key)
                summary.total += 1
                if entry.skip and known.get(key) == ("", entry.status, entry.skip) and not force:
                    summary.unchanged += 1  # left out before, for the same reason
                    seen_keys.update(rows_of.get(key, ()))
                    if entry.status == "excluded":
                        left_out[key] = entry
                    if progress:
                        progress(key, "unchanged")
                    continue
                if entry.skip:  # never opened: a special file, a link out of the inputs, a loop, an --exclude ...
                    record({"path": key, "doc_id": _path_key(key), "sha256": "", "status": entry.status,
                            "reason": entry.skip, "passages": []})  # fmt: skip
                    if entry.status == "excluded":
                        left_out[key] = entry
                    continue
                given = table.lookup(path) if table is not None else None
                matched += given is not None
                try:
                    size = path.stat().st_size
                    if size > cfg.max_bytes:  # not even hashed: the parent reads nothing without a cap
                        reason = f"{size:,} bytes is over the limit of {cfg.max_bytes:,} (max_bytes)"
                        record({"path": key, "doc_id": _path_key(key), "sha256": "", "status": "too_large",
                                "size_bytes": size, "passages": [], "reason": reason})  # fmt: skip
                        continue
                    sha = file_sha256(path)
                except OSError as exc:
                    record(
                        {
                            "path": key,
                            "doc_id": _path_key(key),
                            "sha256": "",
                            "status": "error",
                            "reason": f"cannot read the file: {exc.strerror or exc}",
                            "passages": [],
                        }
                    )
                    continue
                old_sha, old_status, old_reason = known.get(key, ("", "", ""))
                if old_sha and old_sha != sha and by_hash.get(old_sha) == key:
                    del by_hash[old_sha]  # its copies are no longer duplicates of this path
                if (
                    not force
                    and old_sha == sha
                    and not _worth_another_try(old_status, old_reason, sha, key, by_hash, cfg.records)
                    and not (given is not None and _table_meta_changed(tables_meta.get(key), given))
                ):
                    summary.unchanged += 1
                    seen_keys.update(rows_of.get(key, ()))  # a table's rows stay as they are
                    if given is not None:
                        writer.update_meta(key, _meta_fields(given))
                    if progress:
                        progress(key, "unchanged")
                    continue
                base = {"path": key, "doc_id": sha[:16], "sha256": sha, "size_bytes": size}
                if sha in by_hash and by_hash[sha] != key:
                    record(
                        {
                            **base,
                            "status": "duplicate",
                            "passages": [],
                            "reason": f"same content as {by_hash[sha]}; its passages are stored once",
                        }
                    )
                    continue
                by_hash.setdefault(sha, key)
                info[key] = {**base, "given": given}
                yield key, str(path), sha[:16], settings

        try:
            for key, result in pool.run(tasks()):
                entry = info.pop(key)
                given = entry.pop("given")
                if cfg.records and result.status == "timeout" and entry["size_bytes"] > TABLE_HINT_BYTES:
                    result.reason += (
                        "; with --records a whole table is read by one worker within --timeout: if this file is a "
                        "large table, give it a longer --timeout"
                    )
                records, result.records = result.records, []
                if records:
                    for old_row in rows_of.get(key, ()):  # read again: its earlier rows vouch for nothing now
                        if by_hash.get(known[old_row][0]) == old_row:
                            del by_hash[known[old_row][0]]
                    for doc in _record_rows(key, records, given, by_hash):
                        seen_keys.add(doc["path"])
                        record(doc)
                row = result.record(**entry)
                row.pop("records", None)
                # like the city, in this process: the language model is loaded once per run, not per worker
                row["language"] = detect_language(row["text"]) if row.get("passages") else None
                if records:  # the table's own row keeps its --meta values (a changed row reads the table again)
                    row.pop("url", None)
                    values = {k: getattr(given, k) for k in _META_KEYS if given is not None and getattr(given, k)}
                    row.update(values, extra=given.extra if given is not None else {})
                    row["meta_source"] = {**(row.get("meta_source") or {}), **dict.fromkeys(values, "meta")}
                else:
                    _apply_meta(row, given)
                record(row)
            summary.peak_worker_rss = getattr(pool, "peak_worker_rss", 0)
            flush()
            # stored before, now under an excluded folder or in an excluded table: not files of this run
            earlier = _excluded_before(known, seen_keys, left_out, record_tables)
            if earlier:
                seen_keys.update(earlier)
                writer.write([{"path": path, "doc_id": _path_key(path), "sha256": "", "status": "excluded",
                               "format": "record" if path in record_tables else None, "reason": reason,
                               "passages": []} for path, reason in earlier.items()], fresh=False)  # fmt: skip
                summary.counts["excluded"] += len(earlier)
            walked = _walked_folders(known, seen_keys)
            if walked:
                writer.forget_folders(walked)
            gone = _vanished(known, seen_keys, record_tables)
            if gone:
                writer.mark_missing(gone)
                summary.missing = len(gone)
            if table is not None and summary.total and not matched:
                log.warning(
                    "--meta %s matched none of the %d files (rows match on path, file name or name without "
                    "extension); check its first column",
                    table.source,
                    summary.total,
                )
        finally:
            try:
                writer.close()  # finished results are stored even when the run is interrupted
            finally:
                progress_path(store).unlink(missing_ok=True)  # the store itself tells from now on
    summary.seconds = time.monotonic() - started
    return summary
