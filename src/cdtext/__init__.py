"""cdtext: text mining for city diplomacy documents.

Ingest PDF, HTML and text documents into passages with provenance, classify
each passage by the five functions of city diplomacy and by policy
orientation, and profile cities as function-driven or policy-driven.

The public API is imported lazily so that ``import cdtext`` and
``cdtext --help`` stay fast.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

__all__ = [
    "__version__",
    "Classifier",
    "IngestConfig",
    "VerdictRule",
    "agreement",
    "annotate",
    "check_labels",
    "compare",
    "evidence",
    "extract_partners",
    "ingest",
    "profile",
    "read_documents",
    "read_partners",
    "read_passages",
    "read_labels",
    "read_predictions",
    "train",
]

_LAZY = {
    "Classifier": ("cdtext.classify.api", "Classifier"),
    "IngestConfig": ("cdtext.ingestion.config", "IngestConfig"),
    "VerdictRule": ("cdtext.aggregate", "VerdictRule"),
    "agreement": ("cdtext.annotation.api", "agreement"),
    "annotate": ("cdtext.annotation.sample", "annotate"),
    "check_labels": ("cdtext.annotation.api", "check_labels"),
    "compare": ("cdtext.aggregate", "compare"),
    "evidence": ("cdtext.aggregate", "evidence"),
    "extract_partners": ("cdtext.partners", "extract_partners"),
    "read_partners": ("cdtext.store", "read_partners"),
    "ingest": ("cdtext.ingestion.driver", "ingest"),
    "profile": ("cdtext.aggregate", "profile"),
    "read_documents": ("cdtext.store", "read_documents"),
    "read_passages": ("cdtext.store", "read_passages"),
    "read_labels": ("cdtext.annotation.api", "read_labels"),
    "read_predictions": ("cdtext.classify.batch", "read_predictions"),
    "train": ("cdtext.classify.api", "train"),
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        value = getattr(importlib.import_module(module), attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'cdtext' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
