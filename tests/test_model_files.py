"""Model files: arrays only, hash-checked against the card, exact layout. A tampered or unknown file is refused."""

from __future__ import annotations

import hashlib
import io
import json
import pickle
import shutil
import time
from pathlib import Path

import numpy as np
import pytest

from cdtext.classify.api import Classifier, default_model_path
from cdtext.classify.persist import model_paths
from cdtext.errors import ModelError


def copy_shipped(tmp_path: Path) -> Path:
    """The shipped ``standard`` model (a trained model's arrays; the default's base) as ``m``."""
    array_path, card_path = model_paths(default_model_path().with_name("standard"))
    shutil.copy(array_path, tmp_path / "m.npz")
    shutil.copy(card_path, tmp_path / "m.card.json")
    return tmp_path / "m"


def rehash(tmp_path: Path, data: bytes) -> None:
    """Write ``data`` as the model file and make the card's hash match it (an attacker who edits both)."""
    (tmp_path / "m.npz").write_bytes(data)
    card = json.loads((tmp_path / "m.card.json").read_text())
    card["sha256"] = hashlib.sha256(data).hexdigest()
    (tmp_path / "m.card.json").write_text(json.dumps(card))


def rewrite(tmp_path: Path, **arrays: np.ndarray) -> None:
    """Replace or add arrays in the copied model file, with a matching hash in its card."""
    with np.load(tmp_path / "m.npz") as archive:
        merged = {k: archive[k] for k in archive.files} | arrays
    buffer = io.BytesIO()
    np.savez(buffer, **merged)
    rehash(tmp_path, buffer.getvalue())


def test_shipped_model_loads_quickly_and_card_is_complete() -> None:
    start = time.perf_counter()
    clf = Classifier.load()
    clf.predict(["The mayor met the Consul General of Japan."])
    assert time.perf_counter() - start < 30  # generous; bench/startup.py measures it properly
    card = clf.card
    for key in ("labels", "thresholds", "training_corpus", "metrics", "libraries", "created", "sha256", "format"):
        assert key in card, key
    assert card["metrics"]["real_cv"]["macro_f1"] > 0
    assert card["metrics"]["held_out"]["macro_f1"] > 0
    assert card["training_corpus"]["labels"], "the shipped model is trained on the real-text labels"


@pytest.mark.parametrize("name", ["default", "standard", "fast"])
def test_each_shipped_card_names_its_own_file_and_hash(name: str) -> None:
    # a card copied or renamed from another model would name that model's file ("standard" once said default.npz)
    array_path, card_path = model_paths(default_model_path().with_name(name))
    card = json.loads(card_path.read_text())
    assert card["file"] == array_path.name
    assert card["sha256"] == hashlib.sha256(array_path.read_bytes()).hexdigest()


def test_tampered_model_is_refused(tmp_path: Path) -> None:
    base = copy_shipped(tmp_path)
    data = bytearray((tmp_path / "m.npz").read_bytes())
    data[len(data) // 2] ^= 0xFF
    (tmp_path / "m.npz").write_bytes(bytes(data))
    with pytest.raises(ModelError, match="does not match the card"):
        Classifier.load(base)


def test_pickle_renamed_is_refused_even_with_a_matching_hash(tmp_path: Path) -> None:
    base = copy_shipped(tmp_path)
    rehash(tmp_path, pickle.dumps({"not": "a model"}))
    with pytest.raises(ModelError, match="not a readable cdtext model file"):
        Classifier.load(base)


def test_object_arrays_are_refused(tmp_path: Path) -> None:
    base = copy_shipped(tmp_path)
    rewrite(tmp_path, coef=np.array([{"payload": 1}], dtype=object))
    with pytest.raises(ModelError, match="not a readable cdtext model file"):
        Classifier.load(base)


def test_unexpected_or_misshapen_arrays_are_refused(tmp_path: Path) -> None:
    base = copy_shipped(tmp_path)
    rewrite(tmp_path, surprise=np.zeros(3))
    with pytest.raises(ModelError, match="unexpected arrays"):
        Classifier.load(base)
    copy_shipped(tmp_path)
    with np.load(tmp_path / "m.npz") as archive:
        thresholds = archive["thresholds"]
    rewrite(tmp_path, thresholds=thresholds[:3])
    with pytest.raises(ModelError, match="do not fit together"):
        Classifier.load(base)


def test_missing_card_is_refused(tmp_path: Path) -> None:
    base = copy_shipped(tmp_path)
    (tmp_path / "m.card.json").unlink()
    with pytest.raises(ModelError, match="model card not found"):
        Classifier.load(base)


def test_changed_encoder_is_refused(tmp_path: Path) -> None:
    base = copy_shipped(tmp_path)
    card = json.loads((tmp_path / "m.card.json").read_text())
    if "encoder" not in card:
        pytest.skip("the shipped model uses no encoder")
    card["encoder"]["sha256"]["model.safetensors"] = "0" * 64
    (tmp_path / "m.card.json").write_text(json.dumps(card))
    with pytest.raises(ModelError, match="does not match the model card"):
        Classifier.load(base)


def test_cli_reports_refusal_as_error_line(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from cdtext.cli import main

    base = copy_shipped(tmp_path)
    (tmp_path / "m.npz").write_bytes(b"garbage")
    table = tmp_path / "t.csv"
    table.write_text("text\nThe mayor met the consul.\n")
    result = CliRunner().invoke(main, ["classify", str(table), "--model", str(base)])
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: refusing to load {tmp_path / 'm.npz'}")
