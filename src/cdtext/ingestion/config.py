"""The one configuration object for ingestion, validated on creation."""

from __future__ import annotations

import math
import os
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from cdtext.errors import ConfigError

GIB = 1024**3
MIB = 1024**2


@dataclass(frozen=True)
class IngestConfig:
    """Limits and choices for reading files into passages.

    Every field has a documented default (docs/ingestion.md). Build one with
    keyword arguments, or pass ``None`` / a dict / an instance to
    :meth:`resolve`.
    """

    #: worker processes; ``0`` means one per CPU core
    jobs: int = 0
    #: wall-clock seconds allowed per file before its worker is killed
    timeout: float = 60.0
    #: address-space limit per worker, bytes (RLIMIT_AS)
    memory_limit: int = 2 * GIB
    #: files larger than this are not read (status ``too_large``)
    max_bytes: int = 200 * MIB
    #: PDF pages read per document; later pages are skipped and the reason recorded
    max_pages: int = 2000
    #: characters of text kept per document; the rest is cut and recorded
    max_chars: int = 5_000_000
    #: passages kept per document; the rest is cut and recorded
    max_passages: int = 20_000
    #: passages shorter than this many words merge with a neighbour
    min_words: int = 8
    #: passages longer than this many words are split at sentence boundaries
    max_words: int = 300
    #: PDF backend: ``pdfplumber`` (default) or ``pdfium`` (pypdfium2, about ten times faster)
    pdf_backend: str = "pdfplumber"
    #: where files are processed: ``local`` (a process pool) or ``dask`` (a dask.distributed cluster)
    executor: str = "local"
    #: address of a running Dask scheduler (``executor="dask"``); none starts a LocalCluster
    scheduler: str | None = None
    #: read files that symbolic links point to outside the input folders (off: they are recorded as skipped)
    follow_symlinks: bool = False
    #: read tables (CSV, TSV, JSON lines, JSON arrays, Parquet) as one document per row (off: they are refused)
    records: bool = False
    #: shell patterns of files and folders inside the input folders to leave out (status ``excluded``): a name
    #: (``README*``, ``*.csv``, ``drafts``) or a path below the input folder (``2019/*.pdf``); ``drafts/``: folders
    exclude: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        patterns = (self.exclude,) if isinstance(self.exclude, str) else tuple(self.exclude or ())
        for pattern in patterns:
            if not isinstance(pattern, str) or not pattern.strip("/").strip():
                raise ConfigError(f"an exclude pattern must name files or folders, not {pattern!r}")
        object.__setattr__(self, "exclude", patterns)  # a list (from JSON or a dict) becomes a tuple
        if self.jobs < 0:
            raise ConfigError(f"jobs must be 0 (all cores) or a positive number, not {self.jobs}")
        if not math.isfinite(self.timeout) or self.timeout <= 0:
            raise ConfigError(f"timeout must be a finite, positive number of seconds, not {self.timeout}")
        if self.memory_limit < 256 * MIB:
            raise ConfigError(
                f"memory limit must be at least 256 MiB (the worker itself needs about "
                f"200 MiB), not {self.memory_limit // MIB} MiB"
            )
        for name in ("max_bytes", "max_pages", "max_chars", "max_passages", "min_words"):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name} must be at least 1, not {getattr(self, name)}")
        if self.max_words < 2 * self.min_words:
            raise ConfigError(f"max_words ({self.max_words}) must be at least twice min_words ({self.min_words})")
        if self.executor not in ("local", "dask"):
            raise ConfigError(f"unknown executor {self.executor!r}; choose local or dask")
        if self.scheduler and self.executor != "dask":
            raise ConfigError("a scheduler address only applies to the dask executor (--executor dask)")
        if self.pdf_backend not in PDF_BACKENDS:
            raise ConfigError(f"unknown PDF backend {self.pdf_backend!r}; choose one of {', '.join(PDF_BACKENDS)}")

    @property
    def n_jobs(self) -> int:
        """Worker count: ``0`` means the number of cores; never more than four per core, nor more than the
        available memory holds at 256 MiB a worker (``--jobs 1000`` must not start a thousand processes)."""
        cores = os.cpu_count() or 1
        return max(1, min(self.jobs or cores, 4 * cores, _available_memory() // (256 * MIB)))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def resolve(cls, value: IngestConfig | dict[str, Any] | None = None, **overrides: Any) -> IngestConfig:
        """Return a config from ``None`` (defaults), a dict or an instance, plus overrides.

        Overrides whose value is ``None`` are ignored, so CLI options that were
        not given keep the defaults.
        """
        overrides = {_RENAMED.get(k, k): v for k, v in overrides.items() if v is not None}
        if value is None:
            base = cls()
        elif isinstance(value, cls):
            base = value
        elif isinstance(value, dict):
            value = {_RENAMED.get(k, k): v for k, v in value.items()}
            known = {f.name for f in fields(cls)}
            unknown = set(value) - known
            if unknown:
                raise ConfigError(f"unknown ingest setting(s): {', '.join(sorted(unknown))}")
            base = cls(**value)
        else:
            raise ConfigError(f"cannot make an IngestConfig from {type(value).__name__}")
        return replace(base, **overrides) if overrides else base


PDF_BACKENDS = ("pdfplumber", "pdfium")
#: names used before 0.2 (run cards and scripts keep working)
_RENAMED = {"engine": "executor", "pdf_engine": "pdf_backend"}


def _available_memory() -> int:
    """Bytes of memory available now (Linux ``MemAvailable``; elsewhere physical memory), or a large number."""
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return 1 << 40
