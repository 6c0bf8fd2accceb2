"""Passage texts -> raw scores of a fine-tuned transformer, run with onnxruntime (in the shipped default model).

The network is all-MiniLM-L6-v2 fine-tuned on the real passages of
``corpus/real`` with one linear layer over its mean-pooled output: seven
scores per passage (the five functions, *any function*, policy anchoring).
It was exported once to ONNX and its weights quantised to 8-bit integers
(recipe: ``corpus/tools/finetune_encoder.py``); no deep-learning framework is
needed to run it, only ``onnxruntime``. It uses as many threads as
``OMP_NUM_THREADS`` says (onnxruntime's own choice when that is unset).

A folder holds ``model.onnx`` and ``tokenizer.json``; the shipped one is
package data under ``cdtext/models/encoders/NAME``. The SHA-256 of each file
is recorded in the model card and checked before the network is loaded.
"""

from __future__ import annotations

import functools
import hashlib
import os
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from cdtext.errors import ModelError

TRANSFORMER_FILES = ("model.onnx", "tokenizer.json")
#: tokens per passage (the length the network was fine-tuned with); longer passages are cut
MAX_TOKENS = 128
#: passages whose scores a scorer keeps for repeats (under half a kilobyte each: a digest and seven floats)
REMEMBERED = 20_000


def _session(path: str) -> object:
    try:
        import onnxruntime
    except ImportError as exc:
        raise ModelError(
            "the model's transformer needs onnxruntime, which is not installed: reinstall cdtext "
            "(pip install cdtext), or choose --model standard or fast"
        ) from exc
    options = onnxruntime.SessionOptions()
    options.log_severity_level = 3  # warnings about unused initialisers are not the user's concern
    threads = os.environ.get("OMP_NUM_THREADS", "")
    if threads.isdigit() and int(threads) > 0:  # the usual limit on numeric threads holds here too
        options.intra_op_num_threads = int(threads)
    return onnxruntime.InferenceSession(path, options, providers=["CPUExecutionProvider"])


@functools.lru_cache(maxsize=2)
def _load(folder: str) -> tuple[object, object]:
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(Path(folder) / "tokenizer.json"))
    tokenizer.no_padding()
    tokenizer.enable_truncation(MAX_TOKENS)
    return tokenizer, _session(str(Path(folder) / "model.onnx"))


def _key(text: str) -> bytes:
    """A text's 128-bit digest: what the scorer remembers it by (the texts themselves may be long)."""
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


class TransformerScorer:
    """Score passages with a fine-tuned transformer; ``expected`` file hashes are checked first."""

    def __init__(self, name: str | Path, expected: Mapping[str, str] | None = None) -> None:
        from cdtext.classify.encoder import encoder_path
        from cdtext.hashing import file_sha256

        self.name = str(name)
        self.folder = encoder_path(name)
        found = {f: file_sha256(self.folder / f) for f in TRANSFORMER_FILES if (self.folder / f).exists()}
        if len(found) < len(TRANSFORMER_FILES):
            raise ModelError(f"transformer {self.folder}: needs {' and '.join(TRANSFORMER_FILES)}")
        if expected is not None:
            if set(expected) != set(found):
                raise ModelError(f"transformer {self.folder}: the model card lists other files than {', '.join(found)}")
            for file, digest in expected.items():
                if found[file] != digest:
                    raise ModelError(
                        f"transformer {self.folder}: {file} does not match the model card's SHA-256; "
                        "the network was changed or replaced"
                    )
        self.sha256 = found
        self._seen: dict[bytes, np.ndarray] = {}
        self._lock = threading.Lock()

    def scores(self, texts: Sequence[str]) -> np.ndarray:
        """``(n, k)`` raw scores (logits), one row per passage in the order given.

        Each passage goes through the network alone: the int8 network scales its activations over the whole
        input, so in a padded batch a passage's scores would depend on the passages beside it. Alone, they do
        not, and on one core it is also faster than batches of 32 (no padding). For the same reason a text
        met again (here or in an earlier call) is not run twice.
        """
        texts = [str(t) for t in texts]
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        keys = [_key(t) for t in texts]
        distinct = dict(zip(keys, texts))
        with self._lock:
            got = {k: self._seen.pop(k) for k in distinct if k in self._seen}
            self._seen.update(got)  # met again: now the most recent
        new = [k for k in distinct if k not in got]
        if new:
            tokenizer, session = _load(str(self.folder))
            for key, encoding in zip(new, tokenizer.encode_batch([distinct[k] for k in new])):  # type: ignore[attr-defined]
                ids = np.asarray([encoding.ids], dtype=np.int64)
                feed = {"input_ids": ids, "attention_mask": np.ones_like(ids)}
                got[key] = np.asarray(session.run(None, feed)[0][0], dtype=np.float32)  # type: ignore[attr-defined]
                self._remember(key, got[key])
        return np.stack([got[k] for k in keys])

    def _remember(self, key: bytes, row: np.ndarray) -> None:
        """Keep a passage's scores (under its text's digest) for the next time the same text comes (minutes and
        releases repeat their boilerplate): a passage's scores depend on its text alone, so a repeat costs
        nothing; beyond :data:`REMEMBERED` texts, the one met longest ago goes first."""
        with self._lock:  # a classifier may be shared between threads
            self._seen[key] = row
            while len(self._seen) > REMEMBERED:
                del self._seen[next(iter(self._seen))]
