"""A pool of worker processes with a wall-clock and a memory limit per file.

pdfminer can hang or grow without bound on hostile files, and that cannot be
interrupted from inside Python, so each file runs in a worker process
(``python -m cdtext.ingestion.worker``, talking JSON lines over pipes: nothing is
unpickled, and the caller's script is never re-imported). The parent kills a
worker that passes its deadline (status ``timeout``), notices one that dies
(``oom`` when it was near its memory limit, ``error`` otherwise), starts a
replacement and carries on.
"""

from __future__ import annotations

import json
import logging
import os
import select
import signal
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from cdtext.ingestion.result import FileResult

log = logging.getLogger(__name__)

#: a worker is replaced after this many files, or as soon as its resident
#: memory passes RECYCLE_RSS after a file, to give memory back to the system
TASKS_PER_WORKER = 1000
RECYCLE_RSS = 512 * 2**20
#: seconds between two samples of a worker's resident memory
RSS_EVERY = 0.02


@dataclass
class _Slot:
    process: subprocess.Popen
    task: Any = None
    started: float = 0.0
    done: int = 0
    peak_rss: int = 0
    sampled: float = 0.0  # when the resident memory was last sampled (monotonic seconds)
    last_rss: int = 0  # the last sample, bytes
    buffer: bytearray = field(default_factory=bytearray)
    config: Any = None  # the ingestion settings this worker was last sent

    @property
    def out(self) -> IO[bytes]:
        assert self.process.stdout is not None
        return self.process.stdout


