"""Passage texts -> dense sentence vectors from static (per-token) embeddings.

The encoder is a model2vec static model: a token embedding table distilled
from a sentence transformer (all-MiniLM-L6-v2; the recipe is
``corpus/tools/distill_encoder.py``). A passage's vector is the mean of its
tokens' vectors, so encoding costs a tokenizer call and a table lookup: tens
of thousands of passages a second on one core, no deep-learning runtime.

Encoders live in folders (``model.safetensors``, ``tokenizer.json``,
``config.json``); the shipped ones are package data under
``cdtext/models/encoders/NAME``. The SHA-256 of each file is recorded in the
model card that uses the encoder and checked before it is loaded.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from cdtext.errors import ModelError

ENCODER_FILES = ("model.safetensors", "tokenizer.json", "config.json")


def encoders_dir() -> Path:
    return Path(__file__).resolve().parents[1] / "models" / "encoders"


def encoder_path(name: str | Path) -> Path:
    """A shipped encoder's folder by name, or a folder path as given."""
    path = Path(name)
    if path.is_dir():
        return path
    shipped = encoders_dir() / str(name)
    if shipped.is_dir():
        return shipped
    raise ModelError(f"encoder {name!r} not found (neither a folder nor one of {encoders_dir()})")


def encoder_hashes(name: str | Path) -> dict[str, str]:
    from cdtext.hashing import file_sha256

    folder = encoder_path(name)
    return {f: file_sha256(folder / f) for f in ENCODER_FILES}


@functools.lru_cache(maxsize=4)
def _load(folder: str) -> object:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # a local folder: never ask a hub
    from model2vec import StaticModel

    return StaticModel.from_pretrained(folder)


class StaticEncoder:
    """Encode passages with a static embedding model; ``expected`` hashes are checked first."""

    def __init__(self, name: str | Path, expected: Mapping[str, str] | None = None) -> None:
        self.name = str(name)
        self.folder = encoder_path(name)
        if expected is not None:
            found = encoder_hashes(self.folder)
            if set(expected) != set(found):
                raise ModelError(f"encoder {self.folder}: the model card lists other files than {', '.join(found)}")
            for file, digest in expected.items():
                if found.get(file) != digest:
                    raise ModelError(
                        f"encoder {self.folder}: {file} does not match the model card's SHA-256; "
                        "the encoder was changed or replaced"
                    )

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if len(texts) == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        model = _load(str(self.folder))
        return np.asarray(model.encode(list(texts), show_progress_bar=False), dtype=np.float32)  # type: ignore[attr-defined]

    @property
    def dim(self) -> int:
        return int(_load(str(self.folder)).dim)  # type: ignore[attr-defined]
