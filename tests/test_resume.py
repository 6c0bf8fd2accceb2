"""kill -9 in the middle of a run, then the same command again: complete, consistent, nothing twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb

import cdtext

BENCH = Path(__file__).resolve().parents[1] / "bench"


def make_corpus(folder: Path, n: int) -> None:
    sys.path.insert(0, str(BENCH))
    try:
        from corpus_gen import make_corpus as generate
    finally:
        sys.path.remove(str(BENCH))
    generate(folder, n, seed=1)


def test_kill_and_resume(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    make_corpus(folder, 800)
    store = tmp_path / "s.duckdb"
    cmd = [sys.executable, "-m", "cdtext", "-v", "ingest", str(folder), "--store", str(store), "--jobs", "2", "-q"]
    proc = subprocess.Popen(cmd, start_new_session=True, stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    # kill as soon as the first batch is committed (-v logs each store write), not after a fixed
    # sleep: on a fast machine the whole corpus can be done before a sleep ends
    deadline = time.monotonic() + 120
    for line in proc.stderr:
        if "stored " in line or time.monotonic() > deadline:
            break
    killed = proc.poll() is None
    if killed:
        os.killpg(proc.pid, signal.SIGKILL)  # the parent and its workers, mid-run
    proc.wait()
    proc.stderr.close()

    first = {}
    if store.exists():
        with duckdb.connect(str(store)) as con:  # opening it replays the write-ahead log
            first = dict(con.execute("SELECT path, sha256 FROM documents").fetchall())
    summary = cdtext.ingest([folder], store, config={"jobs": 2})
    assert summary.total == 800
    assert summary.unchanged == len(first), "no finished file is processed twice"
    assert summary.processed == 800 - len(first)
    assert killed, "the run ended before its first write was seen"
    assert 0 < len(first) < 800, "the kill should have interrupted a run that had written some results"

    with duckdb.connect(str(store), read_only=True) as con:
        n_docs, n_paths = con.execute("SELECT count(*), count(DISTINCT path) FROM documents").fetchone()
        assert n_docs == n_paths == 800
        assert con.execute("SELECT count(*) FROM documents WHERE status <> 'ok'").fetchone()[0] == 0
        mismatched = con.execute(
            """SELECT count(*) FROM documents d
               LEFT JOIN (SELECT doc_id, count(*) AS n FROM passages GROUP BY doc_id) p USING (doc_id)
               WHERE coalesce(p.n, 0) <> d.n_passages"""
        ).fetchone()[0]
        assert mismatched == 0, "every document has exactly its passages"
        orphans = con.execute(
            "SELECT count(*) FROM passages WHERE doc_id NOT IN (SELECT doc_id FROM documents)"
        ).fetchone()[0]
        assert orphans == 0
        dupes = con.execute("SELECT count(*) - count(DISTINCT passage_id) FROM passages").fetchone()[0]
        assert dupes == 0
