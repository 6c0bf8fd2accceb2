"""Exception types raised by cdtext.

Library code raises these; the command line turns them into ``Error:`` lines.
Every message names the input, what is wrong and, where possible, what to do.
"""

from __future__ import annotations


class CdtextError(Exception):
    """Base class for errors a user can act on."""


class ConfigError(CdtextError, ValueError):
    """An option or setting has an invalid value."""


class StoreError(CdtextError):
    """The DuckDB store cannot be opened, read or written."""


class MetadataError(CdtextError):
    """A ``--meta`` CSV file cannot be used."""


class ExtractionError(CdtextError):
    """A document could not be read; ``status`` says how it failed.

    Raised inside format readers and turned into a ``documents`` row with
    that status and the message as its reason; never fatal to a batch.
    """

    def __init__(self, status: str, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


class ModelError(CdtextError):
    """A model file is missing, unknown, tampered with or incompatible."""


class LabelError(CdtextError):
    """Label files have problems; ``problems`` lists each one with its file and row."""

    def __init__(self, problems: list) -> None:  # list[cdtext.annotation.labelfile.Problem]
        self.problems = problems
        shown = "; ".join(str(p) for p in problems[:5])
        more = f" (and {len(problems) - 5} more; `cdtext labels check` lists them all)" if len(problems) > 5 else ""
        super().__init__(f"{len(problems)} problem(s) in the label files: {shown}{more}")


def is_memory_failure(exc: BaseException) -> bool:
    """A wrapped MemoryError, or a decompressor that could not allocate its buffer (readers and the worker
    boundary tell running out of memory from other failures with it)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, MemoryError) or "unable to allocate" in str(current).lower():
            return True
        inner = current.args[0] if current.args and isinstance(current.args[0], BaseException) else None
        current = inner or current.__cause__ or current.__context__
    return False