def _rss(pid: int) -> int:
    """Resident memory of a process in bytes (0 when unknown)."""
    try:
        with open(f"/proc/{pid}/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def _failure(status: str, reason: str) -> FileResult:
    return FileResult.failure(status, reason)


class WorkerPool:
    """Run ``(key, path, doc_id, config)`` tasks in isolated worker processes.

    :meth:`run` yields ``(key, result)`` in completion order; ``result`` is
    the worker's :class:`FileResult`, or a failure with status ``timeout``,
    ``oom`` or ``error`` when the worker had to be killed or died. Each worker
    is sent the settings once (and again only when they change), then one
    ``[path, doc_id]`` line per file.
    """

    def __init__(self, jobs: int, timeout: float, memory_limit: int, warm: bool = False) -> None:
        self.jobs = max(1, jobs)
        self.timeout = timeout
        self.memory_limit = memory_limit
        self._slots: list[_Slot] = []
        self._retired: list[subprocess.Popen] = []  # finished workers not yet reaped
        self.peak_worker_rss = 0
        if warm:  # start workers now (one per core at most): they import their libraries while the caller gets ready
            self._slots = [self._start() for _ in range(min(self.jobs, os.cpu_count() or 1))]

    def _start(self) -> _Slot:
        env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
        env["CDTEXT_PARENT_PID"] = str(os.getpid())  # the worker exits if this process is gone
        env.pop("CMAP_PATH", None)  # pdfminer must load CMaps only from its own package
        quiet = log.isEnabledFor(logging.DEBUG) is False
        proc = subprocess.Popen(
            [sys.executable, "-m", "cdtext.ingestion.worker", str(self.memory_limit)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL if quiet else None,
            env=env,
            close_fds=True,
        )
        os.set_blocking(proc.stdout.fileno(), False)  # type: ignore[union-attr]
        return _Slot(proc)

    def _stop(self, slot: _Slot, kill: bool = False) -> None:
        proc = slot.process
        if kill and proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
        else:
            try:
                assert proc.stdin is not None
                proc.stdin.close()
            except (OSError, ValueError):
                pass
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        for stream in (proc.stdin, proc.stdout):
            try:
                if stream is not None:
                    stream.close()
            except (OSError, ValueError):
                pass

    def _retire(self, slot: _Slot) -> None:
        """Let an idle worker finish on its own (stdin closed) and reap it later, without waiting now."""
        try:
            assert slot.process.stdin is not None
            slot.process.stdin.close()
        except (OSError, ValueError):
            pass
        self._retired.append(slot.process)
        self._retired = [proc for proc in self._retired if proc.poll() is None]

    def close(self) -> None:
        for slot in self._slots:
            # a busy worker, or one that never had a file (it may still be importing), is killed
            self._stop(slot, kill=slot.task is not None or slot.done == 0)
        self._slots = []
        for proc in self._retired:
            self._stop(_Slot(proc))
        self._retired = []

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _death_result(self, slot: _Slot) -> FileResult:
        code = slot.process.poll()
        near_limit = slot.peak_rss > 0.8 * self.memory_limit
        limit = f"{self.memory_limit // 2**20} MiB"
        if code is not None and code < 0:
            try:
                name = signal.Signals(-code).name
            except ValueError:
                name = f"signal {-code}"
            if near_limit:
                return _failure("oom", f"worker killed ({name}) near its memory limit of {limit}")
            if -code == signal.SIGABRT:  # pdfium aborts when an allocation fails under the address-space limit
                return _failure("oom", f"worker aborted (SIGABRT), as a reader does when memory runs out under {limit}")
            if -code == signal.SIGKILL:
                return _failure(
                    "error",
                    f"worker process killed (SIGKILL) from outside, at {slot.peak_rss // 2**20} MiB of its {limit} "
                    "(the system's out-of-memory killer or a user); the file is tried again on the next run",
                )
            return _failure("error", f"worker process crashed ({name}) while reading this file")
        if near_limit:
            return _failure("oom", f"worker exited (code {code}) near its memory limit of {limit}")
        return _failure("error", f"worker process exited unexpectedly (code {code})")

    def _send(self, slot: _Slot, path: str, doc_id: str, config: Any) -> None:
        assert slot.process.stdin is not None
        lines = []
        if config != slot.config:
            wire = config.to_dict() if hasattr(config, "to_dict") else config
            lines.append(json.dumps(["config", wire]))
            slot.config = config
        lines.append(json.dumps([path, doc_id]))
        slot.process.stdin.write(("\n".join(lines) + "\n").encode("utf-8"))
        slot.process.stdin.flush()

    def _read(self, slot: _Slot) -> tuple[FileResult | None, bool]:
        """Drain the worker's stdout; return ``(result or None, eof)``."""
        eof = False
        try:
            # one read per readiness: what does not fit now is read when select() reports it
            chunk = os.read(slot.out.fileno(), 1 << 20)
        except BlockingIOError:
            chunk = None
        if chunk == b"":
            eof = True
        elif chunk:
            slot.buffer.extend(chunk)
        newline = slot.buffer.find(b"\n")
        if newline < 0:
            return None, eof
        line = bytes(slot.buffer[:newline])
        del slot.buffer[: newline + 1]
        return FileResult.from_wire(line), eof

    def run(self, tasks: Iterable[tuple[Any, str, str, Any]]) -> Iterator[tuple[Any, FileResult]]:
        """Process tasks, at most ``jobs`` at once; yield results as they finish."""
        pending = iter(tasks)
        exhausted = False
        while True:
            while not exhausted and sum(1 for s in self._slots if s.task is not None) < self.jobs:
                try:
                    key, path, doc_id, config = next(pending)
                except StopIteration:
                    exhausted = True
                    break
                slot = next((s for s in self._slots if s.task is None), None)
                if slot is None:
                    slot = self._start()
                    self._slots.append(slot)
                slot.task, slot.started, slot.peak_rss = key, time.monotonic(), slot.last_rss
                try:
                    self._send(slot, path, doc_id, config)
                except (BrokenPipeError, OSError):
                    pass  # the worker died before the task: handled below as a death
            busy = [s for s in self._slots if s.task is not None]
            if not busy:
                return
            now = time.monotonic()
            next_deadline = min(s.started + self.timeout for s in busy)
            try:
                readable, _, _ = select.select([s.out for s in busy], [], [], max(0.0, min(next_deadline - now, 0.25)))
            except (OSError, ValueError):
                readable = []
            now = time.monotonic()
            for slot in busy:
                if now - slot.sampled >= RSS_EVERY:  # /proc reads are not free: at most RSS_EVERY apart
                    rss = _rss(slot.process.pid)
                    slot.peak_rss = max(slot.peak_rss, rss)
                    self.peak_worker_rss = max(self.peak_worker_rss, rss)
                    slot.sampled, slot.last_rss = now, rss
                key = slot.task
                result: FileResult | None = None
                dead = False
                if slot.out in readable:
                    result, eof = self._read(slot)
                    if result is None and eof:
                        slot.process.wait()
                        result, dead = self._death_result(slot), True
                elif slot.process.poll() is not None:
                    result, _ = self._read(slot)
                    if result is None:
                        result, dead = self._death_result(slot), True
                if result is None and now - slot.started > self.timeout:
                    result, dead = (
                        _failure("timeout", f"no result after {self.timeout:g} s (timeout); worker stopped"),
                        True,
                    )
                if result is None:
                    continue
                result.seconds = round(now - slot.started, 3)
                result.worker_peak_mb = round(slot.peak_rss / 2**20, 1)
                slot.task = None
                slot.done += 1
                if dead:
                    self._stop(slot, kill=True)
                    self._slots.remove(slot)
                elif slot.done >= TASKS_PER_WORKER or slot.peak_rss > RECYCLE_RSS:
                    self._retire(slot)
                    self._slots.remove(slot)
                yield key, result
