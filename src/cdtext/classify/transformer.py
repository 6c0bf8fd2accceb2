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
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from cdtext.errors import ModelError

TRANSFORMER_FILES = ("model.onnx", "tokenizer.json")
#: tokens per passage (the length the network was fine-tuned with); longer passages are cut
MAX_TOKENS = 128


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

    def scores(self, texts: Sequence[str]) -> np.ndarray:
        """``(n, k)`` raw scores (logits), one row per passage in the order given.

        Each passage goes through the network alone: the int8 network scales its activations over the whole
        input, so in a padded batch a passage's scores would depend on the passages beside it. Alone, they do
        not, and on one core it is also faster than batches of 32 (no padding).
        """
        tokenizer, session = _load(str(self.folder))
        rows = []
        for encoding in tokenizer.encode_batch([str(t) for t in texts]):  # type: ignore[attr-defined]
            ids = np.asarray([encoding.ids], dtype=np.int64)
            feed = {"input_ids": ids, "attention_mask": np.ones_like(ids)}
            rows.append(session.run(None, feed)[0][0])  # type: ignore[attr-defined]
        if not rows:
            return np.zeros((0, 0), dtype=np.float32)
        return np.asarray(np.stack(rows), dtype=np.float32)
