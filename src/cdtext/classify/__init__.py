"""Passage classification: lexicon baseline, trained model, persistence, evaluation."""

from __future__ import annotations

from typing import Any

__all__ = ["Classifier"]


def __getattr__(name: str) -> Any:
    if name == "Classifier":
        from cdtext.classify.api import Classifier

        return Classifier
    raise AttributeError(name)
