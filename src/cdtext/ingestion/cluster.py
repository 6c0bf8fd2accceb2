"""Where the per-file work runs: a local process pool, or a Dask cluster.

Both engines take ``(key, path, doc_id, config)`` tasks and yield
``(key, result)`` pairs as files finish; the parent writes results to the
store. With Dask each task carries a small batch of files (``DASK_BATCH``),
and every file still runs in an isolated worker process (``python -m
cdtext.ingestion.worker``) with the same wall-clock and memory limits: each Dask worker
thread keeps one such process alive, reuses it, and it is stopped when the
pool closes.
Files are read by path, so on a real cluster every Dask worker must see the
inputs at the same paths (shared storage; see docs/scaling.md).
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections import deque
from collections.abc import Iterable, Iterator
from typing import Any

from cdtext.errors import ConfigError
from cdtext.ingestion.pool import WorkerPool
from cdtext.ingestion.result import FileResult

log = logging.getLogger(__name__)
EXECUTORS = ("local", "dask")
#: files per Dask task: one scheduler round trip costs about as much as reading a short text
#: file, so files travel in small batches (a batch still runs file by file, each with its limits)
DASK_BATCH = 16
_LOCAL = threading.local()
_POOLS: set[WorkerPool] = set()  # every worker pool started by a Dask task in this process
_POOLS_LOCK = threading.Lock()


def _isolated_batch(
    items: list[tuple[int, str, str, Any]], timeout: float, memory_limit: int
) -> list[tuple[int, FileResult]]:
    """Run a batch of files in this thread's isolated worker process (started on first use)."""
    pool = getattr(_LOCAL, "pool", None)
    if pool is None or pool.timeout != timeout or pool.memory_limit != memory_limit:
        pool = WorkerPool(1, timeout, memory_limit, warm=True)
        _LOCAL.pool = pool
    with _POOLS_LOCK:
        _POOLS.add(pool)
    results = dict(pool.run(items))
    return [
        (index, results.get(index) or FileResult.failure("error", "the worker returned nothing"))
        for index, _, _, _ in items
    ]


def close_worker_pools() -> int:
    """Stop the worker processes that Dask tasks started in this process; return how many pools were closed."""
    with _POOLS_LOCK:
        pools = list(_POOLS)
        _POOLS.clear()
    for pool in pools:
        pool.close()
    return len(pools)


class DaskPool:
    """The WorkerPool interface on a ``dask.distributed`` cluster.

    ``scheduler`` is an address such as ``tcp://10.0.0.5:8786``; without one a
    ``LocalCluster`` with ``jobs`` single-threaded in-process workers is
    started and closed with the pool. At most ``2 x jobs`` tasks are in flight, so the
    parent's memory stays bounded however many files there are.
    """

    def __init__(self, jobs: int, timeout: float, memory_limit: int, scheduler: str | None = None) -> None:
        try:
            from distributed import Client, LocalCluster
        except ImportError as exc:  # pragma: no cover - depends on the installation
            raise ConfigError("the dask engine needs dask.distributed: pip install 'cdtext[dask]'") from exc
        self.jobs = max(1, jobs)
        self.timeout = timeout
        self.memory_limit = memory_limit
        self._cluster = None
        if scheduler:
            self._client = Client(scheduler)
            self.jobs = max(self.jobs, sum(self._client.nthreads().values()))
        else:
            # threads are enough for the local cluster: each thread drives its own isolated
            # worker process, and the caller's script is never re-imported
            self._cluster = LocalCluster(
                n_workers=self.jobs, threads_per_worker=1, processes=False, dashboard_address=None, memory_limit=0
            )
            self._client = Client(self._cluster)
        # an empty batch per worker starts its isolated process now, so the
        # process imports its libraries while the caller opens the store
        self._warming = [
            self._client.submit(_isolated_batch, [], timeout, memory_limit, workers=[address], pure=False)
            for address in self._client.scheduler_info()["workers"]
        ]

    def run(self, tasks: Iterable[tuple[Any, str, str, Any]]) -> Iterator[tuple[Any, FileResult]]:
        from distributed import as_completed

        pending = iter(tasks)
        in_flight = as_completed()
        batches: dict[Any, list[Any]] = {}  # future key -> the caller's keys of its files
        slots = 2 * self.jobs  # batches in flight
        # files read ahead of submission, so the last files can be spread over all workers
        ahead: deque[tuple[Any, str, str, dict]] = deque()

        def submit_next() -> bool:
            ahead.extend(itertools.islice(pending, slots * DASK_BATCH - len(ahead)))
            if not ahead:
                return False
            # full batches while files keep coming; near the end, smaller ones so no worker idles
            size = DASK_BATCH if len(ahead) >= slots * DASK_BATCH else max(1, -(-len(ahead) // slots))
            keys: list[Any] = []
            items: list[tuple[int, str, str, dict]] = []
            for key, path, doc_id, config in (ahead.popleft() for _ in range(min(size, len(ahead)))):
                items.append((len(keys), path, doc_id, config))
                keys.append(key)
            future = self._client.submit(_isolated_batch, items, self.timeout, self.memory_limit, pure=False)
            batches[future.key] = keys
            in_flight.add(future)
            return True

        for _ in range(slots):
            if not submit_next():
                break
        for future in in_flight:
            keys = batches.pop(future.key)
            try:
                results = future.result()
            except Exception as exc:  # noqa: BLE001 - a lost Dask worker costs this batch only
                reason = f"dask task failed: {type(exc).__name__}: {exc}"
                results = [(i, FileResult.failure("error", reason)) for i in range(len(keys))]
            future.release()
            submit_next()  # keep the cluster busy while the caller stores this batch
            for index, result in results:
                yield keys[index], result

    def close(self) -> None:
        try:
            from distributed import wait

            wait(self._warming, timeout=30)  # a pool still being made would escape the clean-up below
            if self._cluster is not None:
                close_worker_pools()  # the local cluster's workers are threads of this process
            else:
                self._client.run(close_worker_pools)
        except Exception as exc:  # noqa: BLE001 - closing must not hide the run's outcome
            log.warning("could not stop every worker process of the Dask workers: %s", exc)
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()

    def __enter__(self) -> DaskPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def make_pool(executor: str, jobs: int, timeout: float, memory_limit: int, scheduler: str | None = None) -> Any:
    if executor == "local":
        if scheduler:
            raise ConfigError("--scheduler only applies to --executor dask")
        return WorkerPool(jobs, timeout, memory_limit, warm=True)
    if executor == "dask":
        return DaskPool(jobs, timeout, memory_limit, scheduler)
    raise ConfigError(f"unknown executor {executor!r}; choose one of {', '.join(EXECUTORS)}")
