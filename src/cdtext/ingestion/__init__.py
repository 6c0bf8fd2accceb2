"""files -> store: ingestion (the public entry point is :func:`cdtext.ingest`).

* :mod:`~cdtext.ingestion.driver` — :func:`ingest`: walk the inputs, skip
  unchanged files, hand the rest to an executor, write results to the store;
* :mod:`~cdtext.ingestion.worker` — one file -> one :class:`~cdtext.ingestion.worker.FileResult`,
  inside an isolated worker process;
* :mod:`~cdtext.ingestion.pool` (local processes) and :mod:`~cdtext.ingestion.cluster`
  (a Dask cluster) — the two executors;
* :mod:`~cdtext.ingestion.readers` — one module per file format;
* :mod:`~cdtext.ingestion.meta` — ``--meta`` CSV files and inferred metadata;
* :mod:`~cdtext.ingestion.config` — :class:`IngestConfig`, the one set of limits and choices.
"""

from __future__ import annotations

from cdtext.ingestion.config import IngestConfig
from cdtext.ingestion.driver import IngestSummary, ingest, iter_files

__all__ = ["IngestConfig", "IngestSummary", "ingest", "iter_files"]
