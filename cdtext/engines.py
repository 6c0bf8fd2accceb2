"""Where the per-file work runs: a local process pool, or a Dask cluster.

Both engines take ``(key, path, doc_id, config)`` tasks and yield
``(key, result)`` pairs as files finish; the parent writes results to the
store. With Dask every task still runs its file in an isolated worker
process (``python -m cdtext.worker``) with the same wall-clock and memory
limits: each Dask worker thread keeps one such process alive and reuses it.
Files are read by path, so on a real cluster every Dask worker must see the
inputs at the same paths (shared storage; see docs/scaling.md).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from typing import Any

from cdtext.batch import WorkerPool
from cdtext.errors import ConfigError

ENGINES = ("local", "dask")
_LOCAL = threading.local()


def _isolated(path: str, doc_id: str, config: dict[str, Any], timeout: float, memory_limit: int) -> dict[str, Any]:
    """Run one file in this thread's isolated worker process (started on first use)."""
    pool = getattr(_LOCAL, "pool", None)
    if pool is None or pool.timeout != timeout or pool.memory_limit != memory_limit:
        pool = WorkerPool(1, timeout, memory_limit)
        _LOCAL.pool = pool
    for _, result in pool.run([(0, path, doc_id, config)]):
        return result
    return {"status": "error", "reason": "the worker returned nothing", "passages": [], "text": ""}


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

    def run(self, tasks: Iterable[tuple[Any, str, str, dict]]) -> Iterator[tuple[Any, dict[str, Any]]]:
        from distributed import as_completed

        pending = iter(tasks)
        in_flight = as_completed()
        keys: dict[Any, Any] = {}

        def submit_next() -> bool:
            try:
                key, path, doc_id, config = next(pending)
            except StopIteration:
                return False
            future = self._client.submit(_isolated, path, doc_id, config, self.timeout, self.memory_limit, pure=False)
            keys[future.key] = key
            in_flight.add(future)
            return True

        for _ in range(2 * self.jobs):
            if not submit_next():
                break
        for future in in_flight:
            key = keys.pop(future.key)
            try:
                result = future.result()
            except Exception as exc:  # noqa: BLE001 - a lost Dask worker costs this file only
                result = {
                    "status": "error",
                    "reason": f"dask task failed: {type(exc).__name__}: {exc}",
                    "passages": [],
                    "text": "",
                }
            future.release()
            yield key, result
            submit_next()

    def close(self) -> None:
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()

    def __enter__(self) -> DaskPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def make_pool(engine: str, jobs: int, timeout: float, memory_limit: int, scheduler: str | None = None) -> Any:
    if engine == "local":
        if scheduler:
            raise ConfigError("--scheduler only applies to --engine dask")
        return WorkerPool(jobs, timeout, memory_limit)
    if engine == "dask":
        return DaskPool(jobs, timeout, memory_limit, scheduler)
    raise ConfigError(f"unknown engine {engine!r}; choose one of {', '.join(ENGINES)}")
