"""Model files: hash check, trusted types, no pickle. A tampered or unknown file is refused."""

from __future__ import annotations

import json
import pickle
import shutil
from pathlib import Path

import pytest

from cdtext.classify.api import Classifier, default_model_path
from cdtext.classify.persist import load_model, model_paths, save_model
from cdtext.errors import ModelError


class NotTrusted:
    """A type outside cdtext's allow-list."""

    def __init__(self) -> None:
        self.payload = [1, 2, 3]


def copy_shipped(tmp_path: Path) -> Path:
    skops_path, card_path = model_paths(default_model_path())
    shutil.copy(skops_path, tmp_path / "m.skops")
    shutil.copy(card_path, tmp_path / "m.card.json")
    return tmp_path / "m"


def test_shipped_model_loads_and_card_is_complete() -> None:
    clf = Classifier.load()
    card = clf.card
    for key in ("labels", "thresholds", "training_corpus", "metrics", "libraries", "created", "sha256"):
        assert key in card, key
    assert card["metrics"]["held_out"]["macro_f1"] > 0
    assert card["metrics"]["cross_validated"]["macro_f1"] > 0


def test_tampered_model_is_refused(tmp_path: Path) -> None:
    base = copy_shipped(tmp_path)
    data = bytearray((tmp_path / "m.skops").read_bytes())
    data[len(data) // 2] ^= 0xFF
    (tmp_path / "m.skops").write_bytes(bytes(data))
    with pytest.raises(ModelError, match="does not match the card"):
        Classifier.load(base)


def test_pickle_renamed_to_skops_is_refused(tmp_path: Path) -> None:
    base = copy_shipped(tmp_path)
    evil = pickle.dumps({"not": "a model"})
    (tmp_path / "m.skops").write_bytes(evil)
    card = json.loads((tmp_path / "m.card.json").read_text())
    import hashlib

    card["sha256"] = hashlib.sha256(evil).hexdigest()  # even with a matching hash
    (tmp_path / "m.card.json").write_text(json.dumps(card))
    with pytest.raises(ModelError, match="not a readable skops file"):
        Classifier.load(base)


def test_untrusted_type_is_refused(tmp_path: Path) -> None:
    save_model(NotTrusted(), tmp_path / "odd", {"name": "odd"})
    with pytest.raises(ModelError, match="types cdtext does not trust"):
        load_model(tmp_path / "odd")


def test_missing_card_is_refused(tmp_path: Path) -> None:
    base = copy_shipped(tmp_path)
    (tmp_path / "m.card.json").unlink()
    with pytest.raises(ModelError, match="model card not found"):
        Classifier.load(base)


def test_cli_reports_refusal_as_error_line(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from cdtext.cli import main

    base = copy_shipped(tmp_path)
    (tmp_path / "m.skops").write_bytes(b"garbage")
    table = tmp_path / "t.csv"
    table.write_text("text\nThe mayor met the consul.\n")
    result = CliRunner().invoke(main, ["classify", str(table), "--model", str(base)])
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: refusing to load {tmp_path / 'm.skops'}")
